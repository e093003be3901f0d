/** /api/v1 lookups, index status and the flood quarantine. */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { MatchQuery } from '../../matching/matcher.js';
import { HttpError } from '../errors.js';
import { Permission } from '../permissions.js';
import type { MatchingServices, RouteContext } from '../services.js';
import {
  batchLookupBody,
  batchLookupOut,
  errorResponses,
  lookupOut,
  lookupQuery,
  MAX_BATCH,
  toLookupOut,
} from './v1-schemas.js';

const MATCHING = ['Matching'];

const indexStatusOut = z.object({
  state: z.enum(['empty', 'loading', 'ready', 'stopped']),
  counts: z.object({ pdq: z.number(), md5: z.number(), sha256: z.number(), vpdq: z.number() }),
  change_seq: z.number().int(),
  load_started_at: z.string().nullable(),
  loaded_at: z.string().nullable(),
  load_seconds: z.number().nullable(),
  bytes: z.number().int(),
});

const heldOut = z.object({
  signal_id: z.number().int(),
  content_id: z.number().int().nullable(),
  bank_id: z.number().int().nullable(),
  since: z.string(),
  reason: z.string(),
});

function toMatchQuery(q: z.infer<typeof lookupQuery>): MatchQuery {
  return {
    ...(q.pdq ? { pdq: q.pdq.toLowerCase() } : {}),
    ...(q.quality !== undefined ? { quality: q.quality } : {}),
    // The matcher treats the dihedral list as all orientations; the plain hash counts as one.
    ...(q.dihedral ? { pdqDihedral: q.dihedral.map((h) => h.toLowerCase()) } : {}),
    ...(q.md5 ? { md5: q.md5.toLowerCase() } : {}),
    ...(q.sha256 ? { sha256: q.sha256.toLowerCase() } : {}),
  };
}

export function v1MatchingRoutes(root: FastifyInstance, { services }: RouteContext): void {
  const app = root.withTypeProvider<ZodTypeProvider>();

  app.post(
    '/api/v1/lookup',
    {
      config: { permission: Permission.MatchRead },
      schema: {
        tags: MATCHING,
        summary: 'Match one set of hashes against every enabled bank, with each bank’s rules',
        body: lookupQuery,
        response: { 200: lookupOut, ...errorResponses },
      },
    },
    async (request) =>
      toLookupOut(await services.matcher.lookup(toMatchQuery(request.body)), caseReader(request, services)),
  );

  app.post(
    '/api/v1/lookup/batch',
    {
      config: { permission: Permission.MatchRead },
      schema: {
        tags: MATCHING,
        summary: `Match up to ${MAX_BATCH} queries in one request; results in query order`,
        body: batchLookupBody,
        response: { 200: batchLookupOut, ...errorResponses },
      },
    },
    async (request) => {
      const results = [];
      const mayRead = caseReader(request, services);
      for (const q of request.body.queries)
        results.push(toLookupOut(await services.matcher.lookup(toMatchQuery(q)), mayRead));
      return { results };
    },
  );

  app.get(
    '/api/v1/index/status',
    {
      config: { permission: Permission.MatchRead },
      schema: {
        tags: MATCHING,
        summary: 'State of the in-memory index',
        response: { 200: indexStatusOut, ...errorResponses },
      },
    },
    async () => {
      const s = services.index.status();
      return {
        state: s.state,
        counts: s.counts,
        change_seq: s.changeSeq,
        load_started_at: s.loadStartedAt,
        loaded_at: s.loadedAt,
        load_seconds: s.loadSeconds,
        bytes: s.bytes,
      };
    },
  );

  app.get(
    '/api/v1/quarantine',
    {
      config: { permission: Permission.QuarantineRead },
      schema: {
        tags: MATCHING,
        summary: 'Signals held for flooding: their matches are returned with held=true until released',
        response: { 200: z.object({ held: z.array(heldOut) }), ...errorResponses },
      },
    },
    async () => ({
      held: services.flood.heldSignals().map((h) => {
        const known = services.index.signals.has(h.signalId);
        return {
          signal_id: h.signalId,
          content_id: known ? services.index.signals.contentOf(h.signalId) : null,
          bank_id: known ? services.index.signals.bankOf(h.signalId) : null,
          since: h.since.toISOString(),
          reason: h.reason,
        };
      }),
    }),
  );

  app.post(
    '/api/v1/quarantine/:signalId/release',
    {
      config: { permission: Permission.QuarantineRelease },
      schema: {
        tags: MATCHING,
        summary: 'Release a held signal after review: its matches count again',
        params: z.object({ signalId: z.coerce.number().int().positive() }),
        response: { 200: z.object({ signal_id: z.number().int(), released: z.boolean() }), ...errorResponses },
      },
    },
    async (request) => {
      const { signalId } = request.params;
      if (!services.flood.release(signalId)) throw new HttpError(404, `signal ${signalId} is not held`);
      request.log.info({ signalId, keyId: request.apiKey?.id }, 'quarantined signal released');
      return { signal_id: signalId, released: true };
    },
  );
}

/**
 * Case references are shown only to callers of the bank's own organisation (in a
 * single-tenant set-up, banks and keys without an organisation are one tenant).
 */
function caseReader(request: FastifyRequest, services: MatchingServices): (bankId: number) => boolean {
  const p = request.principal;
  if (!p) return () => false;
  return (bankId) => services.matcher.bankOrganisation(bankId) === p.organisationId;
}

/**
 * /api/v1/victims: victims' registrations, the public side (src/cases/victims.ts).
 *
 * The victim's routes are public and authenticate with case number and PIN in
 * the JSON body, never in the URL (URLs end up in logs and proxies). They are
 * rate-limited per client address on top of the per-case PIN lockout, with small
 * body limits. Answers that carry credentials are `Cache-Control: no-store`.
 * Nothing about the caller (address, user agent) is stored; the limiter keeps
 * addresses in memory for its window only.
 *
 * The hotline an organisation runs (its public slug) is set by its admins
 * (Permission.SourceManage: a hotline is a source of hashes from the public).
 */
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { AccountsConfig } from '../../accounts/index.js';
import { DEFAULT_VICTIM_CREDENTIAL_POLICY, type VictimCredentialPolicy } from '../../cases/victim-credentials.js';
import { getHotline, type Hotline, listOpenHotlines, setHotline } from '../../cases/victim-hotlines.js';
import { DEFAULT_CHILD_PROTECTION_RESOURCES, type HelpResource, VICTIM_MESSAGES } from '../../cases/victim-messages.js';
import { type TakedownCounter, takedownCountsFromTable, victimStatus } from '../../cases/victim-status.js';
import { withdrawVictimHashes } from '../../cases/victim-withdrawal.js';
import {
  authenticateVictim,
  MAX_VICTIM_HASHES,
  recoverVictimCredentials,
  registerVictim,
  type VictimDeps,
} from '../../cases/victims.js';
import { VICTIM_PATHS } from '../../db/schema-victims.js';
import { HttpError } from '../errors.js';
import { Permission } from '../permissions.js';
import { applyWrites, type RouteContext } from '../services.js';
import { mapCaseErrors } from './v1-cases.js';
import { errorBody, errorResponses as errors } from './v1-schemas.js';
import { callerOrganisation } from './v1-users.js';

const VICTIMS = ['Victims'];
const limited = { ...errors, 429: errorBody };
const isoTime = z.string().describe('ISO 8601 time');

export interface VictimRouteOptions {
  /** Registrations per client address and hour (default 30: shared mobile NATs are common). */
  registrationsPerHour?: number;
  /** Status, withdrawal and recovery requests per client address and minute (default 30). */
  attemptsPerMinute?: number;
  policy?: VictimCredentialPolicy;
  /** Counts a case's takedowns; default reads the takedowns table when there is one. */
  takedowns?: TakedownCounter;
  /** Where someone under 18 is pointed besides the hotline's own team. */
  childProtectionResources?: readonly HelpResource[];
}

const hex = (digits: number) =>
  z.string().regex(new RegExp(`^[0-9a-fA-F]{${digits}}$`), `must be ${digits} hex digits`);
const quality = z.number().int().min(0).max(100);

const hashIn = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('pdq'), hash: hex(64), quality: quality.optional() }),
  z.strictObject({ type: z.literal('md5'), hash: hex(32) }),
  z.strictObject({
    type: z.literal('vpdq'),
    frames: z
      .array(
        z.strictObject({
          frame_number: z.number().int().min(0),
          quality,
          hash: hex(64),
          timestamp_s: z.number().min(0),
        }),
      )
      .min(1)
      .max(20_000),
    quality: quality.optional(),
  }),
]);

const registrationBody = z.strictObject({
  organisation: z
    .string()
    .trim()
    .min(1)
    .max(63)
    .describe("the slug of the organisation's hotline (GET /api/v1/victims/hotlines)"),
  consent: z.strictObject({
    owns_images: z.literal(true).describe('the images are of me'),
    consent_to_match: z.literal(true).describe('Perisai may match these hashes against what it scans'),
    over_18: z.boolean().describe('false routes the registration to the child-protection path'),
  }),
  hashes: z.array(hashIn).min(1).max(MAX_VICTIM_HASHES).describe('hashes only, computed on your device; never images'),
});

const credentials = {
  case_number: z.string().max(40).describe('PS-YYYY-NNNNNN'),
  pin: z.string().max(64).describe('the 10-digit PIN; spaces and dashes are ignored'),
};
const statusBody = z.strictObject(credentials);
const withdrawBody = z.strictObject({
  ...credentials,
  content_ids: z.array(z.number().int().positive()).min(1).max(1000).optional().describe('default: every hash'),
});
const recoverBody = z.strictObject({
  case_number: credentials.case_number,
  recovery_code: z.string().max(80).describe('the recovery code shown at registration'),
});

const credentialsOut = z.object({
  case_number: z.string(),
  pin: z.string().describe('shown once; 10 digits'),
  recovery_code: z.string().describe('shown once; gives a new PIN if the PIN is lost'),
});
const registrationOut = credentialsOut.extend({
  path: z.enum(VICTIM_PATHS),
  content_ids: z.array(z.number().int()).describe('one per hash; for withdrawing single hashes'),
  message: z.string(),
  resources: z.array(z.object({ name: z.string(), url: z.string() })),
});
const statusOut = z.object({
  case_number: z.string(),
  path: z.enum(VICTIM_PATHS),
  hashes: z.object({
    active: z.number().int(),
    paused: z.number().int().describe('held back by the hotline for now'),
    withdrawn: z.number().int(),
    items: z.array(
      z.object({
        id: z.number().int(),
        type: z.string(),
        status: z.enum(['active', 'disabled', 'withdrawn']),
        hash_prefix: z.string(),
        registered_at: isoTime,
      }),
    ),
  }),
  matches: z.object({ count: z.number().int(), last_seen_at: isoTime.nullable() }),
  takedowns: z.object({ sent: z.number().int(), removed: z.number().int() }),
});
const withdrawOut = z.object({
  outcome: z.enum(['withdrawn', 'referred']).describe('referred: child-protection path, the team decides'),
  withdrawn: z.array(z.number().int()),
  already_withdrawn: z.array(z.number().int()),
  message: z.string(),
});
const hotlineOut = z.object({ slug: z.string(), public_name: z.string(), open: z.boolean(), updated_at: isoTime });
const hotlineBody = z.strictObject({
  slug: z.string().max(63).describe('public name in URLs and forms: 2-63 of a-z 0-9 -'),
  public_name: z.string().trim().min(1).max(200),
  open: z.boolean().optional().describe('default true; false stops new registrations'),
});

function toHotlineOut(h: Hotline): z.infer<typeof hotlineOut> {
  return { slug: h.slug, public_name: h.publicName, open: h.open, updated_at: h.updatedAt.toISOString() };
}

function noStore(reply: FastifyReply): FastifyReply {
  return reply.header('cache-control', 'no-store');
}

export function v1VictimRoutes(
  root: FastifyInstance,
  ctx: RouteContext,
  accounts: AccountsConfig,
  options: VictimRouteOptions = {},
): void {
  const app = root.withTypeProvider<ZodTypeProvider>();
  const { services } = ctx;
  const deps = (): VictimDeps => ({
    db: services.database.db,
    passwords: accounts.passwords,
    clock: accounts.clock,
    policy: options.policy ?? DEFAULT_VICTIM_CREDENTIAL_POLICY,
  });
  const resources = options.childProtectionResources ?? DEFAULT_CHILD_PROTECTION_RESOURCES;
  const registerLimit = { max: options.registrationsPerHour ?? 30, timeWindow: 60 * 60_000 };
  const attemptLimit = { max: options.attemptsPerMinute ?? 30, timeWindow: 60_000 };
  const smallBody = 4 * 1024;

  app.get(
    '/api/v1/victims/hotlines',
    {
      config: { public: true, rateLimit: attemptLimit },
      schema: {
        tags: VICTIMS,
        summary: 'The hotlines that take registrations: pick one by its slug',
        security: [],
        response: {
          200: z.object({ hotlines: z.array(z.object({ slug: z.string(), name: z.string() })) }),
          ...limited,
        },
      },
    },
    async () => ({
      hotlines: (await listOpenHotlines(services.database.db)).map((h) => ({ slug: h.slug, name: h.publicName })),
    }),
  );

  app.post(
    '/api/v1/victims/registrations',
    {
      bodyLimit: 512 * 1024,
      config: { public: true, rateLimit: registerLimit },
      schema: {
        tags: VICTIMS,
        summary: 'Register hashes of your own images (never the images); get a case number, PIN and recovery code',
        security: [],
        body: registrationBody,
        response: { 201: registrationOut, ...limited },
      },
    },
    async (request, reply) => {
      const b = request.body;
      const registration = await mapCaseErrors(
        registerVictim(deps(), {
          hotline: b.organisation,
          consent: { ownsImages: true, consentToMatch: true, over18: b.consent.over_18 },
          hashes: b.hashes.map((h) =>
            h.type !== 'vpdq'
              ? h
              : {
                  type: 'vpdq' as const,
                  ...(h.quality !== undefined ? { quality: h.quality } : {}),
                  frames: h.frames.map((f) => ({
                    frameNumber: f.frame_number,
                    quality: f.quality,
                    hash: f.hash,
                    timestampS: f.timestamp_s,
                  })),
                },
          ),
        }),
      );
      await applyWrites(services);
      const minor = registration.path === 'child_protection';
      return noStore(reply)
        .code(201)
        .send({
          case_number: registration.caseNumber,
          pin: registration.pin,
          recovery_code: registration.recoveryCode,
          path: registration.path,
          content_ids: registration.contentIds,
          message: minor ? VICTIM_MESSAGES.registeredUnder18 : VICTIM_MESSAGES.registered,
          resources: minor ? [...resources] : [],
        });
    },
  );

  app.post(
    '/api/v1/victims/status',
    {
      bodyLimit: smallBody,
      config: { public: true, rateLimit: attemptLimit },
      schema: {
        tags: VICTIMS,
        summary: 'Your hashes, how often they matched, and the takedowns sent (counts only; never media)',
        security: [],
        body: statusBody,
        response: { 200: statusOut, ...limited },
      },
    },
    async (request, reply) => {
      const d = deps();
      const session = await mapCaseErrors(authenticateVictim(d, request.body.case_number, request.body.pin));
      const status = await victimStatus(d.db, session, options.takedowns ?? takedownCountsFromTable);
      return noStore(reply).send({
        case_number: status.caseNumber,
        path: status.path,
        hashes: {
          active: status.hashes.active,
          paused: status.hashes.paused,
          withdrawn: status.hashes.withdrawn,
          items: status.hashes.items.map((i) => ({
            id: i.id,
            type: i.type,
            status: i.status,
            hash_prefix: i.hashPrefix,
            registered_at: i.registeredAt.toISOString(),
          })),
        },
        matches: { count: status.matches.count, last_seen_at: status.matches.lastSeenAt?.toISOString() ?? null },
        takedowns: status.takedowns,
      });
    },
  );

  app.post(
    '/api/v1/victims/withdraw',
    {
      bodyLimit: 32 * 1024,
      config: { public: true, rateLimit: attemptLimit },
      schema: {
        tags: VICTIMS,
        summary: 'Withdraw some or all of your hashes: they stop matching at once, everywhere',
        security: [],
        body: withdrawBody,
        response: { 200: withdrawOut, 202: withdrawOut, ...limited },
      },
    },
    async (request, reply) => {
      const d = deps();
      const b = request.body;
      const session = await mapCaseErrors(authenticateVictim(d, b.case_number, b.pin));
      const result = await mapCaseErrors(withdrawVictimHashes(d, session, b.content_ids));
      if (result.outcome === 'referred') {
        return noStore(reply).code(202).send({
          outcome: 'referred',
          withdrawn: [],
          already_withdrawn: [],
          message: VICTIM_MESSAGES.withdrawalReferred,
        });
      }
      // This process's index drops them before the answer goes out; others follow the feed.
      await applyWrites(services);
      return noStore(reply).send({
        outcome: 'withdrawn',
        withdrawn: result.withdrawn,
        already_withdrawn: result.alreadyWithdrawn,
        message: VICTIM_MESSAGES.withdrawn(result.withdrawn.length),
      });
    },
  );

  app.post(
    '/api/v1/victims/recover',
    {
      bodyLimit: smallBody,
      config: { public: true, rateLimit: attemptLimit },
      schema: {
        tags: VICTIMS,
        summary: 'Lost PIN: a new PIN and a new recovery code for the recovery code; the old ones stop working',
        security: [],
        body: recoverBody,
        response: { 200: credentialsOut, ...limited },
      },
    },
    async (request, reply) => {
      const b = request.body;
      const renewed = await mapCaseErrors(recoverVictimCredentials(deps(), b.case_number, b.recovery_code));
      return noStore(reply).send({
        case_number: renewed.caseNumber,
        pin: renewed.pin,
        recovery_code: renewed.recoveryCode,
      });
    },
  );

  app.get(
    '/api/v1/victims/hotline',
    {
      config: { permission: Permission.SourceManage },
      schema: {
        tags: VICTIMS,
        summary: "Your organisation's hotline for victims' registrations",
        response: { 200: hotlineOut, ...errors },
      },
    },
    async (request) => {
      const hotline = await getHotline(services.database.db, callerOrganisation(request));
      if (!hotline)
        throw new HttpError(404, 'your organisation has no hotline: open one with PUT /api/v1/victims/hotline');
      return toHotlineOut(hotline);
    },
  );

  app.put(
    '/api/v1/victims/hotline',
    {
      config: { permission: Permission.SourceManage },
      schema: {
        tags: VICTIMS,
        summary: "Open, rename or close your organisation's hotline (audited)",
        body: hotlineBody,
        response: { 200: hotlineOut, ...errors },
      },
    },
    async (request) => {
      const b = request.body;
      const org = callerOrganisation(request);
      const hotline = await mapCaseErrors(
        setHotline(
          services.database.db,
          org,
          { slug: b.slug, publicName: b.public_name, ...(b.open !== undefined ? { open: b.open } : {}) },
          accounts.clock(),
        ),
      );
      await request.audit({
        action: 'victim_hotline.set',
        target: `organisation:${org}`,
        purpose: 'hotline administration',
        details: { slug: hotline.slug, open: hotline.open },
      });
      return toHotlineOut(hotline);
    },
  );
}

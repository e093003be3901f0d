/**
 * /api/v1/lineage: which channels probably continue a reported one (issue 7 §7).
 *
 * A check profiles the channel from what scans stored, compares it with every
 * other channel, records probable successors as links and alerts the caller's
 * organisation's cases that hold the channel. Channel data comes from the shared
 * scan pipeline; which cases are named or alerted is always the caller's
 * organisation's only. Checks, reads and verdicts are audited.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { type Kysely, sql } from 'kysely';
import { z } from 'zod';
import { channelAliases, channelKey } from '../../cases/lineage/keys.js';
import { type ChannelLink, getLink, listLinks, setLinkStatus } from '../../cases/lineage/links.js';
import { loadProfiles } from '../../cases/lineage/profile.js';
import { findSuccessors, type LineageCheck } from '../../cases/lineage/successors.js';
import { DEFAULT_LINK_THRESHOLD, LINEAGE_WEIGHTS } from '../../core/lineage/score.js';
import type { Schema } from '../../db/schema.js';
import { CHANNEL_LINK_STATUSES } from '../../db/schema-lineage.js';
import { HttpError } from '../errors.js';
import { Permission } from '../permissions.js';
import type { RouteContext } from '../services.js';
import { errorResponses as errors } from './v1-schemas.js';
import { callerOrganisation } from './v1-users.js';

const LINEAGE = ['Lineage'];
const isoTime = z.string().describe('ISO 8601 time');
const DEFAULT_PURPOSE = 'case work';

const channelOut = z.object({
  source: z.string(),
  chat_id: z.string(),
  key: z.string().describe('one name per chat across sources: tg:#<id> for Telegram channels, as tip keys'),
  title: z.string().nullable(),
});

const profileOut = channelOut.extend({
  media_hashes: z.number().int().describe('distinct MD5 and PDQ hashes of its media'),
  forward_sources: z.array(z.string()),
  admins: z.array(z.string()),
  messages: z.number().int(),
  first_seen: isoTime.nullable(),
  last_seen: isoTime.nullable(),
});

const evidenceOut = z
  .record(z.string(), z.unknown())
  .describe('media {score, jaccard, overlap, shared, sizes, method, sample}, forwards, title, admins, weights');

const successorOut = z.object({
  channel: channelOut,
  relation: z.enum(['successor', 'predecessor']).describe('successor: first seen after the checked channel'),
  score: z.number().min(0).max(1),
  link_id: z.number().int().nullable(),
  status: z.enum(CHANNEL_LINK_STATUSES).nullable(),
  evidence: evidenceOut,
  alerted_cases: z.array(z.string()).describe("the caller's cases alerted by this check"),
});

const checkOut = z.object({
  threshold: z.number(),
  weights: z.record(z.string(), z.number()),
  checked: z.array(
    z.object({
      channel: profileOut,
      candidates: z.number().int(),
      cases: z.array(z.string()).describe("the caller's cases that hold this channel"),
      successors: z.array(successorOut),
    }),
  ),
});

const linkOut = z.object({
  id: z.number().int(),
  from: channelOut.describe('the older channel'),
  to: channelOut.describe('its probable successor'),
  score: z.number(),
  status: z.enum(CHANNEL_LINK_STATUSES),
  evidence: evidenceOut,
  cases: z.array(z.string()).describe("the caller's cases alerted about this link"),
  created_at: isoTime,
  updated_at: isoTime,
});

const purpose = z.string().trim().min(1).max(500).optional().describe('why: kept in the audit trail');
const chatParams = z.object({ chatId: z.string().trim().min(1).max(200) });
const checkBody = z
  .strictObject({
    source: z.string().min(1).max(64).optional().describe('only this source (default: every source holding the chat)'),
    threshold: z.number().min(0.05).max(1).optional().describe(`default ${DEFAULT_LINK_THRESHOLD}`),
    purpose,
  })
  .optional();
const linksQuery = z.object({
  chat: z.string().trim().min(1).max(200).describe('chat id in any spelling (-100…, bare id, tg:#…)'),
  status: z.enum(CHANNEL_LINK_STATUSES).optional(),
  limit: z.coerce.number().int().min(1).max(1000).optional(),
  purpose,
});
const linkParams = z.object({ id: z.coerce.number().int().positive() });
const linkPatch = z.strictObject({ status: z.enum(CHANNEL_LINK_STATUSES), purpose });

function purposeOf(request: FastifyRequest, given: string | undefined): string {
  const header = request.headers['x-purpose'];
  const fromHeader = typeof header === 'string' ? header.trim().slice(0, 500) : '';
  return fromHeader || given || DEFAULT_PURPOSE;
}

function toCheckOut(check: LineageCheck) {
  const p = check.channel;
  return {
    channel: {
      source: p.source,
      chat_id: p.chatId,
      key: p.key,
      title: p.title,
      media_hashes: p.mediaCount,
      forward_sources: p.forwards.map((e) => e.label),
      admins: p.admins.map((e) => e.label),
      messages: p.messageCount,
      first_seen: p.firstSeen?.toISOString() ?? null,
      last_seen: p.lastSeen?.toISOString() ?? null,
    },
    candidates: check.candidates,
    cases: check.cases,
    successors: check.matches.map((m) => ({
      channel: { source: m.channel.source, chat_id: m.channel.chatId, key: m.channel.key, title: m.channel.title },
      relation: m.relation,
      score: m.score,
      link_id: m.link?.id ?? null,
      status: m.link?.status ?? null,
      evidence: m.evidence as unknown as Record<string, unknown>,
      alerted_cases: m.alerted,
    })),
  };
}

/** The chat ids a query may name: as given and its other Telegram spellings. */
function chatIdsOf(chat: string): string[] {
  const key = chat.startsWith('tg:#') ? chat : channelKey('telegram-bot', chat);
  const bare = /^tg:#(\d+)$/.exec(key);
  return [...new Set([chat, ...(bare ? channelAliases('telegram-bot', `-100${bare[1]}`) : [])])];
}

/** Links out, with channel titles and the caller's cases alerted about each. */
async function linksOut(db: Kysely<Schema>, links: ChannelLink[], organisationId: number) {
  const profiles = await loadProfiles(
    db,
    links.flatMap((l) => [l.from, l.to]),
  );
  const title = new Map(profiles.map((p) => [`${p.source}\u0000${p.chatId}`, p.title]));
  const cases = new Map<number, string[]>();
  if (links.length > 0) {
    const { rows } = await sql<{ link_id: string; reference: string }>`
      select distinct e.details->>'link_id' as link_id, c.reference
      from case_events e join cases c on c.id = e.case_id
      where e.kind = 'lineage' and c.org_id = ${organisationId}
        and e.details->>'link_id' in (${sql.join(links.map((l) => String(l.id)))})`.execute(db);
    for (const r of rows) cases.set(Number(r.link_id), [...(cases.get(Number(r.link_id)) ?? []), r.reference]);
  }
  const channel = (c: ChannelLink['from']) => ({
    source: c.source,
    chat_id: c.chatId,
    key: channelKey(c.source, c.chatId),
    title: title.get(`${c.source}\u0000${c.chatId}`) ?? null,
  });
  return links.map((l) => ({
    id: l.id,
    from: channel(l.from),
    to: channel(l.to),
    score: l.score,
    status: l.status,
    evidence: l.evidence,
    cases: (cases.get(l.id) ?? []).sort(),
    created_at: l.createdAt.toISOString(),
    updated_at: l.updatedAt.toISOString(),
  }));
}

export function v1LineageRoutes(root: FastifyInstance, ctx: RouteContext): void {
  const app = root.withTypeProvider<ZodTypeProvider>();
  const { services } = ctx;

  app.post(
    '/api/v1/lineage/channels/:chatId/check',
    {
      config: { permission: Permission.CaseWrite },
      schema: {
        tags: LINEAGE,
        summary: 'Find the probable successors of a channel; record links and alert its cases (audited)',
        description:
          'Compares the channel with every scanned channel on media hashes (MinHash/LSH, exact recount), forward sources, ' +
          `title and admins. Score weights ${JSON.stringify(LINEAGE_WEIGHTS)}, renormalised over what the channel has; ` +
          'a title alone never links.',
        params: chatParams,
        body: checkBody,
        response: { 200: checkOut, ...errors },
      },
    },
    async (request) => {
      const organisationId = callerOrganisation(request);
      const body = request.body ?? {};
      const { chatId } = request.params;
      const principal = request.principal!;
      const checks = await findSuccessors(
        services.database.db,
        body.source ? { source: body.source, chatId } : chatId,
        {
          organisationId,
          actor: { kind: principal.kind, id: String(principal.id) },
          ...(body.threshold !== undefined ? { threshold: body.threshold } : {}),
        },
      );
      if (checks.length === 0) throw new HttpError(404, `no scanned messages of chat ${chatId.slice(0, 60)}`);
      await request.audit({
        action: 'lineage.check',
        target: `channel:${checks[0]!.channel.key}`,
        purpose: purposeOf(request, body.purpose),
        details: {
          successors: checks.flatMap((c) => c.matches.map((m) => ({ link: m.link?.id ?? null, score: m.score }))),
        },
      });
      return {
        threshold: body.threshold ?? DEFAULT_LINK_THRESHOLD,
        weights: { ...LINEAGE_WEIGHTS },
        checked: checks.map(toCheckOut),
      };
    },
  );

  app.get(
    '/api/v1/lineage/links',
    {
      config: { permission: Permission.CaseRead },
      schema: {
        tags: LINEAGE,
        summary: 'Lineage links from or to a channel, best first (audited)',
        querystring: linksQuery,
        response: { 200: z.object({ links: z.array(linkOut) }), ...errors },
      },
    },
    async (request) => {
      const organisationId = callerOrganisation(request);
      const q = request.query;
      const links = await listLinks(services.database.db, chatIdsOf(q.chat), {
        ...(q.status ? { status: q.status } : {}),
        ...(q.limit ? { limit: q.limit } : {}),
      });
      await request.audit({
        action: 'lineage.links_read',
        target: `channel:${q.chat.slice(0, 200)}`,
        purpose: purposeOf(request, q.purpose),
        details: { links: links.length },
      });
      return { links: await linksOut(services.database.db, links, organisationId) };
    },
  );

  app.patch(
    '/api/v1/lineage/links/:id',
    {
      config: { permission: Permission.CaseWrite },
      schema: {
        tags: LINEAGE,
        summary: "An analyst's verdict on a link: confirmed, rejected (never alerted again) or probable (audited)",
        params: linkParams,
        body: linkPatch,
        response: { 200: linkOut, ...errors },
      },
    },
    async (request) => {
      const organisationId = callerOrganisation(request);
      const db = services.database.db;
      const before = await getLink(db, request.params.id);
      if (!before) throw new HttpError(404, `lineage link ${request.params.id} not found`);
      const after = (await setLinkStatus(db, before.id, request.body.status, new Date()))!;
      await request.audit({
        action: 'lineage.link_status',
        target: `lineage_link:${after.id}`,
        purpose: purposeOf(request, request.body.purpose),
        details: { from: before.status, to: after.status },
      });
      return (await linksOut(db, [after], organisationId))[0]!;
    },
  );
}

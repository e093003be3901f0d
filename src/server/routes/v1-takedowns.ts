/**
 * /api/v1/takedowns: removal notices, their sending and their status.
 *
 * Org-scoped like every people-facing route: another organisation's takedown is
 * 404, never 403. Reading needs takedown:read, every change takedown:write.
 * Sending (by e-mail or recorded as sent by hand) passes the evidence gate:
 * refused with 409 unless the evidence is preserved and logged, or the caller
 * also holds evidence:preserve and gives `override_reason` (recorded on the
 * takedown, in its history and in the audit trail). Changes are audited.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { AccountsConfig } from '../../accounts/index.js';
import {
  changeStatus,
  createTakedown,
  isTakedownError,
  listTakedownEvents,
  listTakedowns,
  previewNotice,
  recipientOf,
  recordManualSend,
  requireTakedown,
  resolveTakedownOptions,
  sendTakedown,
  TAKEDOWN_ERROR_STATUS,
  type Takedown,
  type TakedownActor,
  type TakedownOptions,
  takedownDeps,
  takedownStats,
} from '../../actions/takedowns/index.js';
import {
  createBody,
  eventOut,
  idParams,
  listQuery,
  overrideReason,
  purpose,
  removalStatsOut,
  takedownOut,
  toEventOut,
  toStatsOut,
  toTakedownOut,
} from '../../actions/takedowns/wire.js';
import { getCase } from '../../cases/cases.js';
import { TAKEDOWN_CHANNELS, TAKEDOWN_LANGUAGES } from '../../db/schema-takedowns.js';
import { HttpError } from '../errors.js';
import { Permission, type Principal } from '../permissions.js';
import type { RouteContext } from '../services.js';
import { errorBody, errorResponses } from './v1-schemas.js';
import { callerOrganisation } from './v1-users.js';

const TAGS = ['Takedowns'];
const errors = { ...errorResponses, 502: errorBody };

function actorOf(principal: Principal): TakedownActor {
  return { kind: principal.kind, id: String(principal.id) };
}

/** TakedownError → HttpError with its status and a machine-readable code. */
function httpError(err: unknown): unknown {
  if (!isTakedownError(err)) return err;
  return new HttpError(TAKEDOWN_ERROR_STATUS[err.code], err.message, { code: err.code });
}

async function mapped<T>(work: Promise<T>): Promise<T> {
  return work.catch((err: unknown) => {
    throw httpError(err);
  });
}

/** The override a caller asks for, refused at once without evidence:preserve. */
function overrideOf(request: FastifyRequest, reason: string | undefined) {
  if (reason === undefined) return undefined;
  if (!request.principal?.permissions.has(Permission.EvidencePreserve)) {
    throw new HttpError(403, 'overriding the evidence gate needs the evidence:preserve permission');
  }
  return { reason };
}

export function v1TakedownRoutes(
  root: FastifyInstance,
  ctx: RouteContext,
  accounts: AccountsConfig,
  options: TakedownOptions = {},
): void {
  const app = root.withTypeProvider<ZodTypeProvider>();
  const resolved = resolveTakedownOptions(options);
  root.addHook('onClose', async () => resolved.mailer?.close());
  const deps = () => takedownDeps(ctx.services.database.db, resolved);
  const db = () => ctx.services.database.db;

  const caseRefs = async (takedowns: Takedown[]) => {
    const ids = [...new Set(takedowns.flatMap((t) => (t.caseId ? [t.caseId] : [])))];
    if (!ids.length) return new Map<number, string>();
    const rows = await db().selectFrom('cases').select(['id', 'reference']).where('id', 'in', ids).execute();
    return new Map(rows.map((r) => [r.id, r.reference]));
  };
  const out = async (t: Takedown) =>
    toTakedownOut(t, (await caseRefs([t])).get(t.caseId ?? 0) ?? null, recipientOf(deps(), t));
  const load = (request: FastifyRequest<{ Params: { id: number } }>) =>
    mapped(requireTakedown(db(), callerOrganisation(request), request.params.id));
  const audit = (request: FastifyRequest, action: string, t: Takedown, why: string, details = {}) =>
    request.audit({ action, target: `takedown:${t.id}`, purpose: why, details });

  app.post(
    '/api/v1/takedowns',
    {
      config: { permission: Permission.TakedownWrite },
      schema: {
        tags: TAGS,
        summary: 'Open a takedown request (pending until sent)',
        body: createBody,
        response: { 201: takedownOut, ...errors },
      },
    },
    async (request, reply) => {
      const b = request.body;
      const org = callerOrganisation(request);
      const found = b.case_reference ? await getCase(db(), org, b.case_reference) : null;
      if (b.case_reference && !found) throw new HttpError(404, `case ${b.case_reference.slice(0, 40)} not found`);
      const input = {
        organisationId: org,
        caseId: found?.id ?? null,
        platform: b.platform,
        ...(b.host !== undefined ? { host: b.host } : {}),
        recipient: b.recipient ?? null,
        targetUrl: b.target_url ?? null,
        targetDescription: b.target_description ?? '',
        items: b.items,
        language: b.language,
        legalBasis: b.legal_basis,
        evidenceRef: b.evidence_ref ?? null,
        renoticeIntervalHours: b.renotice_interval_hours ?? null,
      };
      const t = await mapped(createTakedown(db(), input, actorOf(request.principal!), accounts.clock()));
      await audit(request, 'takedown.create', t, b.purpose ?? 'takedown', { platform: t.platform, host: t.host });
      return reply.code(201).send(await out(t));
    },
  );

  app.get(
    '/api/v1/takedowns',
    {
      config: { permission: Permission.TakedownRead },
      schema: {
        tags: TAGS,
        summary: "The organisation's takedowns, newest first",
        querystring: listQuery,
        response: {
          200: z.object({ takedowns: z.array(takedownOut), next_before_id: z.number().int().nullable() }),
          ...errors,
        },
      },
    },
    async (request) => {
      const q = request.query;
      const org = callerOrganisation(request);
      const found = q.case_reference ? await getCase(db(), org, q.case_reference) : null;
      if (q.case_reference && !found) return { takedowns: [], next_before_id: null };
      const limit = q.limit ?? 100;
      const list = await listTakedowns(db(), org, {
        ...(q.status ? { status: q.status } : {}),
        ...(q.platform ? { platform: q.platform } : {}),
        ...(found ? { caseId: found.id } : {}),
        ...(q.due === 'true' ? { dueAt: accounts.clock() } : {}),
        ...(q.before_id ? { beforeId: q.before_id } : {}),
        limit,
      });
      const refs = await caseRefs(list);
      return {
        takedowns: list.map((t) => toTakedownOut(t, refs.get(t.caseId ?? 0) ?? null, recipientOf(deps(), t))),
        next_before_id: list.length === limit ? list.at(-1)!.id : null,
      };
    },
  );

  app.get(
    '/api/v1/takedowns/stats',
    {
      config: { permission: Permission.TakedownRead },
      schema: {
        tags: TAGS,
        summary: 'Time-to-removal per platform and per host (hours from the first notice of a cycle)',
        response: {
          200: z.object({ platforms: z.array(removalStatsOut), hosts: z.array(removalStatsOut) }),
          ...errors,
        },
      },
    },
    async (request) => {
      const stats = await takedownStats(db(), callerOrganisation(request));
      return { platforms: stats.platforms.map(toStatsOut), hosts: stats.hosts.map(toStatsOut) };
    },
  );

  app.get(
    '/api/v1/takedowns/:id',
    {
      config: { permission: Permission.TakedownRead },
      schema: {
        tags: TAGS,
        summary: 'One takedown with its history',
        params: idParams,
        response: { 200: takedownOut.extend({ events: z.array(eventOut) }), ...errors },
      },
    },
    async (request) => {
      const t = await load(request);
      const events = await listTakedownEvents(db(), t.organisationId, t.id);
      return { ...(await out(t)), events: events.map(toEventOut) };
    },
  );

  app.get(
    '/api/v1/takedowns/:id/notice',
    {
      config: { permission: Permission.TakedownRead },
      schema: {
        tags: TAGS,
        summary: 'Preview the next notice (nothing is sent or recorded)',
        params: idParams,
        querystring: z.object({ language: z.enum(TAKEDOWN_LANGUAGES).optional() }),
        response: {
          200: z.object({
            to: z.string().nullable(),
            language: z.enum(TAKEDOWN_LANGUAGES),
            subject: z.string(),
            text: z.string(),
            html: z.string(),
          }),
          ...errors,
        },
      },
    },
    async (request) => {
      const t = await load(request);
      const notice = await mapped(previewNotice(deps(), t, request.query.language));
      return { to: recipientOf(deps(), t), ...notice };
    },
  );

  app.post(
    '/api/v1/takedowns/:id/send',
    {
      config: { permission: Permission.TakedownWrite },
      schema: {
        tags: TAGS,
        summary: 'E-mail the notice (first or again); refused (409) unless the evidence is preserved or overridden',
        params: idParams,
        body: z.strictObject({ override_reason: overrideReason, purpose }).optional(),
        response: { 200: z.object({ takedown: takedownOut, to: z.string(), message_id: z.string() }), ...errors },
      },
    },
    async (request) => {
      const override = overrideOf(request, request.body?.override_reason);
      const before = await load(request);
      const sent = await mapped(
        sendTakedown(deps(), before, {
          actor: actorOf(request.principal!),
          now: accounts.clock(),
          ...(override ? { override } : {}),
        }),
      );
      await auditSend(request, before, sent.takedown, request.body?.purpose, {
        to: sent.to,
        message_id: sent.messageId,
      });
      return { takedown: await out(sent.takedown), to: sent.to, message_id: sent.messageId };
    },
  );

  app.post(
    '/api/v1/takedowns/:id/sent-manually',
    {
      config: { permission: Permission.TakedownWrite },
      schema: {
        tags: TAGS,
        summary: 'Record a notice sent by hand (in-app report, web form); the evidence gate applies',
        params: idParams,
        body: z.strictObject({
          channel: z.enum(TAKEDOWN_CHANNELS).exclude(['email']),
          note: z.string().trim().min(1).max(2000).describe('what was sent where, e.g. the report number'),
          override_reason: overrideReason,
          purpose,
        }),
        response: { 200: takedownOut, ...errors },
      },
    },
    async (request) => {
      const b = request.body;
      const override = overrideOf(request, b.override_reason);
      const before = await load(request);
      const after = await mapped(
        recordManualSend(deps(), before, {
          actor: actorOf(request.principal!),
          now: accounts.clock(),
          channel: b.channel,
          note: b.note,
          ...(override ? { override } : {}),
        }),
      );
      await auditSend(request, before, after, b.purpose, { channel: b.channel });
      return out(after);
    },
  );

  app.post(
    '/api/v1/takedowns/:id/status',
    {
      config: { permission: Permission.TakedownWrite },
      schema: {
        tags: TAGS,
        summary: 'Mark acknowledged, removed, refused or reappeared',
        params: idParams,
        body: z.strictObject({
          status: z.enum(['acknowledged', 'removed', 'refused', 'reappeared']),
          note: z.string().trim().min(1).max(2000).optional(),
          purpose,
        }),
        response: { 200: takedownOut, ...errors },
      },
    },
    async (request) => {
      const b = request.body;
      const before = await load(request);
      const after = await mapped(
        changeStatus(db(), before, b.status, {
          actor: actorOf(request.principal!),
          now: accounts.clock(),
          ...(b.note ? { note: b.note } : {}),
        }),
      );
      await audit(request, 'takedown.status', after, b.purpose ?? 'takedown', {
        from: before.status,
        to: after.status,
      });
      return out(after);
    },
  );

  /** A send is audited; an override given with it is audited on its own, with its reason. */
  async function auditSend(
    request: FastifyRequest,
    before: Takedown,
    after: Takedown,
    why: string | undefined,
    details: Record<string, unknown>,
  ) {
    if (!before.overrideReason && after.overrideReason) {
      await audit(request, 'takedown.evidence_override', after, after.overrideReason, { status: before.status });
    }
    await audit(request, 'takedown.send', after, why ?? 'takedown', { ...details, notice_number: after.sentCount });
  }
}

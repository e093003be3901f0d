/**
 * /api/v1/cases: cases and their append-only timeline.
 *
 * Every query is filtered by the caller's organisation: another organisation's
 * case is 404, never 403. Every read of a case (detail, timeline, list) is an
 * audit event with a purpose, taken from the `X-Purpose` header or the
 * `purpose` query parameter ("case work" when neither is given).
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { AUDIT_ACTIONS } from '../../accounts/audit.js';
import type { AccountsConfig } from '../../accounts/index.js';
import {
  addNote,
  type Case,
  type CaseActor,
  type CaseEvent,
  caseLinks,
  caseTimeline,
  createCase,
  getCase,
  LINK_TARGETS,
  linkToCase,
  listCases,
  updateCase,
} from '../../cases/cases.js';
import { CASE_ERROR_STATUS, isCaseError } from '../../cases/errors.js';
import { type RegistrationSummary, registrationSummary } from '../../cases/victim-status.js';
import { BANK_CATEGORIES } from '../../db/schema.js';
import { CASE_EVENT_KINDS, CASE_STATUSES } from '../../db/schema-cases.js';
import { VICTIM_PATHS } from '../../db/schema-victims.js';
import { HttpError } from '../errors.js';
import { Permission, type Principal } from '../permissions.js';
import type { RouteContext } from '../services.js';
import { errorResponses as errors } from './v1-schemas.js';
import { callerOrganisation } from './v1-users.js';

const CASES = ['Cases'];
const isoTime = z.string().describe('ISO 8601 time');
export const DEFAULT_PURPOSE = 'case work';

export const caseOut = z.object({
  reference: z.string().describe('PS-YYYY-NNNNNN; also the case number a victim holds'),
  title: z.string(),
  category: z.enum(BANK_CATEGORIES),
  status: z.enum(CASE_STATUSES),
  priority: z.number().int().describe('1 (most urgent) to 5'),
  assignee_id: z.number().int().nullable(),
  created_at: isoTime,
  updated_at: isoTime,
});

const registrationOut = z
  .object({
    id: z.number().int(),
    path: z.enum(VICTIM_PATHS).describe('child_protection: the person said they are under 18'),
    consent: z.record(z.string(), z.unknown()),
    hashes: z.object({
      active: z.number().int(),
      paused: z.number().int(),
      withdrawn: z.number().int(),
      by_type: z.record(z.string(), z.number().int()),
    }),
    matches: z.object({ count: z.number().int(), last_seen_at: isoTime.nullable() }),
    locked: z.boolean().describe('refusing PINs after too many wrong ones'),
    credentials_renewed_at: isoTime.nullable(),
    created_at: isoTime,
  })
  .describe("the victim's registration behind the case; never the PIN");

const caseDetailOut = caseOut.extend({
  registration: registrationOut.nullable(),
  links: z.array(z.object({ target_kind: z.string(), target_id: z.string(), linked_at: isoTime })),
});

export const caseEventOut = z.object({
  id: z.number().int(),
  kind: z.enum(CASE_EVENT_KINDS),
  target_kind: z.string().nullable(),
  target_id: z.string().nullable(),
  body: z.string(),
  details: z.record(z.string(), z.unknown()),
  actor: z.object({ kind: z.enum(['user', 'apiKey', 'victim', 'system']), id: z.string().nullable() }),
  created_at: isoTime,
});

const refParams = z.object({ ref: z.string().min(1).max(40) });
const purposeQuery = z.object({
  purpose: z.string().trim().min(1).max(500).optional().describe('why you read it (or the X-Purpose header)'),
});
const listQuery = purposeQuery.extend({
  status: z.enum(CASE_STATUSES).optional(),
  category: z.enum(BANK_CATEGORIES).optional(),
  assignee_id: z.coerce.number().int().positive().optional(),
  before: z.coerce.number().int().positive().optional().describe('next_before of the previous page'),
  limit: z.coerce.number().int().min(1).max(1000).optional().describe('default 100'),
});
const timelineQuery = purposeQuery.extend({
  after: z.coerce.number().int().min(0).optional().describe('event id to continue after'),
  limit: z.coerce.number().int().min(1).max(1000).optional().describe('default 500'),
});

const createBody = z.strictObject({
  title: z.string().trim().max(300),
  category: z.enum(BANK_CATEGORIES).optional().describe('default ncii'),
  priority: z.number().int().min(1).max(5).optional().describe('default 3'),
  assignee_id: z.number().int().positive().nullable().optional(),
});
const patchBody = z
  .strictObject({
    title: z.string().trim().max(300).optional(),
    status: z.enum(CASE_STATUSES).optional(),
    priority: z.number().int().min(1).max(5).optional(),
    assignee_id: z.number().int().positive().nullable().optional().describe('null: unassign'),
  })
  .refine((b) => Object.keys(b).length > 0, 'give at least one change');
const noteBody = z.strictObject({ body: z.string().trim().min(1).max(20_000) });
const linkBody = z.strictObject({
  target_kind: z.enum(LINK_TARGETS),
  target_id: z.string().trim().min(1).max(200),
  note: z.string().trim().max(2000).optional(),
});

export function toCaseOut(c: Case): z.infer<typeof caseOut> {
  return {
    reference: c.reference,
    title: c.title,
    category: c.category,
    status: c.status,
    priority: c.priority,
    assignee_id: c.assigneeId,
    created_at: c.createdAt.toISOString(),
    updated_at: c.updatedAt.toISOString(),
  };
}

export function toCaseEventOut(e: CaseEvent): z.infer<typeof caseEventOut> {
  return {
    id: e.id,
    kind: e.kind,
    target_kind: e.targetKind,
    target_id: e.targetId,
    body: e.body,
    details: e.details,
    actor: { kind: e.actor.kind, id: e.actor.id },
    created_at: e.createdAt.toISOString(),
  };
}

function toRegistrationOut(r: RegistrationSummary): z.infer<typeof registrationOut> {
  return {
    id: r.id,
    path: r.path,
    consent: r.consent,
    hashes: {
      active: r.hashes.active,
      paused: r.hashes.paused,
      withdrawn: r.hashes.withdrawn,
      by_type: r.hashes.byType,
    },
    matches: { count: r.matches.count, last_seen_at: r.matches.lastSeenAt?.toISOString() ?? null },
    locked: r.locked,
    credentials_renewed_at: r.credentialsRenewedAt?.toISOString() ?? null,
    created_at: r.createdAt.toISOString(),
  };
}

/** CaseError → the HTTP status it stands for; anything else passes through. */
export function caseHttpError(err: unknown): unknown {
  return isCaseError(err) ? new HttpError(CASE_ERROR_STATUS[err.code], err.message) : err;
}

/** Runs a repository call and turns its CaseErrors into HTTP errors. */
export async function mapCaseErrors<T>(work: Promise<T>): Promise<T> {
  try {
    return await work;
  } catch (err) {
    throw caseHttpError(err);
  }
}

export function actorOfPrincipal(principal: Principal | null): CaseActor {
  if (!principal) throw new HttpError(401, 'no caller');
  return { kind: principal.kind, id: String(principal.id) };
}

/** Why the caller reads: the X-Purpose header, else the `purpose` query parameter, else the default. */
export function purposeOf(request: FastifyRequest, query: { purpose?: string | undefined }): string {
  const header = request.headers['x-purpose'];
  const fromHeader = typeof header === 'string' ? header.trim().slice(0, 500) : '';
  return fromHeader || query.purpose || DEFAULT_PURPOSE;
}

function notFound(reference: string): HttpError {
  return new HttpError(404, `case ${reference.slice(0, 40)} not found`);
}

export function v1CaseRoutes(root: FastifyInstance, ctx: RouteContext, accounts: AccountsConfig): void {
  const app = root.withTypeProvider<ZodTypeProvider>();
  const db = () => ctx.services.database.db;

  app.get(
    '/api/v1/cases',
    {
      config: { permission: Permission.CaseRead },
      schema: {
        tags: CASES,
        summary: "The caller's organisation's cases, newest first (audited)",
        querystring: listQuery,
        response: { 200: z.object({ cases: z.array(caseOut), next_before: z.number().int().nullable() }), ...errors },
      },
    },
    async (request) => {
      const q = request.query;
      const org = callerOrganisation(request);
      const limit = q.limit ?? 100;
      const cases = await listCases(db(), org, {
        ...(q.status ? { status: q.status } : {}),
        ...(q.category ? { category: q.category } : {}),
        ...(q.assignee_id !== undefined ? { assigneeId: q.assignee_id } : {}),
        ...(q.before !== undefined ? { before: q.before } : {}),
        limit,
      });
      await request.audit({
        action: 'case.list',
        target: `organisation:${org}`,
        purpose: purposeOf(request, q),
        details: { count: cases.length },
      });
      return { cases: cases.map(toCaseOut), next_before: cases.length === limit ? cases.at(-1)!.id : null };
    },
  );

  app.post(
    '/api/v1/cases',
    {
      config: { permission: Permission.CaseWrite },
      schema: { tags: CASES, summary: 'Open a case', body: createBody, response: { 201: caseOut, ...errors } },
    },
    async (request, reply) => {
      const b = request.body;
      const opened = await mapCaseErrors(
        createCase(
          db(),
          {
            organisationId: callerOrganisation(request),
            title: b.title,
            ...(b.category ? { category: b.category } : {}),
            ...(b.priority !== undefined ? { priority: b.priority } : {}),
            ...(b.assignee_id !== undefined ? { assigneeId: b.assignee_id } : {}),
          },
          actorOfPrincipal(request.principal),
          accounts.clock(),
        ),
      );
      return reply.code(201).send(toCaseOut(opened));
    },
  );

  app.get(
    '/api/v1/cases/:ref',
    {
      config: { permission: Permission.CaseRead },
      schema: {
        tags: CASES,
        summary: "A case with its victim's registration (counts only) and linked records (audited)",
        params: refParams,
        querystring: purposeQuery,
        response: { 200: caseDetailOut, ...errors },
      },
    },
    async (request) => {
      const found = await getCase(db(), callerOrganisation(request), request.params.ref);
      if (!found) throw notFound(request.params.ref);
      await request.audit({
        action: AUDIT_ACTIONS.caseRead,
        target: `case:${found.reference}`,
        purpose: purposeOf(request, request.query),
      });
      const registration = await registrationSummary(db(), found.id, accounts.clock());
      const links = await caseLinks(db(), found.id);
      return {
        ...toCaseOut(found),
        registration: registration ? toRegistrationOut(registration) : null,
        links: links.map((l) => ({
          target_kind: l.targetKind,
          target_id: l.targetId,
          linked_at: l.linkedAt.toISOString(),
        })),
      };
    },
  );

  app.patch(
    '/api/v1/cases/:ref',
    {
      config: { permission: Permission.CaseWrite },
      schema: {
        tags: CASES,
        summary: 'Change status, assignee, priority or title (each change goes on the timeline)',
        params: refParams,
        body: patchBody,
        response: { 200: caseOut, ...errors },
      },
    },
    async (request) => {
      const b = request.body;
      const updated = await mapCaseErrors(
        updateCase(
          db(),
          callerOrganisation(request),
          request.params.ref,
          {
            ...(b.title !== undefined ? { title: b.title } : {}),
            ...(b.status ? { status: b.status } : {}),
            ...(b.priority !== undefined ? { priority: b.priority } : {}),
            ...(b.assignee_id !== undefined ? { assigneeId: b.assignee_id } : {}),
          },
          actorOfPrincipal(request.principal),
          accounts.clock(),
        ),
      );
      return toCaseOut(updated);
    },
  );

  app.post(
    '/api/v1/cases/:ref/notes',
    {
      config: { permission: Permission.CaseWrite },
      schema: {
        tags: CASES,
        summary: 'Add a note (notes are never edited or removed)',
        params: refParams,
        body: noteBody,
        response: { 201: caseEventOut, ...errors },
      },
    },
    async (request, reply) => {
      const event = await mapCaseErrors(
        addNote(
          db(),
          callerOrganisation(request),
          request.params.ref,
          request.body.body,
          actorOfPrincipal(request.principal),
          accounts.clock(),
        ),
      );
      return reply.code(201).send(toCaseEventOut(event));
    },
  );

  app.post(
    '/api/v1/cases/:ref/links',
    {
      config: { permission: Permission.CaseWrite },
      schema: {
        tags: CASES,
        summary: 'Link a tip, channel, finding, message, evidence record or takedown to the case',
        params: refParams,
        body: linkBody,
        response: { 201: caseEventOut, ...errors },
      },
    },
    async (request, reply) => {
      const b = request.body;
      const event = await mapCaseErrors(
        linkToCase(
          db(),
          callerOrganisation(request),
          request.params.ref,
          { targetKind: b.target_kind, targetId: b.target_id, ...(b.note ? { body: b.note } : {}) },
          actorOfPrincipal(request.principal),
          accounts.clock(),
        ),
      );
      return reply.code(201).send(toCaseEventOut(event));
    },
  );

  app.get(
    '/api/v1/cases/:ref/timeline',
    {
      config: { permission: Permission.CaseRead },
      schema: {
        tags: CASES,
        summary: 'The timeline, oldest first (audited)',
        params: refParams,
        querystring: timelineQuery,
        response: { 200: z.object({ events: z.array(caseEventOut) }), ...errors },
      },
    },
    async (request) => {
      const q = request.query;
      const org = callerOrganisation(request);
      const found = await getCase(db(), org, request.params.ref);
      if (!found) throw notFound(request.params.ref);
      await request.audit({
        action: AUDIT_ACTIONS.caseRead,
        target: `case:${found.reference}`,
        purpose: purposeOf(request, q),
        details: { view: 'timeline' },
      });
      const events = await caseTimeline(db(), org, found.reference, {
        ...(q.after !== undefined ? { after: q.after } : {}),
        ...(q.limit !== undefined ? { limit: q.limit } : {}),
      });
      return { events: (events ?? []).map(toCaseEventOut) };
    },
  );
}

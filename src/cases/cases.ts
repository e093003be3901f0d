/**
 * Cases: what groups a victim's registrations, tips, channels, matches, evidence
 * and takedowns, with an assignee, a status and an append-only timeline.
 *
 * Every read and write that starts from a reference takes the caller's
 * organisation and filters by it: another organisation's case is "not found",
 * never "forbidden" (which would confirm it exists). The timeline (case_events)
 * only grows: changes to the case are recorded as events, notes are never
 * edited, and the database refuses updates of event rows (migration 0007).
 */
import { randomInt } from 'node:crypto';
import type { Insertable, Kysely, Transaction } from 'kysely';
import { z } from 'zod';
import { BANK_CATEGORIES, type Schema } from '../db/schema.js';
import { CASE_EVENT_KINDS, CASE_STATUSES, type CasesTable } from '../db/schema-cases.js';
import {
  type Case,
  type CaseActor,
  type CaseEvent,
  caseNotFound,
  normaliseReference,
  requireCase,
  toCase,
  toEvent,
} from './case-reads.js';
import { CaseError, invalidInput } from './errors.js';

export * from './case-reads.js';

/** What a 'link' event may point at. */
export const LINK_TARGETS = ['registration', 'tip', 'channel', 'finding', 'evidence', 'takedown', 'message'] as const;
export type LinkTarget = (typeof LINK_TARGETS)[number];

const title = z.string().trim().max(300);
const priority = z.number().int().min(1).max(5);
const assigneeId = z.number().int().positive().nullable();

export const newCaseInput = z.strictObject({
  organisationId: z.number().int().positive(),
  title: title.optional(),
  category: z.enum(BANK_CATEGORIES).optional(),
  priority: priority.optional(),
  assigneeId: assigneeId.optional(),
});
export type NewCaseInput = z.input<typeof newCaseInput>;

export const casePatchInput = z.strictObject({
  title: title.optional(),
  status: z.enum(CASE_STATUSES).optional(),
  priority: priority.optional(),
  /** null: unassign. */
  assigneeId: assigneeId.optional(),
});
export type CasePatchInput = z.input<typeof casePatchInput>;

export const newCaseEventInput = z.strictObject({
  kind: z.enum(CASE_EVENT_KINDS),
  targetKind: z.string().trim().min(1).max(50).nullable().optional(),
  targetId: z.string().trim().min(1).max(200).nullable().optional(),
  body: z.string().max(20_000).optional(),
  details: z.record(z.string(), z.unknown()).optional(),
});
export type NewCaseEventInput = z.input<typeof newCaseEventInput>;

/** Runs `fn` in a transaction, or in the caller's when given one (the caller commits). */
export function inTransaction<T>(db: Kysely<Schema>, fn: (trx: Kysely<Schema>) => Promise<T>): Promise<T> {
  if (db.isTransaction) return fn(db as Transaction<Schema>);
  return db.transaction().execute(fn);
}

/**
 * A random number, not a running one: the reference is shown to victims (it is
 * half of their credentials) and must give away neither how many cases an
 * organisation has nor which came first. A million per year; a taken number is
 * simply drawn again.
 */
function drawReference(now: Date): string {
  return `PS-${now.getUTCFullYear()}-${String(randomInt(0, 1_000_000)).padStart(6, '0')}`;
}

const MAX_REFERENCE_DRAWS = 25;

// ---- writing ----

/** Opens a case with a first 'status' event. Joins the caller's transaction if given one. */
export async function createCase(
  db: Kysely<Schema>,
  input: NewCaseInput,
  actor: CaseActor,
  now: Date = new Date(),
): Promise<Case> {
  const parsed = newCaseInput.safeParse(input);
  if (!parsed.success) throw invalidInput('case', parsed.error);
  const c = parsed.data;
  return inTransaction(db, async (trx) => {
    if (c.assigneeId) await requireAssignee(trx, c.organisationId, c.assigneeId);
    const row = await insertWithFreshReference(trx, now, (reference) => ({
      org_id: c.organisationId,
      reference,
      title: c.title,
      category: c.category,
      priority: c.priority,
      assignee_id: c.assigneeId ?? null,
      created_at: now,
      updated_at: now,
    }));
    const opened = toCase(row);
    await addCaseEvent(trx, opened.id, { kind: 'status', body: 'case opened', details: { to: 'open' } }, actor, now);
    if (opened.assigneeId) {
      await addCaseEvent(trx, opened.id, { kind: 'assign', details: { to: opened.assigneeId } }, actor, now);
    }
    return opened;
  });
}

async function insertWithFreshReference(
  trx: Kysely<Schema>,
  now: Date,
  values: (reference: string) => Insertable<CasesTable>,
) {
  // "on conflict do nothing" keeps the caller's transaction usable after a taken number.
  for (let i = 0; i < MAX_REFERENCE_DRAWS; i++) {
    const row = await trx
      .insertInto('cases')
      .values(values(drawReference(now)))
      .onConflict((oc) => oc.column('reference').doNothing())
      .returningAll()
      .executeTakeFirst();
    if (row) return row;
  }
  throw new CaseError('conflict', `no free case reference after ${MAX_REFERENCE_DRAWS} draws; the year is nearly full`);
}

/**
 * Appends one event to a case's timeline and touches the case. Other modules
 * (tips, takedowns, evidence, rules) call this to put their records on a case.
 * `caseId` is trusted: look the case up org-scoped first.
 */
export async function addCaseEvent(
  db: Kysely<Schema>,
  caseId: number,
  input: NewCaseEventInput,
  actor: CaseActor,
  now: Date = new Date(),
): Promise<CaseEvent> {
  const parsed = newCaseEventInput.safeParse(input);
  if (!parsed.success) throw invalidInput('case event', parsed.error);
  const e = parsed.data;
  return inTransaction(db, async (trx) => {
    const row = await trx
      .insertInto('case_events')
      .values({
        case_id: caseId,
        kind: e.kind,
        target_kind: e.targetKind ?? null,
        target_id: e.targetId ?? null,
        body: e.body ?? '',
        details: JSON.stringify(e.details ?? {}),
        actor_kind: actor.kind,
        actor_id: actor.id,
        created_at: now,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    await trx.updateTable('cases').set({ updated_at: now }).where('id', '=', caseId).execute();
    return toEvent(row);
  });
}

/** Changes title, status, priority or assignee; each change becomes a timeline event. */
export async function updateCase(
  db: Kysely<Schema>,
  organisationId: number,
  reference: string,
  patch: CasePatchInput,
  actor: CaseActor,
  now: Date = new Date(),
): Promise<Case> {
  const parsed = casePatchInput.safeParse(patch);
  if (!parsed.success) throw invalidInput('case update', parsed.error);
  const p = parsed.data;
  return inTransaction(db, async (trx) => {
    const before = await lockCase(trx, organisationId, reference);
    if (p.assigneeId) await requireAssignee(trx, organisationId, p.assigneeId);
    const row = await trx
      .updateTable('cases')
      .set({ title: p.title, status: p.status, priority: p.priority, assignee_id: p.assigneeId, updated_at: now })
      .where('id', '=', before.id)
      .returningAll()
      .executeTakeFirstOrThrow();
    const after = toCase(row);
    for (const event of changeEvents(before, after)) await addCaseEvent(trx, after.id, event, actor, now);
    return after;
  });
}

function changeEvents(before: Case, after: Case): NewCaseEventInput[] {
  const events: NewCaseEventInput[] = [];
  if (before.status !== after.status) {
    events.push({ kind: 'status', body: `status ${before.status} → ${after.status}`, details: field('status') });
  }
  if (before.assigneeId !== after.assigneeId) {
    events.push({ kind: 'assign', details: { from: before.assigneeId, to: after.assigneeId } });
  }
  if (before.priority !== after.priority) {
    events.push({
      kind: 'status',
      body: `priority ${before.priority} → ${after.priority}`,
      details: field('priority'),
    });
  }
  if (before.title !== after.title) events.push({ kind: 'status', body: 'title changed', details: field('title') });
  return events;

  function field(name: 'status' | 'priority' | 'title') {
    return { field: name, from: before[name], to: after[name] };
  }
}

/** Appends a note; notes are never edited or removed. */
export async function addNote(
  db: Kysely<Schema>,
  organisationId: number,
  reference: string,
  body: string,
  actor: CaseActor,
  now: Date = new Date(),
): Promise<CaseEvent> {
  const text = body.trim();
  if (text.length === 0) throw new CaseError('validation', 'invalid note: body must not be empty');
  const found = await requireCase(db, organisationId, reference);
  return addCaseEvent(db, found.id, { kind: 'note', body: text }, actor, now);
}

/** Links a record (tip, channel, finding, evidence, takedown, message, registration) to a case. */
export async function linkToCase(
  db: Kysely<Schema>,
  organisationId: number,
  reference: string,
  link: { targetKind: LinkTarget; targetId: string; body?: string },
  actor: CaseActor,
  now: Date = new Date(),
): Promise<CaseEvent> {
  if (!LINK_TARGETS.includes(link.targetKind)) {
    throw new CaseError('validation', `invalid link: target kind must be one of ${LINK_TARGETS.join(', ')}`);
  }
  const found = await requireCase(db, organisationId, reference);
  return addCaseEvent(
    db,
    found.id,
    { kind: 'link', targetKind: link.targetKind, targetId: link.targetId, body: link.body ?? '' },
    actor,
    now,
  );
}

async function requireAssignee(db: Kysely<Schema>, organisationId: number, userId: number): Promise<void> {
  const user = await db
    .selectFrom('users')
    .select('id')
    .where('id', '=', userId)
    .where('org_id', '=', organisationId)
    .where('disabled_at', 'is', null)
    .executeTakeFirst();
  if (!user) throw new CaseError('validation', `invalid assignee: no active user ${userId} in this organisation`);
}

async function lockCase(db: Kysely<Schema>, organisationId: number, reference: string): Promise<Case> {
  const ref = normaliseReference(reference);
  const row = ref
    ? await db
        .selectFrom('cases')
        .selectAll()
        .where('org_id', '=', organisationId)
        .where('reference', '=', ref)
        .forUpdate()
        .executeTakeFirst()
    : undefined;
  if (!row) throw caseNotFound(reference);
  return toCase(row);
}

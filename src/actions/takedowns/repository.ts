/**
 * Takedowns in the database: create, read (always org-scoped: another
 * organisation's takedown is "not found"), and one way to change them,
 * `commitChange`, which updates the row only if it is still in the state the
 * change was computed from and appends the history events in the same
 * transaction. State rules live in state.ts; this file only stores.
 */
import type { Kysely, Selectable } from 'kysely';
import { addCaseEvent } from '../../cases/cases.js';
import type { Schema } from '../../db/schema.js';
import type { TakedownEventKind, TakedownPlatform, TakedownStatus, TakedownsTable } from '../../db/schema-takedowns.js';
import { TakedownError } from './errors.js';
import { deriveHost, type NewTakedownInput, parseTakedownInput } from './input.js';
import { actorLabel, type Takedown, type TakedownActor, type TakedownEvent, toTakedown } from './model.js';

/** Opens a takedown in 'pending' with a 'created' event. The case, if any, must be the organisation's. */
export async function createTakedown(
  db: Kysely<Schema>,
  input: NewTakedownInput,
  actor: TakedownActor,
  now: Date,
): Promise<Takedown> {
  const t = parseTakedownInput(input);
  const host = deriveHost(t);
  return db.transaction().execute(async (trx) => {
    if (t.caseId) await requireOrgCase(trx, t.organisationId, t.caseId);
    const row = await trx
      .insertInto('takedowns')
      .values({
        org_id: t.organisationId,
        case_id: t.caseId ?? null,
        platform: t.platform,
        host,
        recipient: t.recipient ?? null,
        target_url: t.targetUrl ?? null,
        target_description: t.targetDescription ?? '',
        items: JSON.stringify(t.items),
        language: t.language,
        legal_basis: t.legalBasis,
        evidence_ref: t.evidenceRef ?? null,
        channel: null,
        first_sent_at: null,
        last_sent_at: null,
        cycle_sent_at: null,
        next_notice_at: null,
        renotice_interval_hours: t.renoticeIntervalHours ?? null,
        first_message_id: null,
        acknowledged_at: null,
        removed_at: null,
        refused_at: null,
        reappeared_at: null,
        last_checked_at: null,
        override_reason: null,
        override_by: null,
        override_at: null,
        created_by: actorLabel(actor),
        created_at: now,
        updated_at: now,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    const takedown = toTakedown(row);
    await appendEvents(trx, takedown, [{ kind: 'created', from: null, to: 'pending', details: { host } }], actor, now);
    await noteOnCase(trx, takedown, 'Takedown request opened', actor, now);
    return takedown;
  });
}

async function requireOrgCase(db: Kysely<Schema>, organisationId: number, caseId: number): Promise<void> {
  const found = await db
    .selectFrom('cases')
    .select('id')
    .where('id', '=', caseId)
    .where('org_id', '=', organisationId)
    .executeTakeFirst();
  if (!found) throw new TakedownError('not-found', `case ${caseId} not found`);
}

export async function getTakedown(db: Kysely<Schema>, organisationId: number, id: number): Promise<Takedown | null> {
  const row = await db
    .selectFrom('takedowns')
    .selectAll()
    .where('id', '=', id)
    .where('org_id', '=', organisationId)
    .executeTakeFirst();
  return row ? toTakedown(row) : null;
}

export async function requireTakedown(db: Kysely<Schema>, organisationId: number, id: number): Promise<Takedown> {
  const found = await getTakedown(db, organisationId, id);
  if (!found) throw new TakedownError('not-found', `takedown ${id} not found`);
  return found;
}

export interface TakedownQuery {
  status?: TakedownStatus;
  platform?: TakedownPlatform;
  caseId?: number;
  /** Only those whose next notice (reminder or follow-up) is due at this time. */
  dueAt?: Date;
  /** Keyset paging: ids below this one (newest first). */
  beforeId?: number;
  limit?: number;
}

export async function listTakedowns(
  db: Kysely<Schema>,
  organisationId: number,
  query: TakedownQuery = {},
): Promise<Takedown[]> {
  let q = db
    .selectFrom('takedowns')
    .selectAll()
    .where('org_id', '=', organisationId)
    .orderBy('id', 'desc')
    .limit(Math.min(query.limit ?? 100, 500));
  if (query.status) q = q.where('status', '=', query.status);
  if (query.platform) q = q.where('platform', '=', query.platform);
  if (query.caseId) q = q.where('case_id', '=', query.caseId);
  if (query.dueAt) q = q.where('next_notice_at', '<=', query.dueAt);
  if (query.beforeId) q = q.where('id', '<', query.beforeId);
  return (await q.execute()).map(toTakedown);
}

export async function listTakedownEvents(
  db: Kysely<Schema>,
  organisationId: number,
  takedownId: number,
): Promise<TakedownEvent[]> {
  const rows = await db
    .selectFrom('takedown_events')
    .selectAll()
    .where('takedown_id', '=', takedownId)
    .where('org_id', '=', organisationId)
    .orderBy('id')
    .execute();
  return rows.map((r) => ({
    id: r.id,
    takedownId: r.takedown_id,
    kind: r.kind,
    fromStatus: r.from_status,
    toStatus: r.to_status,
    actor: { kind: r.actor_kind, id: r.actor_id },
    details: r.details,
    at: r.at,
  }));
}

/** The case reference shown in notices, or null. */
export async function caseReferenceOf(db: Kysely<Schema>, takedown: Takedown): Promise<string | null> {
  if (!takedown.caseId) return null;
  const row = await db.selectFrom('cases').select('reference').where('id', '=', takedown.caseId).executeTakeFirst();
  return row?.reference ?? null;
}

/** The organisation's name, the default sender of its notices. */
export async function organisationName(db: Kysely<Schema>, organisationId: number): Promise<string> {
  const row = await db.selectFrom('organisations').select('name').where('id', '=', organisationId).executeTakeFirst();
  return row?.name ?? '';
}

export interface NewEvent {
  kind: TakedownEventKind;
  from: TakedownStatus | null;
  to: TakedownStatus | null;
  details?: Record<string, unknown>;
}

/** Column changes of one step; the mapping from domain names is done by the caller. */
export type TakedownPatch = Partial<
  Omit<Selectable<TakedownsTable>, 'id' | 'org_id' | 'items' | 'created_at' | 'created_by' | 'updated_at'>
>;

export interface Change {
  /** The row as the change was computed from: it must still have this status and send count. */
  before: Takedown;
  patch: TakedownPatch;
  events: NewEvent[];
  /** A line for the case timeline, when the takedown belongs to a case. */
  caseNote?: string;
}

/**
 * Applies one change: the update succeeds only if no one else changed the status
 * or sent a notice meanwhile (else a conflict), and its events are appended in the
 * same transaction.
 */
export async function commitChange(
  db: Kysely<Schema>,
  change: Change,
  actor: TakedownActor,
  now: Date,
): Promise<Takedown> {
  const { before } = change;
  return db.transaction().execute(async (trx) => {
    const row = await trx
      .updateTable('takedowns')
      .set({ ...change.patch, updated_at: now })
      .where('id', '=', before.id)
      .where('org_id', '=', before.organisationId)
      .where('status', '=', before.status)
      .where('sent_count', '=', before.sentCount)
      .returningAll()
      .executeTakeFirst();
    if (!row) {
      throw new TakedownError('conflict', `takedown ${before.id} was changed meanwhile; read it again and retry`);
    }
    const after = toTakedown(row);
    await appendEvents(trx, after, change.events, actor, now);
    if (change.caseNote) await noteOnCase(trx, after, change.caseNote, actor, now);
    return after;
  });
}

/** Appends history without changing the takedown (a failed or blocked send). */
export async function recordEvent(
  db: Kysely<Schema>,
  takedown: Takedown,
  event: NewEvent,
  actor: TakedownActor,
  now: Date,
): Promise<void> {
  await appendEvents(db, takedown, [event], actor, now);
}

async function appendEvents(
  db: Kysely<Schema>,
  takedown: Takedown,
  events: readonly NewEvent[],
  actor: TakedownActor,
  now: Date,
): Promise<void> {
  if (!events.length) return;
  await db
    .insertInto('takedown_events')
    .values(
      events.map((e) => ({
        takedown_id: takedown.id,
        org_id: takedown.organisationId,
        kind: e.kind,
        from_status: e.from,
        to_status: e.to,
        actor_kind: actor.kind,
        actor_id: actor.id,
        details: JSON.stringify(e.details ?? {}),
        at: now,
      })),
    )
    .execute();
}

async function noteOnCase(
  db: Kysely<Schema>,
  takedown: Takedown,
  body: string,
  actor: TakedownActor,
  now: Date,
): Promise<void> {
  if (!takedown.caseId) return;
  await addCaseEvent(
    db,
    takedown.caseId,
    {
      kind: 'takedown',
      targetKind: 'takedown',
      targetId: String(takedown.id),
      body,
      details: { status: takedown.status, platform: takedown.platform, host: takedown.host },
    },
    actor,
    now,
  );
}

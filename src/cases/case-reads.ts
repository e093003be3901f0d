/**
 * Reading cases: the types, organisation-scoped lookups, lists and the timeline.
 * Re-exported by cases.ts, which other modules import.
 */
import type { Kysely, Selectable } from 'kysely';
import { sql } from 'kysely';
import type { BankCategory, Schema } from '../db/schema.js';
import type { CaseActorKind, CaseEventKind, CaseEventsTable, CaseStatus, CasesTable } from '../db/schema-cases.js';
import { CaseError } from './errors.js';

export interface Case {
  id: number;
  organisationId: number;
  /** "PS-2026-004217": shown to people, victims included. */
  reference: string;
  title: string;
  category: BankCategory;
  status: CaseStatus;
  priority: number;
  assigneeId: number | null;
  createdAt: Date;
  updatedAt: Date;
}

/** Who wrote an event: a user or API key (by id), the victim, or the system. */
export interface CaseActor {
  readonly kind: CaseActorKind;
  readonly id: string | null;
}

export const SYSTEM_CASE_ACTOR: CaseActor = { kind: 'system', id: null };
export const VICTIM_CASE_ACTOR: CaseActor = { kind: 'victim', id: null };

export interface CaseEvent {
  id: number;
  caseId: number;
  kind: CaseEventKind;
  targetKind: string | null;
  targetId: string | null;
  body: string;
  details: Record<string, unknown>;
  actor: CaseActor;
  createdAt: Date;
}

const REFERENCE = /^PS-\d{4}-\d{6}$/;

/** Upper-cased and trimmed; null when it cannot be a case reference. */
export function normaliseReference(text: string): string | null {
  const ref = text.trim().toUpperCase();
  return REFERENCE.test(ref) ? ref : null;
}

export function caseNotFound(reference: string): CaseError {
  return new CaseError('not-found', `case ${reference.slice(0, 40)} not found`);
}

/** The case of this organisation with this reference, or null (also for another organisation's). */
export async function getCase(db: Kysely<Schema>, organisationId: number, reference: string): Promise<Case | null> {
  const ref = normaliseReference(reference);
  if (!ref) return null;
  const row = await db
    .selectFrom('cases')
    .selectAll()
    .where('org_id', '=', organisationId)
    .where('reference', '=', ref)
    .executeTakeFirst();
  return row ? toCase(row) : null;
}

export async function requireCase(db: Kysely<Schema>, organisationId: number, reference: string): Promise<Case> {
  const found = await getCase(db, organisationId, reference);
  if (!found) throw caseNotFound(reference);
  return found;
}

export interface CaseQuery {
  status?: CaseStatus;
  assigneeId?: number;
  category?: BankCategory;
  /** Newest first; continue below this case id. */
  before?: number;
  limit?: number;
}

/** This organisation's cases, newest first. */
export async function listCases(db: Kysely<Schema>, organisationId: number, query: CaseQuery = {}): Promise<Case[]> {
  let q = db
    .selectFrom('cases')
    .selectAll()
    .where('org_id', '=', organisationId)
    .orderBy('id', 'desc')
    .limit(Math.min(Math.max(query.limit ?? 100, 1), 1000));
  if (query.status) q = q.where('status', '=', query.status);
  if (query.assigneeId !== undefined) q = q.where('assignee_id', '=', query.assigneeId);
  if (query.category) q = q.where('category', '=', query.category);
  if (query.before !== undefined) q = q.where('id', '<', query.before);
  return (await q.execute()).map(toCase);
}

/** A case's timeline, oldest first, after event id `after`; null when there is no such case here. */
export async function caseTimeline(
  db: Kysely<Schema>,
  organisationId: number,
  reference: string,
  page: { after?: number; limit?: number } = {},
): Promise<CaseEvent[] | null> {
  const found = await getCase(db, organisationId, reference);
  if (!found) return null;
  const rows = await db
    .selectFrom('case_events')
    .selectAll()
    .where('case_id', '=', found.id)
    .where('id', '>', page.after ?? 0)
    .orderBy('id')
    .limit(Math.min(Math.max(page.limit ?? 500, 1), 1000))
    .execute();
  return rows.map(toEvent);
}

/** The records linked to a case (each target once, first link first). */
export async function caseLinks(
  db: Kysely<Schema>,
  caseId: number,
): Promise<{ targetKind: string; targetId: string; linkedAt: Date }[]> {
  const rows = await db
    .selectFrom('case_events')
    .select(['target_kind', 'target_id', sql<Date>`min(created_at)`.as('linked_at')])
    .where('case_id', '=', caseId)
    .where('kind', '=', 'link')
    .where('target_kind', 'is not', null)
    .where('target_id', 'is not', null)
    .groupBy(['target_kind', 'target_id'])
    .orderBy('linked_at')
    .execute();
  return rows.map((r) => ({ targetKind: r.target_kind!, targetId: r.target_id!, linkedAt: r.linked_at }));
}

export function toCase(row: Selectable<CasesTable>): Case {
  return {
    id: row.id,
    organisationId: row.org_id,
    reference: row.reference,
    title: row.title,
    category: row.category,
    status: row.status,
    priority: row.priority,
    assigneeId: row.assignee_id,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

export function toEvent(row: Selectable<CaseEventsTable>): CaseEvent {
  return {
    id: row.id,
    caseId: row.case_id,
    kind: row.kind,
    targetKind: row.target_kind,
    targetId: row.target_id,
    body: row.body,
    details: row.details,
    actor: { kind: row.actor_kind, id: row.actor_id },
    createdAt: row.created_at,
  };
}

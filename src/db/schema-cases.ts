/** Kysely table types of cases and their timeline (migrations/0006_cases.ts). */
import type { ColumnType, Generated } from 'kysely';
import type { BankCategory } from './schema.js';

type CreatedAt = ColumnType<Date, Date | undefined, never>;
type UpdatedAt = ColumnType<Date, Date | undefined, Date>;
type WithDefault<T> = ColumnType<T, T | undefined, T>;
type Json = ColumnType<Record<string, unknown>, string | undefined, string>;

export const CASE_STATUSES = ['open', 'in_progress', 'waiting', 'closed'] as const;
export type CaseStatus = (typeof CASE_STATUSES)[number];

export const CASE_EVENT_KINDS = [
  'note',
  'status',
  'assign',
  'link',
  'alert',
  'victim',
  'tip',
  'takedown',
  'evidence',
  'finding',
  'lineage',
] as const;
export type CaseEventKind = (typeof CASE_EVENT_KINDS)[number];

export type CaseActorKind = 'user' | 'apiKey' | 'victim' | 'system';

export interface CasesTable {
  id: Generated<number>;
  org_id: number;
  reference: string;
  title: WithDefault<string>;
  category: WithDefault<BankCategory>;
  status: WithDefault<CaseStatus>;
  priority: WithDefault<number>;
  assignee_id: number | null;
  created_at: CreatedAt;
  updated_at: UpdatedAt;
}

export interface CaseEventsTable {
  id: Generated<number>;
  case_id: number;
  kind: CaseEventKind;
  target_kind: string | null;
  target_id: string | null;
  body: WithDefault<string>;
  details: Json;
  actor_kind: CaseActorKind;
  actor_id: string | null;
  created_at: CreatedAt;
}

export interface CasesSchema {
  cases: CasesTable;
  case_events: CaseEventsTable;
}

/** Children first, for TRUNCATE. */
export const CASES_TABLES = ['case_events', 'cases'] as const;

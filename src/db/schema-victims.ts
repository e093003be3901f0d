/** Kysely table types of victims' registrations and hotlines (migrations/0007_victims.ts). */
import type { ColumnType, Generated } from 'kysely';

type CreatedAt = ColumnType<Date, Date | undefined, never>;
type UpdatedAt = ColumnType<Date, Date | undefined, Date>;
type WithDefault<T> = ColumnType<T, T | undefined, T>;
type Json = ColumnType<Record<string, unknown>, string | undefined, string>;

export const VICTIM_PATHS = ['ncii', 'child_protection'] as const;
export type VictimPath = (typeof VICTIM_PATHS)[number];

export interface VictimHotlinesTable {
  org_id: number;
  slug: string;
  public_name: string;
  open: WithDefault<boolean>;
  created_at: CreatedAt;
  updated_at: UpdatedAt;
}

export interface VictimRegistrationsTable {
  id: Generated<number>;
  case_id: number;
  bank_id: number;
  path: VictimPath;
  consent: Json;
  /** argon2id PHC string of the PIN. */
  pin_hash: string;
  /** SHA-256 of the normalised recovery code. */
  recovery_hash: Buffer;
  failed_pins: WithDefault<number>;
  locked_until: Date | null;
  credentials_renewed_at: Date | null;
  created_at: CreatedAt;
  updated_at: UpdatedAt;
}

export interface VictimsSchema {
  victim_hotlines: VictimHotlinesTable;
  victim_registrations: VictimRegistrationsTable;
}

/** Children first, for TRUNCATE (before the cases tables and banks they reference). */
export const VICTIMS_TABLES = ['victim_registrations', 'victim_hotlines'] as const;

/**
 * Kysely table types for the Perisai schema (see migrations/ and docs/storage.md).
 *
 * Value conventions, the same on PGlite and PostgreSQL (open.ts installs the parsers):
 * bigint/bigserial columns read as JS numbers, bytea as Buffer, timestamptz as Date,
 * jsonb as parsed JSON. jsonb is written as a JSON string.
 */
import type { ColumnType, Generated, Insertable, Selectable, Updateable } from 'kysely';
import { CASES_TABLES, type CasesSchema } from './schema-cases.js';
import { LINEAGE_TABLES, type LineageSchema } from './schema-lineage.js';
import { PIPELINE_TABLES, type PipelineSchema } from './schema-pipeline.js';
import { TAKEDOWNS_TABLES, type TakedownsSchema } from './schema-takedowns.js';
import { TIPS_TABLES, type TipsSchema } from './schema-tips.js';
import { VICTIMS_TABLES, type VictimsSchema } from './schema-victims.js';

export const BANK_CATEGORIES = ['ncii', 'csam', 'deepfake', 'doxx', 'other'] as const;
export type BankCategory = (typeof BANK_CATEGORIES)[number];

export const BANK_KINDS = ['block', 'allow'] as const;
export type BankKind = (typeof BANK_KINDS)[number];

export const CONTENT_SOURCES = ['victim', 'analyst', 'import'] as const;
export type ContentSource = (typeof CONTENT_SOURCES)[number];

export const CONTENT_STATUSES = ['active', 'disabled', 'withdrawn'] as const;
export type ContentStatus = (typeof CONTENT_STATUSES)[number];

export const SIGNAL_TYPES = ['pdq', 'md5', 'sha256', 'vpdq'] as const;
export type SignalType = (typeof SIGNAL_TYPES)[number];

export const CHANGE_OPS = ['add', 'remove'] as const;
export type ChangeOp = (typeof CHANGE_OPS)[number];

export const API_KEY_SCOPES = ['read', 'write'] as const;
export type ApiKeyScope = (typeof API_KEY_SCOPES)[number];

/** People's roles; what each grants is in src/server/permissions.ts. */
export const USER_ROLES = ['admin', 'analyst', 'case_manager', 'police_liaison', 'auditor'] as const;
export type UserRole = (typeof USER_ROLES)[number];

/** Set by the database on insert; may be written explicitly (tests, imports). */
type CreatedAt = ColumnType<Date, Date | undefined, never>;
type UpdatedAt = ColumnType<Date, Date | undefined, Date>;
type WithDefault<T> = ColumnType<T, T | undefined, T>;
type Json = ColumnType<Record<string, unknown>, string | undefined, string>;

export interface OrganisationsTable {
  id: Generated<number>;
  name: string;
  created_at: CreatedAt;
}

export interface BanksTable {
  id: Generated<number>;
  name: string;
  category: BankCategory;
  org_id: number | null;
  kind: WithDefault<BankKind>;
  pdq_threshold: WithDefault<number>;
  min_quality: WithDefault<number>;
  enabled: WithDefault<boolean>;
  created_at: CreatedAt;
  updated_at: UpdatedAt;
}

export interface BankContentTable {
  id: Generated<number>;
  bank_id: number;
  note: string | null;
  metadata: Json;
  source: ContentSource;
  case_ref: string | null;
  status: WithDefault<ContentStatus>;
  disabled_until: Date | null;
  created_at: CreatedAt;
  updated_at: UpdatedAt;
}

export interface SignalsTable {
  id: Generated<number>;
  content_id: number;
  /** Copied from the content row so the index loader needs no join to find the bank. */
  bank_id: number;
  type: SignalType;
  hash: Buffer;
  quality: number | null;
  created_at: CreatedAt;
}

export interface VpdqFramesTable {
  signal_id: number;
  frame_number: number;
  quality: number;
  hash: Buffer;
  timestamp_s: number;
}

export interface SignalChangesTable {
  seq: Generated<number>;
  signal_id: number;
  content_id: number;
  bank_id: number;
  op: ChangeOp;
  at: CreatedAt;
}

export interface ApiKeysTable {
  id: Generated<number>;
  org_id: number | null;
  name: string;
  prefix: string;
  key_hash: Buffer;
  scope: ApiKeyScope;
  created_at: CreatedAt;
  last_used_at: Date | null;
  revoked_at: Date | null;
}

/** People who log in (migrations/0005_accounts.ts). Secrets never leave src/accounts. */
export interface UsersTable {
  id: Generated<number>;
  org_id: number;
  /** Trimmed and lower-cased; unique across the installation (login is by e-mail). */
  email: string;
  display_name: string;
  role: UserRole;
  /** argon2id PHC string. */
  password_hash: string;
  /** Base32 TOTP secret once enrolment is confirmed; null before. */
  totp_secret: string | null;
  /** Secret handed out by enrolment, waiting for its first code. */
  totp_pending_secret: string | null;
  /** The last TOTP time step accepted: a code is never accepted twice. */
  totp_last_step: number | null;
  failed_logins: WithDefault<number>;
  locked_until: Date | null;
  disabled_at: Date | null;
  created_at: CreatedAt;
  updated_at: UpdatedAt;
}

export interface SessionsTable {
  id: Generated<number>;
  user_id: number;
  /** SHA-256 of the cookie's 32 random bytes; the token itself is never stored. */
  token_hash: Buffer;
  created_at: Date;
  last_seen_at: Date;
  expires_at: Date;
  revoked_at: Date | null;
}

export interface SetupTokensTable {
  id: Generated<number>;
  token_hash: Buffer;
  created_at: Date;
  expires_at: Date;
  consumed_at: Date | null;
}

export interface AuditEventsTable {
  id: Generated<number>;
  at: Date;
  org_id: number | null;
  actor_kind: string;
  actor_id: number | null;
  action: string;
  target: string;
  purpose: string | null;
  details: Json;
}

/** Evidence log (migrations/0003_evidence_log.ts, src/evidence/log). Append-only. */
export interface EvidenceLogLeavesTable {
  /** The leaf's 0-based index in the Merkle tree; gapless. */
  seq: number;
  leaf_hash: Buffer;
  kind: string;
  payload: Json;
  created_at: CreatedAt;
}

export interface EvidenceTreeHeadsTable {
  tree_size: number;
  root_hash: Buffer;
  signed_at: Date;
  log_id: Buffer;
  signature: Buffer;
  timestamp_token: Buffer | null;
  timestamped_at: Date | null;
}

/** Evidence vault (migrations/0004_evidence_vault.ts, src/evidence/vault). */
export interface EvidenceDataKeysTable {
  case_id: string;
  key_version: number;
  /** MasterKey.id of the key that wrapped it. */
  master_key_id: string;
  nonce: Buffer;
  wrapped: Buffer;
  created_at: CreatedAt;
  rewrapped_at: Date | null;
}

export interface EvidenceCapturesTable {
  id: string;
  case_id: string;
  category: BankCategory;
  key_version: number;
  media_blob: string | null;
  media_sha256: Buffer | null;
  media_md5: Buffer | null;
  media_bytes: number | null;
  record_blob: string;
  record_sha256: Buffer;
  perceptual: Json;
  captured_by_kind: 'user' | 'rule';
  captured_by_id: string;
  captured_at: Date;
  source_kind: string;
  chat_id: string;
  message_id: string;
  source_url: string | null;
  tool_version: string;
  log_seq: number;
  log_leaf_hash: Buffer;
  mac: Buffer;
}

export interface EvidenceCustodyTable {
  id: Generated<number>;
  capture_id: string;
  at: Date;
  action: 'capture' | 'view' | 'decrypt' | 'export' | 'verify';
  outcome: 'ok' | 'refused' | 'failed';
  actor_kind: 'user' | 'rule' | 'system';
  actor_id: string;
  purpose: string;
  details: Json;
  log_seq: number;
  log_leaf_hash: Buffer;
  mac: Buffer | null;
}

export interface EvidenceBlobsTable {
  name: string;
  data: Buffer;
  touched_at: WithDefault<Date>;
}

export interface Schema extends PipelineSchema, CasesSchema, VictimsSchema, TakedownsSchema, TipsSchema, LineageSchema {
  organisations: OrganisationsTable;
  banks: BanksTable;
  bank_content: BankContentTable;
  signals: SignalsTable;
  vpdq_frames: VpdqFramesTable;
  signal_changes: SignalChangesTable;
  api_keys: ApiKeysTable;
  users: UsersTable;
  sessions: SessionsTable;
  setup_tokens: SetupTokensTable;
  audit_events: AuditEventsTable;
  evidence_log_leaves: EvidenceLogLeavesTable;
  evidence_tree_heads: EvidenceTreeHeadsTable;
  evidence_data_keys: EvidenceDataKeysTable;
  evidence_captures: EvidenceCapturesTable;
  evidence_custody: EvidenceCustodyTable;
  evidence_blobs: EvidenceBlobsTable;
}

export type BankRow = Selectable<BanksTable>;
export type NewBankRow = Insertable<BanksTable>;
export type BankPatchRow = Updateable<BanksTable>;
export type ContentRow = Selectable<BankContentTable>;
export type SignalRow = Selectable<SignalsTable>;
export type SignalChangeRow = Selectable<SignalChangesTable>;
export type ApiKeyRow = Selectable<ApiKeysTable>;
export type UserRow = Selectable<UsersTable>;
export type AuditEventRow = Selectable<AuditEventsTable>;

/** Every application table, children first (the order TRUNCATE/DROP can use). */
export const TABLES = [
  ...LINEAGE_TABLES,
  ...PIPELINE_TABLES,
  ...TAKEDOWNS_TABLES,
  ...VICTIMS_TABLES,
  ...TIPS_TABLES,
  ...CASES_TABLES,
  'evidence_tree_heads',
  'evidence_log_leaves',
  'evidence_custody',
  'evidence_captures',
  'evidence_data_keys',
  'evidence_blobs',
  'audit_events',
  'setup_tokens',
  'sessions',
  'users',
  'vpdq_frames',
  'signal_changes',
  'signals',
  'bank_content',
  'api_keys',
  'banks',
  'organisations',
] as const satisfies readonly (keyof Schema)[];

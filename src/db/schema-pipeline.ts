/** Kysely table types of the scan pipeline (migrations/0002_scan_pipeline.ts). */
import type { ColumnType, Generated } from 'kysely';

type CreatedAt = ColumnType<Date, Date | undefined, never>;
type Json<T = Record<string, unknown>> = ColumnType<T, string | undefined, string>;

export const SCAN_STATUSES = ['running', 'done', 'failed'] as const;
export type ScanStatus = (typeof SCAN_STATUSES)[number];

export const MEDIA_STATES = ['pending', 'claimed', 'done', 'failed', 'missing'] as const;
export type MediaState = (typeof MEDIA_STATES)[number];

/** Highest first: a bank match with personal data is a doxxing finding. */
export const FINDING_SEVERITIES = ['doxxing', 'match', 'personal_data', 'intent'] as const;
export type FindingSeverity = (typeof FINDING_SEVERITIES)[number];

export interface ScansTable {
  id: Generated<number>;
  source: string;
  location: string;
  options: Json;
  status: ColumnType<ScanStatus, ScanStatus | undefined, ScanStatus>;
  counters: Json;
  started_at: CreatedAt;
  finished_at: Date | null;
}

export interface MessagesTable {
  id: Generated<number>;
  source: string;
  chat_id: string;
  message_id: string;
  edit_version: ColumnType<string, string | undefined, string>;
  scan_id: number | null;
  chat_name: string | null;
  chat_type: string;
  author_id: string | null;
  author_name: string | null;
  sent_at: Date;
  text: string;
  raw: Json<unknown>;
  signals: Json;
  media_count: ColumnType<number, number | undefined, number>;
  analysed_at: Date | null;
  created_at: CreatedAt;
}

export interface MediaItemsTable {
  id: Generated<number>;
  message_row: number;
  source: string;
  chat_id: string;
  message_id: string;
  media_id: string;
  type: string;
  mime: string | null;
  size: number | null;
  path: string | null;
  file_name: string | null;
  state: ColumnType<MediaState, MediaState | undefined, MediaState>;
  claimed_at: Date | null;
  attempts: ColumnType<number, number | undefined, number>;
  sha256: Buffer | null;
  matches: Json<unknown[]> | null;
  error: string | null;
}

export interface MediaHashesTable {
  sha256: Buffer;
  md5: Buffer;
  kind: 'image' | 'video' | 'other';
  bytes: number;
  pdq: Buffer | null;
  pdq_quality: number | null;
  width: number | null;
  height: number | null;
  vpdq: Json<[number, number, string, number][]> | null;
  hashed_at: CreatedAt;
}

export interface FindingsTable {
  id: Generated<number>;
  message_row: number;
  scan_id: number | null;
  severity: FindingSeverity;
  rank: number;
  matches: Json<unknown[]>;
  personal_data: Json;
  intent: Json<unknown[]>;
  created_at: CreatedAt;
}

export interface PipelineSchema {
  scans: ScansTable;
  messages: MessagesTable;
  media_items: MediaItemsTable;
  media_hashes: MediaHashesTable;
  findings: FindingsTable;
}

/** Children first, for TRUNCATE. */
export const PIPELINE_TABLES = ['findings', 'media_items', 'media_hashes', 'messages', 'scans'] as const;

/** Kysely table types of takedowns and their history (migrations/0009_takedowns.ts). */
import type { ColumnType, Generated } from 'kysely';

type Json<T> = ColumnType<T, string, string>;
type WithDefault<T> = ColumnType<T, T | undefined, T>;

export const TAKEDOWN_PLATFORMS = ['telegram', 'whatsapp', 'meta', 'generic'] as const;
export type TakedownPlatform = (typeof TAKEDOWN_PLATFORMS)[number];

export const TAKEDOWN_LANGUAGES = ['en', 'id', 'ms', 'ko', 'zh', 'sq'] as const;
export type TakedownLanguage = (typeof TAKEDOWN_LANGUAGES)[number];

export const TAKEDOWN_STATUSES = ['pending', 'sent', 'acknowledged', 'removed', 'refused', 'reappeared'] as const;
export type TakedownStatus = (typeof TAKEDOWN_STATUSES)[number];

/** How a notice went out: 'email' by Perisai over SMTP; the others recorded as sent by hand. */
export const TAKEDOWN_CHANNELS = ['email', 'in-app', 'web-form', 'post', 'other'] as const;
export type TakedownChannel = (typeof TAKEDOWN_CHANNELS)[number];

export const TAKEDOWN_EVENT_KINDS = [
  'created',
  'sent',
  'resent',
  'sent_manually',
  'send_failed',
  'send_blocked',
  'override',
  'acknowledged',
  'removed',
  'refused',
  'reappeared',
] as const;
export type TakedownEventKind = (typeof TAKEDOWN_EVENT_KINDS)[number];

export type TakedownActorKind = 'user' | 'apiKey' | 'system';

/** One thing to remove. At least one field is set. */
export interface TakedownItem {
  url?: string;
  /** Chat or channel (name, @handle or numeric id) when there is no URL. */
  chat?: string;
  message_id?: string;
  description?: string;
}

export interface TakedownsTable {
  id: Generated<number>;
  org_id: number;
  case_id: number | null;
  platform: TakedownPlatform;
  host: string;
  recipient: string | null;
  target_url: string | null;
  target_description: WithDefault<string>;
  items: Json<TakedownItem[]>;
  language: TakedownLanguage;
  legal_basis: string;
  evidence_ref: string | null;
  status: WithDefault<TakedownStatus>;
  channel: TakedownChannel | null;
  sent_count: WithDefault<number>;
  first_sent_at: Date | null;
  last_sent_at: Date | null;
  cycle_sent_at: Date | null;
  next_notice_at: Date | null;
  renotice_interval_hours: number | null;
  first_message_id: string | null;
  acknowledged_at: Date | null;
  removed_at: Date | null;
  refused_at: Date | null;
  reappeared_at: Date | null;
  last_checked_at: Date | null;
  override_reason: string | null;
  override_by: string | null;
  override_at: Date | null;
  created_by: string;
  created_at: Date;
  updated_at: Date;
}

export interface TakedownEventsTable {
  id: Generated<number>;
  takedown_id: number;
  org_id: number;
  kind: TakedownEventKind;
  from_status: TakedownStatus | null;
  to_status: TakedownStatus | null;
  actor_kind: TakedownActorKind;
  actor_id: string | null;
  details: Json<Record<string, unknown>>;
  at: Date;
}

export interface TakedownsSchema {
  takedowns: TakedownsTable;
  takedown_events: TakedownEventsTable;
}

/** Children first, for TRUNCATE. */
export const TAKEDOWNS_TABLES = ['takedown_events', 'takedowns'] as const;

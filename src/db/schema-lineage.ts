/** Kysely table types of channel lineage (migrations/0010_lineage.ts, src/cases/lineage). */
import type { ColumnType, Generated } from 'kysely';

type CreatedAt = ColumnType<Date, Date | undefined, never>;
type UpdatedAt = ColumnType<Date, Date | undefined, Date>;
type WithDefault<T> = ColumnType<T, T | undefined, T>;
type Json<T = Record<string, unknown>> = ColumnType<T, string | undefined, string>;

export const CHANNEL_LINK_STATUSES = ['probable', 'confirmed', 'rejected'] as const;
export type ChannelLinkStatus = (typeof CHANNEL_LINK_STATUSES)[number];

/** A forward source or an admin as stored: its keys (ids, folded names) and how to show it. */
export interface StoredEntry {
  keys: string[];
  label: string;
  /** Messages it was seen in. */
  count: number;
}

/** What a channel looks like to lineage: recomputed from messages and media by refreshChannelProfile. */
export interface ChannelProfilesTable {
  source: string;
  chat_id: string;
  title: string | null;
  /** The folded title skeleton ("albkings"); '' when the chat has no name. */
  title_key: WithDefault<string>;
  chat_type: string | null;
  /** MinHash signature of the media hash set (128 little-endian uint32); null without media. */
  minhash: Buffer | null;
  minhash_version: number;
  /** Distinct media hash elements (MD5s and PDQs) the signature summarises. */
  media_count: WithDefault<number>;
  /** Keys of the forward sources and of the admins, for overlap search (GIN-indexed). */
  forwarded_from: WithDefault<string[]>;
  admins: WithDefault<string[]>;
  /** The entries behind those keys: {forwards: StoredEntry[], admins: StoredEntry[]}. */
  entries: Json<{ forwards?: StoredEntry[]; admins?: StoredEntry[] }>;
  message_count: WithDefault<number>;
  first_seen: Date | null;
  last_seen: Date | null;
  /** What the profile was computed from, to tell when it is stale. */
  last_message_row: WithDefault<number>;
  hashed_media: WithDefault<number>;
  updated_at: UpdatedAt;
}

/** LSH band keys of each profile's signature (src/core/lineage/lsh.ts). */
export interface ChannelLshTable {
  band_key: number;
  source: string;
  chat_id: string;
}

/** "to" probably continues "from": from is the channel seen first. */
export interface ChannelLinksTable {
  id: Generated<number>;
  from_source: string;
  from_chat: string;
  to_source: string;
  to_chat: string;
  score: number;
  evidence: Json;
  status: WithDefault<ChannelLinkStatus>;
  created_at: CreatedAt;
  updated_at: UpdatedAt;
}

export interface LineageSchema {
  channel_profiles: ChannelProfilesTable;
  channel_lsh: ChannelLshTable;
  channel_links: ChannelLinksTable;
}

/** Children first, for TRUNCATE. */
export const LINEAGE_TABLES = ['channel_links', 'channel_lsh', 'channel_profiles'] as const;

/**
 * Channel profiles: what lineage compares, computed from the pipeline's stored
 * messages and media. Refreshing is idempotent (the profile and its LSH band
 * keys are replaced as a whole) and cheap to repeat; a profile records what it
 * was computed from, so stale ones can be found and refreshed in bulk.
 */
import { type Kysely, sql } from 'kysely';
import { bandKeys } from '../../core/lineage/lsh.js';
import { MINHASH_VERSION, MinHasher, signatureFromBytes, signatureToBytes } from '../../core/lineage/minhash.js';
import type { KeyedEntry } from '../../core/lineage/score.js';
import type { Schema } from '../../db/schema.js';
import type { StoredEntry } from '../../db/schema-lineage.js';
import { adminEntry, BOT_ADMIN_FIELDS, forwardEntry } from './extract.js';
import { channelKey, isChannelItself } from './keys.js';
import { titleSkeleton } from './title.js';

export interface ChannelRef {
  source: string;
  chatId: string;
}

export interface ChannelProfile extends ChannelRef {
  key: string;
  title: string | null;
  titleKey: string;
  chatType: string | null;
  signature: Uint32Array | null;
  /** Distinct media hash elements: "m:<md5>" and "p:<pdq>". */
  mediaCount: number;
  forwards: StoredEntry[];
  admins: StoredEntry[];
  messageCount: number;
  firstSeen: Date | null;
  lastSeen: Date | null;
  updatedAt: Date;
}

/** Entries kept per profile (the most frequent): bounds the profile row. */
export const MAX_ENTRIES = 500;
/** PDQ below this quality is too featureless to identify a picture (solid colours, near-blank frames). */
export const MIN_PDQ_QUALITY = 50;
/** Dates before Telegram existed are placeholders for "no date" (see NormalizedMessage.dateNote). */
const PLAUSIBLE_SINCE = '2013-01-01T00:00:00Z';

const hasher = new MinHasher();

/**
 * The channel's media as a set of hash strings: each file's MD5 ("m:<hex>") and,
 * when it is a picture of usable quality, its PDQ ("p:<hex>"). A re-encoded copy
 * keeps its PDQ but not its MD5, so it still shares half its elements.
 */
export async function mediaElements(db: Kysely<Schema>, ref: ChannelRef): Promise<Set<string>> {
  const { rows } = await sql<{ md5: string; pdq: string | null }>`
    select distinct encode(h.md5, 'hex') as md5,
           case when h.pdq is not null and coalesce(h.pdq_quality, 0) >= ${MIN_PDQ_QUALITY}
                then encode(h.pdq, 'hex') end as pdq
    from media_items i join media_hashes h on h.sha256 = i.sha256
    where i.source = ${ref.source} and i.chat_id = ${ref.chatId} and i.sha256 is not null`.execute(db);
  const out = new Set<string>();
  for (const r of rows) {
    out.add(`m:${r.md5}`);
    if (r.pdq !== null) out.add(`p:${r.pdq}`);
  }
  return out;
}

/** Recomputes one channel's profile from its messages and media; null when the pipeline has no message of it. */
export async function refreshChannelProfile(
  db: Kysely<Schema>,
  source: string,
  chatId: string,
  now: Date = new Date(),
): Promise<ChannelProfile | null> {
  const ref = { source, chatId };
  const stats = await chatStats(db, ref);
  if (!stats) return null;
  const elements = await mediaElements(db, ref);
  const signature = elements.size > 0 ? hasher.signature(elements) : null;
  const forwards = await forwardSources(db, ref);
  const admins = await chatAdmins(db, ref);
  const titleKey = titleSkeleton(stats.title);
  const row = {
    source,
    chat_id: chatId,
    title: stats.title,
    title_key: titleKey,
    chat_type: stats.chatType,
    minhash: signature ? Buffer.from(signatureToBytes(signature)) : null,
    minhash_version: MINHASH_VERSION,
    media_count: elements.size,
    forwarded_from: keysOf(forwards),
    admins: keysOf(admins),
    entries: JSON.stringify({ forwards, admins }),
    message_count: stats.messageCount,
    first_seen: stats.firstSeen,
    last_seen: stats.lastSeen,
    last_message_row: stats.lastRow,
    hashed_media: stats.hashedMedia,
    updated_at: now,
  };
  await db.transaction().execute(async (trx) => {
    await trx
      .insertInto('channel_profiles')
      .values(row)
      .onConflict((oc) => oc.columns(['source', 'chat_id']).doUpdateSet(row))
      .execute();
    await trx.deleteFrom('channel_lsh').where('source', '=', source).where('chat_id', '=', chatId).execute();
    const keys = signature ? bandKeys(signature) : [];
    if (keys.length > 0) {
      await trx
        .insertInto('channel_lsh')
        .values(keys.map((band_key) => ({ band_key, source, chat_id: chatId })))
        .onConflict((oc) => oc.doNothing())
        .execute();
    }
  });
  return {
    ...ref,
    key: channelKey(source, chatId),
    title: stats.title,
    titleKey,
    chatType: stats.chatType,
    signature,
    mediaCount: elements.size,
    forwards,
    admins,
    messageCount: stats.messageCount,
    firstSeen: stats.firstSeen,
    lastSeen: stats.lastSeen,
    updatedAt: now,
  };
}

interface ChatStats {
  title: string | null;
  chatType: string | null;
  messageCount: number;
  firstSeen: Date | null;
  lastSeen: Date | null;
  lastRow: number;
  hashedMedia: number;
}

async function chatStats(db: Kysely<Schema>, ref: ChannelRef): Promise<ChatStats | null> {
  const { rows } = await sql<{
    n: number;
    first_seen: Date | null;
    last_seen: Date | null;
    last_row: number | null;
    hashed: number;
  }>`
    select count(*)::int as n,
           min(sent_at) filter (where sent_at >= ${PLAUSIBLE_SINCE}::timestamptz) as first_seen,
           max(sent_at) filter (where sent_at >= ${PLAUSIBLE_SINCE}::timestamptz) as last_seen,
           max(id) as last_row,
           (select count(*)::int from media_items i
             where i.source = ${ref.source} and i.chat_id = ${ref.chatId} and i.sha256 is not null) as hashed
    from messages where source = ${ref.source} and chat_id = ${ref.chatId}`.execute(db);
  const s = rows[0];
  if (!s || s.n === 0) return null;
  // The newest name: channels are renamed, and the current name is the one people search for.
  const named = await db
    .selectFrom('messages')
    .select(['chat_name', 'chat_type'])
    .where('source', '=', ref.source)
    .where('chat_id', '=', ref.chatId)
    .orderBy(sql`chat_name is null`)
    .orderBy('sent_at', 'desc')
    .orderBy('id', 'desc')
    .limit(1)
    .executeTakeFirst();
  return {
    title: named?.chat_name ?? null,
    chatType: named?.chat_type ?? null,
    messageCount: s.n,
    firstSeen: s.first_seen,
    lastSeen: s.last_seen,
    lastRow: s.last_row ?? 0,
    hashedMedia: s.hashed,
  };
}

const FORWARD_FIELDS = [
  'forwarded_from',
  'forwarded_from_id',
  'forward_origin',
  'forward_from_chat',
  'forward_from',
  'forward_sender_name',
  'fwdFrom',
];

async function forwardSources(db: Kysely<Schema>, ref: ChannelRef): Promise<StoredEntry[]> {
  const { rows } = await sql<Record<string, unknown>>`
    select raw->'forwarded_from' as forwarded_from, raw->'forwarded_from_id' as forwarded_from_id,
           raw->'forward_origin' as forward_origin, raw->'forward_from_chat' as forward_from_chat,
           raw->'forward_from' as forward_from, raw->'forward_sender_name' as forward_sender_name,
           raw->'fwdFrom' as fwd_from,
           case when jsonb_typeof(raw->'html') = 'string' and raw->>'html' like '%forwarded body%'
                then raw->>'html' end as html
    from messages
    where source = ${ref.source} and chat_id = ${ref.chatId}
      and (raw ?| ${FORWARD_FIELDS}::text[]
           or (jsonb_typeof(raw->'html') = 'string' and raw->>'html' like '%forwarded body%'))`.execute(db);
  const found: KeyedEntry[] = [];
  for (const r of rows) {
    const e = forwardEntry({
      forwardedFrom: r.forwarded_from ?? undefined,
      forwardedFromId: r.forwarded_from_id ?? undefined,
      forwardOrigin: r.forward_origin,
      forwardFromChat: r.forward_from_chat,
      forwardFrom: r.forward_from,
      forwardSenderName: r.forward_sender_name,
      fwdFrom: r.fwd_from,
      html: r.html,
    });
    if (e) found.push(e);
  }
  return mergeEntries(found.map((e) => ({ entry: e, count: 1 })));
}

async function chatAdmins(db: Kysely<Schema>, ref: ChannelRef): Promise<StoredEntry[]> {
  const { rows } = await sql<{
    author_id: string | null;
    author_name: string | null;
    chat_type: string;
    chat_name: string | null;
    action: unknown;
    bot_admin: boolean;
    n: number;
  }>`
    select author_id, author_name, chat_type, chat_name, raw->'action' as action,
           coalesce(raw ?| ${BOT_ADMIN_FIELDS}::text[], false) as bot_admin, count(*)::int as n
    from messages
    where source = ${ref.source} and chat_id = ${ref.chatId}
      and (chat_type = 'channel' or raw ? 'action' or raw ?| ${BOT_ADMIN_FIELDS}::text[])
    group by 1, 2, 3, 4, 5, 6`.execute(db);
  const found: { entry: KeyedEntry; count: number }[] = [];
  for (const r of rows) {
    const e = adminEntry({
      chatType: r.chat_type,
      chatName: r.chat_name,
      authorId: r.author_id,
      authorName: r.author_name,
      action: r.action,
      botAdminField: r.bot_admin,
    });
    if (!e) continue;
    // The channel posting as itself is not an admin of itself.
    const keys = e.keys.filter((k) => !isChannelItself(k, ref.source, ref.chatId));
    if (keys.length > 0) found.push({ entry: { keys, label: e.label }, count: r.n });
  }
  return mergeEntries(found);
}

/** Entries sharing any key are one (a source seen by id in one message and by name in another). */
export function mergeEntries(found: readonly { entry: KeyedEntry; count: number }[]): StoredEntry[] {
  const merged: StoredEntry[] = [];
  const byKey = new Map<string, StoredEntry>();
  for (const { entry, count } of found) {
    const hit = entry.keys.map((k) => byKey.get(k)).find((e) => e !== undefined);
    const target = hit ?? { keys: [], label: entry.label, count: 0 };
    if (!hit) merged.push(target);
    target.count += count;
    for (const k of entry.keys) {
      if (!target.keys.includes(k)) target.keys.push(k);
      byKey.set(k, target);
    }
  }
  return merged.sort((a, b) => b.count - a.count || a.label.localeCompare(b.label)).slice(0, MAX_ENTRIES);
}

function keysOf(entries: readonly StoredEntry[]): string[] {
  return [...new Set(entries.flatMap((e) => e.keys))];
}

/** Stored profiles, as they are (no refresh). */
export async function loadProfiles(db: Kysely<Schema>, refs: readonly ChannelRef[]): Promise<ChannelProfile[]> {
  if (refs.length === 0) return [];
  const rows = await db
    .selectFrom('channel_profiles')
    .selectAll()
    .where((eb) => eb.or(refs.map((r) => eb.and([eb('source', '=', r.source), eb('chat_id', '=', r.chatId)]))))
    .execute();
  return rows.map((r) => ({
    source: r.source,
    chatId: r.chat_id,
    key: channelKey(r.source, r.chat_id),
    title: r.title,
    titleKey: r.title_key,
    chatType: r.chat_type,
    signature: r.minhash && r.minhash_version === MINHASH_VERSION ? signatureFromBytes(r.minhash) : null,
    mediaCount: r.media_count,
    forwards: r.entries.forwards ?? [],
    admins: r.entries.admins ?? [],
    messageCount: r.message_count,
    firstSeen: r.first_seen,
    lastSeen: r.last_seen,
    updatedAt: r.updated_at,
  }));
}

/** Chats whose messages or hashed media changed since their profile was computed (or that have none). */
export async function staleChannels(db: Kysely<Schema>, limit: number): Promise<ChannelRef[]> {
  const { rows } = await sql<{ source: string; chat_id: string }>`
    with m as (select source, chat_id, max(id) as last_row from messages group by source, chat_id),
         h as (select source, chat_id, count(*)::int as hashed from media_items
               where sha256 is not null group by source, chat_id)
    select m.source, m.chat_id
    from m left join h on h.source = m.source and h.chat_id = m.chat_id
           left join channel_profiles p on p.source = m.source and p.chat_id = m.chat_id
    where p.source is null or p.last_message_row < m.last_row or p.hashed_media <> coalesce(h.hashed, 0)
       or p.minhash_version <> ${MINHASH_VERSION}
    order by m.last_row desc
    limit ${limit}`.execute(db);
  return rows.map((r) => ({ source: r.source, chatId: r.chat_id }));
}

/** Refreshes up to `limit` stale profiles; returns how many were refreshed. */
export async function refreshStaleProfiles(db: Kysely<Schema>, limit: number, now: Date = new Date()): Promise<number> {
  const stale = await staleChannels(db, limit);
  for (const ref of stale) await refreshChannelProfile(db, ref.source, ref.chatId, now);
  return stale.length;
}

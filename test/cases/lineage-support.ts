/**
 * Synthetic channels written straight into the pipeline tables (messages,
 * media_items, media_hashes), the way a scan leaves them: fictional names and
 * ids, random hashes standing in for media. No image bytes exist anywhere.
 */
import { createHash } from 'node:crypto';
import type { Database } from '../../src/db/open.js';

export type Db = Database['db'];

/** splitmix32: seeded, so every run builds the same channels. */
export function rng(seed: number): () => number {
  let state = seed | 0;
  return () => {
    state = (state + 0x9e3779b9) | 0;
    let z = state;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    return ((z ^ (z >>> 16)) >>> 0) / 4294967296;
  };
}

export interface FakeMedia {
  sha256: Buffer;
  md5: Buffer;
  pdq: Buffer;
}

/** A stand-in file: hashes derived from a label, no bytes. */
export function fakeMedia(label: string): FakeMedia {
  const digest = (algo: string, salt: string) => createHash(algo).update(`${salt}:${label}`).digest();
  return { sha256: digest('sha256', 'file'), md5: digest('md5', 'file'), pdq: digest('sha256', 'pdq') };
}

export interface ChannelSpec {
  source?: string;
  chatId: string;
  title: string;
  chatType?: string;
  /** First message time; one message a minute after it. */
  start: Date;
  media: FakeMedia[];
  /** Bot API forward origins (channels): one forwarded message per entry. */
  forwardsFrom?: { id: number; title: string }[];
  /** Users who pinned a message (an admin-only action). */
  pinnedBy?: { id: number; name: string }[];
  /** Bank matches put on the first media item (media_items.matches). */
  matches?: Record<string, unknown>[];
  /** A plain member's message, by this author. */
  memberPost?: { id: number; name: string };
}

let messageCounter = 0;

interface PlannedMessage {
  raw: Record<string, unknown>;
  author: { id: string | null; name: string | null };
  media?: { medium: FakeMedia; matches: Record<string, unknown>[] | undefined };
}

/** Writes one channel: a message per medium (the channel posting as itself), forwards, pins; one insert per table. */
export async function writeChannel(db: Db, spec: ChannelSpec): Promise<void> {
  const source = spec.source ?? 'telegram-bot';
  const chatType = spec.chatType ?? 'channel';
  const chat = { id: Number(spec.chatId), title: spec.title, type: chatType };
  const self = { id: spec.chatId, name: spec.title };
  const planned: PlannedMessage[] = spec.media.map((medium, i) => ({
    raw: { photo: [{ file_unique_id: `f${i}` }] },
    author: self,
    media: { medium, matches: i === 0 ? spec.matches : undefined },
  }));
  for (const origin of spec.forwardsFrom ?? []) {
    planned.push({
      raw: { forward_origin: { type: 'channel', chat: { id: origin.id, title: origin.title, type: 'channel' } } },
      author: self,
    });
  }
  for (const admin of spec.pinnedBy ?? []) {
    planned.push({
      raw: { from: { id: admin.id, first_name: admin.name }, pinned_message: { message_id: 1 } },
      author: { id: String(admin.id), name: admin.name },
    });
  }
  if (spec.memberPost) {
    const p = spec.memberPost;
    planned.push({
      raw: { from: { id: p.id, first_name: p.name }, text: 'hello' },
      author: { id: String(p.id), name: p.name },
    });
  }
  const ids = planned.map(() => String(++messageCounter));
  const rows = await db
    .insertInto('messages')
    .values(
      planned.map((m, i) => ({
        source,
        chat_id: spec.chatId,
        message_id: ids[i]!,
        chat_name: spec.title,
        chat_type: chatType,
        author_id: m.author.id,
        author_name: m.author.name,
        sent_at: new Date(spec.start.getTime() + i * 60_000),
        text: '',
        raw: JSON.stringify({ message_id: Number(ids[i]), chat, ...m.raw }),
        signals: '{}',
      })),
    )
    .returning(['id', 'message_id'])
    .execute();
  const rowOf = new Map(rows.map((r) => [r.message_id, r.id]));
  const withMedia = planned.map((m, i) => ({ m, id: ids[i]! })).filter((x) => x.m.media);
  if (withMedia.length === 0) return;
  await db
    .insertInto('media_hashes')
    .values(
      withMedia.map(({ m }) => {
        const { sha256, md5, pdq } = m.media!.medium;
        return { sha256, md5, kind: 'image' as const, bytes: 1000, pdq, pdq_quality: 90 };
      }),
    )
    .onConflict((oc) => oc.column('sha256').doNothing())
    .execute();
  await db
    .insertInto('media_items')
    .values(
      withMedia.map(({ m, id }) => ({
        message_row: rowOf.get(id)!,
        source,
        chat_id: spec.chatId,
        message_id: id,
        media_id: 'photo',
        type: 'photo',
        state: 'done' as const,
        sha256: m.media!.medium.sha256,
        matches: m.media!.matches ? JSON.stringify(m.media!.matches) : null,
      })),
    )
    .execute();
}

export async function createOrganisation(db: Db, name: string): Promise<number> {
  return (await db.insertInto('organisations').values({ name }).returning('id').executeTakeFirstOrThrow()).id;
}

export async function createCaseRow(db: Db, orgId: number, reference: string): Promise<number> {
  const row = await db
    .insertInto('cases')
    .values({ org_id: orgId, reference, title: 'Synthetic case' })
    .returning('id')
    .executeTakeFirstOrThrow();
  return row.id;
}

export async function linkCase(db: Db, caseId: number, targetKind: string, targetId: string): Promise<void> {
  await db
    .insertInto('case_events')
    .values({
      case_id: caseId,
      kind: 'link',
      target_kind: targetKind,
      target_id: targetId,
      details: '{}',
      actor_kind: 'system',
      actor_id: null,
    })
    .execute();
}

export const OLD_CHAT = '-1001111111111';
export const BACKUP_CHAT = '-1002222222222';
export const ADMIN = { id: 700_001, name: 'Ardit Synthetic' };
export const SOURCES = [
  { id: -1009990001, title: 'Leaks Source A' },
  { id: -1009990002, title: 'Leaks Source B' },
];

/**
 * The seed story, synthetic: "Albkings ✓" is banned; "albkings backup 2" starts
 * two weeks later re-posting half of its media among as many new files,
 * forwarding from the same sources, pinned by the same admin. Around them:
 * unrelated channels, a namesake sharing nothing, and one sharing a single meme.
 * `oldMatches` are bank matches on the old channel's first medium.
 */
export async function writeAlbkingsWorld(
  db: Db,
  seed = 1,
  options: { oldMatches?: Record<string, unknown>[] } = {},
): Promise<{ old: FakeMedia[]; shared: FakeMedia[] }> {
  const next = rng(seed);
  const medium = (prefix: string) => fakeMedia(`${prefix}-${Math.floor(next() * 1e12)}`);
  const old = Array.from({ length: 20 }, () => medium('old'));
  const shared = old.slice(0, 10);
  const fresh = Array.from({ length: 10 }, () => medium('new'));
  await writeChannel(db, {
    chatId: OLD_CHAT,
    title: 'Albkings ✓',
    start: new Date('2026-01-05T10:00:00Z'),
    media: old,
    forwardsFrom: SOURCES,
    pinnedBy: [ADMIN],
    ...(options.oldMatches ? { matches: options.oldMatches } : {}),
  });
  await writeChannel(db, {
    chatId: BACKUP_CHAT,
    title: 'albkings backup 2',
    start: new Date('2026-01-20T10:00:00Z'),
    media: [...shared, ...fresh],
    forwardsFrom: SOURCES,
    pinnedBy: [ADMIN],
  });
  await writeChannel(db, {
    chatId: '-1003333333333',
    title: 'Albkings fan club',
    start: new Date('2026-01-21T10:00:00Z'),
    media: Array.from({ length: 8 }, () => medium('fan')),
  });
  await writeChannel(db, {
    chatId: '-1004444444444',
    title: 'Daily memes',
    start: new Date('2026-01-02T10:00:00Z'),
    media: [old[19]!, ...Array.from({ length: 30 }, () => medium('meme'))],
    forwardsFrom: [{ id: -1009990099, title: 'Meme Hub' }],
  });
  for (let i = 0; i < 12; i++) {
    await writeChannel(db, {
      chatId: String(-1005000000000 - i),
      title: `Unrelated channel ${i}`,
      start: new Date('2026-01-10T10:00:00Z'),
      media: Array.from({ length: 5 + i }, () => medium(`u${i}`)),
      forwardsFrom: [{ id: -1009990099, title: 'Meme Hub' }],
    });
  }
  return { old, shared };
}

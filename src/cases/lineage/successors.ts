/**
 * findSuccessors: given a reported (often banned) channel, find the channels
 * that probably continue it, record them as links, and alert the cases the
 * channel belongs to.
 *
 * 1. Refresh profiles: the reported channel's, and (bounded) every stale one,
 *    so channels scanned since the last check take part.
 * 2. Candidates: channels sharing an LSH band of the media MinHash, a forward
 *    source, an admin, or the exact title skeleton (indexed lookups, each capped).
 * 3. Score every candidate with the MinHash estimate, then recount the media
 *    overlap exactly for the best ones when both hash sets are small enough,
 *    which also yields the shared hashes shown as evidence.
 * 4. Probable ones (score >= threshold and something concrete shared) become
 *    channel_links, and the cases of both channels get a 'lineage' alert, each
 *    case once per link (none while the link stands rejected).
 */
import { type Kysely, sql } from 'kysely';
import { bandKeys } from '../../core/lineage/lsh.js';
import { intersection } from '../../core/lineage/sets.js';
import type { Schema } from '../../db/schema.js';
import { type AlertActor, alreadyAlerted, appendLineageAlert, type CaseRef, casesOfChannel } from './alerts.js';
import { type Comparison, compareChannels, EVIDENCE_SAMPLE, estimatedMedia, type MediaOverlap } from './compare.js';
import { channelAliases } from './keys.js';
import { type ChannelLink, recordLink } from './links.js';
import {
  type ChannelProfile,
  type ChannelRef,
  loadProfiles,
  mediaElements,
  refreshChannelProfile,
  refreshStaleProfiles,
} from './profile.js';

export interface FindSuccessorsOptions {
  now?: () => Date;
  /** Score at which a candidate becomes a probable link (default DEFAULT_LINK_THRESHOLD). */
  threshold?: number;
  /** Stale profiles refreshed first (default 1000; 0: none). */
  refreshStale?: number;
  /** Candidates fetched per search path (default 200). */
  maxCandidates?: number;
  /** Write links and case alerts (default true). */
  record?: boolean;
  /** Only this organisation's cases are alerted and reported; null: every case (system jobs). */
  organisationId?: number | null;
  /** Who the case alerts are from (default: the system). */
  actor?: AlertActor;
}

export interface LineageMatch {
  channel: ChannelProfile;
  relation: 'successor' | 'predecessor';
  score: number;
  evidence: Comparison['evidence'];
  link: ChannelLink | null;
  /** Case references alerted now (the caller's organisation's only). */
  alerted: string[];
}

export interface LineageCheck {
  channel: ChannelProfile;
  /** Channels looked at. */
  candidates: number;
  matches: LineageMatch[];
  /** The cases the checked channel belongs to (the caller's organisation's only). */
  cases: string[];
}

/** Exact media recount: at most this many candidates, each hash set at most this large. */
export const EXACT_CANDIDATES = 50;
export const EXACT_MAX_ELEMENTS = 50_000;

const SOURCES = [
  'telegram-export-json',
  'telegram-export-html',
  'telegram-bot',
  'telegram-mtproto',
  'whatsapp-export',
  'folder',
];

/** The (source, chat id) pairs the pipeline holds for a chat id in any of its Telegram spellings. */
export async function locateChat(db: Kysely<Schema>, chatId: string): Promise<ChannelRef[]> {
  const out: ChannelRef[] = [];
  for (const source of SOURCES) {
    for (const alias of new Set([chatId, ...channelAliases(source, chatId)])) {
      const hit = await db
        .selectFrom('messages')
        .select('id')
        .where('source', '=', source)
        .where('chat_id', '=', alias)
        .limit(1)
        .executeTakeFirst();
      if (hit) out.push({ source, chatId: alias });
    }
  }
  return out;
}

export async function findSuccessors(
  db: Kysely<Schema>,
  chat: string | ChannelRef,
  options: FindSuccessorsOptions = {},
): Promise<LineageCheck[]> {
  const now = options.now?.() ?? new Date();
  const refs = typeof chat === 'string' ? await locateChat(db, chat) : [chat];
  if ((options.refreshStale ?? 1000) > 0) await refreshStaleProfiles(db, options.refreshStale ?? 1000, now);
  const checks: LineageCheck[] = [];
  for (const ref of refs) {
    const profile = await refreshChannelProfile(db, ref.source, ref.chatId, now);
    if (profile) checks.push(await checkProfile(db, profile, options, now));
  }
  return checks;
}

async function checkProfile(
  db: Kysely<Schema>,
  profile: ChannelProfile,
  options: FindSuccessorsOptions,
  now: Date,
): Promise<LineageCheck> {
  const candidates = await loadProfiles(db, await candidateRefs(db, profile, options.maxCandidates ?? 200));
  const scored = candidates
    .map((c) => ({ candidate: c, result: compareChannels(profile, c, estimatedMedia(profile, c), options.threshold) }))
    .sort((a, b) => b.result.score - a.result.score);
  const refElements = profile.mediaCount <= EXACT_MAX_ELEMENTS ? await mediaElements(db, profile) : null;
  for (const entry of scored.slice(0, EXACT_CANDIDATES)) {
    if (profile.mediaCount === 0 || entry.candidate.mediaCount === 0) continue;
    const media = await exactMedia(db, profile, entry.candidate, refElements, estimatedMedia(profile, entry.candidate));
    entry.result = compareChannels(profile, entry.candidate, media, options.threshold);
  }
  const organisationId = options.organisationId ?? null;
  const matches: LineageMatch[] = [];
  for (const { candidate, result } of scored.sort((a, b) => b.result.score - a.result.score)) {
    if (!result.probable) continue;
    const match: LineageMatch = {
      channel: candidate,
      relation: result.evidence.relation,
      score: result.score,
      evidence: result.evidence,
      link: null,
      alerted: [],
    };
    if (options.record !== false) await recordMatch(db, profile, match, options, now);
    matches.push(match);
  }
  const cases = await casesOfChannel(db, profile, organisationId);
  return { channel: profile, candidates: candidates.length, matches, cases: cases.map((c) => c.reference) };
}

async function candidateRefs(db: Kysely<Schema>, p: ChannelProfile, limit: number): Promise<ChannelRef[]> {
  const notSelf = sql`not (source = ${p.source} and chat_id = ${p.chatId})`;
  const found = new Map<string, ChannelRef>();
  const add = (rows: { source: string; chat_id: string }[]) => {
    for (const r of rows) found.set(`${r.source}\u0000${r.chat_id}`, { source: r.source, chatId: r.chat_id });
  };
  const keys = p.signature ? bandKeys(p.signature) : [];
  if (keys.length > 0) {
    const { rows } = await sql<{ source: string; chat_id: string }>`
      select source, chat_id from channel_lsh where band_key in (${sql.join(keys)}) and ${notSelf}
      group by source, chat_id order by count(*) desc, source, chat_id limit ${limit}`.execute(db);
    add(rows);
  }
  const overlaps: [string, string[]][] = [
    ['forwarded_from', p.forwards.flatMap((e) => e.keys)],
    ['admins', p.admins.flatMap((e) => e.keys)],
  ];
  for (const [column, values] of overlaps) {
    if (values.length === 0) continue;
    const { rows } = await sql<{ source: string; chat_id: string }>`
      select source, chat_id from channel_profiles
      where ${sql.ref(column)} && ${values}::text[] and ${notSelf} order by updated_at desc limit ${limit}`.execute(db);
    add(rows);
  }
  if (p.titleKey !== '') {
    const { rows } = await sql<{ source: string; chat_id: string }>`
      select source, chat_id from channel_profiles where title_key = ${p.titleKey} and ${notSelf}
      order by updated_at desc limit ${limit}`.execute(db);
    add(rows);
  }
  return [...found.values()];
}

/** The media overlap counted from both hash sets, or (for very large sets) estimated with a sample from SQL. */
async function exactMedia(
  db: Kysely<Schema>,
  ref: ChannelProfile,
  cand: ChannelProfile,
  refElements: Set<string> | null,
  estimate: MediaOverlap,
): Promise<MediaOverlap> {
  if (refElements && cand.mediaCount <= EXACT_MAX_ELEMENTS) {
    const shared = intersection(refElements, await mediaElements(db, cand)).sort();
    return { shared: shared.length, method: 'exact', sample: shared.slice(0, EVIDENCE_SAMPLE).map(displayElement) };
  }
  const { rows } = await sql<{ md5: string }>`
    select distinct encode(h.md5, 'hex') as md5
    from media_items a join media_hashes h on h.sha256 = a.sha256
    where a.source = ${ref.source} and a.chat_id = ${ref.chatId} and a.sha256 is not null
      and exists (select 1 from media_items b
                  where b.source = ${cand.source} and b.chat_id = ${cand.chatId} and b.sha256 = a.sha256)
    limit ${EVIDENCE_SAMPLE}`.execute(db);
  return { ...estimate, sample: rows.map((r) => `md5:${r.md5}`) };
}

function displayElement(element: string): string {
  return element.startsWith('m:') ? `md5:${element.slice(2)}` : `pdq:${element.slice(2)}`;
}

async function recordMatch(
  db: Kysely<Schema>,
  profile: ChannelProfile,
  match: LineageMatch,
  options: FindSuccessorsOptions,
  now: Date,
): Promise<void> {
  const [older, newer] = match.relation === 'successor' ? [profile, match.channel] : [match.channel, profile];
  const { link } = await recordLink(db, older, newer, match.score, match.evidence, now);
  match.link = link;
  // An analyst said no: checking again must not alert anyone again.
  if (link.status === 'rejected') return;
  const actor = options.actor ?? { kind: 'system', id: null };
  const organisationId = options.organisationId ?? null;
  const sides: [ChannelProfile, ChannelProfile, 'successor' | 'predecessor'][] = [
    [older, newer, 'successor'],
    [newer, older, 'predecessor'],
  ];
  for (const [own, other, relation] of sides) {
    const cases: CaseRef[] = await casesOfChannel(db, own, organisationId);
    for (const c of cases) {
      // Each case hears of a link once, whichever organisation's check found it first.
      if (await alreadyAlerted(db, c.id, link.id)) continue;
      await appendLineageAlert(db, c.id, { link, relation, other, evidence: match.evidence }, actor, now);
      match.alerted.push(c.reference);
    }
  }
}

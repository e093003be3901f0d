/**
 * What a scan report shows, read from the database: the summary counts and the
 * findings, most severe first. Findings are paged so that a scan with millions of
 * messages never has to be held in memory to be reported.
 */
import { sql } from 'kysely';
import type { Database } from '../db/open.js';
import type { FindingSeverity } from '../db/schema-pipeline.js';
import type { MediaMatch, PersonalData } from './assess.js';

export interface ReportSummary {
  scanId: number;
  source: string;
  location: string;
  startedAt: Date;
  finishedAt: Date | null;
  chats: { id: string; name: string | null; messages: number }[];
  messages: number;
  media: { total: number; hashed: number; failed: number; missing: number };
  matchesByBank: { bank: string; category: string; matches: number; messages: number }[];
  findingsBySeverity: Record<FindingSeverity, number>;
  personalData: { phones: number; emails: number; handles: number; locations: number; telegramLinks: number };
  intent: Record<string, number>;
  topAuthors: { id: string | null; name: string | null; messages: number; findings: number }[];
}

export interface ReportFinding {
  id: number;
  severity: FindingSeverity;
  chatId: string;
  chatName: string | null;
  messageId: string;
  authorId: string | null;
  authorName: string | null;
  sentAt: Date;
  text: string;
  matches: MediaMatch[];
  personalData: PersonalData;
  intent: string[];
  /** The message's media, for thumbnails: only items that were read from disk. */
  media: { mediaId: string; type: string; path: string | null; state: string }[];
}

export async function reportSummary(database: Database, scanId: number): Promise<ReportSummary> {
  const db = database.db;
  const scan = await db.selectFrom('scans').selectAll().where('id', '=', scanId).executeTakeFirstOrThrow();
  const chats = await db
    .selectFrom('messages')
    .select([
      'chat_id as id',
      (eb) => eb.fn.max('chat_name').as('name'),
      (eb) => eb.fn.countAll<number>().as('messages'),
    ])
    .where('scan_id', '=', scanId)
    .groupBy('chat_id')
    .orderBy('messages', 'desc')
    .execute();
  const media = await db
    .selectFrom('media_items as i')
    .innerJoin('messages as m', 'm.id', 'i.message_row')
    .select(['i.state', (eb) => eb.fn.countAll<number>().as('n')])
    .where('m.scan_id', '=', scanId)
    .groupBy('i.state')
    .execute();
  const state = (s: string) => Number(media.find((r) => r.state === s)?.n ?? 0);
  const { rows: banks } = await sql<{ bank: string; category: string; matches: number; messages: number }>`
    select x->>'bank' as bank, max(x->>'category') as category, count(*)::int as matches,
           count(distinct f.message_row)::int as messages
    from findings f cross join lateral jsonb_array_elements(f.matches) x
    where f.scan_id = ${scanId} group by 1 order by 3 desc`.execute(db);
  const severities = await db
    .selectFrom('findings')
    .select(['severity', (eb) => eb.fn.countAll<number>().as('n')])
    .where('scan_id', '=', scanId)
    .groupBy('severity')
    .execute();
  const findingsBySeverity = { doxxing: 0, match: 0, personal_data: 0, intent: 0 };
  for (const s of severities) findingsBySeverity[s.severity] = Number(s.n);
  const { rows: pd } = await sql<Record<string, number>>`
    select coalesce(sum(jsonb_array_length(personal_data->'phones')), 0)::int as phones,
           coalesce(sum(jsonb_array_length(personal_data->'emails')), 0)::int as emails,
           coalesce(sum(jsonb_array_length(personal_data->'handles')), 0)::int as handles,
           coalesce(sum(jsonb_array_length(personal_data->'locations')), 0)::int as locations,
           coalesce(sum(jsonb_array_length(personal_data->'telegram_links')), 0)::int as telegram_links
    from findings where scan_id = ${scanId}`.execute(db);
  const { rows: intent } = await sql<{ category: string; n: number }>`
    select x as category, count(*)::int as n
    from findings f cross join lateral jsonb_array_elements_text(f.intent) x
    where f.scan_id = ${scanId} group by 1 order by 2 desc`.execute(db);
  const { rows: authors } = await sql<{ id: string | null; name: string | null; messages: number; findings: number }>`
    select m.author_id as id, max(m.author_name) as name, count(*)::int as messages, count(f.id)::int as findings
    from messages m left join findings f on f.message_row = m.id
    where m.scan_id = ${scanId} group by m.author_id
    order by count(f.id) desc, count(*) desc limit 10`.execute(db);
  const p = pd[0] ?? {};
  return {
    scanId,
    source: scan.source,
    location: scan.location,
    startedAt: scan.started_at,
    finishedAt: scan.finished_at,
    chats: chats.map((c) => ({ id: c.id, name: c.name, messages: Number(c.messages) })),
    messages: chats.reduce((sum, c) => sum + Number(c.messages), 0),
    media: {
      total: media.reduce((s, r) => s + Number(r.n), 0),
      hashed: state('done'),
      failed: state('failed'),
      missing: state('missing'),
    },
    matchesByBank: banks,
    findingsBySeverity,
    personalData: {
      phones: p.phones ?? 0,
      emails: p.emails ?? 0,
      handles: p.handles ?? 0,
      locations: p.locations ?? 0,
      telegramLinks: p.telegram_links ?? 0,
    },
    intent: Object.fromEntries(intent.map((r) => [r.category, r.n])),
    topAuthors: authors,
  };
}

/** Findings of a scan, most severe first, in pages of `pageSize`. */
export async function* reportFindings(
  database: Database,
  scanId: number,
  pageSize = 500,
): AsyncGenerator<ReportFinding> {
  let after: { rank: number; id: number } | null = null;
  for (;;) {
    let query = database.db
      .selectFrom('findings as f')
      .innerJoin('messages as m', 'm.id', 'f.message_row')
      .select([
        'f.id',
        'f.rank',
        'f.severity',
        'f.matches',
        'f.personal_data',
        'f.intent',
        'f.message_row',
        'm.chat_id',
        'm.chat_name',
        'm.message_id',
        'm.author_id',
        'm.author_name',
        'm.sent_at',
        'm.text',
      ])
      .where('f.scan_id', '=', scanId)
      .orderBy('f.rank')
      .orderBy('f.id')
      .limit(pageSize);
    if (after) {
      const { rank, id } = after;
      query = query.where((eb) =>
        eb.or([eb('f.rank', '>', rank), eb.and([eb('f.rank', '=', rank), eb('f.id', '>', id)])]),
      );
    }
    const rows = await query.execute();
    if (rows.length === 0) return;
    const media = await database.db
      .selectFrom('media_items')
      .select(['message_row', 'media_id', 'type', 'path', 'state'])
      .where(
        'message_row',
        'in',
        rows.map((r) => r.message_row),
      )
      .orderBy('id')
      .execute();
    for (const r of rows) {
      yield {
        id: r.id,
        severity: r.severity,
        chatId: r.chat_id,
        chatName: r.chat_name,
        messageId: r.message_id,
        authorId: r.author_id,
        authorName: r.author_name,
        sentAt: r.sent_at,
        text: r.text,
        matches: r.matches as MediaMatch[],
        personalData: r.personal_data as unknown as PersonalData,
        intent: r.intent as string[],
        media: media
          .filter((m) => m.message_row === r.message_row)
          .map((m) => ({ mediaId: m.media_id, type: m.type, path: m.path, state: m.state })),
      };
    }
    const last = rows[rows.length - 1]!;
    after = { rank: last.rank, id: last.id };
  }
}

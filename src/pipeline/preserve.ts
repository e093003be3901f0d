/**
 * `perisai scan --preserve`: every finding's evidence goes into the vault before
 * anyone acts on it. One capture per media item (or one for the message when it
 * has no media to keep): the original bytes, the raw source record, three
 * messages of context on each side and what is known of the channel. Capturing
 * again skips what the vault already holds, so a resumed scan preserves once.
 */
import { readFile } from 'node:fs/promises';
import type { Database } from '../db/open.js';
import type { BankCategory } from '../db/schema.js';
import type { CaptureRecord, PerceptualHashes } from '../evidence/vault/record.js';
import type { EvidenceVault } from '../evidence/vault/vault.js';
import type { MediaMatch } from './assess.js';
import { type ReportFinding, reportFindings } from './report-data.js';

const CONTEXT = 3;

export interface PreserveOptions {
  caseId: string;
  capturedBy: { kind: 'user' | 'rule'; id: string };
  onError?: (finding: ReportFinding, err: Error) => void;
}

/** Captures the evidence of every finding of a scan; returns how many items were captured. */
export async function preserveFindings(
  database: Database,
  vault: EvidenceVault,
  scanId: number,
  options: PreserveOptions,
): Promise<number> {
  let captured = 0;
  for await (const finding of reportFindings(database, scanId)) {
    try {
      captured += await preserveFinding(database, vault, finding, options);
    } catch (err) {
      options.onError?.(finding, err as Error);
    }
  }
  return captured;
}

async function preserveFinding(
  database: Database,
  vault: EvidenceVault,
  f: ReportFinding,
  options: PreserveOptions,
): Promise<number> {
  const done = await database.db
    .selectFrom('evidence_captures')
    .select('id')
    .where('chat_id', '=', f.chatId)
    .where('message_id', '=', f.messageId)
    .executeTakeFirst();
  if (done) return 0;
  const message = await database.db
    .selectFrom('messages')
    .select(['id', 'source', 'raw', 'chat_name'])
    .where('chat_id', '=', f.chatId)
    .where('message_id', '=', f.messageId)
    .orderBy('id')
    .executeTakeFirstOrThrow();
  const context = await contextOf(database, f.chatId, message.id);
  const items = f.media.filter((m) => m.path && m.state === 'done');
  const base = {
    caseId: options.caseId,
    category: categoryOf(f),
    rawRecord: message.raw,
    context,
    channel: { title: message.chat_name },
    capturedBy: options.capturedBy,
    source: { kind: message.source, chatId: f.chatId, messageId: f.messageId },
  };
  if (items.length === 0) {
    await vault.capture({ ...base, media: null });
    return 1;
  }
  const records: CaptureRecord[] = [];
  for (const item of items) {
    const media = await readFile(item.path!);
    records.push(await vault.capture({ ...base, media, hashes: await perceptualHashes(database, f, item.mediaId) }));
  }
  return records.length;
}

/** The PDQ / vPDQ hashes the scan computed for the item, kept in its capture record. */
async function perceptualHashes(database: Database, f: ReportFinding, mediaId: string): Promise<PerceptualHashes> {
  const row = await database.db
    .selectFrom('media_items as i')
    .innerJoin('media_hashes as h', 'h.sha256', 'i.sha256')
    .select(['h.pdq', 'h.pdq_quality', 'h.vpdq'])
    .where('i.chat_id', '=', f.chatId)
    .where('i.message_id', '=', f.messageId)
    .where('i.media_id', '=', mediaId)
    .executeTakeFirst();
  if (!row) return {};
  const pdq = row.pdq ? { hex: row.pdq.toString('hex'), quality: row.pdq_quality ?? 0 } : null;
  const frames = (row.vpdq as [number, number, string, number][] | null) ?? null;
  const vpdq = frames?.map(([frameNumber, quality, hex, timestamp]) => ({ frameNumber, quality, hex, timestamp }));
  return { pdq, vpdq: vpdq ?? null };
}

async function contextOf(database: Database, chatId: string, row: number) {
  const around = (dir: '<' | '>') =>
    database.db
      .selectFrom('messages')
      .select(['message_id', 'sent_at', 'text', 'author_id', 'author_name'])
      .where('chat_id', '=', chatId)
      .where('id', dir, row)
      .orderBy('id', dir === '<' ? 'desc' : 'asc')
      .limit(CONTEXT)
      .execute();
  const [before, after] = await Promise.all([around('<'), around('>')]);
  return [...before.reverse(), ...after].map((m) => ({
    messageId: m.message_id,
    date: m.sent_at,
    text: m.text,
    author: { id: m.author_id, name: m.author_name },
  }));
}

/** The bank category of the match (csam wins, so it is never kept in clear), else doxx or other. */
function categoryOf(f: ReportFinding): BankCategory {
  const categories = new Set(f.matches.map((m: MediaMatch) => m.category));
  for (const c of ['csam', 'ncii', 'deepfake', 'doxx', 'other'] as const) if (categories.has(c)) return c;
  return f.severity === 'personal_data' ? 'doxx' : 'other';
}

/**
 * Stage 1 of the pipeline: store messages and queue their media.
 *
 * Idempotent by key: a message is (source, chat, message id) and a media item
 * adds its media id, so re-running a scan or replaying a webhook stores nothing
 * twice. Text signals are computed here, once, because they are pure and cheap.
 * A message with no media to hash is assessed in the same transaction; one with
 * media is assessed when its last media item settles (see analyse.ts).
 */
import { sql, type Transaction } from 'kysely';
import type { Database } from '../db/open.js';
import type { Schema } from '../db/schema.js';
import type { MediaState } from '../db/schema-pipeline.js';
import { type AnalyzeOptions, analyzeText, type TextSignals } from '../signals/analyze.js';
import { compileIntentMatcher, type IntentMatcher } from '../signals/intent.js';
import { PhoneContext } from '../signals/phones.js';
import type { MediaRef, NormalizedMessage } from '../sources/types.js';
import { writeFindings } from './analyse.js';
import { assessMessage } from './assess.js';
import { storableJson, storableText } from './json-safe.js';

export interface IngestOptions {
  scanId?: number | null;
  /** ISO country for phone numbers written without a country code. */
  country?: string | undefined;
  /** Ignored for now by the export sources: every message's language is unknown. */
  language?: string | undefined;
}

export interface IngestResult {
  /** Messages new to the database (the rest were stored by an earlier run). */
  stored: number;
  /** Media items queued for hashing. */
  queued: number;
  /** Media named by the source but absent (not exported, too large, omitted). */
  missing: number;
  /** Messages repeating the key of an earlier one in the same batch (kept: the first). */
  duplicates: number;
}

/** Messages analysed between two turns of the event loop. */
const YIELD_EVERY = 50;

/** Stores batches of messages; keeps per-chat phone context across batches. */
export class MessageStore {
  private readonly contexts = new Map<string, PhoneContext>();
  private readonly intentMatcher: IntentMatcher = compileIntentMatcher();

  constructor(
    private readonly database: Database,
    private readonly options: IngestOptions = {},
  ) {}

  async ingest(messages: readonly NormalizedMessage[]): Promise<IngestResult> {
    const result: IngestResult = { stored: 0, queued: 0, missing: 0, duplicates: 0 };
    const batch = uniqueByKey(messages);
    result.duplicates = messages.length - batch.length;
    if (batch.length === 0) return result;
    const signals: TextSignals[] = [];
    for (const m of batch) {
      signals.push(this.signalsOf(m));
      // Let other work (dispatching photos to hashing threads) in between.
      if (signals.length % YIELD_EVERY === 0) await new Promise((r) => setImmediate(r));
    }
    const waits = batch.map((m) => m.media.some((ref) => mediaState(ref) === 'pending'));
    const scanId = this.options.scanId ?? null;
    await this.database.db.transaction().execute(async (trx) => {
      const rows = await insertMessages(
        trx,
        batch.map((m, i) => messageRow(m, signals[i]!, scanId, waits[i]!)),
      );
      const position = new Map(
        batch.map((m, i) => [keyOf(m.source, storableText(m.chat.id), storableText(m.messageId), editVersion(m)), i]),
      );
      const media = [];
      const assessed = [];
      for (const row of rows) {
        if (!row.inserted) continue;
        result.stored++;
        const i = position.get(keyOf(row.source, row.chat_id, row.message_id, row.edit_version))!;
        const message = batch[i]!;
        for (const ref of message.media) {
          const state = mediaState(ref);
          if (state === 'missing') result.missing++;
          else result.queued++;
          media.push(mediaRow(row.id, message, ref, state));
        }
        if (!waits[i]) assessed.push({ id: row.id, scanId, assessment: assessMessage(signals[i]!, []) });
      }
      if (media.length > 0) await insertMediaItems(trx, media);
      await writeFindings(trx, assessed);
    });
    return result;
  }

  private signalsOf(message: NormalizedMessage): TextSignals {
    const key = `${message.source}\u0000${message.chat.id}`;
    let context = this.contexts.get(key);
    if (!context) {
      context = new PhoneContext();
      this.contexts.set(key, context);
    }
    const options: AnalyzeOptions = {
      country: this.options.country,
      language: this.options.language,
      context,
      intentMatcher: this.intentMatcher,
    };
    return analyzeText(message.text, options);
  }
}

function messageRow(m: NormalizedMessage, signals: TextSignals, scanId: number | null, waitsForMedia: boolean) {
  return {
    source: m.source,
    chat_id: storableText(m.chat.id),
    message_id: storableText(m.messageId),
    edit_version: editVersion(m),
    scan_id: scanId,
    chat_name: m.chat.name === null ? null : storableText(m.chat.name),
    chat_type: m.chat.type,
    author_id: m.author.id === null ? null : storableText(m.author.id),
    author_name: m.author.name === null ? null : storableText(m.author.name),
    sent_at: m.date.toISOString(),
    text: m.text,
    raw: m.raw ?? null,
    signals,
    media_count: m.media.length,
    // Nothing to wait for: assessed in this transaction.
    analysed_at: waitsForMedia ? null : new Date().toISOString(),
  };
}

function mediaState(ref: MediaRef): MediaState {
  return ref.missing !== undefined || !ref.path ? 'missing' : 'pending';
}

function mediaRow(messageRow: number, m: NormalizedMessage, ref: MediaRef, state: MediaState) {
  return {
    message_row: messageRow,
    source: m.source,
    chat_id: storableText(m.chat.id),
    message_id: storableText(m.messageId),
    media_id: storableText(ref.id),
    type: ref.type,
    mime: ref.mime === null ? null : storableText(ref.mime),
    size: ref.size,
    path: ref.path ?? null,
    file_name: ref.fileName ? storableText(ref.fileName) : null,
    state,
    error: state === 'missing' ? storableText(ref.missing ?? 'the source holds no file for this media') : null,
  };
}

function keyOf(source: string, chatId: string, messageId: string, edit: string): string {
  return `${source}\u0000${chatId}\u0000${messageId}\u0000${edit}`;
}

/** '' for a message as first posted; each edit is its own version, keyed by the edit time. */
function editVersion(m: NormalizedMessage): string {
  return m.editedAt ? m.editedAt.toISOString() : '';
}

/** One message per key: one INSERT cannot touch the same row twice. */
function uniqueByKey(messages: readonly NormalizedMessage[]): NormalizedMessage[] {
  const seen = new Set<string>();
  return messages.filter((m) => {
    const key = keyOf(m.source, storableText(m.chat.id), storableText(m.messageId), editVersion(m));
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

type Trx = Transaction<Schema>;

/*
 * Rows go in as one jsonb parameter expanded by jsonb_to_recordset: on PGlite this
 * is about ten times faster than a multi-row VALUES with thousands of parameters,
 * and storableJson makes every string in it (raw records included) storable.
 */

async function insertMessages(trx: Trx, rows: ReturnType<typeof messageRow>[]) {
  const { rows: out } = await sql<{
    id: number;
    source: string;
    chat_id: string;
    message_id: string;
    edit_version: string;
    inserted: boolean;
  }>`
    insert into messages (source, chat_id, message_id, edit_version, scan_id, chat_name, chat_type, author_id, author_name,
                          sent_at, text, raw, signals, media_count, analysed_at)
    select source, chat_id, message_id, edit_version, scan_id, chat_name, chat_type, author_id, author_name,
           sent_at, text, raw, signals, media_count, analysed_at
    from jsonb_to_recordset(${storableJson(rows)}::jsonb) as x(
      source text, chat_id text, message_id text, edit_version text, scan_id bigint, chat_name text, chat_type text,
      author_id text, author_name text, sent_at timestamptz, text text, raw jsonb, signals jsonb,
      media_count integer, analysed_at timestamptz)
    -- "do update" (a no-op) rather than "do nothing" so that existing rows return their id too.
    on conflict (source, chat_id, message_id, edit_version) do update set source = excluded.source
    returning id, source, chat_id, message_id, edit_version, (xmax = 0) as inserted`.execute(trx);
  return out;
}

async function insertMediaItems(trx: Trx, rows: ReturnType<typeof mediaRow>[]) {
  await sql`
    insert into media_items (message_row, source, chat_id, message_id, media_id, type, mime, size, path,
                             file_name, state, error)
    select message_row, source, chat_id, message_id, media_id, type, mime, size, path, file_name, state, error
    from jsonb_to_recordset(${storableJson(rows)}::jsonb) as x(
      message_row bigint, source text, chat_id text, message_id text, media_id text, type text, mime text,
      size bigint, path text, file_name text, state text, error text)
    on conflict (message_row, media_id) do nothing`.execute(trx);
}

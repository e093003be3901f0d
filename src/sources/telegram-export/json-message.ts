/**
 * One result.json message record → NormalizedMessage. Every field is checked for its
 * type: a wrong type is reported (with the record's location) and that field dropped,
 * while the rest of the message is kept, because its media may be exactly what matters.
 */
import type { AuthorRef, ChatRef, ChatType, NormalizedMessage, SourceIssue } from '../types.js';
import { localToUtcMs, parseIsoLocal, parseUnixtime, type Zone, zoneLabel } from './dates.js';
import { describe } from './describe.js';
import { jsonMedia } from './json-media.js';
import { jsonText } from './json-text.js';
import type { ChatHeader, JsonRecord } from './json-walker.js';

export interface JsonContext {
  /** Export folder: media paths are relative to it and must stay inside it. */
  root: string;
  /** File name for locations. */
  file: string;
  zone: Zone;
  /** Set when `zone` was given by the user (changes the wording of date notes). */
  zoneConfigured: boolean;
  report: (issue: SourceIssue) => void;
}

const CHAT_TYPES: Readonly<Record<string, ChatType>> = {
  personal_chat: 'private',
  bot_chat: 'bot',
  saved_messages: 'saved',
  replies: 'unknown',
  private_group: 'group',
  private_supergroup: 'supergroup',
  public_supergroup: 'supergroup',
  private_channel: 'channel',
  public_channel: 'channel',
};

/** Chat id is the bare id as written (no -100 prefix); a chat without one is named by its place in the file. */
export function chatRef(header: ChatHeader): ChatRef {
  const id =
    typeof header.id === 'number' || typeof header.id === 'string'
      ? String(header.id)
      : `result.json#${header.path || 'root'}`;
  const name = typeof header.name === 'string' ? header.name : null;
  const type = typeof header.type === 'string' ? (CHAT_TYPES[header.type] ?? 'unknown') : 'unknown';
  return { id, name, type };
}

/** Fields that are not service details (everything else on a service record is). */
const COMMON = new Set([
  'id',
  'type',
  'date',
  'date_unixtime',
  'edited',
  'edited_unixtime',
  'from',
  'from_id',
  'actor',
  'actor_id',
  'action',
  'text',
  'text_entities',
]);

export function normalizeJsonRecord(rec: JsonRecord, chat: ChatRef, ctx: JsonContext): NormalizedMessage | null {
  const base = `${ctx.file}: ${rec.path}`;
  const v = rec.value;
  if (typeof v !== 'object' || v === null || Array.isArray(v)) {
    ctx.report({
      kind: 'malformed',
      message: `message record is ${describe(v)}, not an object: skipped`,
      location: base,
    });
    return null;
  }
  const r = v as Record<string, unknown>;
  const messageId = readId(r, rec, ctx, base);
  const location = `${base} (id ${messageId})`;
  for (const t of rec.truncated) {
    ctx.report({
      kind: 'limit',
      message: `${t.field}: string of ${t.length} characters cut to the limit`,
      location,
    });
  }
  if (r.type === 'unsupported') {
    ctx.report({ kind: 'unsupported', message: 'message not supported by the exporting app: skipped', location });
    return null;
  }
  if (r.type !== 'message' && r.type !== 'service') {
    ctx.report({ kind: 'malformed', message: `unknown message type ${describe(r.type)}: read as a message`, location });
  }
  const issue = (message: string) => ctx.report({ kind: 'malformed', message, location });
  const { date, dateNote } = readDate(r, ctx, issue);
  const isService = r.type === 'service';
  const text = jsonText(r, issue);
  const msg: NormalizedMessage = {
    source: 'telegram-export-json',
    chat,
    messageId,
    author: isService ? author(r.actor, r.actor_id, issue) : author(r.from, r.from_id, issue),
    date,
    text: text.text,
    entities: text.entities,
    media: jsonMedia(r, { root: ctx.root, baseDir: ctx.root, location }, ctx.report),
    raw: v,
  };
  if (dateNote) msg.dateNote = dateNote;
  const edited = readEdited(r, ctx, issue);
  if (edited) msg.editedAt = edited;
  if (isService) msg.service = service(r, issue);
  if ('forwarded_from' in r) msg.forwardedFrom = nullableString(r.forwarded_from, 'forwarded_from', issue);
  if ('reply_to_message_id' in r) msg.replyTo = idString(r.reply_to_message_id, 'reply_to_message_id', issue);
  return msg;
}

function readId(r: Record<string, unknown>, rec: JsonRecord, ctx: JsonContext, base: string): string {
  const id = r.id;
  if (typeof id === 'number' && Number.isSafeInteger(id)) return String(id);
  if (typeof id === 'string' && /^-?\d{1,19}$/.test(id)) {
    ctx.report({ kind: 'malformed', message: 'id is a string, not a number', location: base });
    return id;
  }
  // Keep the message (its media may matter) under an id that cannot clash with a real one.
  const synthetic = `#${rec.index}`;
  ctx.report({ kind: 'malformed', message: `id is ${describe(id)}: message kept as ${synthetic}`, location: base });
  return synthetic;
}

function readDate(
  r: Record<string, unknown>,
  ctx: JsonContext,
  issue: (m: string) => void,
): { date: Date; dateNote?: string } {
  if (r.date_unixtime !== undefined) {
    const ms = parseUnixtime(r.date_unixtime);
    if (ms !== null) return { date: new Date(ms) };
    issue(`date_unixtime is ${describe(r.date_unixtime)}: using "date"`);
  }
  const local = typeof r.date === 'string' ? parseIsoLocal(r.date) : null;
  if (local) return { date: new Date(localToUtcMs(local, ctx.zone)), dateNote: localNote(ctx) };
  issue(`date is ${describe(r.date)}: no usable time, set to 1970-01-01T00:00:00Z`);
  return { date: new Date(0), dateNote: `no usable date in the export (date: ${describe(r.date)}); set to the epoch` };
}

function localNote(ctx: JsonContext): string {
  const how = ctx.zoneConfigured ? `read in ${zoneLabel(ctx.zone)} as configured` : 'read as UTC (no zone configured)';
  return `no date_unixtime: "date" is the exporting computer's local time without a zone, ${how}`;
}

function readEdited(r: Record<string, unknown>, ctx: JsonContext, issue: (m: string) => void): Date | null {
  if (r.edited_unixtime !== undefined) {
    const ms = parseUnixtime(r.edited_unixtime);
    if (ms !== null) return new Date(ms);
    issue(`edited_unixtime is ${describe(r.edited_unixtime)}`);
  }
  if (r.edited === undefined) return null;
  const local = typeof r.edited === 'string' ? parseIsoLocal(r.edited) : null;
  if (local) return new Date(localToUtcMs(local, ctx.zone));
  issue(`edited is ${describe(r.edited)}: ignored`);
  return null;
}

/**
 * `from_id` is "user123" / "channel123" / "chat123" since Desktop 2.7.2 (2021) and a bare
 * number before; the id is kept as written (a bare number cannot tell users from channels).
 */
function author(name: unknown, id: unknown, issue: (m: string) => void): AuthorRef {
  return {
    id: idString(id, 'from_id', issue) ?? null,
    name: nullableString(name, 'from', issue) ?? null,
  };
}

function service(r: Record<string, unknown>, issue: (m: string) => void): NonNullable<NormalizedMessage['service']> {
  const details: Record<string, unknown> = {};
  for (const [k, value] of Object.entries(r)) if (!COMMON.has(k)) details[k] = value;
  let action = 'unknown';
  if (typeof r.action === 'string') action = r.action;
  else issue(`service message action is ${describe(r.action)}`);
  const actor = nullableString(r.actor, 'actor', issue) ?? null;
  return Object.keys(details).length > 0 ? { action, actor, details } : { action, actor };
}

function nullableString(value: unknown, field: string, issue: (m: string) => void): string | null | undefined {
  if (value === undefined) return undefined;
  if (value === null || typeof value === 'string') return value;
  issue(`${field} is ${describe(value)}, not a string`);
  return typeof value === 'number' ? String(value) : undefined;
}

function idString(value: unknown, field: string, issue: (m: string) => void): string | null | undefined {
  if (value === undefined) return undefined;
  if (value === null) return null;
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  if (typeof value === 'string') return value;
  issue(`${field} is ${describe(value)}`);
  return undefined;
}

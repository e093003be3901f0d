/**
 * A classified record → NormalizedMessage. Pure: attachments come out named but not yet
 * found; the export's media store completes them (index.ts).
 */
import type { AuthorRef, ChatRef, MediaRef, NormalizedMessage, SourceIssue } from '../types.js';
import type { DateFormat } from './date-format.js';
import { mediaTypeOf } from './media.js';
import { type Body, type ChatRecord, clean } from './parse.js';
import { localToUtcMs, type Zone } from './time-zone.js';

export interface MessageContext {
  chat: ChatRef;
  /** The chat text's name, for locations and the raw record. */
  file: string;
  format: DateFormat;
  zone: Zone;
  /** How every time was read (zone, and the day/month assumption if any). */
  dateNote: string;
  report: (issue: SourceIssue) => void;
}

/** What the raw field keeps: the record exactly as the export wrote it. */
export interface WhatsAppRaw {
  file: string;
  line: number;
  timestamp: string;
  text: string;
}

/** Builds messages in file order; it remembers the last good time for records whose timestamp is impossible. */
export class MessageBuilder {
  private previous: Date | null = null;

  constructor(private readonly ctx: MessageContext) {}

  build(r: ChatRecord, body: Body): NormalizedMessage {
    const location = `${this.ctx.file}:${r.line} (message ${r.index})`;
    const { date, dateNote } = this.dateOf(r, location);
    const raw: WhatsAppRaw = { file: this.ctx.file, line: r.line, timestamp: r.timestamp, text: r.lines.join('\n') };
    if (r.truncated) {
      this.ctx.report({ kind: 'limit', message: 'message longer than the size limit: cut', location });
    }
    const text = body.kind === 'media' ? body.caption : body.text;
    const msg: NormalizedMessage = {
      source: 'whatsapp-export',
      chat: this.ctx.chat,
      messageId: String(r.index),
      author: authorRef(body.author),
      date,
      dateNote,
      text,
      entities: text === '' ? [] : [{ type: 'plain', text }],
      media: body.kind === 'media' ? [mediaRef(body)] : [],
      raw,
    };
    if (body.kind === 'service') msg.service = { ...body.event, actor: body.event.actor ?? null };
    return msg;
  }

  private dateOf(r: ChatRecord, location: string): { date: Date; dateNote: string } {
    if (r.local) {
      const date = new Date(localToUtcMs(r.local, this.ctx.zone));
      this.previous = date;
      return { date, dateNote: this.ctx.dateNote };
    }
    const fallback = this.previous ?? new Date(0);
    const what = this.previous ? "the previous message's time" : 'the epoch (no earlier message)';
    this.ctx.report({
      kind: 'malformed',
      message: `timestamp "${r.timestamp}" is not a real date in the file's format ${this.ctx.format.description.trim()}: ${what} used`,
      location,
    });
    return { date: fallback, dateNote: `timestamp "${r.timestamp}" is not a real date: ${what} used` };
  }
}

/** A phone-number author ("+44 7700 900123", as WhatsApp shows unsaved contacts) gets the number as its id. */
export function authorRef(name: string | null): AuthorRef {
  if (name === null) return { id: null, name: null };
  const shown = clean(name);
  const phone = /^\+[\d\s\-().\u00a0]{6,}$/.test(shown) ? `+${shown.replace(/\D/g, '')}` : null;
  return { id: phone, name: shown };
}

function mediaRef(body: Extract<Body, { kind: 'media' }>): MediaRef {
  const { fileName, omitted, typeHint } = body.media;
  const { type, mime } = mediaTypeOf(fileName, typeHint);
  const ref: MediaRef = { id: fileName ?? 'omitted', type, mime, size: null, fileName };
  if (omitted !== null) ref.missing = omitted;
  return ref;
}

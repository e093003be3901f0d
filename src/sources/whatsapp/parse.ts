/**
 * WhatsApp export text → records → classified bodies. Pure and line by line: the file is
 * read twice, first through a `ChatSurvey` (date format, author names, chat hints), then
 * through a `RecordSplitter` that cuts it into records with the format the survey found.
 *
 * A record starts at a line that begins with a timestamp of the file's format; every other
 * line continues the record before it (multi-line messages, captions).
 */
import { type DateFormat, DateFormatDetector, type Frame, INVISIBLE_MARKS, readHeader } from './date-format.js';
import {
  callEvent,
  isDeletedPlaceholder,
  isGroupEvent,
  type MediaLine,
  mediaLine,
  type SystemEvent,
  systemEvent,
} from './phrases.js';
import type { LocalTime } from './time-zone.js';

export interface ChatRecord {
  /** 1-based position among the file's records: the message id. */
  index: number;
  /** 1-based line number of the record's first line. */
  line: number;
  /** The timestamp as written. */
  timestamp: string;
  /** Its wall-clock time, or null when it is not a real date under the file's format. */
  local: LocalTime | null;
  frame: Frame;
  /** The line began with U+200E: iOS marks generated lines (system, media) so. */
  marked: boolean;
  /** The text after the timestamp, then each continuation line. */
  lines: string[];
  /** Set when the record was cut at the size limit. */
  truncated: boolean;
}

const MAX_PREFIXES = 3;
/** Contact and push names are short; longer prefixes are message text. */
const MAX_PREFIX_CHARS = 100;
const MAX_TRACKED = 100_000;

/**
 * Counts the possible author prefixes of every record ("Dr", "Dr: Smith" for "Dr: Smith:
 * hi"), so that a name containing ": " can be told from a message containing one.
 */
export class AuthorStats {
  private readonly counts = new Map<string, number>();

  add(body: string): void {
    for (const p of prefixes(body)) {
      const n = this.counts.get(p);
      if (n !== undefined) this.counts.set(p, n + 1);
      else if (this.counts.size < MAX_TRACKED) this.counts.set(p, 1);
    }
  }

  count(prefix: string): number {
    return this.counts.get(prefix) ?? 0;
  }

  /**
   * The author of "A: B: text": a configured name wins; otherwise the longest prefix seen
   * as often as the first one (every "Dr" line goes on with "Smith: ", so the name is
   * "Dr: Smith"), provided it occurs at least twice; otherwise the first segment.
   */
  split(body: string, known: ReadonlySet<string>): { author: string; text: string } | null {
    const ps = prefixes(body);
    if (ps.length === 0) return null;
    let pick = ps[0]!;
    const configured = ps.filter((p) => known.has(p.replace(INVISIBLE_MARKS, '').trim()));
    if (configured.length > 0) pick = configured[configured.length - 1]!;
    else {
      const first = this.count(pick);
      for (const p of ps.slice(1)) if (first >= 2 && this.count(p) === first) pick = p;
    }
    return { author: pick, text: body.slice(pick.length + 2) };
  }
}

function prefixes(body: string): string[] {
  const out: string[] = [];
  let from = 0;
  while (out.length < MAX_PREFIXES) {
    const at = body.indexOf(': ', from);
    if (at <= 0 || at > MAX_PREFIX_CHARS) break;
    out.push(body.slice(0, at));
    from = at + 2;
  }
  return out;
}

/** First pass: everything the second pass must know before it yields the first message. */
export class ChatSurvey {
  readonly dates = new DateFormatDetector();
  readonly authors = new AuthorStats();
  /** iOS names the chat as the "author" of its end-to-end notice. */
  chatNameHint: string | null = null;
  groupEvents = 0;

  add(line: string): void {
    const parts = this.dates.add(line);
    if (!parts) return;
    this.authors.add(parts.body);
    const marked = /^(.+?): \u200e(.*)$/.exec(parts.body);
    const system = marked ? marked[2]! : parts.body.includes(': ') ? null : parts.body;
    if (system === null) return;
    const event = systemEvent(system);
    if (event?.action === 'e2e_notice' && marked && this.chatNameHint === null) this.chatNameHint = clean(marked[1]!);
    if (event && isGroupEvent(event)) this.groupEvents++;
  }
}

/** Cuts lines into records. Lines before the first record are counted in `preamble`. */
export class RecordSplitter {
  private current: ChatRecord | null = null;
  private chars = 0;
  private count = 0;
  preamble = 0;

  constructor(
    private readonly format: DateFormat,
    private readonly maxRecordChars: number,
  ) {}

  /** Feeds one line; returns the record it completed, if it started a new one. */
  push(line: string, lineNo: number): ChatRecord | null {
    const header = readHeader(line, this.format);
    if (!header) {
      this.continueWith(line);
      return null;
    }
    const done = this.current;
    this.count++;
    this.current = {
      index: this.count,
      line: lineNo,
      timestamp: header.parts.timestamp,
      local: header.local,
      frame: header.parts.frame,
      marked: /^[\u200e\u200f]/.test(line),
      lines: [],
      truncated: false,
    };
    this.chars = 0;
    this.append(header.parts.body);
    return done;
  }

  /** The last record, once the input has ended. */
  finish(): ChatRecord | null {
    const done = this.current;
    this.current = null;
    return done;
  }

  private continueWith(line: string): void {
    if (this.current) this.append(line);
    else this.preamble++;
  }

  /** WhatsApp caps a message at 65,536 characters; the limit keeps a hostile record from filling memory. */
  private append(line: string): void {
    const r = this.current!;
    if (r.truncated) return;
    const room = this.maxRecordChars - this.chars;
    if (line.length + 1 > room) {
      r.lines.push(line.slice(0, Math.max(0, room)));
      r.truncated = true;
      return;
    }
    r.lines.push(line);
    this.chars += line.length + 1;
  }
}

/** A name as shown, without the direction marks iOS wraps around phone numbers and mentions. */
export function clean(name: string): string {
  return name.replace(INVISIBLE_MARKS, '').trim();
}

/** Splits a line-record body after a removed U+200E (iOS marks generated text after "Author: "). */
export function stripMark(text: string): { text: string; marked: boolean } {
  const marked = text.startsWith('\u200e');
  return { text: marked ? text.replace(/^\u200e+/, '') : text, marked };
}

/** Text outside quotes: a system line may quote a title containing ": ". */
export function unquoted(text: string): string {
  return text.replace(/"[^"]*"|“[^”]*”|„[^“”]*[“”]|«[^»]*»|「[^」]*」/g, '');
}

export type Body =
  | { kind: 'text'; author: string; text: string }
  | { kind: 'media'; author: string; media: MediaLine; caption: string }
  | { kind: 'service'; author: string | null; event: SystemEvent; text: string };

/**
 * What a record says. Android writes system lines without "Author: "; iOS writes every
 * line with one (the chat's name for system lines) and marks generated text with U+200E
 * after it. Only the first line decides; the rest is text or the attachment's caption.
 */
export function classify(r: ChatRecord, authors: AuthorStats, known: ReadonlySet<string>): Body {
  const first = r.lines[0] ?? '';
  const rest = r.lines.slice(1).join('\n');
  const whole = r.lines.join('\n');
  const split = authors.split(first, known);
  if (!split) return systemBody(first, whole);
  if (r.frame !== 'ios' && !unquoted(first).includes(': ')) return systemBody(first, whole);
  if (r.frame !== 'ios') {
    // "Dr: Smith left": a system line about someone whose name holds ": ".
    const event = systemEvent(first);
    if (event?.actor?.includes(': ') && authors.count(event.actor) > 0) {
      return { kind: 'service', author: event.actor, event, text: whole };
    }
  }
  const { text, marked } = stripMark(split.text);
  const author = split.author;
  const media = mediaLine(text, marked || r.marked);
  if (media) return { kind: 'media', author, media, caption: rest };
  const body = rest === '' ? text : `${text}\n${rest}`;
  if (isDeletedPlaceholder(text) && rest === '') {
    return { kind: 'service', author, event: { action: 'message_deleted', actor: clean(author) }, text };
  }
  if (marked && r.frame === 'ios') {
    const call = callEvent(text, clean(author));
    if (call) return { kind: 'service', author, event: call, text: body };
    const event = systemEvent(text);
    // The "author" of an iOS system line is the chat itself; the sentence names the actor.
    if (event) return { kind: 'service', author: event.actor, event, text: body };
  }
  return { kind: 'text', author, text: body };
}

/** A line without an author: an event we can name, or the generic 'system'. */
function systemBody(first: string, whole: string): Body {
  const event = systemEvent(first) ?? { action: 'system', actor: null };
  return { kind: 'service', author: event.actor, event, text: whole };
}

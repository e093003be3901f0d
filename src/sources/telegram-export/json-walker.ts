/**
 * Walks the token stream of a whole result.json and hands out one message record at a
 * time, with the header of the chat it belongs to. Only message records (and the chat
 * header scalars `name`, `type`, `id`) are ever assembled; everything else (contacts,
 * sessions, personal information…) is skipped token by token, so memory stays bounded
 * by the largest single message.
 *
 * Shapes understood:
 *   single chat:  {name?, type, id, messages: [...]}
 *   full account: {about, ..., chats: {about, list: [chat, ...]}, left_chats: {about, list: [...]}}
 */
import type { Token } from 'stream-json/parser.js';
import { type Truncation, ValueBuilder } from './json-value.js';

export interface ChatHeader {
  /** Where the chat is in the file: "" (the root), "chats.list[3]", "left_chats.list[0]". */
  path: string;
  name?: unknown;
  type?: unknown;
  id?: unknown;
}

export interface JsonRecord {
  chat: ChatHeader;
  /** Index in the chat's messages array. */
  index: number;
  /** e.g. "chats.list[1].messages[5]". */
  path: string;
  value: unknown;
  truncated: Truncation[];
}

export interface WalkIssue {
  message: string;
  path: string;
}

type Role = 'root' | 'section' | 'list' | 'chat' | 'messages';

interface Frame {
  role: Role;
  isArray: boolean;
  path: string;
  /** Last key read (objects) / number of elements so far (arrays). */
  key: string | null;
  count: number;
  chat: ChatHeader | null;
}

const HEADER_KEYS = new Set(['name', 'type', 'id']);
const SECTIONS = new Set(['chats', 'left_chats']);
const MAX_HEADER_CHARS = 4096;

export class ExportWalker {
  /** Records completed since the last `take()`. */
  private out: JsonRecord[] = [];
  readonly issues: WalkIssue[] = [];
  rootDone = false;
  records = 0;

  private readonly frames: Frame[] = [];
  private skipDepth = 0;
  private record: { builder: ValueBuilder; frame: Frame; index: number } | null = null;
  /** A scalar or key being read at frame level: only header scalars keep their text. */
  private scalar: { keep: boolean; text: string; isKey: boolean } | null = null;

  constructor(private readonly maxStringChars: number) {}

  take(): JsonRecord[] {
    const out = this.out;
    this.out = [];
    return out;
  }

  /** Where the walk is now, for truncation messages. */
  position(): string {
    const top = this.frames[this.frames.length - 1];
    if (!top) return this.rootDone ? 'after the end of the document' : 'at the start of the document';
    if (this.record) return `${top.path}[${this.record.index}] (an unfinished message)`;
    return top.path || 'the top level';
  }

  consume(tokens: readonly Token[]): void {
    for (const t of tokens) this.token(t);
  }

  private token(t: Token): void {
    if (this.record) {
      this.recordToken(t);
      return;
    }
    if (this.skipDepth > 0) {
      this.skipToken(t);
      return;
    }
    if (this.scalar) {
      this.scalarToken(t);
      return;
    }
    const frame = this.frames[this.frames.length - 1];
    if (!frame) {
      this.rootToken(t);
      return;
    }
    switch (t.name) {
      case 'startKey':
        this.scalar = { keep: false, text: '', isKey: true };
        return;
      case 'endObject':
      case 'endArray':
        this.frames.pop();
        if (this.frames.length === 0) this.rootDone = true;
        else this.childDone(this.frames[this.frames.length - 1]!);
        return;
      default:
        this.valueStart(frame, t);
        return;
    }
  }

  private rootToken(t: Token): void {
    if (this.rootDone) return;
    if (t.name !== 'startObject') {
      throw new NotAnExport('the JSON document is not an object: not a Telegram Desktop export');
    }
    this.frames.push({ role: 'root', isArray: false, path: '', key: null, count: 0, chat: { path: '' } });
  }

  private valueStart(frame: Frame, t: Token): void {
    if (frame.role === 'messages') {
      const builder = new ValueBuilder(this.maxStringChars);
      this.record = { builder, frame, index: frame.count };
      this.recordToken(t);
      return;
    }
    const isObject = t.name === 'startObject';
    const isArray = t.name === 'startArray';
    const role = this.childRole(frame, isObject, isArray);
    if (role) {
      this.frames.push(this.childFrame(frame, role, isArray));
      return;
    }
    if (isObject || isArray) {
      this.skipDepth = 1;
      return;
    }
    if (t.name === 'startString' || t.name === 'startNumber') {
      const keep = frame.chat !== null && !frame.isArray && HEADER_KEYS.has(frame.key ?? '');
      this.scalar = { keep, text: '', isKey: false };
      return;
    }
    if (t.name === 'nullValue' || t.name === 'trueValue' || t.name === 'falseValue') {
      this.headerValue(frame, t.value);
      this.childDone(frame);
    }
  }

  /** Which structure a new value in `frame` is; null = skip it. Reports the wrong types that matter. */
  private childRole(frame: Frame, isObject: boolean, isArray: boolean): Role | null {
    const key = frame.key ?? '';
    const expect = (want: 'object' | 'array', role: Role, path: string): Role | null => {
      if ((want === 'object' && isObject) || (want === 'array' && isArray)) return role;
      this.issues.push({ message: `"${path}" is not an ${want}: skipped`, path });
      return null;
    };
    switch (frame.role) {
      case 'root':
        if (key === 'messages') return expect('array', 'messages', 'messages');
        if (SECTIONS.has(key)) return expect('object', 'section', key);
        return null;
      case 'section':
        return key === 'list' ? expect('array', 'list', `${frame.path}.list`) : null;
      case 'list':
        return expect('object', 'chat', `${frame.path}[${frame.count}]`);
      case 'chat':
        return key === 'messages' ? expect('array', 'messages', `${frame.path}.messages`) : null;
      default:
        return null;
    }
  }

  private childFrame(parent: Frame, role: Role, isArray: boolean): Frame {
    const path =
      parent.role === 'list'
        ? `${parent.path}[${parent.count}]`
        : parent.path === ''
          ? (parent.key ?? '')
          : `${parent.path}.${parent.key ?? ''}`;
    const chat = role === 'chat' ? { path } : role === 'messages' ? parent.chat : null;
    return { role, isArray, path, key: null, count: 0, chat };
  }

  private childDone(frame: Frame): void {
    if (frame.isArray) frame.count++;
    else frame.key = null;
  }

  private recordToken(t: Token): void {
    const r = this.record!;
    r.builder.feed(t);
    if (!r.builder.done) return;
    this.out.push({
      chat: r.frame.chat ?? { path: r.frame.path },
      index: r.index,
      path: `${r.frame.path}[${r.index}]`,
      value: r.builder.value,
      truncated: r.builder.truncated,
    });
    this.records++;
    this.record = null;
    r.frame.count++;
  }

  private skipToken(t: Token): void {
    if (t.name === 'startObject' || t.name === 'startArray') this.skipDepth++;
    else if (t.name === 'endObject' || t.name === 'endArray') {
      if (--this.skipDepth === 0) this.childDone(this.frames[this.frames.length - 1]!);
    }
  }

  private scalarToken(t: Token): void {
    const s = this.scalar!;
    if (t.name === 'stringChunk' || t.name === 'numberChunk') {
      if ((s.keep || s.isKey) && s.text.length < MAX_HEADER_CHARS) s.text += t.value;
      return;
    }
    const frame = this.frames[this.frames.length - 1]!;
    if (t.name === 'endKey') {
      frame.key = s.text;
      this.scalar = null;
    } else if (t.name === 'endString' || t.name === 'endNumber') {
      this.scalar = null;
      if (s.keep) this.headerValue(frame, t.name === 'endNumber' ? Number(s.text) : s.text);
      this.childDone(frame);
    }
  }

  private headerValue(frame: Frame, value: unknown): void {
    if (!frame.chat || frame.isArray || !HEADER_KEYS.has(frame.key ?? '')) return;
    if (frame.role !== 'root' && frame.role !== 'chat') return;
    const header = frame.chat as unknown as Record<string, unknown>;
    header[frame.key!] = value;
  }
}

/** The document is valid JSON but not an export at all. */
export class NotAnExport extends Error {}

/**
 * Builds one JS value from stream-json's streamed tokens (keys, strings and numbers
 * arrive as chunks, nothing is packed), with a cap on string length. The parser's own
 * packing would first concatenate a string of any size; streaming the chunks lets a
 * 10 MB (or 10 GB) `text` stop growing at the cap.
 */
import type { Token } from 'stream-json/parser.js';

export interface Truncation {
  /** Where in the record, e.g. "text" or "text_entities[2].text". */
  field: string;
  /** Length of the original string, in characters. */
  length: number;
}

type Container = Record<string, unknown> | unknown[];

const MAX_KEY_CHARS = 256;

export class ValueBuilder {
  /** The finished value, once `done`. */
  value: unknown = undefined;
  done = false;
  readonly truncated: Truncation[] = [];

  private readonly stack: Container[] = [];
  private readonly keys: (string | null)[] = [];
  private key: string | null = null;
  private text: string | null = null;
  private textLength = 0;
  private inKey = false;

  constructor(private readonly maxChars: number) {}

  /** Feeds one token; after the token that completes the value, `done` is true. */
  feed(token: Token): void {
    switch (token.name) {
      case 'startObject':
        this.open({});
        return;
      case 'startArray':
        this.open([]);
        return;
      case 'endObject':
      case 'endArray':
        this.close();
        return;
      case 'startKey':
        this.inKey = true;
        this.text = '';
        return;
      case 'endKey':
        this.inKey = false;
        this.key = this.text ?? '';
        this.text = null;
        return;
      case 'startString':
      case 'startNumber':
        this.text = '';
        this.textLength = 0;
        return;
      case 'stringChunk':
      case 'numberChunk':
        this.chunk(token.value);
        return;
      case 'endString':
        this.endString();
        return;
      case 'endNumber':
        this.add(Number(this.takeText()));
        return;
      case 'nullValue':
      case 'trueValue':
      case 'falseValue':
        this.add(token.value);
        return;
    }
  }

  private chunk(value: string): void {
    if (this.inKey) {
      if ((this.text?.length ?? 0) < MAX_KEY_CHARS) this.text = (this.text ?? '') + value;
      return;
    }
    const room = this.maxChars - this.textLength;
    if (room > 0) this.text = (this.text ?? '') + (value.length <= room ? value : value.slice(0, room));
    this.textLength += value.length;
  }

  private endString(): void {
    if (this.textLength > this.maxChars) {
      this.truncated.push({ field: this.fieldPath(), length: this.textLength });
    }
    this.add(this.takeText());
  }

  private takeText(): string {
    const s = this.text ?? '';
    this.text = null;
    return s;
  }

  private open(container: Container): void {
    this.stack.push(container);
    this.keys.push(this.key);
    this.key = null;
  }

  private close(): void {
    const container = this.stack.pop();
    this.key = this.keys.pop() ?? null;
    this.add(container);
  }

  private add(value: unknown): void {
    const parent = this.stack[this.stack.length - 1];
    if (parent === undefined) {
      this.value = value;
      this.done = true;
    } else if (Array.isArray(parent)) {
      parent.push(value);
    } else {
      setOwn(parent, this.key ?? '', value);
      this.key = null;
    }
  }

  /** Path of the value being read: a child is added to its parent only when complete, so `length` is its index. */
  private fieldPath(): string {
    let path = '';
    for (let i = 0; i < this.stack.length; i++) {
      const c = this.stack[i]!;
      const k = i + 1 < this.stack.length ? this.keys[i + 1] : this.key;
      if (Array.isArray(c)) path += `[${c.length}]`;
      else path += path === '' ? (k ?? '') : `.${k ?? ''}`;
    }
    return path || '(value)';
  }
}

/** Like JSON.parse: a "__proto__" key becomes an own property, never the prototype. */
export function setOwn(target: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__') {
    Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
  } else {
    target[key] = value;
  }
}

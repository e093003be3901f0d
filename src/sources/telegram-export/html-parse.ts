/**
 * A small incremental HTML reader for Telegram Desktop's export pages, fed chunk by
 * chunk. It does not build a document: it only assembles the subtree of each
 * `div.message` (and of the `div.page_header` holding the chat name) into a tiny node
 * tree, hands it out, and forgets it. Memory is bounded by one chunk plus one message.
 *
 * The pages are machine-written and regular, but the reader is lenient anyway: stray
 * end tags are ignored, unclosed elements are closed by their parent's end tag, `<` that
 * does not start a tag is text, and an unterminated tag longer than a limit becomes text.
 */

export interface HtmlNode {
  name: string;
  attrs: Record<string, string>;
  classes: string[];
  children: (HtmlNode | string)[];
}

export interface Captured {
  node: HtmlNode;
  /** The block's HTML source, for evidence (empty when it was too large). */
  raw: string;
  /** Set when the block was larger than the limit: `node` then holds only its opening tag. */
  oversize?: number;
  /** Set when the file ended inside the block. */
  unfinished?: boolean;
}

const VOID = new Set([
  'area',
  'base',
  'br',
  'col',
  'embed',
  'hr',
  'img',
  'input',
  'link',
  'meta',
  'source',
  'track',
  'wbr',
]);
const RAW_TEXT = new Set(['script', 'style']);
const ATTR = /([^\s"'>/=]+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+)))?/g;
const MAX_TAG = 1 << 16;

export class HtmlMessageReader {
  private buffer = '';
  private readonly out: Captured[] = [];
  private capture: { stack: HtmlNode[]; raw: string; size: number; oversize: boolean } | null = null;

  constructor(private readonly maxBlockChars: number) {}

  /** Feeds text; completed blocks are collected for `take()`. */
  feed(text: string): void {
    this.buffer += text;
    let pos = 0;
    for (;;) {
      const lt = this.buffer.indexOf('<', pos);
      if (lt === -1) {
        this.text(this.buffer.slice(pos));
        pos = this.buffer.length;
        break;
      }
      if (lt > pos) this.text(this.buffer.slice(pos, lt));
      const end = this.markup(lt);
      if (end === -1) {
        pos = lt;
        break;
      }
      pos = end;
    }
    this.buffer = this.buffer.slice(pos);
    if (this.buffer.length > MAX_TAG) {
      // An unterminated "<…" this long is not a tag: read it as text.
      this.text(this.buffer);
      this.buffer = '';
    }
  }

  /** End of input: an unfinished block is handed out as such. */
  end(): void {
    if (this.buffer) this.text(this.buffer);
    this.buffer = '';
    if (this.capture) {
      const c = this.capture;
      this.capture = null;
      this.out.push({ node: c.stack[0]!, raw: c.oversize ? '' : c.raw, unfinished: true });
    }
  }

  take(): Captured[] {
    return this.out.splice(0);
  }

  /** Handles the markup starting at `lt`; returns the index after it, or -1 when more input is needed. */
  private markup(lt: number): number {
    const b = this.buffer;
    if (b.startsWith('<!--', lt)) return after(b.indexOf('-->', lt + 4), 3);
    const next = b.charAt(lt + 1);
    if (next === '') return -1;
    if (next === '!' || next === '?') return after(b.indexOf('>', lt), 1);
    if (next === '/') {
      const gt = b.indexOf('>', lt);
      if (gt === -1) return -1;
      this.close(
        b
          .slice(lt + 2, gt)
          .trim()
          .toLowerCase(),
        b.slice(lt, gt + 1),
      );
      return gt + 1;
    }
    if (!/[A-Za-z]/.test(next)) {
      this.text('<');
      return lt + 1;
    }
    const gt = tagEnd(b, lt);
    if (gt === -1) return -1;
    const raw = b.slice(lt, gt + 1);
    const name = this.open(raw);
    if (RAW_TEXT.has(name) && !raw.endsWith('/>')) {
      // Script and style content is not markup; skip to its end tag.
      const close = b.toLowerCase().indexOf(`</${name}`, gt + 1);
      if (close === -1) return -1;
      const closeEnd = b.indexOf('>', close);
      if (closeEnd === -1) return -1;
      this.close(name, b.slice(close, closeEnd + 1));
      return closeEnd + 1;
    }
    return gt + 1;
  }

  private open(raw: string): string {
    const m = /^<([A-Za-z][A-Za-z0-9-]*)/.exec(raw);
    const name = (m?.[1] ?? '').toLowerCase();
    const selfClosing = VOID.has(name) || raw.endsWith('/>');
    const node = makeNode(name, raw.slice((m?.[0] ?? '').length, raw.length - (raw.endsWith('/>') ? 2 : 1)));
    if (this.capture) {
      const c = this.capture;
      this.append(raw);
      if (!c.oversize) c.stack[c.stack.length - 1]!.children.push(node);
      if (!selfClosing) c.stack.push(node);
      return name;
    }
    if (name === 'div' && !selfClosing && isBlock(node)) {
      this.capture = { stack: [node], raw, size: raw.length, oversize: false };
    }
    return name;
  }

  private close(name: string, raw: string): void {
    const c = this.capture;
    if (!c) return;
    this.append(raw);
    let i = c.stack.length - 1;
    while (i >= 0 && c.stack[i]!.name !== name) i--;
    if (i < 0) return; // a stray end tag
    const root = c.stack[0]!;
    c.stack.length = i;
    if (i > 0) return;
    this.capture = null;
    this.out.push(c.oversize ? { node: root, raw: '', oversize: c.size } : { node: root, raw: c.raw });
  }

  private text(s: string): void {
    const c = this.capture;
    if (!c || s === '') return;
    this.append(s);
    if (c.oversize) return;
    const children = c.stack[c.stack.length - 1]!.children;
    const last = children[children.length - 1];
    // Adjacent pieces (split by chunk boundaries) are joined so entities decode whole.
    if (typeof last === 'string') children[children.length - 1] = last + s;
    else children.push(s);
  }

  private append(raw: string): void {
    const c = this.capture!;
    c.size += raw.length;
    if (c.oversize) return;
    if (c.size > this.maxBlockChars) {
      // Too large for a real message: drop what was gathered, keep only the depth count.
      c.oversize = true;
      c.raw = '';
      c.stack[0]!.children = [];
      return;
    }
    c.raw += raw;
  }
}

function after(index: number, length: number): number {
  return index === -1 ? -1 : index + length;
}

/** Index of the `>` closing the tag at `lt`, skipping quoted attribute values; -1 if not in the buffer yet. */
function tagEnd(b: string, lt: number): number {
  let quote = '';
  for (let i = lt + 1; i < b.length; i++) {
    const ch = b[i]!;
    if (quote) {
      if (ch === quote) quote = '';
    } else if (ch === '"' || ch === "'") {
      quote = ch;
    } else if (ch === '>') {
      return i;
    }
  }
  return -1;
}

function makeNode(name: string, attrText: string): HtmlNode {
  const attrs: Record<string, string> = Object.create(null);
  for (const m of attrText.matchAll(ATTR)) {
    const key = m[1]!.toLowerCase();
    if (!(key in attrs)) attrs[key] = decodeEntities(m[2] ?? m[3] ?? m[4] ?? '');
  }
  const classes = (attrs.class ?? '').split(/\s+/).filter(Boolean);
  return { name, attrs, classes, children: [] };
}

/** The blocks handed out: messages (id="message123", "message-5") and the page header. */
function isBlock(node: HtmlNode): boolean {
  if (node.classes.includes('page_header')) return true;
  return node.classes.includes('message') && /^message-?\d+$/.test(node.attrs.id ?? '');
}

const NAMED: Readonly<Record<string, string>> = {
  amp: '&',
  lt: '<',
  gt: '>',
  quot: '"',
  apos: "'",
  nbsp: '\u00a0',
  laquo: '\u00ab',
  raquo: '\u00bb',
  ndash: '\u2013',
  mdash: '\u2014',
  hellip: '\u2026',
  copy: '\u00a9',
};

/** Decodes the entities Telegram writes (&amp; &quot; &apos; &lt; &gt; &laquo; &#x0A; …); unknown ones stay as they are. */
export function decodeEntities(s: string): string {
  if (!s.includes('&')) return s;
  return s.replace(/&(#[xX][0-9a-fA-F]{1,6}|#\d{1,7}|[A-Za-z]{2,8});/g, (whole, body: string) => {
    if (body[0] === '#') {
      const code = body[1] === 'x' || body[1] === 'X' ? Number.parseInt(body.slice(2), 16) : Number(body.slice(1));
      return code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : whole;
    }
    return NAMED[body.toLowerCase()] ?? whole;
  });
}

/**
 * Reading the small node trees of html-parse.ts: lookups by class, plain text, and a
 * message's `.text` block → text + entities, the same shape the JSON export gives.
 *
 * Telegram writes message text with every newline as <br> and wraps each block tag in a
 * newline plus indentation, so raw newlines at the block's edges are layout, not text.
 */
import type { TextEntity } from '../types.js';
import { decodeEntities, type HtmlNode } from './html-parse.js';

type Pred = (n: HtmlNode) => boolean;

export const cls =
  (...names: string[]): Pred =>
  (n) =>
    names.every((c) => n.classes.includes(c));

/** First descendant (depth first) matching `pred`, not looking inside subtrees matching `skip`. */
export function find(node: HtmlNode, pred: Pred, skip?: Pred): HtmlNode | null {
  for (const c of node.children) {
    if (typeof c === 'string') continue;
    if (pred(c)) return c;
    if (skip?.(c)) continue;
    const hit = find(c, pred, skip);
    if (hit) return hit;
  }
  return null;
}

export function findAll(node: HtmlNode, pred: Pred, out: HtmlNode[] = []): HtmlNode[] {
  for (const c of node.children) {
    if (typeof c === 'string') continue;
    if (pred(c)) out.push(c);
    else findAll(c, pred, out);
  }
  return out;
}

export function child(node: HtmlNode, pred: Pred): HtmlNode | null {
  for (const c of node.children) if (typeof c !== 'string' && pred(c)) return c;
  return null;
}

/** Decoded text content, <br> as a newline, leaving out subtrees matching `skip`. */
export function textOf(node: HtmlNode, skip?: Pred): string {
  let s = '';
  for (const c of node.children) {
    if (typeof c === 'string') s += decodeEntities(c);
    else if (c.name === 'br') s += '\n';
    else if (!skip?.(c)) s += textOf(c, skip);
  }
  return s;
}

/** Text of a layout block ("\n      Alice \n     "): trimmed, inner runs of layout whitespace kept as written. */
export function blockText(node: HtmlNode, skip?: Pred): string {
  return textOf(node, skip).trim();
}

const TAG_TYPES: Readonly<Record<string, string>> = {
  strong: 'bold',
  b: 'bold',
  em: 'italic',
  i: 'italic',
  code: 'code',
  pre: 'pre',
  u: 'underline',
  s: 'strikethrough',
  blockquote: 'blockquote',
};

const ONCLICK_TYPES: ReadonlyArray<[string, string]> = [
  ['ShowHashtag', 'hashtag'],
  ['ShowBotCommand', 'bot_command'],
  ['ShowCashtag', 'cashtag'],
  ['ShowMentionName', 'mention_name'],
  ['Emoji', 'custom_emoji'],
];

export function messageText(div: HtmlNode): { text: string; entities: TextEntity[] } {
  const entities: TextEntity[] = [];
  const plain = (s: string) => {
    const last = entities[entities.length - 1];
    if (last && last.type === 'plain') last.text += s;
    else entities.push({ type: 'plain', text: s });
  };
  for (const c of div.children) {
    if (typeof c === 'string') plain(decodeEntities(c));
    else if (c.name === 'br') plain('\n');
    else {
      const e = inlineEntity(c);
      if (e) entities.push(e);
      else plain(textOf(c));
    }
  }
  // The block's own layout: a newline after the opening tag, a newline and indentation before the closing one.
  const first = entities[0];
  if (first) first.text = first.text.replace(/^\n[ \t]*/, '');
  const last = entities[entities.length - 1];
  if (last) last.text = last.text.replace(/\n[ \t]*$/, '');
  const kept = entities.filter((e) => e.text !== '');
  return { text: kept.map((e) => e.text).join(''), entities: kept };
}

function inlineEntity(node: HtmlNode): TextEntity | null {
  const text = textOf(node);
  if (node.name === 'a') return linkEntity(node, text);
  if (node.name === 'span' && node.classes.includes('spoiler')) return { type: 'spoiler', text };
  const type = TAG_TYPES[node.name];
  return type ? { type, text } : null;
}

function linkEntity(node: HtmlNode, text: string): TextEntity {
  const href = node.attrs.href ?? '';
  const onclick = node.attrs.onclick ?? '';
  for (const [fn, type] of ONCLICK_TYPES) if (onclick.includes(fn)) return { type, text };
  if (href.startsWith('mailto:')) return { type: 'email', text };
  if (href.startsWith('tel:')) return { type: 'phone', text };
  if (text.startsWith('@') && href.endsWith(`/${text.slice(1)}`)) return { type: 'mention', text };
  if (href === text) return { type: 'link', text };
  return { type: 'text_link', text, href };
}

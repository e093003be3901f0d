/**
 * Intent of a message from lexicons: someone asking for a person's details
 * (`request_info`, the "info?" under a profile screenshot), selling content
 * (`offer_sale`), or abusing/threatening (`harassment`).
 *
 * Every lexicon is applied to every message: these groups mix languages
 * (Albanian and English in Albkings, Malay and English in Malaysia), so the
 * chat's language is no filter.
 *
 * Terms are matched on the folded copy of the text (see normalize.ts):
 * - Latin-script terms match whole words; a space in a term matches any run of
 *   non-letters or none ("whois", "who-is"); each letter may be doubled
 *   ("siapaa"), or masked with `*` or `#` ("wh*re") when the term has four or
 *   more letters (one mask per four letters, never the first letter).
 * - Terms in Chinese, Korean or Japanese scripts match as substrings: there are
 *   no spaces between Chinese words, and Korean attaches particles ("누구야").
 * - A `*` at the start or end of a term is a wildcard for the rest of the word.
 */
import { defaultLexicons, INTENT_CATEGORIES, type IntentCategory, type Lexicon } from './lexicons/index.js';
import { foldForIntent, foldTerm, isCjk, type MappedText, normalizeForPii, originalSpan } from './normalize.js';

export { INTENT_CATEGORIES, type IntentCategory };

export interface IntentMatch {
  category: IntentCategory;
  language: string;
  /** The lexicon entry: the term, or `/regex/` for regex entries. */
  entry: string;
  /** The matched text as written in the original message. */
  text: string;
  start: number;
  end: number;
}

interface Matcher {
  category: IntentCategory;
  language: string;
  entry: string;
  on: 'folded' | 'plain';
  re: RegExp;
  /** Masks allowed in a match; -1 for regex entries, which are not mask-checked. */
  maxMasks: number;
  /** A cheap necessary condition checked before the regex runs (see termGate). */
  gate: Gate;
}

/**
 * What the folded text must contain for a term to possibly match. Most messages
 * match no term at all, and running some 360 regexes over each of them was most
 * of a scan's text-analysis time; the gates let a message skip nearly all.
 * - `pairs`: a word starting with one of these two-character keys. A Latin
 *   term's first letter is never masked and its match starts a word, so the key
 *   is that letter with the next one (or a mask, or the letter doubled).
 * - `starts`: a word starting with one of these characters (one-letter terms).
 * - `contains`: this character anywhere (substring terms: Chinese, Korean).
 */
type Gate =
  | { kind: 'always' }
  | { kind: 'pairs'; keys: string[] }
  | { kind: 'starts'; chars: string[] }
  | { kind: 'contains'; char: string };

export interface IntentMatcher {
  matchers: Matcher[];
  /** Matcher positions by gate, so a message visits only the matchers its words open. */
  gates: GateIndex;
}

interface GateIndex {
  always: number[];
  byPair: Map<string, number[]>;
  byStart: Map<string, number[]>;
  byChar: Map<string, number[]>;
}

const MASK = '[*#]';
const BEFORE = '(?<![\\p{L}\\p{N}])';
const AFTER = '(?![\\p{L}\\p{N}])';

function escapeRegex(s: string): string {
  // Only syntax characters: the u flag rejects needless escapes such as \-.
  return s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}

function letterPattern(c: string, maskable: boolean): string {
  // Leet folding turned '1' into 'i', so an 'l' in a term also accepts 'i'.
  const cls = c === 'l' ? '[li]' : escapeRegex(c);
  const doubled = `${cls}{1,2}`;
  return maskable ? `(?:${doubled}|${MASK})` : doubled;
}

/** Compiles a plain lexicon term into a regex over the folded text. */
export function compileTerm(term: string): { re: RegExp; maxMasks: number; gate: Gate } {
  const folded = foldTerm(term.trim());
  const cjk = isCjk(folded) && !/[a-z]/.test(folded);
  const chars = [...folded];
  const letters = chars.filter((c) => /\p{L}/u.test(c)).length;
  const maxMasks = cjk || letters < 4 ? 0 : Math.max(1, Math.floor(letters / 4));
  let body = '';
  chars.forEach((c, i) => {
    const edge = i === 0 || i === chars.length - 1;
    if (c === '*' && edge) body += '[\\p{L}\\p{N}]*';
    else if (/\s/.test(c)) body += /\s/.test(chars[i - 1] ?? '') ? '' : '[^\\p{L}\\p{N}]*';
    else if (/[a-z]/.test(c)) body += letterPattern(c, maxMasks > 0 && i > 0);
    else body += escapeRegex(c);
  });
  const source = cjk ? body : `${BEFORE}${body}${AFTER}`;
  return { re: new RegExp(source, 'gu'), maxMasks, gate: termGate(chars, cjk, maxMasks) };
}

/** Characters a term's letter may appear as in the folded text (leet folding: 'l' also as 'i'). */
function letterForms(c: string): string[] {
  return c === 'l' ? ['l', 'i'] : [c];
}

function termGate(chars: readonly string[], cjk: boolean, maxMasks: number): Gate {
  const [first, second] = chars;
  if (first === undefined || first === '*') return { kind: 'always' };
  if (cjk || !/[a-z]/.test(first)) return { kind: 'contains', char: first };
  const starts = letterForms(first);
  if (second === undefined || !/[a-z]/.test(second)) return { kind: 'starts', chars: starts };
  const nexts = [...letterForms(second), ...(maxMasks > 0 ? ['*', '#'] : [])];
  return { kind: 'pairs', keys: starts.flatMap((a) => nexts.map((b) => a + b)) };
}

const WORD_CHAR = /[\p{L}\p{N}]/u;

/** The word starts of a folded text, as first characters and two-character keys (see Gate). */
interface WordStarts {
  chars: Set<string>;
  pairs: Set<string>;
  /** No character past ASCII: no substring term in another script can match. */
  ascii: boolean;
}

function wordStarts(folded: string): WordStarts {
  const chars = new Set<string>();
  const pairs = new Set<string>();
  let previousIsWord = false;
  let ascii = true;
  for (let i = 0; i < folded.length; i++) {
    const c = folded[i]!;
    const code = c.charCodeAt(0);
    if (code >= 0x80) ascii = false;
    const isWord = code < 0x80 ? (code >= 97 && code <= 122) || (code >= 48 && code <= 57) : WORD_CHAR.test(c);
    if (isWord && !previousIsWord) {
      chars.add(c);
      const next = folded[i + 1];
      if (next !== undefined) pairs.add(c + next);
      // A doubled first letter ("ssiapa") also starts the term "siapa".
      if (next === c && folded[i + 2] !== undefined) pairs.add(c + folded[i + 2]);
    }
    previousIsWord = isWord;
  }
  return { chars, pairs, ascii };
}

/** Positions of the matchers whose gate the folded text opens, in lexicon order. */
function openMatchers(index: GateIndex, folded: string, count: number): number[] {
  const open = new Uint8Array(count);
  const mark = (list: number[] | undefined) => {
    if (list) for (const i of list) open[i] = 1;
  };
  mark(index.always);
  const starts = wordStarts(folded);
  for (const key of starts.pairs) mark(index.byPair.get(key));
  for (const c of starts.chars) mark(index.byStart.get(c));
  for (const [c, list] of index.byChar) {
    if ((starts.ascii && c.charCodeAt(0) >= 0x80) || !folded.includes(c)) continue;
    mark(list);
  }
  const positions: number[] = [];
  for (let i = 0; i < count; i++) if (open[i]) positions.push(i);
  return positions;
}

/** Compiles lexicons once; reuse the result for many messages. */
export function compileIntentMatcher(lexicons: readonly Lexicon[] = defaultLexicons()): IntentMatcher {
  const matchers: Matcher[] = [];
  for (const lexicon of lexicons) {
    for (const category of INTENT_CATEGORIES) {
      for (const entry of lexicon[category]) {
        if (typeof entry === 'string') {
          const { re, maxMasks, gate } = compileTerm(entry);
          matchers.push({ category, language: lexicon.language, entry, on: 'folded', re, maxMasks, gate });
        } else {
          const re = new RegExp(entry.regex, 'giu');
          matchers.push({
            category,
            language: lexicon.language,
            entry: `/${entry.regex}/`,
            on: entry.on,
            re,
            maxMasks: -1,
            gate: { kind: 'always' },
          });
        }
      }
    }
  }
  return { matchers, gates: indexGates(matchers) };
}

function indexGates(matchers: readonly Matcher[]): GateIndex {
  const index: GateIndex = { always: [], byPair: new Map(), byStart: new Map(), byChar: new Map() };
  const file = (map: Map<string, number[]>, key: string, i: number) => {
    const list = map.get(key);
    if (list) list.push(i);
    else map.set(key, [i]);
  };
  matchers.forEach(({ gate }, i) => {
    if (gate.kind === 'always') index.always.push(i);
    else if (gate.kind === 'pairs') for (const k of gate.keys) file(index.byPair, k, i);
    else if (gate.kind === 'starts') for (const c of gate.chars) file(index.byStart, c, i);
    else file(index.byChar, gate.char, i);
  });
  return index;
}

function masksIn(s: string): number {
  let n = 0;
  for (const c of s) if (c === '*' || c === '#') n++;
  return n;
}

/** The first acceptable match of one matcher: masked matches over the limit are skipped. */
function firstMatch(m: Matcher, text: string): RegExpExecArray | undefined {
  m.re.lastIndex = 0;
  for (let hit = m.re.exec(text); hit; hit = m.re.exec(text)) {
    if (hit[0] === '') {
      m.re.lastIndex++;
      continue;
    }
    if (m.maxMasks < 0 || masksIn(hit[0]) <= m.maxMasks) return hit;
  }
  return undefined;
}

let defaultMatcher: IntentMatcher | undefined;

function matcherOrDefault(matcher?: IntentMatcher): IntentMatcher {
  if (matcher) return matcher;
  defaultMatcher ??= compileIntentMatcher();
  return defaultMatcher;
}

/** Every lexicon entry that matches, with the span in the original message. */
export function matchIntent(text: string, matcher?: IntentMatcher, plain?: MappedText): IntentMatch[] {
  return scanIntent(text, matcherOrDefault(matcher), plain ?? normalizeForPii(text), false);
}

/**
 * The intent categories present in a message, in the fixed order of INTENT_CATEGORIES.
 * `plain` is the message's normalizeForPii copy when the caller already has it.
 */
export function detectIntent(text: string, matcher?: IntentMatcher, plain?: MappedText): IntentCategory[] {
  const found = scanIntent(text, matcherOrDefault(matcher), plain ?? normalizeForPii(text), true);
  const present = new Set(found.map((m) => m.category));
  return INTENT_CATEGORIES.filter((c) => present.has(c));
}

function scanIntent(text: string, matcher: IntentMatcher, plain: MappedText, onePerCategory: boolean): IntentMatch[] {
  const copies: Record<'folded' | 'plain', MappedText> = { folded: foldForIntent(text), plain };
  const found: IntentMatch[] = [];
  const settled = new Set<IntentCategory>();
  for (const i of openMatchers(matcher.gates, copies.folded.text, matcher.matchers.length)) {
    const m = matcher.matchers[i]!;
    if (onePerCategory && settled.has(m.category)) continue;
    const copy = copies[m.on];
    const hit = firstMatch(m, copy.text);
    if (!hit) continue;
    const [start, end] = originalSpan(text, copy, hit.index, hit.index + hit[0].length);
    found.push({
      category: m.category,
      language: m.language,
      entry: m.entry,
      text: text.slice(start, end),
      start,
      end,
    });
    settled.add(m.category);
  }
  return found;
}

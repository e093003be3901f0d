/**
 * Text normalization against the obfuscation seen in abuse channels: invisible
 * characters splitting words, Cyrillic/Greek look-alikes and fullwidth forms
 * hiding links and slurs, leetspeak ("s1ap4 1n1"), spaced-out letters
 * ("w h o  i s") and masks ("wh*re").
 *
 * Two copies are made, each with a map from its UTF-16 units back to the
 * original offsets:
 * - `normalizeForPii`: NFKC, invisibles removed, look-alikes folded. Digits and
 *   case are kept, so phone numbers, e-mails and links survive.
 * - `foldForIntent`: additionally lowercased, accents removed, spaced-out
 *   letters joined, long letter runs shortened and leetspeak folded. Only
 *   lexicon matching reads this copy; it destroys numbers.
 */

export interface MappedText {
  text: string;
  /** origin[i] is the offset in the original string of text's unit i. */
  origin: number[];
}

/** Zero-width and other invisible format characters used to split words. */
const INVISIBLE = /[\u00AD\u180E\u200B-\u200F\u2060-\u2064\uFEFF]/;

/** Look-alikes NFKC leaves alone. Fullwidth and mathematical letters are NFKC's job. */
const HOMOGLYPHS: Record<string, string> = {
  // Cyrillic
  а: 'a',
  в: 'b',
  е: 'e',
  ё: 'e',
  к: 'k',
  м: 'm',
  н: 'h',
  о: 'o',
  р: 'p',
  с: 'c',
  т: 't',
  у: 'y',
  х: 'x',
  і: 'i',
  ї: 'i',
  ј: 'j',
  ѕ: 's',
  һ: 'h',
  ԁ: 'd',
  ԛ: 'q',
  ԝ: 'w',
  ɡ: 'g',
  А: 'A',
  В: 'B',
  Е: 'E',
  К: 'K',
  М: 'M',
  Н: 'H',
  О: 'O',
  Р: 'P',
  С: 'C',
  Т: 'T',
  У: 'Y',
  Х: 'X',
  І: 'I',
  Ј: 'J',
  Ѕ: 'S',
  // Greek
  α: 'a',
  β: 'b',
  ε: 'e',
  ι: 'i',
  κ: 'k',
  ν: 'v',
  ο: 'o',
  ρ: 'p',
  τ: 't',
  υ: 'u',
  χ: 'x',
  Α: 'A',
  Β: 'B',
  Ε: 'E',
  Ζ: 'Z',
  Η: 'H',
  Ι: 'I',
  Κ: 'K',
  Μ: 'M',
  Ν: 'N',
  Ο: 'O',
  Ρ: 'P',
  Τ: 'T',
  Υ: 'Y',
  Χ: 'X',
};

/** Leetspeak digits and symbols, folded only inside tokens that hold Latin letters. */
const LEET: Record<string, string> = { '0': 'o', '1': 'i', '3': 'e', '4': 'a', '5': 's', '7': 't', '@': 'a', $: 's' };

const COMBINING_MARK = /\p{M}/u;
const LATIN_WITH_ACCENT = /[\u00C0-\u024F\u1E00-\u1EFF]/;

/**
 * NFKC one code point at a time, so each output unit keeps its origin. ASCII
 * passes through `ascii` a run at a time: most chat text is mostly ASCII, and
 * neither NFKC nor the look-alike table changes it.
 */
function mapCodePoints(raw: string, fold: (cp: string) => string, ascii: (run: string) => string): MappedText {
  let text = '';
  const origin: number[] = [];
  let i = 0;
  while (i < raw.length) {
    const runStart = i;
    while (i < raw.length && raw.charCodeAt(i) < 0x80) origin.push(i++);
    if (i > runStart) text += ascii(raw.slice(runStart, i));
    if (i >= raw.length) break;
    const cp = String.fromCodePoint(raw.codePointAt(i)!);
    if (!INVISIBLE.test(cp)) {
      const out = fold(cp);
      for (let k = 0; k < out.length; k++) origin.push(i);
      text += out;
    }
    i += cp.length;
  }
  return { text, origin };
}

const asIs = (run: string) => run;
const lowercase = (run: string) => run.toLowerCase();

function piiFold(cp: string): string {
  const nf = cp.normalize('NFKC');
  let out = '';
  for (const c of nf) out += HOMOGLYPHS[c] ?? c;
  return out;
}

function intentFold(cp: string): string {
  let out = piiFold(cp);
  // Zalgo-style stacked marks carry no meaning; accents on Latin letters are dropped so
  // "është" meets "eshte". Hangul must not be decomposed, hence the Latin-only test.
  if (COMBINING_MARK.test(out) && !LATIN_WITH_ACCENT.test(out)) out = out.replace(/\p{M}/gu, '');
  if (LATIN_WITH_ACCENT.test(out)) out = out.normalize('NFD').replace(/\p{M}/gu, '');
  return out.toLowerCase();
}

/** NFKC, invisibles removed, look-alikes folded: the copy PII extraction reads. */
export function normalizeForPii(raw: string): MappedText {
  return mapCodePoints(raw, piiFold, asIs);
}

/** Applies a regex replacement on a mapped text, keeping origins of kept units. */
function rewrite(m: MappedText, re: RegExp, replace: (match: string) => string): MappedText {
  let text = '';
  const origin: number[] = [];
  let last = 0;
  for (const match of m.text.matchAll(re)) {
    const out = replace(match[0]);
    // Unchanged: left in the pending stretch copied at the next change (or the end).
    if (out === match[0]) continue;
    const start = match.index;
    text += m.text.slice(last, start);
    for (let k = last; k < start; k++) origin.push(m.origin[k]!);
    // A shorter replacement maps each output unit to the origin of the unit it came from.
    const src = m.origin.slice(start, start + match[0].length);
    const kept =
      out.length === match[0].length ? Array.from({ length: out.length }, (_, k) => k) : keptPositions(match[0], out);
    for (let k = 0; k < out.length; k++) origin.push(src[kept[k] ?? 0] ?? src[0] ?? 0);
    text += out;
    last = start + match[0].length;
  }
  if (last === 0) return m;
  text += m.text.slice(last);
  for (let k = last; k < m.origin.length; k++) origin.push(m.origin[k]!);
  return { text, origin };
}

/** For each unit of `out`, the index in `src` of the same character (out is a subsequence). */
function keptPositions(src: string, out: string): number[] {
  const positions: number[] = [];
  let j = 0;
  for (let k = 0; k < out.length; k++) {
    while (j < src.length && src[j] !== out[k]) j++;
    positions.push(j < src.length ? j : 0);
    j++;
  }
  return positions;
}

/**
 * Spaced-out letters: three or more single letters separated by one space or
 * a dot/dash/underscore/asterisk. One space joins, two or more spaces keep a word
 * break: "w h o  i s" -> "who is", "n.u.d.e" -> "nude".
 */
const SPACED = /(?<![\p{L}\p{N}])\p{L}(?:(?: +|[.\-_·*] ?)\p{L}(?![\p{L}\p{N}])){2,}/gu;

function joinSpaced(span: string): string {
  return span
    .split(/ {2,}/)
    .map((word) => word.replace(/[ .\-_·*]/g, ''))
    .join(' ');
}

/** "siapaaaa", "infooooo": three or more of one letter become one. */
const LONG_RUN = /(\p{L})\1{2,}/gu;

/** Runs of letters, digits and leet symbols: the unit leet folding looks at. */
const TOKEN = /[\p{L}\p{N}@$]+/gu;

function foldLeetToken(token: string): string {
  if (!/[a-z]/.test(token)) return token;
  let out = '';
  for (const c of token) out += LEET[c] ?? c;
  return out;
}

/** A lexicon term folded like the text it is matched against (no joining, no leet). */
export function foldTerm(term: string): string {
  return mapCodePoints(term, intentFold, lowercase).text;
}

/** The copy intent lexicons are matched against. */
export function foldForIntent(raw: string): MappedText {
  let m = mapCodePoints(raw, intentFold, lowercase);
  m = rewrite(m, SPACED, joinSpaced);
  m = rewrite(m, LONG_RUN, (run) => run[0]!);
  m = rewrite(m, TOKEN, foldLeetToken);
  return m;
}

/** Maps a [start, end) span of a mapped text back to a [start, end) span of the original. */
export function originalSpan(raw: string, m: MappedText, start: number, end: number): [number, number] {
  const from = m.origin[start] ?? raw.length;
  if (end <= start) return [from, from];
  const last = m.origin[end - 1] ?? from;
  const width = (raw.codePointAt(last) ?? 0) > 0xffff ? 2 : 1;
  return [from, last + width];
}

/** True when a string holds letters of scripts written without spaces between words. */
export function isCjk(text: string): boolean {
  return /[\p{Script=Han}\p{Script=Hangul}\p{Script=Hiragana}\p{Script=Katakana}]/u.test(text);
}

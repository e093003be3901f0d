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
}

export interface IntentMatcher {
  matchers: Matcher[];
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
export function compileTerm(term: string): { re: RegExp; maxMasks: number } {
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
  return { re: new RegExp(source, 'gu'), maxMasks };
}

/** Compiles lexicons once; reuse the result for many messages. */
export function compileIntentMatcher(lexicons: readonly Lexicon[] = defaultLexicons()): IntentMatcher {
  const matchers: Matcher[] = [];
  for (const lexicon of lexicons) {
    for (const category of INTENT_CATEGORIES) {
      for (const entry of lexicon[category]) {
        if (typeof entry === 'string') {
          const { re, maxMasks } = compileTerm(entry);
          matchers.push({ category, language: lexicon.language, entry, on: 'folded', re, maxMasks });
        } else {
          const re = new RegExp(entry.regex, 'giu');
          matchers.push({
            category,
            language: lexicon.language,
            entry: `/${entry.regex}/`,
            on: entry.on,
            re,
            maxMasks: -1,
          });
        }
      }
    }
  }
  return { matchers };
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
export function matchIntent(text: string, matcher?: IntentMatcher): IntentMatch[] {
  const copies: Record<'folded' | 'plain', MappedText> = {
    folded: foldForIntent(text),
    plain: normalizeForPii(text),
  };
  const found: IntentMatch[] = [];
  for (const m of matcherOrDefault(matcher).matchers) {
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
  }
  return found;
}

/** The intent categories present in a message, in the fixed order of INTENT_CATEGORIES. */
export function detectIntent(text: string, matcher?: IntentMatcher): IntentCategory[] {
  const present = new Set(matchIntent(text, matcher).map((m) => m.category));
  return INTENT_CATEGORIES.filter((c) => present.has(c));
}

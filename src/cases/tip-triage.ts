/**
 * Triage of tip clusters: what a tip's description says (personal data, signs
 * that minors are involved) and how severe a cluster is.
 *
 * The queue is ordered by severity, a single integer that sorts the issue's
 * criteria in their order of importance, then by recency:
 *
 *   bank tier x 1000   csam 3, ncii/deepfake/doxx 2, other block bank 1, none 0
 *   + minors x 100     the description mentions children, school pupils, an age under 18
 *   + personal data x 10  phone numbers, e-mails, social handles, addresses or schools
 *   + corroboration    floor(log2(tips in the cluster)), at most 9
 *
 * Each term outweighs every term below it, so one bank match ranks above any
 * number of unmatched tips, while among equals a channel reported by many
 * people rises. Corroboration is logarithmic and capped: flooding one channel
 * with tips cannot buy it more than 9 points. Recency breaks ties (query side).
 *
 * Intent (request_info, offer_sale) is not read: it does not change the
 * order, and on the embedded database it would be a sixth of a tip's cost.
 *
 * Pure: no I/O.
 */
import type { BankCategory } from '../db/schema.js';
import { foldForIntent, isCjk, normalizeForPii } from '../signals/normalize.js';
import { findEmails, findHandles, findLocations, findPhones } from '../signals/pii.js';

export const BANK_TIER: Readonly<Record<BankCategory, number>> = {
  csam: 3,
  ncii: 2,
  deepfake: 2,
  doxx: 2,
  other: 1,
};

export interface SeverityFactors {
  /** 0..3, see BANK_TIER. */
  readonly bankTier: number;
  readonly minors: boolean;
  readonly personalData: boolean;
  readonly tipCount: number;
}

/** The weights of the formula above; the database computes the same (tip_clusters.severity, migration 0008). */
export const SEVERITY_WEIGHTS = { bankTier: 1000, minors: 100, personalData: 10 } as const;
export const MAX_CORROBORATION = 9;

export function severityOf(f: SeverityFactors): number {
  const w = SEVERITY_WEIGHTS;
  const corroboration = Math.min(MAX_CORROBORATION, Math.floor(Math.log2(Math.max(1, f.tipCount))));
  return f.bankTier * w.bankTier + (f.minors ? w.minors : 0) + (f.personalData ? w.personalData : 0) + corroboration;
}

/** The highest tier among the banks a tip's screenshots matched. */
export function bankTierOf(categories: Iterable<BankCategory>): number {
  let tier = 0;
  for (const c of categories) tier = Math.max(tier, BANK_TIER[c]);
  return tier;
}

/** What the description of one tip says, stored with the tip (counts and terms only). */
export interface DescriptionSignals {
  phones: number;
  emails: number;
  handles: number;
  locations: number;
  /** Minors indicators as found (lexicon terms, or "age 15"). */
  minors: string[];
}

export function describeTip(description: string): DescriptionSignals {
  if (description.trim() === '') return { phones: 0, emails: 0, handles: 0, locations: 0, minors: [] };
  // extractPii's finders, minus Telegram links (a tip names its channel; that is not personal data)
  // and minus the phone search, the costliest, when there are too few digits for a number.
  const clean = normalizeForPii(description).text;
  return {
    phones: /\d(?:\D{0,3}\d){6}/.test(clean) ? findPhones(clean).length : 0,
    emails: findEmails(clean).length,
    handles: findHandles(clean).length,
    locations: findLocations(clean).length,
    minors: findMinorsIndicators(description),
  };
}

export function hasPersonalData(s: DescriptionSignals): boolean {
  return s.phones + s.emails + s.handles + s.locations > 0;
}

/**
 * Words that say children or school pupils are involved. Precision matters
 * less than for findings: this only moves a tip up the queue for a person to
 * read. Adult words that often co-occur ("student" at a university) are left
 * out; school levels are in, because the Korean deepfake channels were
 * organised by school.
 */
const MINORS_LATIN = [
  // English
  'minor',
  'minors',
  'underage',
  'under age',
  'under aged',
  'child',
  'children',
  'kid',
  'kids',
  'schoolgirl',
  'schoolgirls',
  'schoolboy',
  'high school',
  'middle school',
  'junior high',
  'elementary school',
  'primary school',
  'pupil',
  'pupils',
  'teen',
  'teens',
  'teenager',
  'loli',
  'pedo',
  'cp',
  // Indonesian and Malay
  'di bawah umur',
  'bawah umur',
  'anak kecil',
  'anak sekolah',
  'anak smp',
  'anak sma',
  'bocil',
  'abg',
  'siswi',
  'siswa',
  'pelajar',
  'murid',
  'smp',
  'sma',
  'smk',
  'sekolah rendah',
  'sekolah menengah',
  // Albanian
  'e mitur',
  'te mitur',
  'femije',
  'nxenese',
  'nxenes',
];

const MINORS_CJK = [
  // Korean
  '미성년',
  '초등',
  '중학',
  '고등학',
  '중학생',
  '고등학생',
  '여중생',
  '여고생',
  '중딩',
  '고딩',
  '초딩',
  '아동',
  '청소년',
  '학생',
  '학교',
  // Chinese
  '未成年',
  '幼女',
  '学生',
  '初中',
  '高中',
  '小学',
  '萝莉',
];

const LATIN_PATTERN = new RegExp(
  `(?<![\\p{L}\\p{N}])(?:${MINORS_LATIN.map((t) => t.replace(' ', '\\s*')).join('|')})(?![\\p{L}\\p{N}])`,
  'gu',
);

/** "15 yo", "16 tahun", "17살", "14岁", "umur 15": an age under 18, on the unfolded text (folding eats digits). */
const AGE =
  /(?<!\d)(?:(?:umur|usia|age|aged)\s*(1[0-7]|[5-9])(?!\d)|(1[0-7]|[5-9])\s?(?:yo|y\/o|y\.o\.?|years?\s?old|thn|tahun|살|세|岁|歳)(?![\p{L}]))/giu;

export function findMinorsIndicators(text: string): string[] {
  const found = new Set<string>();
  const folded = foldForIntent(text).text;
  for (const m of folded.matchAll(LATIN_PATTERN)) found.add(m[0].replace(/\s+/g, ' '));
  if (isCjk(text)) {
    const plain = text.normalize('NFKC');
    for (const term of MINORS_CJK) if (plain.includes(term)) found.add(term);
  }
  for (const m of text.normalize('NFKC').matchAll(AGE)) found.add(`age ${m[1] ?? m[2]}`);
  return [...found];
}

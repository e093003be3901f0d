/**
 * Title similarity for lineage. A banned channel's backup keeps its name
 * recognisable while dressing it differently: "Albkings ✓" becomes
 * "albkings backup 2", "ALBKINGS 🔥 official", "Аlbkings" with a Cyrillic А,
 * "4lbk1ngs". The title is folded (NFKC, look-alikes, case, accents, spaced
 * letters, leetspeak: the intent lexicons' folding), emoji, symbols and digits
 * are dropped, and words that only announce a successor ("backup", "new",
 * "official", "rezervë", "cadangan", ...) are removed. What remains, joined, is
 * the title's skeleton: "albkings". Two skeletons are compared by character
 * trigram Jaccard, so near-misses ("albking" vs "albkings") still score high.
 *
 * Pure: no I/O.
 */
import { trigramSimilarity } from '../../core/lineage/sets.js';
import { foldForIntent } from '../../signals/normalize.js';

/** Words that mark a successor or decorate a title, in the seed reports' languages, folded. */
const SUCCESSOR_WORDS = new Set([
  // English
  'backup',
  'back',
  'up',
  'new',
  'official',
  'offical',
  'oficial',
  'reserve',
  'mirror',
  'reborn',
  'returns',
  'return',
  'is',
  'again',
  'the',
  'real',
  'original',
  'main',
  'channel',
  'group',
  'chat',
  'vip',
  'premium',
  'v',
  'ver',
  'version',
  'part',
  // Albanian
  'rezerve',
  'rezerva',
  'zyrtar',
  'zyrtare',
  'kanali',
  'grupi',
  'i',
  'e',
  'ri',
  're',
  // Indonesian / Malay
  'cadangan',
  'baru',
  'resmi',
  'saluran',
  'grup',
  'kumpulan',
  'rasmi',
  // Korean, Chinese
  '백업',
  '공식',
  '새',
  '备用',
  '官方',
  '新',
]);

/** The folded, decoration-free form of a title; '' when nothing recognisable is left. */
export function titleSkeleton(title: string | null): string {
  if (title === null) return '';
  const words = foldForIntent(title).text.match(/\p{L}+/gu) ?? [];
  const kept = words.filter((w) => !SUCCESSOR_WORDS.has(w));
  // A title made only of such words ("New Channel") is its own skeleton.
  return (kept.length > 0 ? kept : words).join('');
}

export interface TitleComparison {
  score: number;
  skeletons: [string, string];
}

export function compareTitles(a: string | null, b: string | null): TitleComparison {
  const skeletons: [string, string] = [titleSkeleton(a), titleSkeleton(b)];
  return { score: Math.round(trigramSimilarity(...skeletons) * 10_000) / 10_000, skeletons };
}

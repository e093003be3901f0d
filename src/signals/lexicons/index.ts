/**
 * Loads the intent lexicons: one JSON file per language in this folder (format in
 * README.md). The JSON files are the source of truth so support organisations can
 * extend them without touching code.
 *
 * `tsc` does not copy JSON into dist/, so the files are read from the package's
 * `src/signals/lexicons` folder, found by walking up from this module to the
 * directory whose package.json is named "perisai". That works from src/ (tsx) and
 * from dist/ alike; the published package must list `src/signals/lexicons` in
 * package.json "files".
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';

export const INTENT_CATEGORIES = ['request_info', 'offer_sale', 'harassment'] as const;
export type IntentCategory = (typeof INTENT_CATEGORIES)[number];

/** Which copy of the text a regex entry reads: folded (default) or only NFKC-normalized. */
export type RegexTarget = 'folded' | 'plain';

const regexSource = z.string().refine(
  (source) => {
    try {
      new RegExp(source, 'iu');
      return true;
    } catch {
      return false;
    }
  },
  { message: 'not a valid regular expression (JavaScript syntax, u flag)' },
);

const entrySchema = z.union([
  z.string().trim().min(1),
  z.object({
    regex: regexSource,
    on: z.enum(['folded', 'plain']).default('folded'),
    note: z.string().optional(),
  }),
]);

const lexiconSchema = z.object({
  language: z.string().min(2).max(16),
  name: z.string().optional(),
  request_info: z.array(entrySchema).default([]),
  offer_sale: z.array(entrySchema).default([]),
  harassment: z.array(entrySchema).default([]),
});

export type LexiconEntry = string | { regex: string; on: RegexTarget; note?: string | undefined };
export type Lexicon = { language: string; name?: string | undefined } & Record<IntentCategory, LexiconEntry[]>;

export class LexiconError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'LexiconError';
  }
}

/** Parses and validates one lexicon document; `source` names it in errors. */
export function parseLexicon(json: unknown, source: string): Lexicon {
  const parsed = lexiconSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue?.path.join('.') || '(root)';
    throw new LexiconError(`lexicon ${source}: ${where}: ${issue?.message ?? 'invalid'}`);
  }
  return parsed.data;
}

/** The directory holding the shipped lexicons, located via the package root. */
export function packageLexiconDir(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (isPerisaiRoot(dir)) return join(dir, 'src', 'signals', 'lexicons');
    const parent = dirname(dir);
    if (parent === dir) throw new LexiconError('cannot find the perisai package root above the lexicon loader');
    dir = parent;
  }
}

function isPerisaiRoot(dir: string): boolean {
  const pkg = join(dir, 'package.json');
  if (!existsSync(pkg)) return false;
  try {
    return (JSON.parse(readFileSync(pkg, 'utf8')) as { name?: string }).name === 'perisai';
  } catch {
    return false;
  }
}

/** Every `*.json` lexicon in a directory, in file-name order. */
export function loadLexiconDir(dir: string): Lexicon[] {
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort();
  return files.map((f) => {
    const path = join(dir, f);
    let json: unknown;
    try {
      json = JSON.parse(readFileSync(path, 'utf8'));
    } catch (err) {
      throw new LexiconError(`lexicon ${path}: ${(err as Error).message}`);
    }
    return parseLexicon(json, path);
  });
}

let shipped: Lexicon[] | undefined;

/** The lexicons shipped with Perisai (en, id, ms, sq, ko, zh), read once. */
export function defaultLexicons(): Lexicon[] {
  shipped ??= loadLexiconDir(packageLexiconDir());
  return shipped;
}

/** Shipped lexicons plus those in extra directories (an organisation's additions). */
export function loadLexicons(extraDirs: readonly string[] = []): Lexicon[] {
  return [...defaultLexicons(), ...extraDirs.flatMap((d) => loadLexiconDir(d))];
}

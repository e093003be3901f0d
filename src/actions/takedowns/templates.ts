/**
 * Loads the notice templates: one JSON file per language in ./templates (format in
 * templates/README.md). JSON rather than code so a support organisation's lawyer can
 * change the wording without touching TypeScript.
 *
 * `tsc` does not copy JSON into dist/, so the files are read from the package's
 * `src/actions/takedowns/templates` folder, found by walking up to the directory whose
 * package.json is named "perisai" (the same approach as the intent lexicons). The
 * published package must list that folder in package.json "files".
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { TAKEDOWN_LANGUAGES, TAKEDOWN_PLATFORMS, type TakedownLanguage } from '../../db/schema-takedowns.js';

const line = z.string().max(2000);

const platformTemplate = z.object({
  name: z.string().min(1).max(200),
  greeting: line.min(1),
  note: line,
});

const templateSchema = z.object({
  language: z.enum(TAKEDOWN_LANGUAGES),
  name: z.string().optional(),
  _review: z.string().optional(),
  subject: line.min(1),
  reminder_subject: line.min(1),
  reminder_intro: z.array(line).default([]),
  body: z.array(line).min(1),
  preserved_statement: line,
  labels: z.object({
    chat: z.string().min(1),
    message: z.string().min(1),
    no_evidence_ref: z.string().min(1),
  }),
  platforms: z.object(
    Object.fromEntries(TAKEDOWN_PLATFORMS.map((p) => [p, platformTemplate])) as {
      [P in (typeof TAKEDOWN_PLATFORMS)[number]]: typeof platformTemplate;
    },
  ),
});

export type NoticeTemplate = z.infer<typeof templateSchema>;

/** Every placeholder a template may use (templates/README.md says what each holds). */
export const PLACEHOLDERS = [
  'greeting',
  'platform_name',
  'platform_note',
  'host',
  'sender_org',
  'contact',
  'takedown_ref',
  'case_reference',
  'legal_basis',
  'evidence_ref',
  'target',
  'items',
  'notice_number',
  'first_sent',
  'preserved_statement',
] as const;
export type Placeholder = (typeof PLACEHOLDERS)[number];

export const PLACEHOLDER_PATTERN = /\{\{([a-z_]+)\}\}/g;
export type NoticeTemplates = ReadonlyMap<TakedownLanguage, NoticeTemplate>;

export class TemplateError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TemplateError';
  }
}

/** Parses and validates one template document; `source` names it in errors. */
export function parseTemplate(json: unknown, source: string): NoticeTemplate {
  const parsed = templateSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue?.path.join('.') || '(root)';
    throw new TemplateError(`notice template ${source}: ${where}: ${issue?.message ?? 'invalid'}`);
  }
  const unknown = unknownPlaceholders(parsed.data);
  if (unknown.length)
    throw new TemplateError(`notice template ${source}: unknown placeholder(s) ${unknown.join(', ')}`);
  return parsed.data;
}

/** Placeholders a template uses that the renderer does not know (a typo would otherwise vanish silently). */
function unknownPlaceholders(t: NoticeTemplate): string[] {
  const texts = [
    t.subject,
    t.reminder_subject,
    t.preserved_statement,
    ...t.reminder_intro,
    ...t.body,
    ...Object.values(t.platforms).flatMap((p) => [p.name, p.greeting, p.note]),
  ];
  const known = new Set<string>(PLACEHOLDERS);
  const used = texts.flatMap((text) => [...text.matchAll(PLACEHOLDER_PATTERN)].map((m) => m[1]!));
  return [...new Set(used.filter((name) => !known.has(name)))].map((n) => `{{${n}}}`);
}

/** Every `*.json` template in a directory, by language. */
export function loadTemplateDir(dir: string): Map<TakedownLanguage, NoticeTemplate> {
  const out = new Map<TakedownLanguage, NoticeTemplate>();
  for (const file of readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()) {
    const path = join(dir, file);
    let json: unknown;
    try {
      json = JSON.parse(readFileSync(path, 'utf8'));
    } catch (err) {
      throw new TemplateError(`notice template ${path}: ${(err as Error).message}`);
    }
    const template = parseTemplate(json, path);
    out.set(template.language, template);
  }
  return out;
}

/** The directory of the shipped templates, located via the package root. */
export function packageTemplateDir(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (isPerisaiRoot(dir)) return join(dir, 'src', 'actions', 'takedowns', 'templates');
    const parent = dirname(dir);
    if (parent === dir) throw new TemplateError('cannot find the perisai package root above the template loader');
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

let shipped: Map<TakedownLanguage, NoticeTemplate> | undefined;

/**
 * The shipped templates, then those of `extraDirs` replacing a language's wording.
 * Every supported language must end up with a template.
 */
export function loadTemplates(extraDirs: readonly string[] = []): NoticeTemplates {
  shipped ??= loadTemplateDir(packageTemplateDir());
  const all = new Map(shipped);
  for (const dir of extraDirs) for (const [lang, t] of loadTemplateDir(dir)) all.set(lang, t);
  const missing = TAKEDOWN_LANGUAGES.filter((l) => !all.has(l));
  if (missing.length) throw new TemplateError(`no notice template for language(s): ${missing.join(', ')}`);
  return all;
}

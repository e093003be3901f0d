/**
 * Takedowns (issue 7 §6): removal notices per platform and language, sent by
 * e-mail or recorded as sent by hand, only after the evidence is preserved;
 * reminders until removal; availability re-checks; time-to-removal statistics.
 *
 * Pure core: state.ts (state machine, reminder timing), notices.ts (rendering).
 * Model: model.ts (types), input.ts (validation), wire.ts (HTTP JSON shapes).
 * Adapters: repository.ts (database), mailer.ts (SMTP), templates.ts (JSON files).
 * Steps: sending.ts; jobs: scheduler.ts, availability.ts; stats.ts.
 */
import type { Kysely } from 'kysely';
import type { Schema } from '../../db/schema.js';
import { type EvidenceGate, UNWIRED_EVIDENCE_GATE } from './gate.js';
import { type NoticeMailer, smtpConfigFromEnv, smtpMailer } from './mailer.js';
import type { TakedownDeps } from './sending.js';
import { type TakedownSettings, takedownSettingsFromEnv } from './settings.js';
import { loadTemplates, type NoticeTemplates } from './templates.js';

export * from './availability.js';
export * from './errors.js';
export * from './gate.js';
export * from './input.js';
export * from './mailer.js';
export * from './model.js';
export * from './notices.js';
export * from './repository.js';
export * from './scheduler.js';
export * from './sending.js';
export * from './settings.js';
export * from './state.js';
export * from './stats.js';
export * from './templates.js';

/** What the takedown steps need besides the database; each part may be given, else it comes from the environment. */
export interface TakedownOptions {
  /** Default: nothing counts as preserved until the vault's gate is wired (sending needs an override). */
  gate?: EvidenceGate;
  /** Default: SMTP from PERISAI_SMTP_URL / PERISAI_SMTP_FROM, or none. Null: no e-mail. */
  mailer?: NoticeMailer | null;
  /** Default: takedownSettingsFromEnv(). */
  settings?: TakedownSettings;
  /** Default: the shipped templates plus settings.templateDirs. */
  templates?: NoticeTemplates;
}

export interface ResolvedTakedownOptions {
  gate: EvidenceGate;
  mailer: NoticeMailer | null;
  settings: TakedownSettings;
  templates: NoticeTemplates;
}

/** Fills what was not given from the environment; throws on bad settings (at start-up, not at the first send). */
export function resolveTakedownOptions(
  options: TakedownOptions = {},
  env: NodeJS.ProcessEnv = process.env,
): ResolvedTakedownOptions {
  const settings = options.settings ?? takedownSettingsFromEnv(env);
  let mailer = options.mailer;
  if (mailer === undefined) {
    const smtp = smtpConfigFromEnv(env);
    mailer = smtp ? smtpMailer(smtp) : null;
  }
  return {
    gate: options.gate ?? UNWIRED_EVIDENCE_GATE,
    mailer,
    settings,
    templates: options.templates ?? loadTemplates(settings.templateDirs),
  };
}

export function takedownDeps(db: Kysely<Schema>, options: ResolvedTakedownOptions): TakedownDeps {
  return { db, ...options };
}

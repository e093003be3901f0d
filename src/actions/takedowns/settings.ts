/**
 * Takedown settings that are the operator's choice, from the environment:
 *
 * - PERISAI_SMTP_URL, PERISAI_SMTP_FROM: the SMTP server and From address (mailer.ts).
 * - PERISAI_TAKEDOWN_RENOTICE_HOURS: hours between reminders (default 24); a takedown may set its own.
 * - PERISAI_TAKEDOWN_RETRY_MINUTES: after a failed delivery, when the scheduler tries again (default 60).
 * - PERISAI_TAKEDOWN_SENDER: the sender named in notices (default: the organisation's name).
 * - PERISAI_TAKEDOWN_CONTACT: the contact line in notices (default: the From address).
 * - PERISAI_TAKEDOWN_REPLY_TO: Reply-To of notices (default none: replies go to From).
 * - PERISAI_TAKEDOWN_TO_TELEGRAM, _TO_WHATSAPP, _TO_META, _TO_GENERIC: where notices for a
 *   platform go unless the takedown names a recipient. Telegram's default is
 *   abuse@telegram.org; operators may prefer dmca@telegram.org for copyright notices or
 *   stopCA@telegram.org for child abuse material. The others have no default: WhatsApp and
 *   Meta take reports mostly through in-app and web forms (record those with sent-manually).
 * - PERISAI_TAKEDOWN_TEMPLATES: a directory of the organisation's own notice templates.
 */
import { TAKEDOWN_PLATFORMS, type TakedownPlatform } from '../../db/schema-takedowns.js';
import { DEFAULT_RENOTICE_HOURS } from './state.js';

export interface TakedownSettings {
  /** Null: the organisation's name. */
  senderOrg: string | null;
  contact: string;
  replyTo: string | null;
  recipients: Partial<Record<TakedownPlatform, string>>;
  renoticeHours: number;
  retryMinutes: number;
  templateDirs: string[];
}

export const DEFAULT_RECIPIENTS: Partial<Record<TakedownPlatform, string>> = { telegram: 'abuse@telegram.org' };

export function defaultTakedownSettings(overrides: Partial<TakedownSettings> = {}): TakedownSettings {
  return {
    senderOrg: null,
    contact: '',
    replyTo: null,
    recipients: { ...DEFAULT_RECIPIENTS },
    renoticeHours: DEFAULT_RENOTICE_HOURS,
    retryMinutes: 60,
    templateDirs: [],
    ...overrides,
  };
}

export function takedownSettingsFromEnv(env: NodeJS.ProcessEnv = process.env): TakedownSettings {
  const recipients = { ...DEFAULT_RECIPIENTS };
  for (const p of TAKEDOWN_PLATFORMS) {
    const to = env[`PERISAI_TAKEDOWN_TO_${p.toUpperCase()}`]?.trim();
    if (to) recipients[p] = to;
  }
  const text = (name: string) => env[name]?.trim() || null;
  return defaultTakedownSettings({
    senderOrg: text('PERISAI_TAKEDOWN_SENDER'),
    contact: text('PERISAI_TAKEDOWN_CONTACT') ?? text('PERISAI_SMTP_FROM') ?? '',
    replyTo: text('PERISAI_TAKEDOWN_REPLY_TO'),
    recipients,
    renoticeHours: positiveNumber(
      env.PERISAI_TAKEDOWN_RENOTICE_HOURS,
      DEFAULT_RENOTICE_HOURS,
      'PERISAI_TAKEDOWN_RENOTICE_HOURS',
    ),
    retryMinutes: positiveNumber(env.PERISAI_TAKEDOWN_RETRY_MINUTES, 60, 'PERISAI_TAKEDOWN_RETRY_MINUTES'),
    templateDirs: text('PERISAI_TAKEDOWN_TEMPLATES') ? [text('PERISAI_TAKEDOWN_TEMPLATES')!] : [],
  });
}

function positiveNumber(value: string | undefined, fallback: number, name: string): number {
  if (value === undefined || value.trim() === '') return fallback;
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`${name} must be a positive number, got ${JSON.stringify(value)}`);
  return n;
}

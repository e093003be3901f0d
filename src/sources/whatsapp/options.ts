/**
 * Options of the WhatsApp export reader, their defaults, and the error for unusable input.
 */

import { type DateOrder, orderForLocale } from './date-format.js';
import { clean } from './parse.js';
import { parseZone, type Zone, zoneLabel } from './time-zone.js';
import { DEFAULT_ZIP_LIMITS, type ZipLimits } from './zip.js';

export interface WhatsAppExportOptions {
  /**
   * Zone of the exporting phone: an IANA name ("Asia/Jakarta") or a fixed offset ("+07:00").
   * The export writes local times without one. Default "UTC", noted on every message.
   */
  timeZone?: string;
  /**
   * Locale whose day/month order is used when the file's dates fit more than one order
   * (every day ≤ 12 and no order ever runs backwards). Default "en-GB" (day first, as in
   * most of the world, Indonesia and Malaysia included); "en-US" reads month first.
   */
  defaultLocale?: string;
  /** Chat name (and id); default from the file name ("WhatsApp Chat with X.txt"), then iOS's own notice. */
  chatName?: string;
  /** Participant names, for names that contain ": " ("Dr: Smith: hello"). */
  authors?: readonly string[];
  /** Zip exports: extract named media into a new folder under this one instead of offering `fetch()`. */
  extractDir?: string;
  zipLimits?: Partial<ZipLimits>;
  /** Longest record (and line) kept, in characters; WhatsApp's own limit is 65,536. Default 1 Mi. */
  maxMessageChars?: number;
}

export interface ResolvedOptions {
  zone: Zone;
  zoneConfigured: boolean;
  defaultLocale: string;
  defaultOrder: DateOrder;
  chatName: string | null;
  authors: ReadonlySet<string>;
  extractDir: string | null;
  zipLimits: ZipLimits;
  maxMessageChars: number;
}

export function resolveOptions(options: WhatsAppExportOptions = {}): ResolvedOptions {
  const defaultLocale = options.defaultLocale ?? 'en-GB';
  const zipLimits = { ...DEFAULT_ZIP_LIMITS };
  for (const [key, value] of Object.entries(options.zipLimits ?? {})) {
    if (value === undefined) continue;
    if (!(key in zipLimits)) throw new RangeError(`unknown zip limit ${key}`);
    zipLimits[key as keyof ZipLimits] = positive(value, `zipLimits.${key}`);
  }
  return {
    zone: parseZone(options.timeZone ?? 'UTC'),
    zoneConfigured: options.timeZone !== undefined,
    defaultLocale,
    defaultOrder: orderForLocale(defaultLocale),
    chatName: options.chatName ?? null,
    authors: new Set((options.authors ?? []).map(clean)),
    extractDir: options.extractDir ?? null,
    zipLimits,
    maxMessageChars: positive(options.maxMessageChars ?? 1 << 20, 'maxMessageChars'),
  };
}

function positive(value: number, name: string): number {
  if (!Number.isInteger(value) || value <= 0) throw new RangeError(`${name} must be a positive integer, got ${value}`);
  return value;
}

/** The note every message carries: how its time was read. */
export function dateNoteOf(o: ResolvedOptions, assumption: string | null): string {
  const how = o.zoneConfigured ? `read in ${zoneLabel(o.zone)} as configured` : 'read as UTC (no zone configured)';
  const note = `WhatsApp exports write the phone's local time without a zone: ${how}`;
  return assumption ? `${note}; ${assumption}` : note;
}

/** The export cannot be read: not a chat export, unreadable, not a zip. */
export class WhatsAppExportError extends Error {
  override name = 'WhatsAppExportError';
}

const NAMED = [
  /^WhatsApp Chat (?:with|mit|con|avec|com|met|dengan|ile) (.+)$/i,
  /^WhatsApp Chat - (.+)$/i,
  /^Chat (?:de WhatsApp con|WhatsApp dengan|WhatsApp con) (.+)$/i,
  /^Conversa do WhatsApp com (.+)$/i,
  /^Discussion WhatsApp avec (.+)$/i,
];

/** "WhatsApp Chat with Family.txt" → "Family"; null for "_chat.txt" and other names. */
export function chatNameFromFile(fileName: string): string | null {
  const stem = fileName.replace(/\.(?:txt|zip)$/i, '').replace(/ \(\d+\)$/, '');
  for (const re of NAMED) {
    const m = re.exec(stem);
    if (m?.[1]) return m[1].trim();
  }
  return null;
}

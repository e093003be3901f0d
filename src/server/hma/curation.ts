/**
 * HMA's curation model mapped onto Perisai's (docs/hma-compat.md §4, §7.1).
 *
 * - Bank `matching_enabled_ratio` is 1.0 or 0.0: Perisai banks are on or off.
 *   HMA's fractional ratios (random sampling of lookups) are refused with 400
 *   rather than stored as something they are not.
 * - Content `disable_until_ts`: 1 = active, 0 = disabled until re-enabled,
 *   T = disabled until unix time T (matchable again once T has passed).
 * - HMA's DELETE of content is a withdrawal here: the item stops matching at
 *   once and stays as a tombstone for exports; HMA routes treat it as gone.
 */
import type { Bank } from '../../banks/banks.js';
import type { BankContent } from '../../banks/content.js';
import { HttpError } from '../errors.js';
import { pyRepr } from './signals.js';

/** HMA's `_bank_name_ok`. */
export const HMA_BANK_NAME = /^[A-Z_][A-Z0-9_]*$/;
export const BAD_BANK_NAME = 'Bank names must be UPPER_WITH_UNDERSCORE';

export const NOTE_MAX = 255;

export function hmaBank(bank: Pick<Bank, 'name' | 'enabled'>): { matching_enabled_ratio: number; name: string } {
  return { matching_enabled_ratio: bank.enabled ? 1.0 : 0.0, name: bank.name };
}

/** The enabled flag from HMA's `enabled_ratio` / `enabled` inputs; null when neither is given. */
export function enabledFrom(body: Record<string, unknown>): boolean | null {
  let enabled: boolean | null = null;
  if (body.enabled !== undefined && body.enabled !== null) enabled = Boolean(body.enabled);
  const raw = body.enabled_ratio;
  if (raw === undefined || raw === null) return enabled;
  const ratio = typeof raw === 'number' ? raw : typeof raw === 'string' && raw.trim() !== '' ? Number(raw) : Number.NaN;
  if (!Number.isFinite(ratio) || ratio < 0 || ratio > 1) {
    throw new HttpError(400, `enabled_ratio must be a number from 0 to 1, got ${JSON.stringify(raw)}`);
  }
  if (ratio !== 0 && ratio !== 1) {
    throw new HttpError(
      400,
      'Perisai banks are either enabled (enabled_ratio 1.0) or disabled (0.0); fractional ratios are not supported',
    );
  }
  return ratio === 1;
}

/** HMA's note rules: falsy is "no note", otherwise a string of at most 255 characters. */
export function noteFrom(value: unknown): string | null {
  if (value === undefined || value === null || value === '' || value === false || value === 0) return null;
  if (typeof value !== 'string') throw new HttpError(400, 'note should be a string');
  if (value.length > NOTE_MAX) throw new HttpError(400, `note must be at most ${NOTE_MAX} characters`);
  return value;
}

const METADATA_KEYS = new Set(['content_id', 'content_uri', 'json']);

/** HMA's `BankedContentMetadata`: content_id, content_uri (strings), json (object); collab dropped. */
export function metadataFrom(value: unknown): Record<string, unknown> {
  if (value === undefined || value === null) return {};
  if (typeof value !== 'object' || Array.isArray(value)) throw new HttpError(400, 'metadata should be a json object');
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value)) {
    if (key === 'collab' || v === null) continue;
    if (!METADATA_KEYS.has(key)) throw new HttpError(400, `Invalid metadata: ${key}: Extra inputs are not permitted`);
    const ok = key === 'json' ? typeof v === 'object' && !Array.isArray(v) : typeof v === 'string';
    if (!ok) {
      const want = key === 'json' ? 'a valid dictionary' : 'a valid string';
      throw new HttpError(400, `Invalid metadata: ${key}: Input should be ${want}`);
    }
    out[key] = v;
  }
  return out;
}

/** The multipart `metadata` field: a JSON string. */
export function metadataFromField(text: string | undefined): Record<string, unknown> {
  if (text === undefined || text === '') return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new HttpError(400, 'metadata form field must be valid JSON');
  }
  return metadataFrom(parsed);
}

export interface HmaMetadata {
  content_id: string | null;
  content_uri: string | null;
  json: Record<string, unknown> | null;
}

/** Our free-form metadata as HMA's three fields; keys HMA does not know go under `json`. */
export function hmaMetadata(metadata: Record<string, unknown>): HmaMetadata | null {
  const { content_id, content_uri, json, ...rest } = metadata;
  const extra = Object.keys(rest).length > 0 ? rest : null;
  const out: HmaMetadata = {
    content_id: typeof content_id === 'string' ? content_id : null,
    content_uri: typeof content_uri === 'string' ? content_uri : null,
    json: json !== null && typeof json === 'object' && !Array.isArray(json) ? (json as Record<string, unknown>) : extra,
  };
  return out.content_id === null && out.content_uri === null && out.json === null ? null : out;
}

/** Our status as HMA's `disable_until_ts`. */
export function disableUntilTs(content: Pick<BankContent, 'status' | 'disabledUntil'>): number {
  if (content.status === 'active') return 1;
  if (content.status === 'withdrawn' || content.disabledUntil === null) return 0;
  return Math.floor(content.disabledUntil.getTime() / 1000);
}

const FIVE_YEARS_S = 5 * 365 * 24 * 3600;

/** HMA's PUT rules for `disable_until_ts`: Python int(), >= 0, at most 5 years ahead. */
export function parseDisableUntil(value: unknown, nowS = Date.now() / 1000): number {
  let n: number;
  if (typeof value === 'number' && Number.isFinite(value)) n = Math.trunc(value);
  else if (typeof value === 'boolean') n = value ? 1 : 0;
  else if (typeof value === 'string' && /^\s*[+-]?\d+\s*$/.test(value)) n = Number(value.trim());
  else throw new HttpError(400, `Invalid int: ${typeof value === 'string' ? pyRepr(value) : JSON.stringify(value)}`);
  if (n < 0) throw new HttpError(400, 'disable_until_ts must be a non-negative integer');
  if (n > nowS + FIVE_YEARS_S) throw new HttpError(400, 'disable_until_ts must be less than 5 years in the future');
  return n;
}

/** `disable_until_ts` as a content update. */
export function statusForDisableUntil(ts: number): { status: 'active' | 'disabled'; disabledUntil?: Date | null } {
  if (ts === 1) return { status: 'active' };
  if (ts === 0) return { status: 'disabled', disabledUntil: null };
  return { status: 'disabled', disabledUntil: new Date(ts * 1000) };
}

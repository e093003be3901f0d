/**
 * HMA's signal and content type names and its signal string rules
 * (docs/hma-compat.md §0.3 and §9), mapped onto Perisai's signal types:
 * `pdq` is ours, `video_md5` is our `md5`, `vpdq` is our `vpdq` (frames).
 */

import type { ContentSignal } from '../../banks/content.js';
import type { SignalInput } from '../../banks/hashes.js';
import { getVpdqFrames } from '../../banks/signal-index.js';
import { pythonFloatPrecision3 } from '../../core/vpdq/format.js';
import type { Database } from '../../db/open.js';
import type { SignalType } from '../../db/schema.js';

export const HMA_SIGNAL_TYPES = ['pdq', 'video_md5', 'vpdq'] as const;
export type HmaSignalType = (typeof HMA_SIGNAL_TYPES)[number];

export const HMA_CONTENT_TYPES = ['photo', 'video'] as const;
export type HmaContentType = (typeof HMA_CONTENT_TYPES)[number];

/** Which signal types each content type yields when hashed. */
export const SIGNALS_FOR_CONTENT: Readonly<Record<HmaContentType, readonly HmaSignalType[]>> = {
  photo: ['pdq'],
  video: ['video_md5', 'vpdq'],
};

const TO_PERISAI: Readonly<Record<HmaSignalType, SignalType>> = { pdq: 'pdq', video_md5: 'md5', vpdq: 'vpdq' };

export function isHmaSignalType(name: string): name is HmaSignalType {
  return (HMA_SIGNAL_TYPES as readonly string[]).includes(name);
}

export function isHmaContentType(name: string): name is HmaContentType {
  return (HMA_CONTENT_TYPES as readonly string[]).includes(name);
}

export function perisaiType(type: HmaSignalType): SignalType {
  return TO_PERISAI[type];
}

/** Our type as HMA names it; sha256 has no HMA name and keeps its own. */
export function hmaTypeName(type: SignalType): string {
  return type === 'md5' ? 'video_md5' : type;
}

export type SignalCheck = { ok: true; value: string } | { ok: false; reason: string };

const PDQ = /^[0-9a-f]{64}$/;
const MD5 = /^[0-9a-f]{32}$/;
const VPDQ_HEX = /^[0-9a-fA-F]{64}$/;
const VPDQ_QUALITY = /^\s*[+-]?\d+\s*$/;
const VPDQ_TIME = /^\s*[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?\s*$/;

/** python-threatexchange's validate_signal_str: the normalized value, or why it is invalid. */
export function checkSignal(type: HmaSignalType, value: string): SignalCheck {
  if (type === 'pdq') return PDQ.test(value) ? { ok: true, value } : { ok: false, reason: 'invalid PDQ hash' };
  if (type === 'video_md5') {
    const v = value.trim().toLowerCase();
    return MD5.test(v) ? { ok: true, value: v } : { ok: false, reason: `${pyRepr(value)} is not a valid MD5 hash` };
  }
  return checkVpdq(value);
}

function checkVpdq(value: string): SignalCheck {
  let items: unknown;
  try {
    items = JSON.parse(value.trim() === '' ? '[]' : value);
  } catch {
    return { ok: false, reason: `invalid VpdqCompactFeature serialization: ${value}` };
  }
  if (!Array.isArray(items)) return { ok: false, reason: `invalid VpdqCompactFeature serialization: ${value}` };
  for (const item of items) {
    if (typeof item !== 'string' || !vpdqItemOk(item)) {
      return { ok: false, reason: `invalid VpdqCompactFeature serialization: ${String(item)}` };
    }
  }
  // HMA accepts an empty video here and then fails to index it; refuse it up front.
  if (items.length === 0) return { ok: false, reason: 'empty vPDQ signal (a video with no frames)' };
  return { ok: true, value };
}

function vpdqItemOk(item: string): boolean {
  const parts = item.split(',');
  if (parts.length !== 3) return false;
  const [hex, quality, time] = parts as [string, string, string];
  if (!VPDQ_HEX.test(hex) || !VPDQ_QUALITY.test(quality) || !VPDQ_TIME.test(time)) return false;
  const q = Number(quality);
  return q >= 0 && q <= 100 && Number(time) >= 0;
}

/** A checked HMA signal as input for addContent. */
export function toSignalInput(type: HmaSignalType, value: string): SignalInput {
  if (type === 'pdq') return { type: 'pdq', hash: value };
  if (type === 'video_md5') return { type: 'md5', hash: value };
  const items = JSON.parse(value) as string[];
  const frames = items.map((item, frameNumber) => {
    const [hash, quality, time] = item.split(',') as [string, string, string];
    return { frameNumber, hash, quality: Number(quality), timestampS: Number(time) };
  });
  return { type: 'vpdq', frames };
}

/** Stored signals as HMA's `{type: value}` map (one per type, the first stored). */
export async function hmaSignalMap(
  database: Database,
  signals: readonly ContentSignal[],
): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const s of signals) {
    const name = hmaTypeName(s.type);
    if (name in out) continue;
    out[name] = s.type === 'vpdq' ? await vpdqSignalString(database, s.id) : s.hash;
  }
  return out;
}

/** The vPDQ signal string HMA would store: `["hash,quality,timestamp", ...]` in Python's json.dumps style. */
export async function vpdqSignalString(database: Database, signalId: number): Promise<string> {
  const frames = await getVpdqFrames(database.db, signalId);
  const items = frames.map((f) =>
    JSON.stringify(`${f.hash.toString('hex')},${f.quality},${pythonFloatPrecision3(f.timestampS)}`),
  );
  return `[${items.join(', ')}]`;
}

/** Python's repr() of a str, as HMA quotes inputs in messages. */
export function pyRepr(s: string): string {
  const quote = s.includes("'") && !s.includes('"') ? '"' : "'";
  const body = [...s]
    .map((ch) => {
      if (ch === '\\') return '\\\\';
      if (ch === quote) return `\\${quote}`;
      if (ch === '\n') return '\\n';
      if (ch === '\r') return '\\r';
      if (ch === '\t') return '\\t';
      const code = ch.codePointAt(0)!;
      return code < 0x20 || code === 0x7f ? `\\x${code.toString(16).padStart(2, '0')}` : ch;
    })
    .join('');
  return `${quote}${body}${quote}`;
}

/**
 * The JSON-safe form of a GramJS object, kept as `NormalizedMessage.raw` for
 * evidence. GramJS's own `toJSON()` replays the constructor arguments
 * (`originalArgs`), which misses later changes, and writes buffers as
 * `{type: 'Buffer', data: [...]}`. This walks the object's own fields instead:
 * the TL class name first, then every field that has a value; 64-bit ids as
 * decimal strings, bytes (file references, waveforms) as `{ base64 }`.
 * GramJS's private caches (`_client`, `_chat`, …) are left out: they hold the
 * client and would make cycles.
 */
import { isBigInteger } from './values.js';

const SKIPPED = new Set(['CONSTRUCTOR_ID', 'SUBCLASS_OF_ID', 'classType', 'originalArgs', 'flags', 'flags2']);
const MAX_DEPTH = 24;

export function plainTl(value: unknown): unknown {
  return convert(value, 0, new WeakSet());
}

function convert(value: unknown, depth: number, seen: WeakSet<object>): unknown {
  if (value === null || value === undefined) return null;
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return value;
    case 'number':
      return Number.isFinite(value) ? value : String(value);
    case 'bigint':
      return value.toString();
    case 'object':
      break;
    default:
      return null; // functions, symbols
  }
  if (value instanceof Uint8Array) return { base64: Buffer.from(value).toString('base64') };
  if (isBigInteger(value)) return value.toString();
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? null : value.toISOString();
  if (seen.has(value)) return '[circular]';
  if (depth >= MAX_DEPTH) return '[too deep]';
  seen.add(value);
  try {
    if (Array.isArray(value)) return value.map((item) => convert(item, depth + 1, seen));
    return convertObject(value as Record<string, unknown>, depth, seen);
  } finally {
    seen.delete(value);
  }
}

function convertObject(value: Record<string, unknown>, depth: number, seen: WeakSet<object>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (typeof value.className === 'string') out.className = value.className;
  for (const key of Object.keys(value)) {
    if (key === 'className' || key.startsWith('_') || SKIPPED.has(key)) continue;
    const field = value[key];
    if (field === undefined || typeof field === 'function') continue;
    out[key] = convert(field, depth + 1, seen);
  }
  return out;
}

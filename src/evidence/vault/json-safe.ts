/**
 * Turns a source's raw record (Telegram export JSON, a GramJS/MTProto object, WhatsApp
 * lines) into plain JSON without losing what JSON cannot say: 64-bit ids (bigint) become
 * {"$bigint": "..."}, bytes become {"$base64": "..."}, dates ISO strings. Functions (a
 * media item's `fetch`) are dropped, cycles (a client object reachable from a message)
 * are cut and marked, so one odd record never crashes a capture.
 */

const MAX_DEPTH = 64;

export function toJsonSafe(value: unknown): unknown {
  return convert(value, new WeakSet<object>(), 0);
}

function convert(value: unknown, seen: WeakSet<object>, depth: number): unknown {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return value;
    case 'number':
      return Number.isFinite(value) ? value : String(value);
    case 'bigint':
      return { $bigint: value.toString() };
    case 'undefined':
    case 'function':
    case 'symbol':
      return undefined;
  }
  if (value === null) return null;
  const object = value as object;
  if (object instanceof Uint8Array) return { $base64: Buffer.from(object).toString('base64') };
  if (object instanceof ArrayBuffer) return { $base64: Buffer.from(object).toString('base64') };
  if (object instanceof Date) return Number.isNaN(object.getTime()) ? null : object.toISOString();
  if (depth >= MAX_DEPTH) return { $truncated: 'too deep' };
  if (seen.has(object)) return { $circular: true };
  seen.add(object);
  try {
    if (Array.isArray(object)) return object.map((item) => convert(item, seen, depth + 1) ?? null);
    if (object instanceof Map) {
      return { $map: [...object].map(([k, v]) => [convert(k, seen, depth + 1), convert(v, seen, depth + 1)]) };
    }
    if (object instanceof Set) return [...object].map((item) => convert(item, seen, depth + 1) ?? null);
    const out: Record<string, unknown> = {};
    let entries: [string, unknown][];
    try {
      entries = Object.entries(object);
    } catch {
      return { $unreadable: true }; // a getter that throws (e.g. a proxy of a closed client)
    }
    for (const [key, item] of entries) {
      const converted = convert(item, seen, depth + 1);
      if (converted !== undefined) out[key] = converted;
    }
    return out;
  } finally {
    // A shared (not circular) sub-object may appear again elsewhere: only ancestors are "seen".
    seen.delete(object);
  }
}

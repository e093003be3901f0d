/** Short descriptions of unexpected values for issue messages (never the whole value: it may be 10 MB). */

export function describe(value: unknown): string {
  if (value === undefined) return 'missing';
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'string') return value.length > 40 ? `the string "${value.slice(0, 40)}…"` : `"${value}"`;
  if (typeof value === 'object') return 'an object';
  return `${typeof value} ${String(value)}`;
}

export function clip(s: string, max = 120): string {
  return s.length <= max ? s : `${s.slice(0, max)}… (${s.length} chars)`;
}

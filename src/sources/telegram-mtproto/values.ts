/**
 * Careful readers for fields of GramJS objects. A message that arrives from
 * the network (or is built by hand) may lack any field its typing promises, so
 * every read goes through one of these and yields null instead of throwing.
 * Telegram's 64-bit ids arrive as big-integer `BigInteger`s; they are kept as
 * decimal strings.
 */

/** A `big-integer` value (GramJS's `long`), recognised by shape: the package is GramJS's, not ours. */
export function isBigInteger(value: unknown): value is { toString(): string; isNegative(): boolean } {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { isNegative?: unknown }).isNegative === 'function' &&
    typeof (value as { compare?: unknown }).compare === 'function' &&
    typeof (value as { toJSNumber?: unknown }).toJSNumber === 'function'
  );
}

const DECIMAL = /^-?\d{1,20}$/;

/** A Telegram id (int, long, bigint or decimal string) as a decimal string; null when unusable. */
export function idString(value: unknown): string | null {
  if (typeof value === 'number') return Number.isSafeInteger(value) ? String(value) : null;
  if (typeof value === 'bigint') return value.toString();
  if (typeof value === 'string') return DECIMAL.test(value) ? value : null;
  if (isBigInteger(value)) {
    const s = value.toString();
    return DECIMAL.test(s) ? s : null;
  }
  return null;
}

/** A non-negative safe integer (sizes, dimensions, message ids, unix times); null otherwise. */
export function count(value: unknown): number | null {
  let n: number | null = null;
  if (typeof value === 'number') n = value;
  else if (typeof value === 'bigint') n = Number(value);
  else if (isBigInteger(value)) n = Number(value.toString());
  return n !== null && Number.isSafeInteger(n) && n >= 0 ? n : null;
}

/** A finite non-negative number (durations are doubles); null otherwise. */
export function seconds(value: unknown): number | null {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0 ? value : null;
}

export function text(value: unknown): string | null {
  return typeof value === 'string' ? value : null;
}

export function nonEmpty(value: unknown): string | null {
  return typeof value === 'string' && value.trim() !== '' ? value : null;
}

export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}

/** The TL class name ("Message", "messages.ChannelMessages") of a GramJS object, or null. */
export function classNameOf(value: unknown): string | null {
  return isObject(value) && typeof value.className === 'string' ? value.className : null;
}

export function arrayOf(value: unknown): readonly unknown[] | null {
  return Array.isArray(value) ? value : null;
}

/** "ChatEditTitle" → "chat_edit_title"; "" → "unknown". */
export function snakeCase(name: string): string {
  return name.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toLowerCase() || 'unknown';
}

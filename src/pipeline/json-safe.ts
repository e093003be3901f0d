/**
 * PostgreSQL refuses NUL characters in text and jsonb, and lone UTF-16
 * surrogates in jsonb. Hostile messages carry both, so every string a source
 * hands us is made storable here: the character is replaced, the message kept.
 */

// A NUL, a high surrogate not followed by a low one, or a low one not preceded by a high one.
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding NUL is the point
const UNSTORABLE = /\u0000|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/** The string with lone surrogates and NULs replaced by U+FFFD. */
export function storableText(text: string): string {
  return text.replace(UNSTORABLE, '\uFFFD');
}

/** JSON text for a jsonb column: storable strings, bigints as decimal strings, buffers as base64. */
export function storableJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => {
    if (typeof v === 'string') return storableText(v);
    if (typeof v === 'bigint') return v.toString();
    if (v instanceof Uint8Array) return { base64: Buffer.from(v).toString('base64') };
    return v;
  });
}

/** Limits that refuse decompression bombs and oversized input before decoding. */
export interface MediaLimits {
  /** Largest file accepted, in bytes. */
  readonly maxFileBytes: number;
  /** Largest width x height accepted, checked from the header before decoding. */
  readonly maxPixels: number;
}

export const DEFAULT_MEDIA_LIMITS: MediaLimits = Object.freeze({
  maxFileBytes: 100 * 1024 * 1024,
  // 50 megapixels: above any phone camera's output (a 48 MP sensor is 8064x6048 = 48.8 M).
  maxPixels: 50_000_000,
});

export function mediaLimitsFromEnv(env: NodeJS.ProcessEnv = process.env): MediaLimits {
  return {
    maxFileBytes: positiveInt(env.PERISAI_MAX_FILE_BYTES, DEFAULT_MEDIA_LIMITS.maxFileBytes, 'PERISAI_MAX_FILE_BYTES'),
    maxPixels: positiveInt(env.PERISAI_MAX_PIXELS, DEFAULT_MEDIA_LIMITS.maxPixels, 'PERISAI_MAX_PIXELS'),
  };
}

export function positiveInt(raw: string | undefined, fallback: number, name: string): number {
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isSafeInteger(n) || n <= 0)
    throw new RangeError(`${name} must be a positive integer, got ${JSON.stringify(raw)}`);
  return n;
}

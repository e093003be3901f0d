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

/** Limits for video, which is streamed through ffmpeg rather than held in memory. */
export interface VideoLimits {
  /** Longest video accepted, in seconds (from the container, re-checked while decoding). */
  readonly maxVideoSeconds: number;
  /** Largest video file accepted, in bytes. */
  readonly maxVideoBytes: number;
  /** Largest frame (width x height) accepted; each sampled frame is held in memory as RGB. */
  readonly maxVideoPixels: number;
}

export const DEFAULT_VIDEO_LIMITS: VideoLimits = Object.freeze({
  maxVideoSeconds: 3 * 60 * 60,
  maxVideoBytes: 4 * 1024 * 1024 * 1024,
  // 8K UHD (8192x4320); a frame is 3 bytes per pixel, ~106 MB at this size.
  maxVideoPixels: 8192 * 4320,
});

export function videoLimitsFromEnv(env: NodeJS.ProcessEnv = process.env): VideoLimits {
  const d = DEFAULT_VIDEO_LIMITS;
  return {
    maxVideoSeconds: positiveInt(env.PERISAI_MAX_VIDEO_SECONDS, d.maxVideoSeconds, 'PERISAI_MAX_VIDEO_SECONDS'),
    maxVideoBytes: positiveInt(env.PERISAI_MAX_VIDEO_BYTES, d.maxVideoBytes, 'PERISAI_MAX_VIDEO_BYTES'),
    maxVideoPixels: positiveInt(env.PERISAI_MAX_VIDEO_PIXELS, d.maxVideoPixels, 'PERISAI_MAX_VIDEO_PIXELS'),
  };
}

/**
 * vPDQ hashing of a video file: PDQ of one frame every `secondsPerHash`
 * seconds, decoded by the system ffmpeg, plus the file's MD5 and SHA-256.
 *
 * ffmpeg decodes in its own process while we hash the previous kept frame,
 * so the two overlap; one RGB buffer and one PDQ workspace serve all frames.
 * Every failure is a MediaError, and ffmpeg never outlives the call.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import { PdqWorkspace, pdqHash } from '../core/pdq/pdq.js';
import { type VpdqFeature, vpdqFrameInterval, vpdqTimestamp } from '../core/vpdq/feature.js';
import { MediaError } from './errors.js';
import {
  abortError,
  DEFAULT_PROBE_TIMEOUT_MS,
  type FfmpegTools,
  findFfmpeg,
  probeVideo,
  type VideoProbe,
} from './ffmpeg.js';
import { DEFAULT_VIDEO_LIMITS, type VideoLimits } from './limits.js';
import { isImageFormat, sniffFormat } from './sniff.js';
import { DECODER_ERROR_RE, decodeVideoFrames } from './video-frames.js';

export interface HashVideoOptions {
  /** One hash per this many seconds (default 1, as python-threatexchange); 0 hashes every frame. */
  readonly secondsPerHash?: number;
  readonly limits?: VideoLimits;
  /** Budget for the whole call; default 2 minutes plus the video's duration (at least real time). */
  readonly timeoutMs?: number;
  readonly signal?: AbortSignal;
  /** ffmpeg decoder threads: 0 = ffmpeg's choice (default), 1 = single-threaded. */
  readonly threads?: number;
  readonly tools?: FfmpegTools;
  /**
   * Return what could be decoded when the decoder refuses damaged data (e.g.
   * a download cut mid-frame), with `decodeErrors` set. By default such a
   * video is refused as 'corrupt', as the reference gives up on it. (A file
   * cut between frames decodes cleanly and is hashed up to the cut, as the
   * reference does, with ffmpeg's note in `decodeErrors`.)
   */
  readonly allowDecodeErrors?: boolean;
}

export interface VideoHashResult {
  readonly frames: VpdqFeature[];
  readonly fps: number;
  /** Container duration, or an estimate from the frames when the container has none. */
  readonly durationS: number;
  readonly width: number;
  readonly height: number;
  readonly md5: string;
  readonly sha256: string;
  readonly bytes: number;
  /** Frames between hashes: int(secondsPerHash * fps), at least 1. */
  readonly interval: number;
  /** Display rotation from the metadata; frames are hashed unrotated, like the reference. */
  readonly rotation: number;
  /** ffmpeg's error-level output, when it printed any (e.g. "partial file"). */
  readonly decodeErrors?: string;
}

export const DEFAULT_VIDEO_TIMEOUT_BASE_MS = 120_000;

/** Hashes a video file with vPDQ. */
export async function hashVideoFile(path: string, options: HashVideoOptions = {}): Promise<VideoHashResult> {
  const started = Date.now();
  const secondsPerHash = options.secondsPerHash ?? 1;
  if (!(secondsPerHash >= 0) || !Number.isFinite(secondsPerHash)) {
    throw new RangeError(`secondsPerHash must be a non-negative number, got ${secondsPerHash}`);
  }
  const limits = options.limits ?? DEFAULT_VIDEO_LIMITS;
  const { signal } = options;
  if (signal?.aborted) throw abortError(signal);
  const tools = options.tools ?? findFfmpeg();
  const probe = await probeFile(path, limits, tools, options);
  const timeoutMs = options.timeoutMs ?? defaultTimeoutMs(probe, limits);
  // The digests stream alongside decoding and stop with it if it fails.
  const stopDigest = new AbortController();
  const digests = digestFile(path, stopDigest.signal);
  digests.catch(() => {}); // awaited below; this only keeps an early throw from leaving it unhandled
  let decoded: Awaited<ReturnType<typeof hashFrames>>;
  try {
    decoded = await hashFrames(path, probe, {
      interval: vpdqFrameInterval(probe.fps, secondsPerHash),
      threads: options.threads ?? 0,
      timeoutMs: Math.max(1, timeoutMs - (Date.now() - started)),
      signal,
      tools,
      maxSeconds: limits.maxVideoSeconds,
      allowDecodeErrors: options.allowDecodeErrors ?? false,
    });
  } catch (err) {
    stopDigest.abort();
    throw err;
  }
  const { md5, sha256, bytes } = await digests;
  const lastFrame = decoded.frames.at(-1)?.frameNumber ?? 0;
  return {
    frames: decoded.frames,
    fps: probe.fps,
    durationS: probe.durationS ?? (probe.nbFrames ?? lastFrame + 1) / probe.fps,
    width: probe.width,
    height: probe.height,
    md5,
    sha256,
    bytes,
    interval: decoded.interval,
    rotation: probe.rotation,
    ...(decoded.decodeErrors ? { decodeErrors: decoded.decodeErrors } : {}),
  };
}

/** File checks, then ffprobe (within the caller's budget), then the limits that need the probe. */
async function probeFile(
  path: string,
  limits: VideoLimits,
  tools: FfmpegTools,
  options: HashVideoOptions,
): Promise<VideoProbe> {
  const started = Date.now();
  const sniffedVideo = await checkFile(path, limits);
  const budget = (options.timeoutMs ?? Number.POSITIVE_INFINITY) - (Date.now() - started);
  const timeoutMs = Math.max(1, Math.min(DEFAULT_PROBE_TIMEOUT_MS, budget));
  let probe: VideoProbe;
  try {
    probe = await probeVideo(path, { tools, signal: options.signal, timeoutMs });
  } catch (err) {
    // ffprobe calls any unparseable input "invalid data"; for a file whose header says video, that is damage.
    if (err instanceof MediaError && err.code === 'unsupported-format' && sniffedVideo) {
      throw new MediaError('corrupt', err.message, { cause: err });
    }
    throw err;
  }
  checkProbe(probe, limits);
  return probe;
}

/** Refuses missing, empty, oversized and still-image files; returns whether the header looks like video. */
async function checkFile(path: string, limits: VideoLimits): Promise<boolean> {
  let size: number;
  try {
    const st = await stat(path);
    if (!st.isFile()) throw new MediaError('unreadable', `cannot read ${path}: not a regular file`);
    size = st.size;
  } catch (err) {
    throw unreadable(path, err);
  }
  if (size === 0) throw new MediaError('empty', 'empty file (0 bytes)');
  if (size > limits.maxVideoBytes) {
    throw new MediaError('file-too-large', `file is ${size} bytes, over the ${limits.maxVideoBytes}-byte video limit`);
  }
  const format = sniffFormat(await readHead(path, 64));
  // GIF stays allowed: animated GIFs are short videos in practice.
  if (isImageFormat(format) && format !== 'gif') {
    throw new MediaError('unsupported-format', `this is a still image (${format}), not a video`);
  }
  return format === 'video';
}

async function readHead(path: string, n: number): Promise<Buffer> {
  const head = Buffer.alloc(n);
  try {
    const fh = await open(path, 'r');
    try {
      await fh.read(head, 0, n, 0);
    } finally {
      await fh.close();
    }
  } catch (err) {
    throw unreadable(path, err);
  }
  return head;
}

function unreadable(path: string, err: unknown): MediaError {
  if (err instanceof MediaError) return err;
  const code = (err as NodeJS.ErrnoException).code;
  const reason = code === 'ENOENT' ? 'no such file' : (code ?? String(err));
  return new MediaError('unreadable', `cannot read ${path}: ${reason}`, { cause: err });
}

/** MD5 (what StopNCII shares for video) and SHA-256 in one streaming pass. */
async function digestFile(path: string, signal: AbortSignal): Promise<{ md5: string; sha256: string; bytes: number }> {
  const md5 = createHash('md5');
  const sha256 = createHash('sha256');
  let bytes = 0;
  try {
    for await (const chunk of createReadStream(path, { signal, highWaterMark: 1 << 20 }) as AsyncIterable<Buffer>) {
      md5.update(chunk);
      sha256.update(chunk);
      bytes += chunk.length;
    }
  } catch (err) {
    throw new MediaError('unreadable', `cannot read ${path}: ${(err as Error).message}`, { cause: err });
  }
  return { md5: md5.digest('hex'), sha256: sha256.digest('hex'), bytes };
}

function checkProbe(probe: VideoProbe, limits: VideoLimits): void {
  const pixels = probe.width * probe.height;
  if (pixels > limits.maxVideoPixels) {
    throw new MediaError(
      'too-many-pixels',
      `video frames are ${probe.width}x${probe.height} = ${pixels} pixels, over the ${limits.maxVideoPixels}-pixel limit`,
    );
  }
  if (probe.durationS !== undefined && probe.durationS > limits.maxVideoSeconds) {
    throw new MediaError(
      'too-long',
      `video is ${probe.durationS.toFixed(1)} s long, over the ${limits.maxVideoSeconds}-second limit`,
    );
  }
}

function defaultTimeoutMs(probe: VideoProbe, limits: VideoLimits): number {
  return DEFAULT_VIDEO_TIMEOUT_BASE_MS + 1000 * (probe.durationS ?? limits.maxVideoSeconds);
}

interface FrameHashOptions {
  readonly interval: number;
  readonly threads: number;
  readonly timeoutMs: number;
  readonly signal: AbortSignal | undefined;
  readonly tools: FfmpegTools;
  readonly maxSeconds: number;
  readonly allowDecodeErrors: boolean;
}

async function hashFrames(
  path: string,
  probe: VideoProbe,
  options: FrameHashOptions,
): Promise<{ frames: VpdqFeature[]; interval: number; decodeErrors?: string }> {
  const ws = new PdqWorkspace();
  const frames: VpdqFeature[] = [];
  let decodeErrors: string | undefined;
  let decoderFailed = false;
  const source = decodeVideoFrames(path, probe, {
    ...options,
    onDecodeErrors: (stderr, failed) => {
      decodeErrors = stderr;
      decoderFailed = failed;
    },
  });
  for await (const { frameNumber, image } of source) {
    // The container's duration can lie; the frame count cannot.
    if (frameNumber / probe.fps > options.maxSeconds) {
      throw new MediaError('too-long', `video runs past the ${options.maxSeconds}-second limit`);
    }
    const { hash, hex, quality } = pdqHash(image, ws);
    frames.push({ frameNumber, quality, hash, hex, timestamp: vpdqTimestamp(frameNumber, probe.fps) });
  }
  if (decoderFailed && !options.allowDecodeErrors) {
    const lines = (decodeErrors ?? '').trim().split('\n');
    const detail = lines.find((l) => DECODER_ERROR_RE.test(l)) ?? lines.at(-1) ?? '';
    throw new MediaError('corrupt', `video is damaged or truncated: ${detail.trim()}`);
  }
  if (frames.length === 0) throw new MediaError('corrupt', 'no video frame could be decoded');
  return { frames, interval: options.interval, ...(decodeErrors ? { decodeErrors } : {}) };
}

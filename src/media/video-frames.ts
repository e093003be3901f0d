/**
 * Decoded video frames from the system ffmpeg, as the vPDQ reference sees them.
 *
 * The reference (vpdq/cpp, libav* directly) decodes every frame, counts them
 * in decoder output order, and for each kept frame (n % interval == 0)
 * converts the decoder's picture to RGB24 at its native size with
 * sws_scale(SWS_AREA), without applying rotation metadata and without
 * looking at the frame's colour tags (libswscale's defaults: BT.601
 * coefficients, range from the pixel format).
 *
 * Two ffmpeg processes, joined by an OS pipe, do the same:
 * 1. decode: every frame is decoded (with all of ffmpeg's SIMD), and
 *    `select='not(mod(n\,K))'` (n counts decoded frames, like the reference)
 *    lets only kept frames out, in the decoder's own pixel format;
 * 2. convert: `-cpuflags 0` so libswscale takes its plain C path, then
 *    `setparams=...=unknown` (drop colour tags) and `scale=W:H:flags=area`
 *    (the reference's sws call) to RGB24.
 * Why two: libswscale's x86 SIMD YUV->RGB differs from its C code by a unit
 * here and there, which moves PDQ bits. The reference sample hashes were made
 * by the C path (chair-20-sd-bar: 0 of 614 frames differ with it, 341 with
 * SIMD; only test-padded-dimensions was evidently made with SIMD), and the C
 * path gives the same bytes on every CPU. Disabling SIMD for the decoder as
 * well would cost ~75% more decode time, so only the converter runs without.
 * Checked byte-for-byte against sws_scale(SWS_AREA) (C path) on tagged
 * BT.709, full-range, yuvj, 10-bit, 4:4:4, BGRA and odd-sized inputs.
 * `-fps_mode passthrough` stops frame duplication or dropping; `-noautorotate`
 * because the reference does not rotate.
 */
import type { PixelImage } from '../core/pdq/luma.js';
import type { MediaError } from './errors.js';
import {
  abortError,
  type FfmpegTools,
  findFfmpeg,
  passthroughArgs,
  safeInputArgs,
  startTool,
  type ToolExit,
  type ToolProcess,
  toolFailure,
  type VideoProbe,
} from './ffmpeg.js';

export interface VideoFrame {
  /** 0-based index among all decoded frames. */
  readonly frameNumber: number;
  /** RGB24 at the video's native size. The buffer is reused: valid until the iterator advances. */
  readonly image: PixelImage;
}

export interface FrameDecodeOptions {
  /** Keep frame n when n % interval == 0 (1 = every frame). */
  readonly interval?: number;
  /** ffmpeg decoder threads; 0 = ffmpeg's choice (default), 1 = single-threaded. */
  readonly threads?: number;
  /** Kill ffmpeg (SIGKILL) after this long. */
  readonly timeoutMs: number;
  readonly signal?: AbortSignal | undefined;
  readonly tools?: FfmpegTools;
  /**
   * Called once ffmpeg has finished but printed errors. `decoderFailed` says
   * whether the decoder itself refused data (where the reference gives up on
   * the whole video) rather than, say, the demuxer noting a short file.
   */
  readonly onDecodeErrors?: (stderrTail: string, decoderFailed: boolean) => void;
}

/** How ffmpeg reports a packet the decoder refused (5.x "Error while decoding stream", 6.x/7.x wordings). */
export const DECODER_ERROR_RE = /Error while decoding stream|Decoding error|Error submitting packet to decoder/;

export interface DecodeArgsOptions {
  readonly interval?: number;
  readonly threads?: number;
  /** From passthroughArgs(): `-fps_mode passthrough` or, before ffmpeg 5.1, `-vsync passthrough`. */
  readonly passthrough: readonly string[];
  /** 'null' discards the frames, to time decoding alone. */
  readonly sink?: 'pipe' | 'null';
}

const COMMON = ['-nostdin', '-hide_banner', '-v', 'error'];

function rgbFilters(probe: VideoProbe): string {
  return `setparams=range=unknown:colorspace=unknown,scale=${probe.width}:${probe.height}:flags=area,format=rgb24`;
}

/**
 * Stage 1: decode and select. Kept frames leave in the decoder's pixel format
 * (the same-size scale only acts if a frame changes size mid-stream). Without
 * a known pixel format it converts to RGB24 itself (SIMD path).
 */
export function decodeStageArgs(path: string, probe: VideoProbe, options: DecodeArgsOptions): string[] {
  const interval = options.interval ?? 1;
  if (!Number.isSafeInteger(interval) || interval < 1) throw new RangeError(`invalid frame interval ${interval}`);
  const threads = options.threads ?? 0;
  const filters = [
    ...(interval > 1 ? [`select='not(mod(n\\,${interval}))'`] : []),
    probe.pixFmt ? `scale=${probe.width}:${probe.height}:flags=area` : rgbFilters(probe),
  ];
  const sink =
    options.sink === 'null' ? ['-f', 'null', '-'] : ['-f', 'rawvideo', '-pix_fmt', probe.pixFmt ?? 'rgb24', 'pipe:1'];
  return [
    ...COMMON,
    ...(threads === 1 ? ['-filter_threads', '1'] : []),
    '-noautorotate',
    ...(threads > 0 ? ['-threads', String(threads)] : []),
    ...safeInputArgs(path),
    '-map',
    `0:${probe.streamIndex}`,
    '-vf',
    filters.join(','),
    ...options.passthrough,
    ...sink,
  ];
}

/** Stage 2: raw frames in the decoder's format on stdin -> RGB24 on stdout, libswscale C path. */
export function convertStageArgs(probe: VideoProbe, passthrough: readonly string[]): string[] {
  return [
    ...COMMON,
    '-cpuflags',
    '0',
    '-filter_threads',
    '1',
    '-f',
    'rawvideo',
    '-pix_fmt',
    probe.pixFmt ?? 'rgb24',
    '-s',
    `${probe.width}x${probe.height}`,
    '-i',
    'pipe:0',
    '-vf',
    rgbFilters(probe),
    ...passthrough,
    '-f',
    'rawvideo',
    '-pix_fmt',
    'rgb24',
    'pipe:1',
  ];
}

/** Starts the pipeline; the last process's stdout carries RGB24 frames. */
async function startPipeline(
  path: string,
  probe: VideoProbe,
  options: FrameDecodeOptions,
  onDecoderStderr: (text: string) => void,
): Promise<{ procs: ToolProcess[]; ffmpeg: string }> {
  const started = Date.now();
  const tools = options.tools ?? findFfmpeg();
  const passthrough = await passthroughArgs(tools.ffmpeg, { timeoutMs: options.timeoutMs, signal: options.signal });
  const run = { timeoutMs: Math.max(1, options.timeoutMs - (Date.now() - started)), signal: options.signal };
  const decodeArgs = decodeStageArgs(path, probe, { ...options, passthrough });
  const decode = startTool(tools.ffmpeg, decodeArgs, { ...run, onStderr: onDecoderStderr });
  if (!probe.pixFmt) return { procs: [decode], ffmpeg: tools.ffmpeg };
  const convert = startTool(tools.ffmpeg, convertStageArgs(probe, passthrough), { ...run, stdin: decode.stdout });
  // The converter holds its own copy of the pipe; ours would never be read, and the decoder's 'close' waits for it.
  decode.stdout.destroy();
  return { procs: [decode, convert], ffmpeg: tools.ffmpeg };
}

const failed = (exit: ToolExit) => exit.spawnError !== undefined || exit.code !== 0;

/**
 * Why the pipeline failed, if it did: our own stop (timeout, abort) first,
 * then the earliest process that failed by itself. A converter that dies can
 * leave the decoder blocked on a full pipe, so that one is stopped here.
 */
async function pipelineFailure(procs: ToolProcess[], ffmpeg: string): Promise<MediaError | undefined> {
  const stoppedByUs = new Set<ToolProcess>();
  const last = procs.at(-1)!;
  if (failed(await last.exited)) {
    for (const p of procs.slice(0, -1)) {
      stoppedByUs.add(p);
      await p.kill();
    }
  }
  const exits = await Promise.all(procs.map((p) => p.exited));
  for (const p of procs) {
    const stopped = p.stopReason();
    if (stopped) return stopped;
  }
  for (const [i, p] of procs.entries()) {
    if (failed(exits[i]!) && !(stoppedByUs.has(p) && exits[i]!.signal === 'SIGKILL')) {
      return toolFailure(ffmpeg, exits[i]!, p.stderrTail());
    }
  }
  return undefined;
}

/**
 * Yields the kept frames of `probe`'s video stream in order. ffmpeg is always
 * stopped when iteration ends, whether it completes, throws or is abandoned.
 * Throws MediaError: 'timeout', 'aborted', 'ffmpeg-missing', or 'corrupt' /
 * 'unsupported-format' when ffmpeg fails.
 */
export async function* decodeVideoFrames(
  path: string,
  probe: VideoProbe,
  options: FrameDecodeOptions,
): AsyncGenerator<VideoFrame, void, undefined> {
  let stderrWindow = '';
  let decoderFailed = false;
  const watchStderr = (text: string) => {
    stderrWindow = (stderrWindow + text).slice(-1024);
    decoderFailed ||= DECODER_ERROR_RE.test(stderrWindow);
  };
  const { procs, ffmpeg } = await startPipeline(path, probe, options, watchStderr);
  const interval = options.interval ?? 1;
  const { width, height } = probe;
  const frameBytes = width * height * 3;
  const frame = new Uint8Array(frameBytes);
  const image: PixelImage = { data: frame, width, height, channels: 3 };
  let filled = 0;
  let index = 0;
  try {
    for await (const chunk of procs.at(-1)!.stdout as AsyncIterable<Buffer>) {
      let offset = 0;
      while (offset < chunk.length) {
        const n = Math.min(frameBytes - filled, chunk.length - offset);
        frame.set(chunk.subarray(offset, offset + n), filled);
        filled += n;
        offset += n;
        if (filled === frameBytes) {
          filled = 0;
          yield { frameNumber: index * interval, image };
          index++;
        }
      }
    }
    const failure = await pipelineFailure(procs, ffmpeg);
    if (failure) throw failure;
    if (options.signal?.aborted) throw abortError(options.signal);
    const stderr = procs[0]!.stderrTail().trim();
    if (stderr) options.onDecodeErrors?.(stderr, decoderFailed);
  } finally {
    await Promise.all(procs.map((p) => p.kill()));
  }
}

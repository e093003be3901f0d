/**
 * The system ffmpeg/ffprobe (Debian package `ffmpeg`): finding them, running
 * them under a time budget, and probing videos.
 *
 * Children run in their own process group and are killed with SIGKILL as a
 * group on timeout, abort, early exit of the caller or process exit, so a
 * wrapper script cannot leave a decoder running behind us.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { accessSync, constants, statSync } from 'node:fs';
import { delimiter, dirname, join, resolve } from 'node:path';
import type { Readable } from 'node:stream';
import { MediaError, type MediaErrorCode } from './errors.js';

export interface FfmpegTools {
  readonly ffmpeg: string;
  readonly ffprobe: string;
}

const INSTALL_HINT = 'install the Debian package ffmpeg (apt-get install ffmpeg) or set FFMPEG_PATH and FFPROBE_PATH';

/**
 * Demuxers we let ffmpeg open. Everything else (playlists such as HLS or
 * concat that could read other files or the network, image and text
 * demuxers) is refused before it is parsed.
 */
export const VIDEO_DEMUXERS: readonly string[] = [
  'mov,mp4,m4a,3gp,3g2,mj2',
  'matroska,webm',
  'avi',
  'flv',
  'mpegts',
  'mpeg',
  'asf',
  'ogg',
  'gif',
  'm4v',
  'h264',
  'hevc',
  'ivf',
  'mxf',
  'nut',
  'rm',
  'dv',
  'yuv4mpegpipe',
];

/** Input options that confine ffmpeg/ffprobe to reading one local file of a video format. */
export function safeInputArgs(path: string): string[] {
  return [
    '-protocol_whitelist',
    'file',
    '-format_whitelist',
    VIDEO_DEMUXERS.join(','),
    // "file:" keeps names like "concat:x|y" or "-foo" from being read as protocols or options.
    '-i',
    `file:${resolve(path)}`,
  ];
}

function isExecutableFile(p: string): boolean {
  try {
    if (!statSync(p).isFile()) return false;
    accessSync(p, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function searchPath(name: string, env: NodeJS.ProcessEnv): string | undefined {
  for (const dir of (env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    const candidate = join(dir, name);
    if (isExecutableFile(candidate)) return candidate;
  }
  return undefined;
}

function fromEnv(envVar: string, env: NodeJS.ProcessEnv): string | undefined {
  const p = env[envVar];
  if (!p) return undefined;
  if (!isExecutableFile(p)) {
    throw new MediaError(
      'ffmpeg-missing',
      `${envVar}=${p} is not an executable file; fix it, or unset it and ${INSTALL_HINT}`,
    );
  }
  return p;
}

/** Finds ffmpeg and ffprobe: FFMPEG_PATH / FFPROBE_PATH, then ffprobe next to ffmpeg, then PATH. */
export function findFfmpeg(env: NodeJS.ProcessEnv = process.env): FfmpegTools {
  const ffmpeg = fromEnv('FFMPEG_PATH', env) ?? searchPath('ffmpeg', env);
  if (!ffmpeg) throw new MediaError('ffmpeg-missing', `ffmpeg not found on PATH; ${INSTALL_HINT}`);
  const sibling = join(dirname(ffmpeg), 'ffprobe');
  const ffprobe = fromEnv('FFPROBE_PATH', env) ?? (isExecutableFile(sibling) ? sibling : searchPath('ffprobe', env));
  if (!ffprobe)
    throw new MediaError('ffmpeg-missing', `ffprobe not found next to ${ffmpeg} or on PATH; ${INSTALL_HINT}`);
  return { ffmpeg, ffprobe };
}

// ---------------------------------------------------------------------------
// Running a tool

export interface RunOptions {
  /** Kill the child (SIGKILL) after this long. Required: nothing runs unbounded. */
  readonly timeoutMs: number;
  readonly signal?: AbortSignal | undefined;
  /** The child's stdin: another child's stdout (an OS pipe, no copying through us), or none. */
  readonly stdin?: Readable;
  /** Sees all of stderr as it arrives (only a tail is kept otherwise). */
  readonly onStderr?: (text: string) => void;
}

export interface ToolExit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  /** Set when the child failed to start (e.g. ENOENT). */
  readonly spawnError?: Error;
}

/** A running ffmpeg/ffprobe. Always `await kill()` (idempotent) when done with it. */
export interface ToolProcess {
  readonly stdout: Readable;
  readonly exited: Promise<ToolExit>;
  /** Why we stopped it, if we did: the MediaError to report instead of the exit status. */
  readonly stopReason: () => MediaError | undefined;
  /** Last few KB of stderr, for error messages. */
  readonly stderrTail: () => string;
  /** Stops the child (and its process group) now, for `reason` if given; resolves once it has exited. */
  readonly kill: (reason?: MediaError) => Promise<ToolExit>;
}

const live = new Set<ChildProcess>();
let exitHookInstalled = false;

const closed = new WeakSet<ChildProcess>();

/**
 * SIGKILLs the child's whole process group until it has closed: a wrapper
 * script may have exited while its own child still holds our pipe. (While the
 * group has members its id cannot be reused, so this never hits a stranger.)
 */
function killGroup(child: ChildProcess): void {
  if (child.pid === undefined || closed.has(child)) return;
  try {
    process.kill(-child.pid, 'SIGKILL');
  } catch {
    child.kill('SIGKILL');
  }
}

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once('exit', () => {
    for (const child of live) killGroup(child);
  });
}

const STDERR_TAIL_BYTES = 4096;

/** Starts `bin args` with stdin closed, stdout piped, stderr captured (tail). */
export function startTool(bin: string, args: readonly string[], options: RunOptions): ToolProcess {
  installExitHook();
  const child = spawn(bin, args, {
    stdio: [options.stdin ?? 'ignore', 'pipe', 'pipe'],
    detached: true,
    windowsHide: true,
  });
  live.add(child);
  let stderr = '';
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (s: string) => {
    stderr = (stderr + s).slice(-STDERR_TAIL_BYTES);
    options.onStderr?.(s);
  });
  const exited = new Promise<ToolExit>((resolveExit) => {
    child.once('error', (err) => resolveExit({ code: null, signal: null, spawnError: err }));
    child.once('close', (code, signal) => {
      closed.add(child);
      resolveExit({ code, signal });
    });
  }).finally(() => live.delete(child));

  let reason: MediaError | undefined;
  const stop = (why?: MediaError): Promise<ToolExit> => {
    reason ??= why;
    killGroup(child);
    // 'close' waits for stdout to end; an unread (e.g. unpiped) stdout must drain for that.
    // (A no-op while a for-await loop reads it, which drains it anyway.)
    child.stdout?.resume();
    return exited;
  };
  const timer = setTimeout(
    () => stop(new MediaError('timeout', `${baseName(bin)} did not finish within ${options.timeoutMs} ms; killed`)),
    Math.max(1, options.timeoutMs),
  );
  const onAbort = () => stop(abortError(options.signal));
  if (options.signal?.aborted) onAbort();
  else options.signal?.addEventListener('abort', onAbort, { once: true });
  void exited.then(() => {
    clearTimeout(timer);
    options.signal?.removeEventListener('abort', onAbort);
  });
  return {
    stdout: child.stdout!,
    exited,
    stopReason: () => reason,
    stderrTail: () => stderr,
    kill: stop,
  };
}

export function abortError(signal: AbortSignal | undefined): MediaError {
  return new MediaError('aborted', 'video processing was aborted', { cause: signal?.reason });
}

function baseName(p: string): string {
  return p.slice(p.lastIndexOf('/') + 1);
}

/** The MediaError for a tool that failed to start or exited unsuccessfully. */
export function toolFailure(bin: string, exit: ToolExit, stderr: string): MediaError {
  if (exit.spawnError) {
    const code = (exit.spawnError as NodeJS.ErrnoException).code;
    return new MediaError('ffmpeg-missing', `cannot run ${bin} (${code ?? exit.spawnError.message}); ${INSTALL_HINT}`, {
      cause: exit.spawnError,
    });
  }
  const detail = lastLines(stderr) || (exit.signal ? `killed by ${exit.signal}` : `exit code ${exit.code}`);
  return new MediaError(classifyStderr(stderr), `${baseName(bin)} failed: ${detail}`);
}

function classifyStderr(stderr: string): MediaErrorCode {
  if (/No such file or directory|Permission denied|Is a directory/i.test(stderr)) return 'unreadable';
  if (
    /not on whitelist|Invalid data found when processing input|Decoder .* not found|Unknown (en|de)coder/i.test(stderr)
  ) {
    return 'unsupported-format';
  }
  return 'corrupt';
}

function lastLines(s: string, n = 3): string {
  return s.trim().split('\n').slice(-n).join(' | ').slice(0, 600);
}

/** Runs a tool to completion, collecting stdout (up to maxBytes). */
export async function runTool(
  bin: string,
  args: readonly string[],
  options: RunOptions & { readonly maxStdoutBytes?: number },
): Promise<Buffer> {
  const proc = startTool(bin, args, options);
  const max = options.maxStdoutBytes ?? 4 * 1024 * 1024;
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of proc.stdout as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (size > max) throw new MediaError('corrupt', `${baseName(bin)} produced more than ${max} bytes of output`);
      chunks.push(chunk);
    }
    const exit = await proc.exited;
    const stopped = proc.stopReason();
    if (stopped) throw stopped;
    if (exit.spawnError || exit.code !== 0) throw toolFailure(bin, exit, proc.stderrTail());
    return Buffer.concat(chunks, size);
  } finally {
    await proc.kill();
  }
}

// ---------------------------------------------------------------------------
// Version-dependent options

const fpsModeCache = new Map<string, string[]>();

/**
 * Output options that pass every frame through with no duplication or drop.
 * `-fps_mode` exists from ffmpeg 5.1; older releases only know `-vsync`.
 * Only successful answers are cached, so one caller's timeout or abort never
 * leaks into another's result.
 */
export async function passthroughArgs(ffmpeg: string, options: RunOptions): Promise<string[]> {
  const cached = fpsModeCache.get(ffmpeg);
  if (cached) return cached;
  const out = await runTool(ffmpeg, ['-hide_banner', '-nostdin', '-version'], options);
  const m = /^ffmpeg version n?(\d+)\.(\d+)/m.exec(out.toString('utf8'));
  const old = m !== null && (Number(m[1]) < 5 || (Number(m[1]) === 5 && Number(m[2]) < 1));
  const args = old ? ['-vsync', 'passthrough'] : ['-fps_mode', 'passthrough'];
  fpsModeCache.set(ffmpeg, args);
  return args;
}

// ---------------------------------------------------------------------------
// Probing

export interface VideoProbe {
  /** Coded frame size; rotation metadata is not applied (the reference ignores it). */
  readonly width: number;
  readonly height: number;
  /** avg_frame_rate, or r_frame_rate when that is unknown, as the reference picks it. */
  readonly fps: number;
  /** The same rate as ffprobe printed it, e.g. "30000/1001". */
  readonly frameRate: string;
  /** Container (else stream) duration in seconds; undefined when unknown. */
  readonly durationS: number | undefined;
  /** Frame count from the container, when it records one. */
  readonly nbFrames: number | undefined;
  /** Index of the video stream that is decoded (the first one that is not cover art). */
  readonly streamIndex: number;
  readonly codec: string;
  readonly pixFmt: string | undefined;
  /** Display rotation in degrees from the stream's side data (informational; frames are not rotated). */
  readonly rotation: number;
  readonly formatName: string;
}

export interface ProbeOptions {
  readonly timeoutMs?: number;
  readonly signal?: AbortSignal | undefined;
  readonly tools?: FfmpegTools;
}

export const DEFAULT_PROBE_TIMEOUT_MS = 30_000;

const PROBE_ENTRIES = [
  'format=format_name,duration',
  'stream=index,codec_type,codec_name,width,height,pix_fmt,avg_frame_rate,r_frame_rate,nb_frames,duration',
  'stream_disposition=attached_pic',
  'stream_side_data=rotation',
].join(':');

interface ProbeStream {
  index?: number;
  codec_type?: string;
  codec_name?: string;
  width?: number;
  height?: number;
  pix_fmt?: string;
  avg_frame_rate?: string;
  r_frame_rate?: string;
  nb_frames?: string;
  duration?: string;
  disposition?: { attached_pic?: number };
  side_data_list?: { rotation?: number }[];
}

interface ProbeJson {
  streams?: ProbeStream[];
  format?: { format_name?: string; duration?: string };
}

/** Probes a file with ffprobe and describes its first real video stream. */
export async function probeVideo(path: string, options: ProbeOptions = {}): Promise<VideoProbe> {
  const tools = options.tools ?? findFfmpeg();
  const args = ['-v', 'error', '-hide_banner', '-of', 'json', '-show_entries', PROBE_ENTRIES, ...safeInputArgs(path)];
  const out = await runTool(tools.ffprobe, args, {
    timeoutMs: options.timeoutMs ?? DEFAULT_PROBE_TIMEOUT_MS,
    signal: options.signal,
  });
  let json: ProbeJson;
  try {
    json = JSON.parse(out.toString('utf8')) as ProbeJson;
  } catch (err) {
    throw new MediaError('corrupt', 'ffprobe printed unreadable JSON', { cause: err });
  }
  return describeVideo(json);
}

function describeVideo(json: ProbeJson): VideoProbe {
  const streams = json.streams ?? [];
  const video = streams.find((s) => s.codec_type === 'video' && s.disposition?.attached_pic !== 1);
  if (!video) {
    const audio = streams.filter((s) => s.codec_type === 'audio').map((s) => s.codec_name ?? 'unknown');
    const what = audio.length > 0 ? `audio only (${audio.join(', ')})` : 'no audio or video streams';
    throw new MediaError('no-video-stream', `no video stream: ${what}`);
  }
  const width = video.width ?? 0;
  const height = video.height ?? 0;
  if (!(width > 0 && height > 0)) throw new MediaError('corrupt', `video stream has invalid size ${width}x${height}`);
  let frameRate = video.avg_frame_rate ?? '0/0';
  let fps = parseRational(frameRate);
  if (!(fps > 0)) {
    frameRate = video.r_frame_rate ?? '0/0';
    fps = parseRational(frameRate);
  }
  if (!(fps > 0)) throw new MediaError('corrupt', 'video frame rate is unknown');
  return {
    width,
    height,
    fps,
    frameRate,
    durationS: positiveNumber(json.format?.duration) ?? positiveNumber(video.duration),
    nbFrames: positiveNumber(video.nb_frames),
    streamIndex: video.index ?? 0,
    codec: video.codec_name ?? 'unknown',
    pixFmt: video.pix_fmt,
    rotation: video.side_data_list?.find((d) => typeof d.rotation === 'number')?.rotation ?? 0,
    formatName: json.format?.format_name ?? 'unknown',
  };
}

/** "30000/1001" -> 29.97..., computed in double as the reference does. */
export function parseRational(s: string): number {
  const [num, den] = s.split('/').map(Number) as [number, number | undefined];
  const value = den === undefined ? num : den === 0 ? 0 : num / den;
  return Number.isFinite(value) ? value : 0;
}

function positiveNumber(s: string | undefined): number | undefined {
  if (s === undefined) return undefined;
  const n = Number(s);
  return Number.isFinite(n) && n > 0 ? n : undefined;
}

/**
 * `npm run bench -- vpdq [--json] [--runs N] [--seconds S] [--fresh]`
 *
 * vPDQ hashing speed at one hash per second: seconds of video hashed per
 * wall-clock second, on a generated 1280x720 30 fps libx264 video (S seconds,
 * default 60; cached in the temp dir, --fresh regenerates) and on the sample
 * videos in ../shared/fixtures/vpdq when present.
 *
 * For each video, in the same run:
 * - hash:     hashVideoFile(secondsPerHash 1), the whole pipeline;
 * - decode:   the same decode command with output to `-f null` (ffmpeg alone,
 *             decoding every frame and selecting the same ones);
 * - pipeline: decode + convert + pipe into Node with no hashing;
 * - cpu:      CPU seconds of Node and both ffmpeg processes for `hash`, so
 *             `x per core` = video seconds / CPU seconds (what one core would
 *             manage with everything in series).
 * "threads 1" runs the decoder single-threaded (-threads 1); "default" lets
 * ffmpeg choose. Each figure is the best of N runs (default 2): on a shared
 * machine the fastest run is the one least disturbed by other work. The CPU
 * ratio (hash CPU / decode CPU) is the steadier comparison when cores are busy.
 */
import { existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { PdqWorkspace, pdqHash } from '../src/core/pdq/pdq.js';
import { vpdqFrameInterval } from '../src/core/vpdq/feature.js';
import { findFfmpeg, passthroughArgs, probeVideo, runTool, startTool, type VideoProbe } from '../src/media/ffmpeg.js';
import { decodeStageArgs, decodeVideoFrames } from '../src/media/video-frames.js';
import { hashVideoFile } from '../src/media/vpdq.js';
import { SHARED_FIXTURES } from '../test/support/env.js';
import { positiveIntOption } from './_options.js';

const log = (msg: string) => process.stderr.write(`[bench vpdq] ${msg}\n`);
const HOUR_MS = 3_600_000;

interface Options {
  json: boolean;
  runs: number;
  seconds: number;
  fresh: boolean;
}

function parseOptions(args: string[]): Options {
  const value = (name: string, fallback: number) => positiveIntOption(args, name, fallback);
  return {
    json: args.includes('--json'),
    runs: value('--runs', 2),
    seconds: value('--seconds', 60),
    fresh: args.includes('--fresh'),
  };
}

/** Wall seconds and CPU seconds (this process plus waited-for children, from /proc). */
async function measure(fn: () => Promise<unknown>): Promise<{ wall: number; cpu: number }> {
  const cpu0 = cpuSeconds();
  const t0 = performance.now();
  await fn();
  return { wall: (performance.now() - t0) / 1000, cpu: cpuSeconds() - cpu0 };
}

function loadAverage(): string {
  return loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');
}

function cpuSeconds(): number {
  const own = process.cpuUsage();
  let children = 0;
  try {
    // Fields after the command name: utime stime cutime cstime are 12..15 (0-based), in clock ticks.
    const stat = readFileSync('/proc/self/stat', 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    children = (Number(f[13]) + Number(f[14])) / 100;
  } catch {
    // not Linux: children's CPU is not counted
  }
  return (own.user + own.system) / 1e6 + children;
}

async function bestOf(runs: number, fn: () => Promise<unknown>): Promise<{ wall: number; cpu: number }> {
  const results = [];
  for (let i = 0; i < runs; i++) results.push(await measure(fn));
  return { wall: Math.min(...results.map((r) => r.wall)), cpu: Math.min(...results.map((r) => r.cpu)) };
}

async function decodeOnly(path: string, probe: VideoProbe, interval: number, threads: number): Promise<void> {
  const { ffmpeg } = findFfmpeg();
  const passthrough = await passthroughArgs(ffmpeg, { timeoutMs: 30_000 });
  const args = decodeStageArgs(path, probe, { interval, threads, passthrough, sink: 'null' });
  const proc = startTool(ffmpeg, args, { timeoutMs: HOUR_MS });
  proc.stdout.resume();
  const exit = await proc.exited;
  if (exit.code !== 0) throw new Error(`ffmpeg failed: ${proc.stderrTail()}`);
}

async function pipelineOnly(path: string, probe: VideoProbe, interval: number, threads: number): Promise<void> {
  for await (const _ of decodeVideoFrames(path, probe, { interval, threads, timeoutMs: HOUR_MS })) {
    // frames discarded: this times decoding, conversion and the pipe without PDQ
  }
}

/** PDQ alone on one decoded frame of the video, in ms. */
async function pdqMs(path: string, probe: VideoProbe): Promise<number> {
  const ws = new PdqWorkspace();
  for await (const { image } of decodeVideoFrames(path, probe, { interval: 1, timeoutMs: 60_000 })) {
    const copy = { ...image, data: Uint8Array.from(image.data) };
    for (let i = 0; i < 3; i++) pdqHash(copy, ws);
    const n = 10;
    const t0 = performance.now();
    for (let i = 0; i < n; i++) pdqHash(copy, ws);
    return (performance.now() - t0) / n;
  }
  return Number.NaN;
}

interface VideoFigures {
  video_s: number;
  hashes: number;
  hash_wall_s: number;
  decode_wall_s: number;
  pipeline_wall_s: number;
  x_realtime: number;
  hash_over_decode: number;
  cpu_s: number;
  decode_cpu_s: number;
  hash_over_decode_cpu: number;
  x_realtime_per_core: number;
  decode_x_realtime_per_core: number;
}

async function benchSet(paths: string[], threads: number, runs: number): Promise<VideoFigures> {
  let video = 0;
  let hashes = 0;
  const sum = { hash: 0, decode: 0, pipeline: 0, cpu: 0, decodeCpu: 0 };
  for (const path of paths) {
    const probe = await probeVideo(path);
    const interval = vpdqFrameInterval(probe.fps, 1);
    video += probe.durationS ?? 0;
    const decode = await bestOf(runs, () => decodeOnly(path, probe, interval, threads));
    const pipeline = await bestOf(runs, () => pipelineOnly(path, probe, interval, threads));
    let count = 0;
    const hash = await bestOf(runs, async () => {
      count = (await hashVideoFile(path, { secondsPerHash: 1, threads })).frames.length;
    });
    hashes += count;
    sum.hash += hash.wall;
    sum.cpu += hash.cpu;
    sum.decode += decode.wall;
    sum.decodeCpu += decode.cpu;
    sum.pipeline += pipeline.wall;
  }
  const r = (x: number) => Math.round(x * 1000) / 1000;
  return {
    video_s: r(video),
    hashes,
    hash_wall_s: r(sum.hash),
    decode_wall_s: r(sum.decode),
    pipeline_wall_s: r(sum.pipeline),
    x_realtime: r(video / sum.hash),
    hash_over_decode: r(sum.hash / sum.decode),
    cpu_s: r(sum.cpu),
    decode_cpu_s: r(sum.decodeCpu),
    hash_over_decode_cpu: r(sum.cpu / sum.decodeCpu),
    x_realtime_per_core: r(video / sum.cpu),
    decode_x_realtime_per_core: r(video / sum.decodeCpu),
  };
}

async function generated(opt: Options): Promise<string> {
  const dir = join(tmpdir(), 'perisai-bench-vpdq');
  mkdirSync(dir, { recursive: true });
  const path = join(dir, `testsrc2-1280x720-30fps-${opt.seconds}s-x264-veryfast.mp4`);
  if (opt.fresh || !existsSync(path)) {
    log(`generating ${path} (libx264 -preset veryfast, once)`);
    const source = `testsrc2=s=1280x720:r=30`;
    const args = ['-nostdin', '-v', 'error', '-y', '-f', 'lavfi', '-i', source, '-t', String(opt.seconds)];
    await runTool(
      findFfmpeg().ffmpeg,
      [...args, '-c:v', 'libx264', '-preset', 'veryfast', '-pix_fmt', 'yuv420p', path],
      { timeoutMs: HOUR_MS },
    );
  }
  return path;
}

function samplePaths(): string[] {
  const dir = join(SHARED_FIXTURES, 'vpdq', 'sample-videos');
  if (!existsSync(dir)) return [];
  const names = [
    'chair-19-sd-bar',
    'chair-20-sd-bar',
    'chair-orig-22-sd-bar',
    'doorknob-hd-no-bar',
    'pattern-hd-no-bar',
  ];
  const more = ['pattern-longer-no-bar', 'pattern-sd-grey-bar', 'pattern-sd-with-large-logo-bar'];
  return [...names, ...more, 'pattern-sd-with-small-logo-bar', 'test-padded-dimensions']
    .map((n) => join(dir, `${n}.mp4`))
    .filter((p) => existsSync(p));
}

function lines(label: string, f: VideoFigures): string[] {
  const x = (v: number) => `${v.toFixed(1)}x`;
  return [
    `${label}: ${f.video_s.toFixed(1)} s of video, ${f.hashes} hashes`,
    `  wall: hash ${f.hash_wall_s.toFixed(2)} s (${x(f.x_realtime)} real time), ffmpeg decode alone ${f.decode_wall_s.toFixed(2)} s, ` +
      `hash/decode ${f.hash_over_decode.toFixed(2)}; pipeline without PDQ ${f.pipeline_wall_s.toFixed(2)} s`,
    `  CPU:  hash ${f.cpu_s.toFixed(2)} s (${x(f.x_realtime_per_core)} per core), ffmpeg decode alone ${f.decode_cpu_s.toFixed(2)} s ` +
      `(${x(f.decode_x_realtime_per_core)} per core), hash/decode ${f.hash_over_decode_cpu.toFixed(2)}`,
  ];
}

const THREADS = [
  [1, 'threads1', '-threads 1'],
  [0, 'default', 'default threads'],
] as const;

export async function run(args: string[]): Promise<void> {
  const opt = parseOptions(args);
  const tools = findFfmpeg();
  const versionOut = await runTool(tools.ffmpeg, ['-hide_banner', '-version'], { timeoutMs: 30_000 });
  const version = versionOut.toString().split('\n')[0];
  const hd = await generated(opt);
  const hdProbe = await probeVideo(hd);
  const mbit = Math.round((statSync(hd).size * 8) / (hdProbe.durationS ?? 1) / 1e4) / 100;
  const pdq720 = await pdqMs(hd, hdProbe);
  const figures: Record<string, unknown> = {
    ffmpeg: version,
    runs: opt.runs,
    generated: { path: hd, mbit_s: mbit },
    pdq_ms_1280x720: Math.round(pdq720 * 100) / 100,
  };
  const out = [
    `vPDQ at 1 hash/s; ${version}; best of ${opt.runs} runs; load average ${loadAverage()}`,
    `generated: ${hd} (${mbit} Mbit/s)`,
    `PDQ alone on one 1280x720 frame: ${pdq720.toFixed(1)} ms`,
  ];
  for (const [threads, key, label] of THREADS) {
    log(`720p, decoder ${label}`);
    const f = await benchSet([hd], threads, opt.runs);
    figures[`hd720_${key}`] = f;
    out.push(...lines(`720p30, decoder ${label}`, f));
  }
  const samples = samplePaths();
  if (samples.length === 0) out.push('sample videos: ../shared/fixtures/vpdq not found, skipped');
  for (const [threads, key, label] of samples.length > 0 ? THREADS : []) {
    log(`${samples.length} sample videos, decoder ${label}`);
    const f = await benchSet(samples, threads, opt.runs);
    figures[`samples_${key}`] = f;
    out.push(...lines(`${samples.length} sample videos, decoder ${label}`, f));
  }
  figures.load_average = loadAverage();
  for (const l of out) console.log(l);
  if (opt.json) console.log(JSON.stringify(figures));
}

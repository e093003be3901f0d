/** Helpers for the vPDQ media tests: generated videos and process checks. */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { systemTool } from '../support/env.js';

export const ffmpegTool = systemTool('ffmpeg', 'ffmpeg', 'FFMPEG_PATH');
export const ffprobeTool = systemTool('ffprobe', 'ffmpeg', 'FFPROBE_PATH');
/** node:test options that skip (locally) when ffmpeg or ffprobe is missing. */
export const needsFfmpeg = { skip: ffmpegTool.skip || ffprobeTool.skip };

export function tempDir(prefix: string): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Runs the real ffmpeg to make test media; throws with its stderr on failure. */
export function ffmpeg(args: string[]): void {
  execFileSync(ffmpegTool.path, ['-nostdin', '-hide_banner', '-v', 'error', '-y', ...args], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
}

/** Encodes `seconds` of a lavfi source (e.g. "testsrc2=s=320x240:r=25") with libx264. */
export function makeVideo(out: string, source: string, seconds: number, extra: string[] = []): string {
  ffmpeg(['-f', 'lavfi', '-i', source, '-t', String(seconds), '-c:v', 'libx264', '-pix_fmt', 'yuv420p', ...extra, out]);
  return out;
}

interface ProcInfo {
  pid: number;
  ppid: number;
  pgrp: number;
  comm: string;
}

function readProcs(): ProcInfo[] {
  const out: ProcInfo[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const close = stat.lastIndexOf(')');
      const comm = stat.slice(stat.indexOf('(') + 1, close);
      const fields = stat.slice(close + 2).split(' ');
      out.push({ pid: Number(entry), ppid: Number(fields[1]), pgrp: Number(fields[2]), comm });
    } catch {
      // the process ended while we looked
    }
  }
  return out;
}

/** Live children of this test process (zombies excluded: they have exited; esbuild is tsx's compiler service). */
export function liveChildren(): ProcInfo[] {
  return readProcs().filter((p) => p.ppid === process.pid && p.comm !== 'esbuild' && !isZombie(p.pid));
}

/** Live processes in process group `pgrp` (a fake tool's shell and its sleep). */
export function liveInGroup(pgrp: number): ProcInfo[] {
  return readProcs().filter((p) => p.pgrp === pgrp && !isZombie(p.pid));
}

function isZombie(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z');
  } catch {
    return true;
  }
}

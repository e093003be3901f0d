/**
 * `perisai hash [--mode full|512] [--dihedral] [--json] FILE|DIR...`
 *
 * Default output is the reference tool's line format, `hash,quality,path`.
 * Files that cannot be hashed are reported on stderr with the reason; the
 * rest go on and the exit code is 1 at the end.
 */
import { DIHEDRAL_NAMES } from '../core/pdq/pdq.js';
import { formatVpdqText } from '../core/vpdq/format.js';
import { hashMediaFile, type MediaHash } from '../hashing/media.js';
import { PDQ_MODES, type PhotoHash, type PhotoHashOptions } from '../hashing/photo.js';
import type { SixteenBitReduction } from '../media/decode.js';
import { isMediaError } from '../media/errors.js';
import { mediaLimitsFromEnv } from '../media/limits.js';
import type { VideoHashResult } from '../media/vpdq.js';
import { mapOrdered } from '../util/map-ordered.js';
import { oneOf, parseCommandArgs, positiveIntFlag, UsageError } from './args.js';
import { expandPaths } from './files.js';
import { Progress } from './progress.js';

export const HASH_USAGE = `usage: perisai hash [--mode full|512] [--dihedral] [--json] [--upright]
                   [--sixteen-bit high|low|clip] [--max-pixels N] [--max-file-bytes N]
                   [--vpdq lines|full|compact] FILE|DIR...

Images get PDQ; videos (recognised by content, not name) get vPDQ at one frame per second.

  --mode full      hash at full resolution, no pre-resize (default; HMA / python-threatexchange)
  --mode 512       the reference C++ tool's 512x512 nearest-neighbour pre-resize
  --dihedral       also print the 8 dihedral hashes (rotations and flips)
  --json           one JSON object per file: pdq, quality, md5, sha256, width, height, ...
  --upright        also hash the image with its EXIF orientation applied
  --sixteen-bit    16-bit sample reduction: high (default), low (C++ CLI), clip (HMA/PIL)

  --vpdq lines     videos: one hash,quality,path#t=SECONDS line per sampled frame (default)
  --vpdq full      videos: the reference's frame_number,quality,hash,timestamp lines
  --vpdq compact   videos: the reference's compact hash,quality,timestamp lines

Output (default): hash,quality,path   (with --dihedral: orig,rot90,rot180,rot270,flipx,flipy,flipplus1,flipminus1,quality,path)
With --json, a video prints {path, kind: "video", md5, sha256, fps, duration_s, width, height, frames: [...]}.`;

const SIXTEEN: readonly SixteenBitReduction[] = ['high', 'low', 'clip'];

type Outcome = { path: string; result: MediaHash } | { path: string; error: string };

export async function hashCommand(
  argv: string[],
  out: NodeJS.WritableStream = process.stdout,
  err: NodeJS.WritableStream = process.stderr,
): Promise<number> {
  const { values, positionals } = parseCommandArgs(argv, {
    mode: { type: 'string' },
    dihedral: { type: 'boolean', default: false },
    json: { type: 'boolean', default: false },
    upright: { type: 'boolean', default: false },
    'sixteen-bit': { type: 'string' },
    'max-pixels': { type: 'string' },
    'max-file-bytes': { type: 'string' },
    vpdq: { type: 'string' },
    help: { type: 'boolean', short: 'h', default: false },
  });
  if (values.help) {
    out.write(`${HASH_USAGE}\n`);
    return 0;
  }
  if (positionals.length === 0) throw new UsageError('no files given');
  const envLimits = mediaLimitsFromEnv();
  const options: PhotoHashOptions = {
    mode: oneOf(values.mode, PDQ_MODES, '--mode', 'full'),
    dihedral: values.dihedral,
    upright: values.upright,
    sixteenBit: oneOf(values['sixteen-bit'], SIXTEEN, '--sixteen-bit', 'high'),
    limits: {
      maxPixels: positiveIntFlag(values['max-pixels'], '--max-pixels', envLimits.maxPixels),
      maxFileBytes: positiveIntFlag(values['max-file-bytes'], '--max-file-bytes', envLimits.maxFileBytes),
    },
  };
  const vpdqForm = oneOf(values.vpdq, ['lines', 'full', 'compact'] as const, '--vpdq', 'lines');
  const progress = new Progress('hashing');
  let failures = 0;
  const outcomes = mapOrdered(expandPaths(positionals), 3, async (item): Promise<Outcome> => {
    if (item.error) return { path: item.path, error: item.error };
    try {
      return { path: item.path, result: await hashMediaFile(item.path, options) };
    } catch (e) {
      if (isMediaError(e)) return { path: item.path, error: e.message };
      throw e;
    }
  });
  for await (const o of outcomes) {
    progress.tick(!('error' in o));
    if ('error' in o) {
      failures++;
      progress.clear();
      err.write(`perisai hash: ${o.path}: ${o.error}\n`);
      continue;
    }
    const r = o.result;
    let text: string;
    if (r.kind === 'video') text = values.json ? videoJsonLine(o.path, r.video) : videoLines(o.path, r.video, vpdqForm);
    else text = values.json ? jsonLine(o.path, r.image) : csvLine(o.path, r.image, values.dihedral);
    await write(out, text);
  }
  progress.finish();
  return failures > 0 ? 1 : 0;
}

function csvLine(path: string, r: PhotoHash, dihedral: boolean): string {
  const up = r.upright ? `\n${r.upright.pdq},${r.upright.quality},${path}#upright` : '';
  if (dihedral && r.dihedral) {
    const hashes = DIHEDRAL_NAMES.map((n) => r.dihedral![n]).join(',');
    return `${hashes},${r.quality},${path}${up}\n`;
  }
  return `${r.pdq},${r.quality},${path}${up}\n`;
}

function jsonLine(path: string, r: PhotoHash): string {
  return `${JSON.stringify({ path, kind: 'image', ...r })}\n`;
}

function videoLines(path: string, v: VideoHashResult, form: 'lines' | 'full' | 'compact'): string {
  if (form !== 'lines') return formatVpdqText(v.frames, form);
  return v.frames.map((f) => `${f.hex},${f.quality},${path}#t=${f.timestamp.toFixed(3)}\n`).join('');
}

function videoJsonLine(path: string, v: VideoHashResult): string {
  return `${JSON.stringify({
    path,
    kind: 'video',
    md5: v.md5,
    sha256: v.sha256,
    bytes: v.bytes,
    fps: v.fps,
    duration_s: v.durationS,
    width: v.width,
    height: v.height,
    rotation: v.rotation,
    frames: v.frames.map((f) => ({
      frame_number: f.frameNumber,
      quality: f.quality,
      hash: f.hex,
      timestamp: f.timestamp,
    })),
  })}\n`;
}

/** Respects back-pressure so piping a huge run into `head` or a slow consumer stays bounded. */
function write(stream: NodeJS.WritableStream, text: string): Promise<void> | void {
  if (stream.write(text)) return;
  return new Promise((resolve) => stream.once('drain', () => resolve()));
}

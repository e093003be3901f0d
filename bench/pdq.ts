/**
 * `npm run bench -- pdq [--json] [--seconds S]`
 *
 * Single-threaded PDQ throughput over the fixture images, in both modes:
 * decode+hash, hash only (pixels already decoded), and decode only.
 * Images: the 44 ThreatExchange reference images the C++ CLI can decode
 * (../shared/fixtures/pdq, cpp-ref-512.csv) when present, else the in-repo
 * own-pdq subset. Reference figures (C++ CLI, one core of this machine kind)
 * are printed alongside.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import type { PixelImage } from '../src/core/pdq/luma.js';
import { PdqWorkspace } from '../src/core/pdq/pdq.js';
import { type PdqMode, pdqOfPixels } from '../src/hashing/photo.js';
import { decodeImage } from '../src/media/decode.js';
import { OWN_FIXTURES, SHARED_FIXTURES } from '../test/support/env.js';

const REFERENCE = { decode_hash_512_per_s: 57, hash_only_512px_per_s: [400, 440], hash_only_1600x1004_per_s: 31 };

interface Corpus {
  name: string;
  files: { path: string; bytes: Buffer }[];
}

function loadCorpus(): Corpus {
  const shared = join(SHARED_FIXTURES, 'pdq');
  const table = join(shared, 'expected-generated', 'cpp-ref-512.csv');
  let root: string;
  let names: string[];
  let name: string;
  if (existsSync(table)) {
    root = shared;
    names = readFileSync(table, 'utf8')
      .trim()
      .split('\n')
      .map((l) => l.split(',').slice(2).join(','));
    name = 'ThreatExchange reference images (cpp-ref-512.csv)';
  } else {
    root = join(OWN_FIXTURES, 'own-pdq');
    names = readFileSync(join(root, 'expected-hma.csv'), 'utf8')
      .trim()
      .split('\n')
      .slice(1)
      .map((l) => l.split(',')[2]!);
    name = 'own-pdq in-repo subset';
  }
  return { name, files: names.map((n) => ({ path: n, bytes: readFileSync(join(root, n)) })) };
}

/** Repeats `pass` until at least `seconds` have elapsed; returns items per second. */
async function rate(items: number, seconds: number, pass: () => Promise<void> | void): Promise<number> {
  await pass(); // warm-up: JIT and libvips caches
  let n = 0;
  const start = process.hrtime.bigint();
  let elapsed = 0;
  do {
    await pass();
    n += items;
    elapsed = Number(process.hrtime.bigint() - start) / 1e9;
  } while (elapsed < seconds);
  return n / elapsed;
}

async function decodeAll(corpus: Corpus): Promise<PixelImage[]> {
  const out: PixelImage[] = [];
  for (const f of corpus.files) out.push((await decodeImage(f.bytes)).pixels);
  return out;
}

export async function run(args: string[]): Promise<void> {
  const json = args.includes('--json');
  const secIdx = args.indexOf('--seconds');
  const seconds = secIdx >= 0 ? Number(args[secIdx + 1]) : 3;
  sharp.concurrency(1); // one libvips thread: the single-core figure
  const corpus = loadCorpus();
  const pixels = await decodeAll(corpus);
  const ws = new PdqWorkspace();
  const n = corpus.files.length;
  const megapixels = pixels.reduce((s, p) => s + p.width * p.height, 0) / 1e6;
  console.log(
    `corpus: ${corpus.name}: ${n} images, ${megapixels.toFixed(1)} MP in all; single thread; ${seconds}s per figure`,
  );

  const decodeOnly = await rate(n, seconds, async () => {
    for (const f of corpus.files) await decodeImage(f.bytes);
  });
  const modes = [];
  for (const mode of ['512', 'full'] as PdqMode[]) {
    const hashOnly = await rate(n, seconds, () => {
      for (const p of pixels) pdqOfPixels(p, mode, ws);
    });
    const decodeHash = await rate(n, seconds, async () => {
      for (const f of corpus.files) pdqOfPixels((await decodeImage(f.bytes)).pixels, mode, ws);
    });
    modes.push({
      mode,
      images: n,
      decode_hash_per_s: round(decodeHash),
      hash_only_per_s: round(hashOnly),
      decode_only_per_s: round(decodeOnly),
    });
  }

  const fixed = await fixedSizeRates(ws, seconds);
  console.log('');
  console.log('mode   images  decode+hash/s  hash-only/s  decode-only/s');
  for (const m of modes) {
    console.log(
      `${m.mode.padEnd(6)} ${String(m.images).padStart(6)}  ${fmt(m.decode_hash_per_s, 13)}  ${fmt(m.hash_only_per_s, 11)}  ${fmt(m.decode_only_per_s, 13)}`,
    );
  }
  console.log('');
  console.log(
    `hash only, 512x512 RGB:    ${fixed.hash512} images/s   (reference C++: ${REFERENCE.hash_only_512px_per_s.join('-')})`,
  );
  console.log(
    `hash only, 1600x1004 RGB:  ${fixed.hash1600} images/s   (reference C++: ${REFERENCE.hash_only_1600x1004_per_s})`,
  );
  console.log(
    `decode+hash, 512 mode:     ${modes[0]!.decode_hash_per_s} images/s   (reference C++: ${REFERENCE.decode_hash_512_per_s}, 44 images)`,
  );
  if (json) {
    console.log(
      JSON.stringify({
        bench: 'pdq',
        corpus: corpus.name,
        modes,
        hash_only_512x512_per_s: fixed.hash512,
        hash_only_1600x1004_per_s: fixed.hash1600,
        reference: REFERENCE,
      }),
    );
  }
}

/** Hash-only rates at the two sizes the reference was measured on, on synthetic RGB pixels. */
async function fixedSizeRates(ws: PdqWorkspace, seconds: number) {
  const make = (w: number, h: number): PixelImage => {
    const data = new Uint8Array(w * h * 3);
    for (let i = 0; i < data.length; i++) data[i] = (i * 2654435761) >>> 24;
    return { data, width: w, height: h, channels: 3 };
  };
  const a = make(512, 512);
  const b = make(1600, 1004);
  const hash512 = round(await rate(1, seconds, () => void pdqOfPixels(a, 'full', ws)));
  const hash1600 = round(await rate(1, seconds, () => void pdqOfPixels(b, 'full', ws)));
  return { hash512, hash1600 };
}

function round(x: number): number {
  return Math.round(x * 10) / 10;
}

function fmt(x: number, width: number): string {
  return x.toFixed(1).padStart(width);
}

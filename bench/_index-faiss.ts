/**
 * Runs the same data and queries through FAISS IndexBinaryMultiHash(256, 16, 16)
 * with nflip = 1 (Debian's python3-faiss, one OpenMP thread) for comparison.
 * Hashes go to Python as raw 32-byte rows in temp files; results come back as
 * the range_search arrays (lims, ids, distances).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BenchData } from './_index-data.js';

// Debian's python3-faiss lives under the system interpreter, not a pyenv one.
const PYTHON = '/usr/bin/python3';

const SCRIPT = `
import json, resource, sys, time
import numpy as np
import faiss
folder, n, nq, radius = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
log = lambda msg: print('[bench index] faiss: ' + msg, file=sys.stderr, flush=True)
faiss.omp_set_num_threads(1)
xb = np.fromfile(folder + '/xb.bin', dtype=np.uint8).reshape(n, 32)
xq = np.fromfile(folder + '/xq.bin', dtype=np.uint8).reshape(nq, 32)
rss0 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
index = faiss.IndexBinaryMultiHash(256, 16, 16)
index.nflip = 1
build = 0.0
step = 1000000
for i in range(0, n, step):
    t = time.perf_counter()
    index.add(xb[i:i + step])
    build += time.perf_counter() - t
    log('added %d/%d' % (min(i + step, n), n))
rss1 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
# FAISS keeps distances strictly below the range radius, so radius + 1 means <= radius.
search, search_cpu, lims, D, I = 0.0, 0.0, [np.zeros(1, dtype=np.int64)], [], []
step = 500
for i in range(0, nq, step):
    t, c = time.perf_counter(), time.process_time()
    l, d, ids = index.range_search(xq[i:i + step], radius + 1)
    search += time.perf_counter() - t
    search_cpu += time.process_time() - c
    lims.append(l[1:].astype(np.int64) + lims[-1][-1])
    D.append(d)
    I.append(ids)
    log('queried %d/%d (%.0f /s so far)' % (min(i + step, nq), nq, min(i + step, nq) / search))
lims = np.concatenate(lims)
lims.tofile(folder + '/lims.bin')
np.concatenate(I).astype(np.int64).tofile(folder + '/rows.bin')
np.concatenate(D).astype(np.int32).tofile(folder + '/dist.bin')
print(json.dumps({'version': faiss.__version__, 'build_s': build, 'search_s': search, 'search_cpu_s': search_cpu,
                  'results': int(lims[-1]), 'add_rss_mb': (rss1 - rss0) / 1024}))
`;

export interface FaissResult {
  version: string;
  build_s: number;
  qps: number;
  qps_cpu: number;
  results: number;
  /** Growth of peak RSS while adding: FAISS's index memory, roughly. */
  add_rss_mb: number;
  /** Per query, sorted "id:distance" pairs. */
  perQuery: string[][];
}

/** Makes sure `import faiss` works, installing python3-faiss with apt if it does not. */
export function ensureFaiss(log: (msg: string) => void): string | null {
  const probe = () => spawnSync(PYTHON, ['-c', 'import faiss, numpy; print(faiss.__version__)'], { encoding: 'utf8' });
  let r = probe();
  if (r.status === 0) return null;
  log(`import faiss failed with ${PYTHON}: ${(r.stderr || r.error?.message || '').trim().split('\n').pop()}`);
  log('running: apt-get install -y python3-faiss python3-numpy');
  const apt = spawnSync('apt-get', ['install', '-y', 'python3-faiss', 'python3-numpy'], { stdio: ['ignore', 2, 2] });
  if (apt.status !== 0) return `apt-get install python3-faiss failed (exit ${apt.status})`;
  r = probe();
  return r.status === 0 ? null : `faiss still not importable: ${r.stderr.trim()}`;
}

export function runFaiss(data: BenchData, radius: number, log: (msg: string) => void): FaissResult {
  const folder = mkdtempSync(join(tmpdir(), 'perisai-faiss-'));
  try {
    log('faiss: writing hashes to a temp folder');
    writeFileSync(join(folder, 'xb.bin'), toBytes(data.words));
    writeFileSync(join(folder, 'xq.bin'), toBytes(data.queries));
    writeFileSync(join(folder, 'run.py'), SCRIPT);
    log('faiss: building and querying (single thread)');
    const args = [join(folder, 'run.py'), folder, String(data.n), String(data.queryCount), String(radius)];
    const r = spawnSync(PYTHON, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 1 << 20 });
    if (r.status !== 0) throw new Error(`faiss run failed (exit ${r.status}): ${r.error?.message ?? ''}`);
    const summary = JSON.parse(r.stdout.trim().split('\n').pop()!) as Record<string, number | string>;
    const search = summary.search_s as number;
    return {
      version: String(summary.version),
      build_s: summary.build_s as number,
      qps: data.queryCount / search,
      qps_cpu: data.queryCount / (summary.search_cpu_s as number),
      results: summary.results as number,
      add_rss_mb: summary.add_rss_mb as number,
      perQuery: readResults(folder, data),
    };
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
}

/** Words -> 32 bytes per hash (big-endian, the canonical byte order). */
function toBytes(words: Uint32Array): Uint8Array {
  const out = new Uint8Array(words.length * 4);
  for (let i = 0; i < words.length; i++) {
    const v = words[i]!;
    out[4 * i] = v >>> 24;
    out[4 * i + 1] = (v >>> 16) & 255;
    out[4 * i + 2] = (v >>> 8) & 255;
    out[4 * i + 3] = v & 255;
  }
  return out;
}

function readTyped<T>(path: string, make: (b: ArrayBuffer) => T): T {
  const buf = readFileSync(path);
  return make(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength) as ArrayBuffer);
}

/** Per query, sorted "id:distance" strings (FAISS rows mapped back to signal ids). */
function readResults(folder: string, data: BenchData): string[][] {
  const lims = readTyped(join(folder, 'lims.bin'), (b) => new BigInt64Array(b));
  const rows = readTyped(join(folder, 'rows.bin'), (b) => new BigInt64Array(b));
  const dist = readTyped(join(folder, 'dist.bin'), (b) => new Int32Array(b));
  const out: string[][] = [];
  for (let q = 0; q < data.queryCount; q++) {
    const pairs: string[] = [];
    for (let k = Number(lims[q]); k < Number(lims[q + 1]); k++) pairs.push(`${data.ids[Number(rows[k])]}:${dist[k]}`);
    out.push(pairs.sort());
  }
  return out;
}

/**
 * `npm run bench -- evidence [--json] [--items N] [--mib M] [--engine openssl|sodium] [--store folder|postgres]
 *                            [--concurrency C]`
 *
 * Evidence preservation throughput on one core: N synthetic items of M MiB (default
 * 1,000 x 2 MiB; bytes generated deterministically, outside the timed part) captured one
 * after the other (after 20 uncounted warm-up captures) into a vault on embedded PGlite
 * in a temp folder. Each capture hashes (SHA-256, MD5), encrypts (XChaCha20-Poly1305),
 * writes the sealed blobs (fsync'd) and commits the log leaf, capture row and custody row
 * in one transaction. Target: >= 100 MB/s (10^6 bytes) of wall-clock time.
 *
 * Also reported, because wall-clock figures swing on a machine shared with other work:
 * the CPU time of the JavaScript thread per item (where hashing, encryption and PGlite
 * run: the one core), and of the whole process (also V8's GC helpers and libuv's file
 * writes). --concurrency C keeps C captures in flight, so disk waits (fsync) overlap with
 * the hashing and encryption of the next item; JavaScript still runs on one thread.
 *
 * The log is src/evidence/log's append (leaf hash, advisory lock, row) joining the
 * capture's transaction; tree heads are signed apart from captures, so not measured here.
 */
import { createCipheriv, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase } from '../src/db/open.js';
import { appendLeaf } from '../src/evidence/log/log-append.js';
import { type BlobStore, FolderBlobStore } from '../src/evidence/vault/blob-store.js';
import { PostgresBlobStore } from '../src/evidence/vault/blob-store-postgres.js';
import type { CipherEngine } from '../src/evidence/vault/crypto.js';
import { defaultEngine } from '../src/evidence/vault/crypto.js';
import type { EvidenceLog } from '../src/evidence/vault/evidence-log.js';
import { masterKeyFromBytes } from '../src/evidence/vault/master-key.js';
import type { CaptureInput } from '../src/evidence/vault/record.js';
import { type CaptureTimings, EvidenceVault } from '../src/evidence/vault/vault.js';

const TARGET_MB_PER_S = 100;
const CASES = 10;
const WARM_UP = 20;

function option(args: string[], name: string, fallback: string): string {
  const i = args.indexOf(name);
  return i >= 0 && args[i + 1] !== undefined ? args[i + 1]! : fallback;
}

const ZEROS = Buffer.alloc(256 * 1024);

/**
 * Fills `out` with item i's bytes: an AES-128-CTR keystream with a fixed key and the index
 * as IV. Fast and repeatable; each worker refills its own buffer, so the benchmark does
 * not charge the vault for the garbage collection of 2 GB of test input.
 */
function fillSyntheticItem(i: number, out: Buffer): Buffer {
  const iv = Buffer.alloc(16);
  iv.writeUInt32BE(i, 12);
  const cipher = createCipheriv('aes-128-ctr', Buffer.alloc(16, 0x5a), iv);
  for (let at = 0; at < out.length; at += ZEROS.length) {
    cipher.update(ZEROS.subarray(0, Math.min(ZEROS.length, out.length - at))).copy(out, at);
  }
  return out;
}

export async function run(args: string[]): Promise<void> {
  const json = args.includes('--json');
  const items = Number(option(args, '--items', '1000'));
  const size = Math.round(Number(option(args, '--mib', '2')) * 1024 * 1024);
  const engine = option(args, '--engine', defaultEngine()) as CipherEngine;
  const storeKind = option(args, '--store', 'folder');
  const concurrency = Math.max(1, Number(option(args, '--concurrency', '1')));
  const dir = await mkdtemp(join(tmpdir(), 'perisai-bench-evidence-'));
  const database = await openDatabase({ dataDir: dir });
  try {
    // The evidence log's append (RFC 6962 leaf, advisory lock, row) inside the capture's transaction.
    const log: EvidenceLog = {
      append: (kind, payload, tx) => appendLeaf(tx ?? database.db, kind, payload as Record<string, unknown>),
    };
    const store: BlobStore =
      storeKind === 'postgres' ? new PostgresBlobStore(database.db) : FolderBlobStore.forDataDir(dir);
    const timings: CaptureTimings = { hash: 0, encrypt: 0, write: 0, log: 0 };
    const vault = await EvidenceVault.open({
      db: database.db,
      store,
      log,
      masterKey: masterKeyFromBytes(randomBytes(32)),
      engine,
      timings,
    });
    console.log(
      `evidence: ${items} items x ${(size / 1048576).toFixed(1)} MiB, ${CASES} cases, engine ${engine}, ` +
        `${storeKind} blobs on PGlite in ${dir}; ${concurrency === 1 ? 'sequential' : `${concurrency} in flight`} (one JS thread)`,
    );

    // Warm-up, not counted: PGlite's WebAssembly is tiered up by V8 while it runs.
    await captureAll(vault, WARM_UP, concurrency, size, 1_000_000);
    Object.assign(timings, { hash: 0, encrypt: 0, write: 0, log: 0 });
    const measured = await captureAll(vault, items, concurrency, size, 0);
    vault.close();
    report({ items, size, engine, storeKind, concurrency, ...measured, timings, json });
  } finally {
    await database.close();
    await rm(dir, { recursive: true, force: true });
  }
}

interface Measured {
  /** Wall time of the captures, item generation taken out. */
  elapsedNs: number;
  /** CPU time of the JavaScript thread (Linux; null elsewhere), generation taken out. */
  mainCpuNs: number | null;
  /** CPU time of the whole process: also V8's helper threads (GC) and libuv's (file writes). */
  processCpuNs: number;
}

/** Captures `items` items, `concurrency` at a time; item i has index `first + i`. */
async function captureAll(
  vault: EvidenceVault,
  items: number,
  concurrency: number,
  size: number,
  first: number,
): Promise<Measured> {
  let next = 0;
  let generateNs = 0;
  const mainStart = mainThreadCpuNs();
  const cpuStart = process.cpuUsage();
  const start = process.hrtime.bigint();
  const worker = async () => {
    const buffer = Buffer.allocUnsafe(size);
    for (let i = next++; i < items; i = next++) {
      const t = process.hrtime.bigint();
      const media = fillSyntheticItem(first + i, buffer);
      generateNs += Number(process.hrtime.bigint() - t);
      await vault.capture(captureInput(first + i, media));
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  // Item generation is not preservation: its time (on the same thread) is taken out.
  const elapsedNs = Number(process.hrtime.bigint() - start) - generateNs;
  const cpu = process.cpuUsage(cpuStart);
  const mainEnd = mainThreadCpuNs();
  return {
    elapsedNs,
    mainCpuNs: mainStart !== null && mainEnd !== null ? mainEnd - mainStart - generateNs : null,
    processCpuNs: (cpu.user + cpu.system) * 1000 - generateNs,
  };
}

/** This thread's user + system CPU time from /proc (clock ticks of 10 ms), or null. */
function mainThreadCpuNs(): number | null {
  try {
    const stat = readFileSync('/proc/thread-self/stat', 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) * 10_000_000;
  } catch {
    return null;
  }
}

function captureInput(i: number, media: Buffer): CaptureInput {
  return {
    caseId: `BENCH-${i % CASES}`,
    category: 'ncii',
    media,
    rawRecord: { id: i, type: 'message', date_unixtime: String(1_700_000_000 + i), photo: `photos/${i}.jpg` },
    context: [{ messageId: String(i - 1), text: 'synthetic context' }],
    channel: { title: 'Synthetic bench channel', memberCount: 1000 },
    capturedBy: { kind: 'rule', id: 'bench' },
    source: { kind: 'telegram-export-json', chatId: '-1000000000001', messageId: String(i) },
  };
}

interface Figures extends Measured {
  items: number;
  size: number;
  engine: CipherEngine;
  storeKind: string;
  concurrency: number;
  timings: CaptureTimings;
  json: boolean;
}

function report(f: Figures): void {
  const { items, size, timings } = f;
  const bytes = items * size;
  const mbPerS = (ns: number) => bytes / 1e6 / (ns / 1e9);
  const perItemMs = (ns: number) => ns / 1e6 / items;
  const seconds = f.elapsedNs / 1e9;
  // With several captures in flight the phases overlap: the split sums time spent, not wall time.
  const split = {
    hash: perItemMs(timings.hash),
    encrypt: perItemMs(timings.encrypt),
    write: perItemMs(timings.write),
    log: perItemMs(timings.log),
  };
  const total = perItemMs(f.elapsedNs);
  const other = total - split.hash - split.encrypt - split.write - split.log;
  const met = mbPerS(f.elapsedNs) >= TARGET_MB_PER_S;
  console.log('');
  console.log(`captured ${items} items (${(bytes / 1e9).toFixed(2)} GB) in ${seconds.toFixed(2)} s`);
  console.log(
    `throughput: ${(items / seconds).toFixed(1)} items/s, ${mbPerS(f.elapsedNs).toFixed(1)} MB/s ` +
      `(${(bytes / 1048576 / seconds).toFixed(1)} MiB/s); target >= ${TARGET_MB_PER_S} MB/s: ${met ? 'met' : 'NOT met'}`,
  );
  if (f.mainCpuNs !== null) {
    console.log(
      `JS thread CPU:  ${perItemMs(f.mainCpuNs).toFixed(2)} ms per item = ${mbPerS(f.mainCpuNs).toFixed(1)} MB/s per core`,
    );
  }
  console.log(
    `process CPU:    ${perItemMs(f.processCpuNs).toFixed(2)} ms per item = ${mbPerS(f.processCpuNs).toFixed(1)} MB/s ` +
      '(all threads: also GC helpers and file writes)',
  );
  console.log('');
  if (f.concurrency === 1) {
    console.log('per item, ms of wall time:');
    for (const [name, ms] of Object.entries({ ...split, other })) {
      console.log(`  ${name.padEnd(8)} ${ms.toFixed(2).padStart(7)}  (${((ms / total) * 100).toFixed(0)}%)`);
    }
  } else {
    console.log(`per item, ms spent (captures overlap: the sum exceeds the ${total.toFixed(2)} ms of wall time):`);
    for (const [name, ms] of Object.entries(split)) console.log(`  ${name.padEnd(8)} ${ms.toFixed(2).padStart(7)}`);
  }
  console.log('  (hash: SHA-256 + MD5 of the media, and the evidence document; encrypt: XChaCha20-Poly1305;');
  console.log('   write: blob puts with fsync; log: one transaction with the log append, capture and custody rows)');
  if (!f.json) return;
  const round = (x: number) => Math.round(x * 100) / 100;
  console.log(
    JSON.stringify({
      bench: 'evidence',
      items,
      item_bytes: size,
      engine: f.engine,
      store: f.storeKind,
      concurrency: f.concurrency,
      seconds: round(seconds),
      items_per_s: round(items / seconds),
      mb_per_s: round(mbPerS(f.elapsedNs)),
      target_mb_per_s: TARGET_MB_PER_S,
      met,
      js_thread_cpu_ms_per_item: f.mainCpuNs === null ? null : round(perItemMs(f.mainCpuNs)),
      js_thread_cpu_mb_per_s: f.mainCpuNs === null ? null : round(mbPerS(f.mainCpuNs)),
      process_cpu_ms_per_item: round(perItemMs(f.processCpuNs)),
      ms_per_item: {
        hash: round(split.hash),
        encrypt: round(split.encrypt),
        write: round(split.write),
        log: round(split.log),
        other: f.concurrency === 1 ? round(other) : null,
        total: round(total),
      },
    }),
  );
}

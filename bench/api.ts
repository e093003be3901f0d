/**
 * `npm run bench -- api [--json] [--n 1000000] [--seconds 20] [--connections 10]
 *                      [--route hma|v1] [--client child|inproc] [--near 0.5]`
 *
 * The HTTP lookup path end to end: a PGlite database in a temp folder with one
 * bank of N random PDQ hashes (bulk-loaded in SQL, see loadBank), the real
 * server on loopback with its index loaded, and autocannon firing lookups with
 * an API key for --seconds. Queries mix hashes a few bits from stored ones
 * (--near, default half: these match and read content rows) with random ones.
 *
 * --route hma: GET /m/lookup?signal_type=pdq&signal=... (default)
 * --route v1:  POST /api/v1/lookup {"pdq": ...}
 * --client child (default) runs autocannon in a child process, so the load
 * generator does not share the server's event loop; inproc runs it in this
 * process (both compete for the same 2 cores either way).
 *
 * Reports req/s, p50/p99 latency and errors; with --json the last line is
 * {n, seconds, rps, p50_ms, p99_ms, errors, ...}.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { createApiKey } from '../src/banks/api-keys.js';
import { createBank } from '../src/banks/banks.js';
import { openDatabase, sql } from '../src/db/open.js';
import { startServer } from '../src/server/lifecycle.js';

interface Options {
  n: number;
  seconds: number;
  connections: number;
  route: 'hma' | 'v1';
  client: 'child' | 'inproc';
  near: number;
  json: boolean;
}

/** What the load generator needs; written to a file for the child process. */
interface LoadPlan {
  url: string;
  key: string;
  route: 'hma' | 'v1';
  seconds: number;
  connections: number;
  /** Query hashes, used round-robin. */
  queries: string[];
}

interface LoadResult {
  requests: number;
  duration: number;
  p50: number;
  p97_5: number;
  p99: number;
  max: number;
  errors: number;
  timeouts: number;
  non2xx: number;
}

const log = (msg: string) => process.stderr.write(`[bench api] ${msg}\n`);
const QUERY_COUNT = 20_000;
const BATCH = 50_000;

function parseOptions(args: string[]): Options {
  const value = (name: string, fallback: number) => {
    const i = args.indexOf(name);
    if (i < 0) return fallback;
    const v = Number(args[i + 1]);
    if (!Number.isFinite(v) || v <= 0) throw new Error(`${name} needs a positive number`);
    return v;
  };
  const choice = <T extends string>(name: string, allowed: readonly T[], fallback: T): T => {
    const i = args.indexOf(name);
    if (i < 0) return fallback;
    const v = args[i + 1] as T;
    if (!allowed.includes(v)) throw new Error(`${name} must be one of ${allowed.join(', ')}`);
    return v;
  };
  return {
    n: Math.floor(value('--n', 1_000_000)),
    seconds: value('--seconds', 20),
    connections: Math.floor(value('--connections', 10)),
    route: choice('--route', ['hma', 'v1'] as const, 'hma'),
    client: choice('--client', ['child', 'inproc'] as const, 'child'),
    near: Math.min(1, value('--near', 0.5)),
    json: args.includes('--json'),
  };
}

/** xorshift32: the same data on every run. */
function prng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s;
  };
}

function randomHash(next: () => number): Buffer {
  const b = Buffer.alloc(32);
  for (let i = 0; i < 32; i += 4) b.writeUInt32BE(next(), i);
  return b;
}

/** Stored hash `i` of the bank (regenerated on demand instead of kept: 1M Buffers is memory we need not hold). */
function storedHash(i: number): Buffer {
  return randomHash(prng(0x9e3779b9 ^ Math.imul(i + 1, 2654435761)));
}

/**
 * Fills a fresh database with one bank of `n` PDQ signals. Two statements per
 * 50,000 rows, ids given explicitly and hashes sliced out of one bytea
 * parameter in SQL, with the secondary indexes dropped and foreign-key
 * triggers off during the load (then rebuilt from their own definitions): a
 * benchmark fixture, not the product's import path, which validates each item
 * and writes change-feed rows (`perisai bank import`). The index loads from
 * the tables, so no feed rows are needed here.
 */
async function loadBank(dataDir: string, n: number): Promise<number> {
  const started = performance.now();
  const database = await openDatabase({ dataDir });
  try {
    const bank = await createBank(database.db, { name: 'BENCH_BANK', category: 'other' });
    const indexes = await sql<{ name: string; def: string }>`
      select indexname as name, indexdef as def from pg_indexes
      where schemaname = current_schema() and tablename in ('signals', 'bank_content') and indexname not like '%_pkey'
    `.execute(database.db);
    for (const ix of indexes.rows) await sql`drop index ${sql.id(ix.name)}`.execute(database.db);
    await sql`set session_replication_role = replica`.execute(database.db);
    for (let lo = 1; lo <= n; lo += BATCH) {
      const hi = Math.min(n, lo + BATCH - 1);
      const hashes = Buffer.alloc((hi - lo + 1) * 32);
      for (let id = lo; id <= hi; id++) storedHash(id - 1).copy(hashes, (id - lo) * 32);
      await sql`
        insert into bank_content (id, bank_id, source)
        select g, ${bank.id}, 'import' from generate_series(${lo}::bigint, ${hi}::bigint) g
      `.execute(database.db);
      await sql`
        insert into signals (id, content_id, bank_id, type, hash, quality)
        select g, g, ${bank.id}, 'pdq', substring(${hashes}::bytea from ((g - ${lo}) * 32 + 1)::int for 32), 90
        from generate_series(${lo}::bigint, ${hi}::bigint) g
      `.execute(database.db);
      if (hi % 200_000 === 0 || hi === n) log(`loaded ${hi.toLocaleString('en')} hashes`);
    }
    await sql`set session_replication_role = origin`.execute(database.db);
    log('rebuilding indexes');
    for (const ix of indexes.rows) await sql.raw(ix.def).execute(database.db);
    await sql`select setval(pg_get_serial_sequence('bank_content', 'id'), ${n}::bigint)`.execute(database.db);
    await sql`select setval(pg_get_serial_sequence('signals', 'id'), ${n}::bigint)`.execute(database.db);
    await sql`analyze`.execute(database.db);
  } finally {
    await database.close();
  }
  return (performance.now() - started) / 1000;
}

/** Half near-duplicates (1..16 bits from a stored hash: matches), half random (misses), shuffled by construction. */
function makeQueries(n: number, nearShare: number): string[] {
  const next = prng(20240601);
  const out: string[] = [];
  for (let q = 0; q < QUERY_COUNT; q++) {
    if (next() / 2 ** 32 < nearShare) {
      const h = storedHash(next() % n);
      const flips = 1 + (next() % 16);
      for (let f = 0; f < flips; f++) {
        const bit = next() % 256;
        h[bit >> 3]! ^= 1 << (bit & 7);
      }
      out.push(h.toString('hex'));
    } else out.push(randomHash(next).toString('hex'));
  }
  return out;
}

type Autocannon = (opts: Record<string, unknown>) => Promise<Record<string, unknown>>;

/** Runs autocannon against the plan in this process. */
async function fire(plan: LoadPlan): Promise<LoadResult> {
  const autocannon = ((await import('autocannon' as string)) as { default: Autocannon }).default;
  let i = 0;
  const auth = { authorization: `Bearer ${plan.key}` };
  const request =
    plan.route === 'hma'
      ? {
          method: 'GET',
          setupRequest: (req: Record<string, unknown>) => ({
            ...req,
            path: `/m/lookup?signal_type=pdq&signal=${plan.queries[i++ % plan.queries.length]}`,
          }),
        }
      : {
          method: 'POST',
          path: '/api/v1/lookup',
          setupRequest: (req: Record<string, unknown>) => ({
            ...req,
            body: `{"pdq":"${plan.queries[i++ % plan.queries.length]}"}`,
          }),
        };
  const r = (await autocannon({
    url: plan.url,
    connections: plan.connections,
    duration: plan.seconds,
    headers: { ...auth, ...(plan.route === 'v1' ? { 'content-type': 'application/json' } : {}) },
    requests: [request],
  })) as {
    requests: { total: number };
    duration: number;
    latency: Record<string, number>;
    errors: number;
    timeouts: number;
    non2xx: number;
  };
  return {
    requests: r.requests.total,
    duration: r.duration,
    p50: r.latency.p50!,
    p97_5: r.latency.p97_5!,
    p99: r.latency.p99!,
    max: r.latency.max!,
    errors: r.errors,
    timeouts: r.timeouts,
    non2xx: r.non2xx,
  };
}

/** Runs `fire` in a child process: `node --import tsx bench/api.ts --load-plan FILE`. */
async function fireInChild(plan: LoadPlan, dir: string): Promise<LoadResult> {
  const planFile = join(dir, 'plan.json');
  await writeFile(planFile, JSON.stringify(plan));
  const self = fileURLToPath(import.meta.url);
  const child = spawn(process.execPath, ['--import', 'tsx', self, '--load-plan', planFile], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  child.stdout.on('data', (c) => (out += c));
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  if (code !== 0) throw new Error(`load generator exited with ${code}`);
  return JSON.parse(out.trim().split('\n').at(-1)!) as LoadResult;
}

export async function run(args: string[]): Promise<void> {
  const opt = parseOptions(args);
  const dir = await mkdtemp(join(tmpdir(), 'perisai-bench-api-'));
  try {
    log(`bulk-loading ${opt.n.toLocaleString('en')} random PDQ hashes into PGlite`);
    const loadSeconds = await loadBank(dir, opt.n);
    log(`loaded in ${loadSeconds.toFixed(1)} s; starting the server`);
    const server = await startServer({ host: '127.0.0.1', port: 0, dataDir: dir, log: (m) => log(m) });
    try {
      const services = await server.databaseOpen;
      await server.indexLoaded;
      const status = services.index.status();
      if (status.state !== 'ready') throw new Error(`index is ${status.state}`);
      const { key } = await createApiKey(services.database.db, { name: 'bench', scope: 'read' });
      const plan: LoadPlan = {
        url: server.url,
        key,
        route: opt.route,
        seconds: opt.seconds,
        connections: opt.connections,
        queries: makeQueries(opt.n, opt.near),
      };
      log(`firing ${opt.route} lookups for ${opt.seconds} s, ${opt.connections} connections, client ${opt.client}`);
      const cpuBefore = process.cpuUsage();
      const r = opt.client === 'child' ? await fireInChild(plan, dir) : await fire(plan);
      const cpu = process.cpuUsage(cpuBefore);
      report(opt, r, {
        load_s: round(loadSeconds, 1),
        index_load_s: status.loadSeconds,
        index_mb: round(status.bytes / 1e6, 1),
        server_cpu_s: round((cpu.user + cpu.system) / 1e6, 1),
      });
    } finally {
      await server.stop();
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

function round(x: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

function report(opt: Options, r: LoadResult, extra: Record<string, unknown>): void {
  const rps = r.requests / r.duration;
  const errors = r.errors + r.timeouts + r.non2xx;
  const lines = [
    `hashes:        ${opt.n.toLocaleString('en')} PDQ in one bank (bulk load ${extra.load_s} s, index load ${extra.index_load_s} s, index ${extra.index_mb} MB)`,
    `route:         ${opt.route === 'hma' ? 'GET /m/lookup' : 'POST /api/v1/lookup'}, ${opt.connections} connections, client ${opt.client}, ${Math.round(opt.near * 100)}% near-duplicate queries`,
    `throughput:    ${Math.round(rps).toLocaleString('en')} lookups/s (${r.requests.toLocaleString('en')} in ${r.duration} s)`,
    `latency:       p50 ${r.p50} ms, p97.5 ${r.p97_5} ms, p99 ${r.p99} ms, max ${r.max} ms`,
    `errors:        ${r.errors} connection errors, ${r.timeouts} timeouts, ${r.non2xx} non-2xx`,
    `server CPU:    ${extra.server_cpu_s} s over the run (both cores: ${2 * r.duration} s)`,
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
  if (opt.json) {
    const figures = {
      n: opt.n,
      seconds: r.duration,
      rps: Math.round(rps),
      p50_ms: r.p50,
      p99_ms: r.p99,
      errors,
      route: opt.route,
      client: opt.client,
      connections: opt.connections,
      ...extra,
    };
    process.stdout.write(`${JSON.stringify(figures)}\n`);
  }
}

// Child-process mode: fire the plan and print the result as the last line.
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const i = process.argv.indexOf('--load-plan');
  if (i > 0) {
    const plan = JSON.parse(await readFile(process.argv[i + 1]!, 'utf8')) as LoadPlan;
    process.stdout.write(`${JSON.stringify(await fire(plan))}\n`);
  }
}

/**
 * `npm run bench -- index [--n N] [--queries Q] [--check K] [--radius R] [--seed S] [--vs-faiss] [--json]`
 *
 * The exact Hamming index (src/core/matching) on N synthetic 256-bit hashes
 * (default 1,000,000: half uniform, half clusters of near-duplicates) and Q
 * queries (default 10,000: half 0..40 bits from a stored hash, half random),
 * all on one thread. Reports build time, memory per hash, queries per second
 * at radius R (default 31), result count, and recall against a brute-force
 * scan of K queries (default 1,000, spread over the mix). --vs-faiss runs the
 * same data through FAISS IndexBinaryMultiHash(256, 16, 16), nflip = 1, and
 * requires identical results for every query.
 */
import { HammingIndex, type HammingMatch } from '../src/core/matching/index.js';
import { bruteForce, makeData } from './_index-data.js';
import { ensureFaiss, type FaissResult, runFaiss } from './_index-faiss.js';

interface Options {
  n: number;
  queries: number;
  check: number;
  radius: number;
  seed: number;
  vsFaiss: boolean;
  json: boolean;
}

function parseOptions(args: string[]): Options {
  const value = (name: string, fallback: number) => {
    const i = args.indexOf(name);
    if (i < 0) return fallback;
    const v = Number(args[i + 1]);
    if (!Number.isInteger(v) || v < 0) throw new Error(`${name} needs a non-negative integer`);
    return v;
  };
  const queries = value('--queries', 10_000);
  return {
    n: value('--n', 1_000_000),
    queries,
    check: Math.min(value('--check', 1_000), queries),
    radius: value('--radius', 31),
    seed: value('--seed', 20240601),
    vsFaiss: args.includes('--vs-faiss'),
    json: args.includes('--json'),
  };
}

const log = (msg: string) => process.stderr.write(`[bench index] ${msg}\n`);
const seconds = (start: number) => (performance.now() - start) / 1000;
/** CPU time of this process since `from`: on a shared machine, closer to a dedicated core than wall time. */
const cpuSeconds = (from: NodeJS.CpuUsage) => {
  const used = process.cpuUsage(from);
  return (used.user + used.system) / 1e6;
};

export async function run(args: string[]): Promise<void> {
  const opt = parseOptions(args);
  log(`generating ${opt.n.toLocaleString()} hashes and ${opt.queries.toLocaleString()} queries`);
  const data = makeData(opt.n, opt.queries, opt.seed);

  log('building');
  const buffersBefore = process.memoryUsage().arrayBuffers;
  let start = performance.now();
  let cpu = process.cpuUsage();
  const index = new HammingIndex().build(data.ids, data.words);
  const buildS = seconds(start);
  const buildCpuS = cpuSeconds(cpu);
  const buffersGrowth = process.memoryUsage().arrayBuffers - buffersBefore;
  const bytesPerHash = index.stats().byteLength / opt.n;

  log('querying');
  const q = (i: number) => data.queries.subarray(8 * i, 8 * i + 8);
  for (let i = 0; i < Math.min(500, opt.queries); i++) index.query(q(i), opt.radius); // JIT warm-up
  const answers: HammingMatch[][] = new Array(opt.queries);
  start = performance.now();
  cpu = process.cpuUsage();
  for (let i = 0; i < opt.queries; i++) answers[i] = index.query(q(i), opt.radius);
  const qps = opt.queries / seconds(start);
  const qpsCpu = opt.queries / cpuSeconds(cpu);
  const ours = answers.map((matches) => matches.map((m) => `${m.id}:${m.distance}`));
  const results = ours.reduce((sum, pairs) => sum + pairs.length, 0);

  const recall = checkRecall(data, ours, opt);
  const faiss = opt.vsFaiss ? compareFaiss(data, ours, opt.radius) : null;

  const figures = {
    n: opt.n,
    queries: opt.queries,
    radius: opt.radius,
    build_s: round(buildS, 2),
    build_cpu_s: round(buildCpuS, 2),
    bytes_per_hash: round(bytesPerHash, 1),
    qps: Math.round(qps),
    qps_cpu: Math.round(qpsCpu),
    results,
    recall: recall.recall,
    recall_checked_queries: opt.check,
    recall_true_pairs: recall.truePairs,
    faiss_qps: faiss && 'qps' in faiss ? Math.round(faiss.qps) : null,
    faiss_qps_cpu: faiss && 'qps_cpu' in faiss ? Math.round(faiss.qps_cpu) : null,
    faiss_build_s: faiss && 'build_s' in faiss ? round(faiss.build_s, 2) : null,
    faiss_results: faiss && 'results' in faiss ? faiss.results : null,
    faiss_same_results: faiss && 'mismatches' in faiss ? faiss.mismatches === 0 : null,
  };
  report(figures, buffersGrowth, faiss);
  if (opt.json) console.log(JSON.stringify(figures));
}

/** Brute force over all N for `check` queries spread over the mix; recall = found / true pairs. */
function checkRecall(data: ReturnType<typeof makeData>, ours: string[][], opt: Options) {
  const picked = Array.from({ length: opt.check }, (_, k) => Math.floor((k * opt.queries) / opt.check));
  log(`brute force over all ${opt.n.toLocaleString()} hashes for ${opt.check} queries`);
  const truth = bruteForce(data, picked, opt.radius, (done) => {
    if (done % 160 === 0 || done === picked.length) log(`  brute force ${done}/${picked.length}`);
  });
  let truePairs = 0;
  let found = 0;
  let extra = 0;
  picked.forEach((qi, k) => {
    const expected = new Set(truth[k]!.map(([row, d]) => `${data.ids[row]}:${d}`));
    const got = new Set(ours[qi]);
    truePairs += expected.size;
    for (const p of expected) if (got.has(p)) found++;
    for (const p of got) if (!expected.has(p)) extra++;
  });
  if (extra > 0) throw new Error(`index returned ${extra} pairs the brute force did not`);
  return { recall: truePairs === 0 ? 1 : found / truePairs, truePairs };
}

type FaissComparison = (FaissResult & { mismatches: number }) | { error: string };

function compareFaiss(data: ReturnType<typeof makeData>, ours: string[][], radius: number): FaissComparison {
  const problem = ensureFaiss(log);
  if (problem) {
    log(`faiss unavailable: ${problem}`);
    return { error: problem };
  }
  const result = runFaiss(data, radius, log);
  let mismatches = 0;
  result.perQuery.forEach((pairs, i) => {
    if (pairs.join(',') !== [...ours[i]!].sort().join(',')) mismatches++;
  });
  return { ...result, mismatches };
}

function report(f: Record<string, number | boolean | null>, buffersGrowth: number, faiss: FaissComparison | null) {
  const mb = (bytes: number) => `${(bytes / 2 ** 20).toFixed(0)} MiB`;
  const lines = [
    `exact Hamming index: ${Number(f.n).toLocaleString()} hashes, ${f.queries} queries at radius ${f.radius}, one thread`,
    `  build            ${f.build_s} s (${f.build_cpu_s} s CPU)`,
    `  memory           ${f.bytes_per_hash} B/hash = sum of byteLength of every typed array the index holds`,
    `                   (process arrayBuffers grew ${mb(buffersGrowth)} during build, incl. uncollected temporaries)`,
    `  queries          ${f.qps} /s wall clock, ${f.qps_cpu} /s by CPU time; ${f.results} results`,
    `  recall           ${f.recall} over ${f.recall_checked_queries} brute-force-checked queries (${f.recall_true_pairs} true pairs)`,
  ];
  if (faiss && 'error' in faiss) lines.push(`  faiss            not run: ${faiss.error}`);
  else if (faiss) {
    lines.push(
      `faiss ${faiss.version} IndexBinaryMultiHash(256, 16, 16), nflip=1, one OpenMP thread`,
      `  build            ${f.faiss_build_s} s (peak RSS grew ${faiss.add_rss_mb.toFixed(0)} MiB while adding)`,
      `  queries          ${f.faiss_qps} /s wall clock, ${f.faiss_qps_cpu} /s by CPU time; ${faiss.results} results`,
      `  same results     ${faiss.mismatches === 0 ? 'yes, every query' : `NO: ${faiss.mismatches} queries differ`}`,
      `  ours / faiss     build ${(Number(f.faiss_build_s) / Number(f.build_s)).toFixed(1)}x faster, ` +
        `queries ${(Number(f.qps) / Number(f.faiss_qps)).toFixed(1)}x faster`,
    );
  }
  for (const line of lines) console.log(line);
}

function round(x: number, digits: number): number {
  const m = 10 ** digits;
  return Math.round(x * m) / m;
}

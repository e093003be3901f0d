/**
 * One measured run of the scan benchmark, in its own process so that its peak
 * memory (maxRSS) is the run's alone. argv: mode (scan|bare) exportDir database [concurrency] [threads],
 * where database is a PGlite data folder or a JSON object of openDatabase options.
 * Prints one JSON line.
 *
 * Plain JavaScript on the compiled dist/ (bench/scan.ts builds it first): this is
 * the code `perisai scan` runs, without the TypeScript loader, which costs tens of
 * megabytes in every thread and would be measured as the scan's.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { openDatabase } from '../dist/db/open.js';
import { hashPhotoFile } from '../dist/hashing/photo.js';
import { runScan } from '../dist/pipeline/scan.js';
import { openSource } from '../dist/sources/open.js';
import { mapOrdered } from '../dist/util/map-ordered.js';

const [mode, exportDir, databaseArg, concurrencyArg, threadsArg] = process.argv.slice(2);
const openOptions = databaseArg.startsWith('{') ? JSON.parse(databaseArg) : { dataDir: databaseArg };
const concurrency = Number(concurrencyArg ?? 3);

async function bare() {
  const dir = join(exportDir, 'photos');
  const files = readdirSync(dir).map((f) => join(dir, f));
  const t0 = performance.now();
  let n = 0;
  const source = (async function* () {
    yield* files;
  })();
  for await (const _ of mapOrdered(source, concurrency, (f) => hashPhotoFile(f))) n++;
  const seconds = (performance.now() - t0) / 1000;
  return { photos: n, seconds };
}

async function scan() {
  const database = await openDatabase(openOptions);
  try {
    const { source } = await openSource(exportDir);
    const t0 = performance.now();
    const result = await runScan(database, {
      source,
      location: exportDir,
      concurrency,
      country: 'GB',
      ...(threadsArg !== undefined && threadsArg !== '' ? { hashThreads: Number(threadsArg) } : {}),
    });
    const seconds = (performance.now() - t0) / 1000;
    const findings = await database.db
      .selectFrom('findings')
      .select(['severity', (eb) => eb.fn.countAll().as('n')])
      .groupBy('severity')
      .execute();
    return {
      seconds,
      messages: result.progress.messages,
      media: result.progress.mediaSettled,
      failed: result.progress.mediaFailed,
      matches: result.progress.matches,
      ingest_s: result.timings.ingest,
      media_s: result.timings.media,
      analyse_s: result.timings.analyse,
      ...Object.fromEntries(findings.map((f) => [`findings_${f.severity}`, Number(f.n)])),
    };
  } finally {
    await database.close();
  }
}

const figures = mode === 'bare' ? await bare() : await scan();
/**
 * Peak resident memory of this process in MB. Linux's getrusage maxRSS is not it:
 * a process started by fork+exec inherits its parent's RSS at the fork as a floor
 * (and the bench's parent has hashed photos and opened a database by then).
 * VmHWM is the high-water mark of this process's own address space.
 */
function peakRssMb() {
  try {
    const line = readFileSync('/proc/self/status', 'utf8').match(/^VmHWM:\s+(\d+) kB/m);
    if (line) return Number(line[1]) / 1024;
  } catch {}
  return process.resourceUsage().maxRSS / 1024;
}

process.stdout.write(`${JSON.stringify({ ...figures, max_rss_mb: peakRssMb() })}\n`);

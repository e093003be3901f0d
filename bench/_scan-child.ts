/**
 * One measured run of the scan benchmark, in its own process so that its peak
 * memory (maxRSS) is the run's alone. argv: mode (scan|bare) exportDir dataDir [concurrency].
 * Prints one JSON line.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { openDatabase } from '../src/db/open.js';
import { hashPhotoFile } from '../src/hashing/photo.js';
import { runScan } from '../src/pipeline/scan.js';
import { openSource } from '../src/sources/open.js';
import { mapOrdered } from '../src/util/map-ordered.js';

const [mode, exportDir, dataDir, concurrencyArg, threadsArg] = process.argv.slice(2);
const concurrency = Number(concurrencyArg ?? 3);

async function bare(): Promise<Record<string, number>> {
  const dir = join(exportDir!, 'photos');
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

async function scan(): Promise<Record<string, number>> {
  const database = await openDatabase({ dataDir: dataDir! });
  try {
    const { source } = await openSource(exportDir!);
    const t0 = performance.now();
    const result = await runScan(database, {
      source,
      location: exportDir!,
      concurrency,
      country: 'GB',
      ...(threadsArg !== undefined && threadsArg !== '' ? { hashThreads: Number(threadsArg) } : {}),
    });
    const seconds = (performance.now() - t0) / 1000;
    const findings = await database.db
      .selectFrom('findings')
      .select(['severity', (eb) => eb.fn.countAll<number>().as('n')])
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
process.stdout.write(`${JSON.stringify({ ...figures, max_rss_mb: process.resourceUsage().maxRSS / 1024 })}\n`);

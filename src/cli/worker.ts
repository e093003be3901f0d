/**
 * `perisai worker [--data DIR] [--concurrency N] [--poll-ms N]`
 *
 * A media worker without a server: takes queued media items from the shared
 * database (claims with leases, FOR UPDATE SKIP LOCKED), hashes, matches and
 * assesses them until stopped. Run several on several machines against one
 * PostgreSQL (DATABASE_URL) to spread the hashing of big scans and live sources.
 */
import { FloodDetector } from '../matching/flood.js';
import { LiveIndex } from '../matching/live-index.js';
import { Matcher } from '../matching/matcher.js';
import { MediaLoop } from '../pipeline/media-loop.js';
import { MediaWorker } from '../pipeline/media-worker.js';
import { parseCommandArgs, positiveIntFlag } from './args.js';
import { withDatabase } from './context.js';

export const WORKER_USAGE = `usage: perisai worker [--data DIR] [--concurrency N] [--poll-ms N]

Hashes, matches and assesses queued media from the database until Ctrl+C. With DATABASE_URL
set, any number of workers on any number of machines share the queue; a worker that dies
leaves its claims to be taken again after their lease (5 minutes).

  --concurrency N   media files hashed at once (default 3)
  --poll-ms N       how often an idle worker looks for new work (default 1000)`;

export async function workerCommand(argv: string[], err: NodeJS.WritableStream = process.stderr): Promise<number> {
  const { values } = parseCommandArgs(argv, {
    data: { type: 'string' },
    concurrency: { type: 'string' },
    'poll-ms': { type: 'string' },
  });
  const concurrency = positiveIntFlag(values.concurrency, '--concurrency', 3);
  const pollMs = positiveIntFlag(values['poll-ms'], '--poll-ms', 1000);
  return withDatabase(values.data, async (database) => {
    const index = new LiveIndex();
    await index.start(database);
    const abort = new AbortController();
    let settled = 0;
    const worker = new MediaWorker(database, {
      matcher: new Matcher(database, index, new FloodDetector()),
      concurrency,
      onSettled: () => {
        settled++;
      },
    });
    const loop = new MediaLoop(worker, abort.signal, { idleMs: pollMs });
    const stop = () => {
      abort.abort();
      loop.finish();
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    err.write(`perisai worker: taking media from the queue (concurrency ${concurrency}); Ctrl+C stops\n`);
    try {
      await loop.run();
    } finally {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      await index.stop();
    }
    err.write(`perisai worker: stopped after ${settled} media item(s)\n`);
    return 0;
  });
}

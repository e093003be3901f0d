/**
 * The pipeline for sources that never end (the Bot API webhook, an MTProto
 * channel watch): messages are accepted as they arrive, their remote media are
 * spooled, and a media loop hashes, matches and assesses in the background for as
 * long as the server runs. Several server processes on one PostgreSQL share the
 * work through the media queue's leases.
 */
import type { Database } from '../db/open.js';
import type { Matcher } from '../matching/matcher.js';
import type { NormalizedMessage } from '../sources/types.js';
import { type IngestResult, MessageStore } from './ingest.js';
import { MediaLoop } from './media-loop.js';
import { MediaWorker } from './media-worker.js';
import { spoolRemoteMedia } from './spool.js';

export interface LivePipelineOptions {
  matcher: Matcher | null;
  /** Where remote media are kept once fetched (e.g. <data>/spool). */
  spoolDir: string;
  country?: string;
  /** How often to look for media queued by other processes (default 2000 ms). */
  pollMs?: number;
  /** Where background failures are reported (default: stderr). */
  onError?: (err: Error) => void;
}

export class LivePipeline {
  private readonly store: MessageStore;
  private readonly loop: MediaLoop;
  private readonly abort = new AbortController();
  private running: Promise<void> | null = null;

  constructor(
    database: Database,
    private readonly options: LivePipelineOptions,
  ) {
    this.store = new MessageStore(database, { country: options.country });
    const worker = new MediaWorker(database, { matcher: options.matcher });
    this.loop = new MediaLoop(worker, this.abort.signal, { idleMs: options.pollMs ?? 2000 });
  }

  /** Stores messages (idempotent by key) after fetching their media; wakes the media loop. */
  async accept(messages: readonly NormalizedMessage[]): Promise<IngestResult> {
    const copies = messages.map((m) => ({ ...m, media: [...m.media] }));
    await spoolRemoteMedia(copies, this.options.spoolDir);
    const result = await this.store.ingest(copies);
    if (result.queued > 0) this.loop.wake();
    return result;
  }

  start(): void {
    this.running ??= this.runForever();
  }

  async stop(): Promise<void> {
    this.abort.abort();
    this.loop.finish();
    await this.running;
    this.running = null;
  }

  private async runForever(): Promise<void> {
    const report = this.options.onError ?? ((err: Error) => console.warn(`perisai: pipeline: ${err.message}`));
    while (!this.abort.signal.aborted) {
      try {
        await this.loop.run();
      } catch (err) {
        report(err as Error);
        await new Promise((resolve) => setTimeout(resolve, 1000).unref());
      }
    }
  }
}

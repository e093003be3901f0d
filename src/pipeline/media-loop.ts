import type { MediaWorker } from './media-worker.js';

export interface MediaLoopOptions {
  /**
   * Poll interval when idle, for items queued by another process on the same
   * PostgreSQL. Unset: sleep until wake() (a scan queues its own items).
   */
  idleMs?: number;
  /**
   * Batches in progress at once (default 1). With two, one batch is hashed while
   * the other is settled and assessed, so the hashing threads never wait for the
   * database between batches.
   */
  lanes?: number;
}

/**
 * Runs media batches until finished: while a scan reads its source, or for as
 * long as the server runs. With nothing to do it sleeps until woken (new items
 * were queued here) or, when `idleMs` is set, until the next poll.
 */
export class MediaLoop {
  /** Time with at least one batch in progress. */
  busySeconds = 0;
  private active = 0;
  private activeSince = 0;
  private finished = false;
  /** Counts wake() calls, so a wake-up between an empty claim and the sleep is not lost. */
  private wakes = 0;
  private sleepers: (() => void)[] = [];
  private readonly idleMs: number | undefined;
  private readonly lanes: number;

  constructor(
    private readonly worker: MediaWorker,
    private readonly signal: AbortSignal | undefined,
    options: MediaLoopOptions = {},
  ) {
    this.idleMs = options.idleMs;
    this.lanes = Math.max(1, options.lanes ?? 1);
  }

  wake(): void {
    this.wakes++;
    const sleepers = this.sleepers;
    this.sleepers = [];
    for (const resolve of sleepers) resolve();
  }

  finish(): void {
    this.finished = true;
    this.wake();
  }

  async run(): Promise<void> {
    await Promise.all(Array.from({ length: this.lanes }, () => this.lane()));
  }

  private async timed<T>(work: () => Promise<T>): Promise<T> {
    if (this.active++ === 0) this.activeSince = performance.now();
    try {
      return await work();
    } finally {
      if (--this.active === 0) this.busySeconds += (performance.now() - this.activeSince) / 1000;
    }
  }

  private async lane(): Promise<void> {
    while (!this.signal?.aborted) {
      const wakesBefore = this.wakes;
      const n = await this.timed(() => this.worker.runBatch());
      if (n > 0) continue;
      // A wake-up (or the finish) during the claim may have queued more: look again.
      if (this.wakes !== wakesBefore) continue;
      if (this.finished) return;
      await new Promise<void>((resolve) => {
        this.sleepers.push(resolve);
        if (this.idleMs !== undefined) setTimeout(resolve, this.idleMs).unref();
      });
    }
  }
}

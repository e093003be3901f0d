import type { MediaWorker } from './media-worker.js';

/**
 * Runs media batches until finished: while a scan reads its source, or for as
 * long as the server runs. With nothing to do it sleeps until woken (new items
 * were queued here) or, when `idleMs` is set, until the next poll (items queued
 * by another process on the same PostgreSQL).
 */
export class MediaLoop {
  busySeconds = 0;
  private finished = false;
  /** Set by wake() so a wake-up between an empty claim and the sleep is not lost. */
  private woken = false;
  private wakeUp: (() => void) | null = null;

  constructor(
    private readonly worker: MediaWorker,
    private readonly signal: AbortSignal | undefined,
    private readonly idleMs?: number,
  ) {}

  wake(): void {
    this.woken = true;
    this.wakeUp?.();
  }

  finish(): void {
    this.finished = true;
    this.wake();
  }

  async run(): Promise<void> {
    while (!this.signal?.aborted) {
      const t0 = performance.now();
      this.woken = false;
      const n = await this.worker.runBatch();
      this.busySeconds += (performance.now() - t0) / 1000;
      if (n > 0) continue;
      // A wake-up (or the finish) during the claim may have queued more: look again.
      if (this.woken) continue;
      if (this.finished) return;
      await new Promise<void>((resolve) => {
        this.wakeUp = resolve;
        if (this.idleMs !== undefined) setTimeout(resolve, this.idleMs).unref();
      });
      this.wakeUp = null;
    }
  }
}

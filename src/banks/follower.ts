/**
 * Follows the signal change feed and hands batches to a callback, in seq order,
 * each change exactly once per follower (unless the callback throws: then the same
 * batch is offered again on the next round).
 *
 * It polls (default every second) and, where the database offers LISTEN, also wakes
 * at once on the NOTIFY that feed writers send at commit. The poll is the source of
 * truth; notifications only shorten the wait, so a lost listening session costs
 * latency, never changes. A lost session is re-opened on the next round.
 */
import type { Database, Listener } from '../db/open.js';
import { readChanges, SIGNAL_CHANGES_CHANNEL, type SignalChange } from './changes.js';

export interface ChangeFollowerOptions {
  /** Deliver changes with seq greater than this (see latestChangeSeq). */
  afterSeq: number;
  onChanges: (changes: SignalChange[]) => void | Promise<void>;
  /** Default 1000 ms. */
  pollIntervalMs?: number;
  /** Changes per callback, default 1000. */
  batchSize?: number;
  /** Use LISTEN/NOTIFY when the database has it (default true). */
  listen?: boolean;
  /** Read, callback and listening errors; default: a warning on stderr. */
  onError?: (err: unknown) => void;
}

type FollowedDatabase = Pick<Database, 'db'> & Partial<Pick<Database, 'listen'>>;

export class ChangeFollower {
  readonly #database: FollowedDatabase;
  readonly #options: Required<Omit<ChangeFollowerOptions, 'afterSeq'>>;
  #seq: number;
  #timer: NodeJS.Timeout | undefined;
  #round: Promise<void> | undefined;
  #again = false;
  #started = false;
  #stopped = false;
  #listener: Listener | undefined;

  constructor(database: FollowedDatabase, options: ChangeFollowerOptions) {
    this.#database = database;
    this.#seq = options.afterSeq;
    this.#options = {
      onChanges: options.onChanges,
      pollIntervalMs: options.pollIntervalMs ?? 1000,
      batchSize: options.batchSize ?? 1000,
      listen: options.listen ?? true,
      onError: options.onError ?? ((err) => console.warn(`perisai: change follower: ${describe(err)}`)),
    };
  }

  /** The seq of the last change delivered. */
  get position(): number {
    return this.#seq;
  }

  /** Starts listening and runs the first round; resolves once that round is done. */
  async start(): Promise<void> {
    if (this.#started) throw new Error('ChangeFollower already started');
    this.#started = true;
    this.poke();
    await this.#round;
  }

  /** Checks for changes now instead of at the next poll. */
  poke(): void {
    if (!this.#started || this.#stopped) return;
    if (this.#round) {
      this.#again = true;
      return;
    }
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#round = this.#runRound().finally(() => {
      this.#round = undefined;
      if (this.#stopped) return;
      if (this.#again) {
        this.#again = false;
        this.poke();
      } else {
        this.#timer = setTimeout(() => this.poke(), this.#options.pollIntervalMs);
      }
    });
  }

  /** Stops polling and listening; waits for a callback in progress. Leaves no handles open. */
  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#timer);
    this.#timer = undefined;
    await this.#round;
    await this.#closeListener();
  }

  async #runRound(): Promise<void> {
    try {
      await this.#ensureListening();
      await this.#drain();
    } catch (err) {
      this.#options.onError(err);
    }
  }

  async #drain(): Promise<void> {
    const { batchSize, onChanges } = this.#options;
    while (!this.#stopped) {
      const batch = await readChanges(this.#database.db, this.#seq, batchSize);
      if (batch.length === 0) return;
      await onChanges(batch);
      this.#seq = batch[batch.length - 1]!.seq;
      if (batch.length < batchSize) return;
    }
  }

  async #ensureListening(): Promise<void> {
    if (!this.#options.listen || !this.#database.listen || this.#listener || this.#stopped) return;
    try {
      this.#listener = await this.#database.listen(
        SIGNAL_CHANGES_CHANNEL,
        () => this.poke(),
        (err) => this.#onListenerLost(err),
      );
    } catch (err) {
      this.#options.onError(err);
    }
    // stop() may have run while the session was opening.
    if (this.#stopped) await this.#closeListener();
  }

  #onListenerLost(err: Error): void {
    this.#options.onError(err);
    void this.#closeListener();
  }

  async #closeListener(): Promise<void> {
    const listener = this.#listener;
    this.#listener = undefined;
    await listener?.close().catch((err: unknown) => this.#options.onError(err));
  }
}

function describe(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

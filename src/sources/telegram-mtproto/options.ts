/**
 * Options of the MTProto source.
 */
import type { RetryPolicy, WaitNotice } from './retry.js';

export interface MtprotoSourceOptions {
  /** Public channels or supergroups: "@name", "name" or "https://t.me/name". */
  channels: readonly string[];
  /**
   * Where each channel's backfill resumes: marked chat id ("-100…") → the last
   * message id already handled (as given to `onCursor` before). Ids at or
   * below it are not read again.
   */
  cursor?: Readonly<Record<string, number>>;
  /**
   * Called when a channel's cursor moves: after every page of the backfill has
   * been consumed, after each live message, and when the iteration ends. Store
   * it and pass it back as `cursor` to resume. Awaited.
   */
  onCursor?: (chatId: string, lastMessageId: number) => void | Promise<void>;
  /** Without a cursor: only messages with a higher id. */
  minId?: number;
  /** Only messages from this instant on; a first run enters the history here. */
  minDate?: Date;
  /** After the backfill, wait for new messages until close(). Default true. */
  live?: boolean;
  /**
   * Also read each channel's history from its cursor every this many seconds
   * while live. Telegram pushes updates only for channels the account has
   * joined; polling reads the others, and catches anything missed. Default 0 (off).
   */
  pollIntervalS?: number;
  /** Messages per GetHistory request, at most 100. Default 100. */
  pageSize?: number;
  /** Largest media file fetched, in bytes. Default 512 MiB. */
  maxDownloadBytes?: number;
  /** Live updates held while the backfill runs; beyond it a channel is caught up from history instead. Default 10,000. */
  maxQueuedUpdates?: number;
  retry?: Partial<RetryPolicy>;
  /** Told before every wait (flood waits, backoffs), e.g. for progress output. Never given secrets. */
  onWait?: (notice: WaitNotice) => void;
  /** Injected for tests: resolves after `ms` or when `signal` aborts. */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** Injected for tests: in [0, 1). */
  random?: () => number;
}

export const DEFAULT_MAX_DOWNLOAD_BYTES = 512 * 1024 * 1024;

export interface ResolvedSourceOptions {
  minId: number;
  minDate: Date | null;
  live: boolean;
  pollIntervalMs: number;
  pageSize: number;
  maxDownloadBytes: number;
  maxQueuedUpdates: number;
}

export function resolveSourceOptions(options: MtprotoSourceOptions): ResolvedSourceOptions {
  if (!Array.isArray(options.channels) || options.channels.length === 0) {
    throw new RangeError('channels: name at least one public channel');
  }
  if (options.minDate && Number.isNaN(options.minDate.getTime())) throw new RangeError('minDate is not a valid date');
  return {
    minId: whole(options.minId, 0, 'minId'),
    minDate: options.minDate ?? null,
    live: options.live ?? true,
    pollIntervalMs: whole(options.pollIntervalS, 0, 'pollIntervalS') * 1000,
    pageSize: Math.min(100, positive(options.pageSize, 100, 'pageSize')),
    maxDownloadBytes: positive(options.maxDownloadBytes, DEFAULT_MAX_DOWNLOAD_BYTES, 'maxDownloadBytes'),
    maxQueuedUpdates: positive(options.maxQueuedUpdates, 10_000, 'maxQueuedUpdates'),
  };
}

function whole(value: number | undefined, fallback: number, name: string): number {
  if (value === undefined) return fallback;
  if (!Number.isSafeInteger(value) || value < 0)
    throw new RangeError(`${name} must be a whole number ≥ 0, got ${value}`);
  return value;
}

function positive(value: number | undefined, fallback: number, name: string): number {
  if (value === undefined) return fallback;
  if (!Number.isSafeInteger(value) || value <= 0)
    throw new RangeError(`${name} must be a positive integer, got ${value}`);
  return value;
}

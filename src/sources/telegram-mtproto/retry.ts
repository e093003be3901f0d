/**
 * Retries for Telegram calls. A FLOOD_WAIT is Telegram telling this account to
 * slow down: we wait exactly as long as asked (plus a little jitter, so several
 * workers do not come back at the same instant), up to a cap; a longer wait
 * means the account is throttled for hours and the scan should stop and say so
 * rather than hang. Internal errors and timeouts get a few retries with
 * exponential backoff. Everything else fails at once. `sleep` and `random` are
 * injected so tests run instantly and deterministically.
 */
import { setTimeout as delay } from 'node:timers/promises';
import {
  describeError,
  FloodWaitTooLongError,
  floodWaitSeconds,
  isTransient,
  RetriesExhaustedError,
} from './errors.js';
import type { FileDownload, MtprotoGateway, UpdateHandler } from './gateway.js';

export interface RetryPolicy {
  /** Longest FLOOD_WAIT honoured, in seconds; a longer one gives up with FloodWaitTooLongError. Default 300. */
  maxFloodWaitS: number;
  /** Up to this many random seconds are added to each flood wait. Default 2. */
  floodJitterS: number;
  /** Flood waits honoured within one call before giving up. Default 5. */
  maxFloodWaits: number;
  /** Attempts for transient errors (internal errors, timeouts), the first included. Default 5. */
  maxTransientAttempts: number;
  /** First backoff after a transient error, doubled each time. Default 1000 ms. */
  baseBackoffMs: number;
  /** Longest backoff. Default 30,000 ms. */
  maxBackoffMs: number;
}

export const DEFAULT_RETRY_POLICY: Readonly<RetryPolicy> = {
  maxFloodWaitS: 300,
  floodJitterS: 2,
  maxFloodWaits: 5,
  maxTransientAttempts: 5,
  baseBackoffMs: 1000,
  maxBackoffMs: 30_000,
};

export interface WaitNotice {
  reason: 'flood-wait' | 'transient';
  /** What was being done, e.g. "messages.GetHistory". */
  what: string;
  waitMs: number;
  /** 1 for the first retry of this call. */
  retry: number;
  /** Telegram's requested seconds (flood waits) or the error (transient). */
  detail: string;
}

export interface RetryDeps {
  /** Resolves after `ms`; rejects or resolves early when `signal` aborts. */
  sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** In [0, 1). */
  random: () => number;
  /** Told before each wait, e.g. to show progress. */
  onWait?: (notice: WaitNotice) => void;
  /** Aborting stops a wait and fails the call. */
  signal?: AbortSignal;
}

export function resolveRetryPolicy(policy: Partial<RetryPolicy> = {}): RetryPolicy {
  const merged = { ...DEFAULT_RETRY_POLICY, ...policy };
  for (const [name, value] of Object.entries(merged)) {
    if (!Number.isFinite(value) || value < 0) throw new RangeError(`retry policy ${name} must be ≥ 0, got ${value}`);
  }
  return merged;
}

/** Real waiting: a timer that an abort ends early. */
export async function realSleep(ms: number, signal?: AbortSignal): Promise<void> {
  await delay(ms, undefined, signal ? { signal } : {}).catch(() => {});
}

export const realRetryDeps: RetryDeps = { sleep: realSleep, random: Math.random };

/** Runs `call`, retrying flood waits and transient errors under `policy`. */
export async function withRetry<T>(
  what: string,
  call: () => Promise<T>,
  policy: RetryPolicy,
  deps: RetryDeps,
): Promise<T> {
  let floods = 0;
  let transients = 0;
  for (;;) {
    try {
      return await call();
    } catch (err) {
      if (deps.signal?.aborted) throw err;
      const seconds = floodWaitSeconds(err);
      let notice: WaitNotice;
      if (seconds !== null) {
        if (seconds > policy.maxFloodWaitS) throw new FloodWaitTooLongError(what, seconds, policy.maxFloodWaitS);
        floods += 1;
        if (floods > policy.maxFloodWaits) {
          throw new RetriesExhaustedError(`${what}: still FLOOD_WAIT after ${policy.maxFloodWaits} waits`, {
            cause: err,
          });
        }
        const waitMs = seconds * 1000 + Math.round(deps.random() * policy.floodJitterS * 1000);
        notice = { reason: 'flood-wait', what, waitMs, retry: floods, detail: `${seconds} s requested` };
      } else if (isTransient(err)) {
        transients += 1;
        if (transients >= policy.maxTransientAttempts) {
          throw new RetriesExhaustedError(`${what}: failed ${transients} times (${describeError(err)})`, {
            cause: err,
          });
        }
        notice = {
          reason: 'transient',
          what,
          waitMs: backoffMs(transients, policy, deps.random),
          retry: transients,
          detail: describeError(err),
        };
      } else {
        throw err;
      }
      deps.onWait?.(notice);
      await deps.sleep(notice.waitMs, deps.signal);
      if (deps.signal?.aborted)
        throw new RetriesExhaustedError(`${what}: stopped while waiting to retry`, { cause: err });
    }
  }
}

/** Exponential backoff with "equal jitter": between half and all of base·2^(n−1), capped. */
export function backoffMs(attempt: number, policy: RetryPolicy, random: () => number): number {
  const ceiling = Math.min(policy.maxBackoffMs, policy.baseBackoffMs * 2 ** (attempt - 1));
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}

/** The same gateway, with every request and download retried under `policy`. Updates pass through. */
export function retryingGateway(gateway: MtprotoGateway, policy: RetryPolicy, deps: RetryDeps): MtprotoGateway {
  return {
    invoke: (request) => withRetry(request.className, () => gateway.invoke(request), policy, deps),
    downloadFile: (download: FileDownload) =>
      withRetry('upload.GetFile', () => gateway.downloadFile(download), policy, deps),
    onUpdate: (handler: UpdateHandler) => gateway.onUpdate(handler),
  };
}

/**
 * Error types of the MTProto source, and the classifiers that read GramJS's
 * errors. GramJS turns Telegram's RPC errors into `RPCError` subclasses
 * (`FloodWaitError` with `.seconds`, `ServerError`, `TimedOutError`, …) or a
 * plain `RPCError` whose `errorMessage` is Telegram's name
 * ("FILE_REFERENCE_EXPIRED"). The classifiers read fields, not classes, so an
 * error that crossed a module boundary (or a test double) is read the same way.
 */

export class MtprotoError extends Error {
  override name = 'MtprotoError';
}

/** Telegram asked for a longer wait than the configured cap: the call is abandoned. */
export class FloodWaitTooLongError extends MtprotoError {
  override name = 'FloodWaitTooLongError';
  constructor(
    readonly what: string,
    readonly seconds: number,
    readonly capS: number,
  ) {
    super(
      `Telegram asked to wait ${seconds} s before ${what} (FLOOD_WAIT), more than the ${capS} s cap: giving up. ` +
        'Try again later, use fewer channels per account, or raise maxFloodWaitS.',
    );
  }
}

/** A call still failed after its retries. `cause` holds the last error. */
export class RetriesExhaustedError extends MtprotoError {
  override name = 'RetriesExhaustedError';
}

export type MediaFailure = 'limit' | 'gone' | 'expired' | 'changed';

/** A media file could not be downloaded: too large, deleted, or its file reference could not be renewed. */
export class MediaDownloadError extends MtprotoError {
  override name = 'MediaDownloadError';
  constructor(
    readonly reason: MediaFailure,
    message: string,
  ) {
    super(message);
  }
}

function field(err: unknown, name: string): unknown {
  return typeof err === 'object' && err !== null ? (err as Record<string, unknown>)[name] : undefined;
}

/** Telegram's error name ("FLOOD_WAIT_30", "FILE_REFERENCE_EXPIRED"), when the error carries one. */
export function rpcErrorMessage(err: unknown): string | null {
  const m = field(err, 'errorMessage');
  return typeof m === 'string' ? m : null;
}

const FLOOD_WAIT = /^FLOOD_(?:PREMIUM_)?WAIT_(\d+)$/;

/**
 * Seconds Telegram asked us to wait, or null when the error is not a flood wait.
 * GramJS's FloodWaitError has `.seconds` and errorMessage "FLOOD" (code 420);
 * a raw RPCError keeps "FLOOD_WAIT_<n>".
 */
export function floodWaitSeconds(err: unknown): number | null {
  const message = rpcErrorMessage(err);
  const match = message ? FLOOD_WAIT.exec(message) : null;
  if (match) return Number(match[1]);
  const seconds = field(err, 'seconds');
  if (typeof seconds === 'number' && Number.isFinite(seconds) && seconds >= 0) {
    const code = field(err, 'code');
    if (code === 420 || message === 'FLOOD' || field(err, 'name') === 'FloodWaitError') return seconds;
  }
  return null;
}

const TRANSIENT_MESSAGES = new Set([
  'TIMEOUT',
  'Timeout',
  'RPC_CALL_FAIL',
  'RPC_MCGET_FAIL',
  'INTERNAL',
  'WORKER_BUSY_TOO_LONG_RETRY',
]);
const TRANSIENT_CODES = new Set([500, -500, 503, -503]);

/**
 * Worth retrying after a pause: Telegram's internal errors (500, -500), its
 * timeouts (-503, "Timeout"), and connection errors raised while the client
 * reconnects. Anything else (bad request, forbidden, unknown channel) fails at once.
 */
export function isTransient(err: unknown): boolean {
  const code = field(err, 'code');
  if (typeof code === 'number' && TRANSIENT_CODES.has(code)) return true;
  const message = rpcErrorMessage(err);
  if (message !== null) return TRANSIENT_MESSAGES.has(message) || message.endsWith('_TIMEOUT');
  if (typeof code === 'string' && ['ECONNRESET', 'ETIMEDOUT', 'ECONNREFUSED', 'EPIPE'].includes(code)) return true;
  return err instanceof Error && /^(TIMEOUT|Not connected|Request was unsuccessful)/.test(err.message);
}

/** The file reference of a photo or document is stale: the message must be fetched again. */
export function isFileReferenceExpired(err: unknown): boolean {
  const message = rpcErrorMessage(err);
  return message !== null && /^FILE_REFERENCE_(?:\d+_)?EXPIRED$/.test(message);
}

/** A short description for messages: Telegram's name, else the error's message. */
export function describeError(err: unknown): string {
  return rpcErrorMessage(err) ?? (err instanceof Error ? err.message : String(err));
}

/**
 * The two Bot API calls a source needs to get media: getFile(file_id) → file_path,
 * then GET /file/bot<token>/<file_path> → bytes. Over global fetch, against
 * api.telegram.org or a self-hosted Bot API server (`baseUrl`).
 *
 * Failures, by kind:
 * - 429: wait parameters.retry_after seconds (or the Retry-After header), then try
 *   again; a wait above `maxRetryAfterS` fails at once rather than block a worker.
 * - 5xx and network errors (refused, reset, timed out): bounded exponential backoff.
 * - 400 "wrong file_id": fails at once with code 'wrong-file-id'.
 * - Downloads over `maxDownloadBytes` (declared, or counted while reading): 'too-large'.
 * The token is in every URL: it is redacted from every error message.
 */
import { BotApiError, type BotApiErrorCode, redactToken } from './errors.js';
import { isObject } from './fields.js';
import { BOT_API_DOWNLOAD_LIMIT } from './media.js';

export interface BotApiClientOptions {
  token: string;
  /** Default https://api.telegram.org; a self-hosted Bot API server, or a test server. */
  baseUrl?: string;
  /** Default 20 MiB, the cloud Bot API's limit (a self-hosted server allows up to 2000 MB). */
  maxDownloadBytes?: number;
  /** Tries per call, counting the first, for 429, 5xx and network errors (default 5). */
  maxAttempts?: number;
  /** A 429 asking for a longer wait fails instead (default 60 s). */
  maxRetryAfterS?: number;
  /** First backoff after a 5xx or network error, doubled each time (default 500 ms). */
  backoffMs?: number;
  maxBackoffMs?: number;
  /** Per request, answer and body included (default 60 s). */
  timeoutMs?: number;
  /** Injectable so tests do not wait. */
  sleep?: (ms: number) => Promise<void>;
}

/** getFile's answer. */
export interface BotFile {
  fileId: string;
  fileUniqueId: string | null;
  fileSize: number | null;
  filePath: string;
}

/** What one try came to: a value, or an error worth trying again after a wait. */
type Attempt<T> = { value: T } | { retry: BotApiError; waitMs?: number };

const TOKEN_SHAPE = /^[^\s/?#]+$/;
const MAX_ANSWER_BYTES = 1024 * 1024;

export class BotApiClient {
  private readonly token: string;
  private readonly baseUrl: string;
  readonly maxDownloadBytes: number;
  private readonly maxAttempts: number;
  private readonly maxRetryAfterS: number;
  private readonly backoffMs: number;
  private readonly maxBackoffMs: number;
  private readonly timeoutMs: number;
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(options: BotApiClientOptions) {
    if (!TOKEN_SHAPE.test(options.token)) throw new Error('Bot API token is empty or has spaces, "/", "?" or "#"');
    this.token = options.token;
    const base = new URL(options.baseUrl ?? 'https://api.telegram.org');
    if (base.protocol !== 'https:' && base.protocol !== 'http:') throw new Error('Bot API base URL must be http(s)');
    this.baseUrl = base.href.replace(/\/+$/, '');
    this.maxDownloadBytes = options.maxDownloadBytes ?? BOT_API_DOWNLOAD_LIMIT;
    this.maxAttempts = Math.max(1, options.maxAttempts ?? 5);
    this.maxRetryAfterS = options.maxRetryAfterS ?? 60;
    this.backoffMs = options.backoffMs ?? 500;
    this.maxBackoffMs = options.maxBackoffMs ?? 8000;
    this.timeoutMs = options.timeoutMs ?? 60_000;
    this.sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
  }

  /** getFile + download: the bytes of a file named in an update. */
  async downloadFile(fileId: string): Promise<Uint8Array> {
    const file = await this.getFile(fileId);
    if (file.fileSize !== null && file.fileSize > this.maxDownloadBytes) throw this.tooLarge(file.fileSize);
    return this.download(file.filePath);
  }

  async getFile(fileId: string): Promise<BotFile> {
    const result = await this.retrying('getFile', () => this.callOnce('getFile', { file_id: fileId }));
    if (!isObject(result) || typeof result.file_path !== 'string' || result.file_path === '') {
      throw this.error('protocol', 'getFile answered without a file_path');
    }
    const size = result.file_size;
    return {
      fileId: typeof result.file_id === 'string' ? result.file_id : fileId,
      fileUniqueId: typeof result.file_unique_id === 'string' ? result.file_unique_id : null,
      fileSize: typeof size === 'number' && Number.isSafeInteger(size) && size >= 0 ? size : null,
      filePath: result.file_path,
    };
  }

  /** The file's bytes, refused beyond `maxBytes` without reading further. */
  async download(filePath: string, maxBytes = this.maxDownloadBytes): Promise<Uint8Array> {
    const url = `${this.baseUrl}/file/bot${this.token}/${safePath(filePath, (m) => this.error('protocol', m))}`;
    return this.retrying('file download', () => this.downloadOnce(url, maxBytes));
  }

  private async callOnce(method: string, params: Record<string, unknown>): Promise<Attempt<unknown>> {
    const res = await this.request(`${this.baseUrl}/bot${this.token}/${method}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(params),
    });
    const answer = await this.readAnswer(res, method);
    if (res.ok && answer?.ok === true) return { value: answer.result };
    return this.refusal(method, res, answer);
  }

  private async downloadOnce(url: string, maxBytes: number): Promise<Attempt<Uint8Array>> {
    const res = await this.request(url, { method: 'GET' });
    if (!res.ok) {
      const answer = await this.readAnswer(res, 'file download').catch(() => null);
      if (res.status === 404)
        throw this.error('not-found', 'file download: 404, the link expired or the file is gone', 404);
      return this.refusal('file download', res, answer);
    }
    const declared = Number(res.headers.get('content-length'));
    if (declared > maxBytes) {
      await res.body?.cancel();
      throw this.tooLarge(declared, maxBytes);
    }
    return { value: await this.readBody(res, maxBytes, () => this.tooLarge(null, maxBytes)) };
  }

  /** A non-2xx answer: thrown when final, returned as a retry when waiting may help. */
  private refusal(what: string, res: Response, answer: Record<string, unknown> | null): Attempt<never> {
    const description = typeof answer?.description === 'string' ? answer.description.slice(0, 300) : res.statusText;
    const said = `${what}: ${res.status} ${description}`;
    if (res.status === 429) return this.rateLimited(said, res, answer);
    if (res.status >= 500) return { retry: this.error('server', said, res.status) };
    if (res.status === 400 && /wrong file_id|file is temporarily unavailable|invalid file_id/i.test(description)) {
      throw this.error('wrong-file-id', said, 400);
    }
    if (res.status === 400 && /file is too big/i.test(description)) throw this.error('too-large', said, 400);
    if (res.status === 401 || res.status === 403 || res.status === 404) {
      throw this.error('unauthorized', `${said} (is the bot token right?)`, res.status);
    }
    throw this.error('bad-request', said, res.status);
  }

  private rateLimited(said: string, res: Response, answer: Record<string, unknown> | null): Attempt<never> {
    const parameters = isObject(answer?.parameters) ? answer.parameters : {};
    const fromBody = parameters.retry_after;
    const seconds = typeof fromBody === 'number' ? fromBody : Number(res.headers.get('retry-after') ?? Number.NaN);
    const error = this.error('rate-limited', said, 429);
    if (!Number.isFinite(seconds) || seconds < 0) return { retry: error };
    if (seconds > this.maxRetryAfterS) {
      throw this.error(
        'rate-limited',
        `${said}: the wait of ${seconds} s is over the ${this.maxRetryAfterS} s cap`,
        429,
      );
    }
    return { retry: error, waitMs: seconds * 1000 };
  }

  /** Runs `once` until it gives a value, an error that is final, or attempts run out. */
  private async retrying<T>(what: string, once: () => Promise<Attempt<T>>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      let outcome: Attempt<T>;
      try {
        outcome = await once();
      } catch (err) {
        if (err instanceof BotApiError) throw err;
        outcome = { retry: this.error('network', `${what}: ${networkReason(err)}`) };
      }
      if ('value' in outcome) return outcome.value;
      if (attempt >= this.maxAttempts) {
        const { code, message, status } = outcome.retry;
        throw new BotApiError(code, `${message} (gave up after ${attempt} attempts)`, status);
      }
      await this.sleep(outcome.waitMs ?? Math.min(this.backoffMs * 2 ** (attempt - 1), this.maxBackoffMs));
    }
  }

  private request(url: string, init: RequestInit): Promise<Response> {
    // Telegram never redirects; following one could hand the request to another host.
    return fetch(url, { ...init, redirect: 'error', signal: AbortSignal.timeout(this.timeoutMs) });
  }

  /** The JSON answer of a method, or null when the body is not JSON (a proxy's error page). */
  private async readAnswer(res: Response, what: string): Promise<Record<string, unknown> | null> {
    const bytes = await this.readBody(res, MAX_ANSWER_BYTES, () => this.error('protocol', `${what}: answer too long`));
    try {
      const answer: unknown = JSON.parse(new TextDecoder().decode(bytes));
      return isObject(answer) ? answer : null;
    } catch {
      return null;
    }
  }

  private async readBody(res: Response, maxBytes: number, tooLarge: () => BotApiError): Promise<Uint8Array> {
    if (!res.body) return new Uint8Array(0);
    const chunks: Uint8Array[] = [];
    let total = 0;
    const reader = res.body.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      total += value.byteLength;
      if (total > maxBytes) {
        await reader.cancel();
        throw tooLarge();
      }
      chunks.push(value);
    }
    const bytes = new Uint8Array(total);
    let at = 0;
    for (const chunk of chunks) {
      bytes.set(chunk, at);
      at += chunk.byteLength;
    }
    return bytes;
  }

  private tooLarge(size: number | null, limit = this.maxDownloadBytes): BotApiError {
    const what = size === null ? 'the file is' : `the file's ${size} bytes are`;
    return this.error('too-large', `${what} more than the download limit of ${limit} bytes`);
  }

  private error(code: BotApiErrorCode, message: string, status: number | null = null): BotApiError {
    return new BotApiError(code, redactToken(message, this.token), status);
  }
}

/** file_path comes from the server: each segment encoded, and no way up or out. */
function safePath(filePath: string, fail: (message: string) => BotApiError): string {
  const segments = filePath.split('/');
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is refused
  const unsafe = (s: string) => s === '' || s === '.' || s === '..' || /[\\\u0000-\u001f]/.test(s);
  if (segments.some(unsafe)) throw fail(`getFile answered an unusable file_path (${filePath.slice(0, 80)})`);
  return segments.map(encodeURIComponent).join('/');
}

/** fetch's TypeError says only "fetch failed"; the reason is in its cause. */
function networkReason(err: unknown): string {
  const e = err as { name?: string; message?: string; cause?: { code?: string; message?: string } };
  if (e.name === 'TimeoutError') return 'timed out';
  const cause = e.cause?.code ?? e.cause?.message;
  return cause ? `network error (${cause})` : `network error (${e.message ?? String(err)})`;
}

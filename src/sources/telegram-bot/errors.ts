/**
 * Bot API failures, by what the caller can do about them. The bot token is part of
 * every Bot API URL, so every message is redacted before an error is made: errors
 * end up in logs, in the database (a media item's "download failed: …") and in reports.
 */

export type BotApiErrorCode =
  /** 400 "wrong file_id or the file is temporarily unavailable": this file cannot be had. */
  | 'wrong-file-id'
  /** Over the download limit (declared, or counted while downloading). */
  | 'too-large'
  /** 429 with a retry_after above the configured cap, or still 429 after every attempt. */
  | 'rate-limited'
  /** 401/403/404 on a method: the token is wrong or revoked. */
  | 'unauthorized'
  /** 404 on a file path: the link expired (they last at least an hour) or the file is gone. */
  | 'not-found'
  | 'bad-request'
  /** 5xx after every attempt. */
  | 'server'
  /** No answer (refused, reset, timed out) after every attempt. */
  | 'network'
  /** An answer that is not the Bot API's shape. */
  | 'protocol';

export class BotApiError extends Error {
  constructor(
    readonly code: BotApiErrorCode,
    message: string,
    /** HTTP status, when there was an answer. */
    readonly status: number | null = null,
  ) {
    super(message);
    this.name = 'BotApiError';
  }
}

export function isBotApiError(err: unknown): err is BotApiError {
  return err instanceof BotApiError;
}

/** Any "bot<id>:<secret>" in text; a token of another bot than ours is no less secret. */
const ANY_TOKEN = /bot\d+:[A-Za-z0-9_-]+/g;

/** The text with `token` (plain and URL-encoded) and any token-shaped URL part replaced. */
export function redactToken(text: string, token: string): string {
  let out = text;
  for (const form of new Set([token, encodeURIComponent(token)])) {
    if (form) out = out.split(form).join('<token>');
  }
  return out.replace(ANY_TOKEN, 'bot<token>');
}

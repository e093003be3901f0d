/**
 * Options and the error type shared by the Telegram Desktop export parsers.
 */
import type { SourceIssue } from '../types.js';

export interface TelegramExportOptions {
  /**
   * Zone for times the export writes without one: JSON `date` without `date_unixtime`,
   * HTML titles without an offset. An IANA name ("Asia/Jakarta") or a fixed offset
   * ("+07:00", "UTC"). Default "UTC". With an IANA zone, HTML titles are also read in
   * that zone, which corrects their summer-time error (see dates.ts).
   */
  timeZone?: string;
  /**
   * Look at every referenced media file: a file that is absent becomes `missing`
   * (with a 'missing-media' issue); a symlink leading out of the export folder is
   * refused. Default true.
   */
  checkFiles?: boolean;
  /**
   * Longest JSON string kept, in characters. Telegram texts are at most 4096 characters,
   * so anything near this limit is not a real field: it is cut, with a 'limit' issue,
   * so a hostile export cannot make one record take gigabytes. Default 1 Mi.
   */
  maxStringChars?: number;
  /** Largest HTML message block, in characters; a larger one is skipped with a 'limit' issue. Default 8 Mi. */
  maxHtmlMessageChars?: number;
  /** When a folder holds both result.json and messages.html: which to read. Default 'json' (exact times). */
  prefer?: 'json' | 'html';
}

export interface ResolvedOptions {
  timeZone: string;
  checkFiles: boolean;
  maxStringChars: number;
  maxHtmlMessageChars: number;
  prefer: 'json' | 'html';
}

export function resolveOptions(options: TelegramExportOptions = {}): ResolvedOptions {
  return {
    timeZone: options.timeZone ?? 'UTC',
    checkFiles: options.checkFiles ?? true,
    maxStringChars: positive(options.maxStringChars, 1 << 20, 'maxStringChars'),
    maxHtmlMessageChars: positive(options.maxHtmlMessageChars, 8 << 20, 'maxHtmlMessageChars'),
    prefer: options.prefer ?? 'json',
  };
}

function positive(value: number | undefined, fallback: number, name: string): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value <= 0) throw new RangeError(`${name} must be a positive integer, got ${value}`);
  return value;
}

/** The export cannot be read (any further): not a Telegram export, unreadable, truncated, invalid JSON. */
export class TelegramExportError extends Error {
  readonly location: string | undefined;
  constructor(message: string, location?: string) {
    super(location ? `${message} (${location})` : message);
    this.name = 'TelegramExportError';
    this.location = location;
  }
}

export type IssueSink = (issue: SourceIssue) => void;

export const ignoreIssues: IssueSink = () => {};

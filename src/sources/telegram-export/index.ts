/**
 * Telegram Desktop exports ("Export chat history" and "Export Telegram data"), JSON or
 * HTML, as a Source. See docs/sources.md for the formats, date rules and limits.
 */
import { stat } from 'node:fs/promises';
import { basename, dirname, extname, join, resolve } from 'node:path';
import type { NormalizedMessage, Source, SourceIssue } from '../types.js';
import { findHtmlChats, TelegramHtmlSource } from './html.js';
import { TelegramJsonSource } from './json.js';
import { resolveOptions, TelegramExportError, type TelegramExportOptions } from './options.js';

export { messagePages, TelegramHtmlSource } from './html.js';
export { TelegramJsonSource } from './json.js';
export type { TelegramExportOptions } from './options.js';
export { TelegramExportError } from './options.js';

export interface TelegramExport extends Source {
  readonly kind: 'telegram-export-json' | 'telegram-export-html';
  readonly format: 'json' | 'html';
  /** The result.json file, or the folder holding the HTML pages. */
  readonly path: string;
  /** Choices made when opening, e.g. which format was read when a folder held both. */
  readonly notes: readonly string[];
}

/**
 * Opens an export given its folder, its result.json, or one of its messages*.html pages.
 * A folder with both result.json and messages.html is read as JSON (exact times) unless
 * `prefer: 'html'`; `notes` says so. Throws TelegramExportError when nothing there is an
 * export, and RangeError for a bad option (e.g. an unknown time zone).
 */
export async function openTelegramExport(path: string, options: TelegramExportOptions = {}): Promise<TelegramExport> {
  const target = resolve(path);
  const prefer = resolveOptions(options).prefer;
  const st = await statOrThrow(target);
  if (st.isFile()) {
    const ext = extname(target).toLowerCase();
    if (ext === '.json') return wrap('json', target, options, []);
    if (ext === '.html' || ext === '.htm') return wrap('html', dirname(target), options, []);
    throw new TelegramExportError('not a Telegram export: expected a folder, result.json or messages.html', target);
  }
  const json = join(target, 'result.json');
  const hasJson = (await stat(json).catch(() => null))?.isFile() ?? false;
  const hasHtml = (await findHtmlChats(target)).length > 0;
  if (hasJson && hasHtml) {
    const format = prefer;
    const note =
      format === 'json'
        ? 'folder holds both result.json and HTML pages: reading result.json (exact times, sender ids)'
        : 'folder holds both result.json and HTML pages: reading the HTML pages as configured';
    return wrap(format, format === 'json' ? json : target, options, [note]);
  }
  if (hasJson) return wrap('json', json, options, []);
  if (hasHtml) return wrap('html', target, options, []);
  throw new TelegramExportError(
    `no result.json or messages.html in ${basename(target)}: not a Telegram Desktop export`,
    target,
  );
}

function wrap(format: 'json' | 'html', path: string, options: TelegramExportOptions, notes: string[]): TelegramExport {
  const source = format === 'json' ? new TelegramJsonSource(path, options) : new TelegramHtmlSource(path, options);
  return {
    kind: source.kind,
    format,
    path,
    notes,
    messages: (onIssue?: (issue: SourceIssue) => void): AsyncIterable<NormalizedMessage> => source.messages(onIssue),
  };
}

async function statOrThrow(path: string) {
  try {
    return await stat(path);
  } catch (e) {
    throw new TelegramExportError(`cannot open the export: ${(e as Error).message}`, path);
  }
}

/**
 * Opens whatever a scan is pointed at, by looking at it: a Telegram Desktop
 * export (result.json or HTML pages), a WhatsApp export (.txt, .zip, or its
 * unzipped folder), or else a plain folder of files.
 */
import { readdir, stat } from 'node:fs/promises';
import { extname, resolve } from 'node:path';
import { FolderSource } from './folder/index.js';
import { openTelegramExport } from './telegram-export/index.js';
import type { Source } from './types.js';
import { openWhatsAppExport } from './whatsapp/index.js';

export interface OpenSourceOptions {
  /** WhatsApp zips: attachments are extracted under this folder so they can be hashed. */
  extractDir?: string;
  /** IANA zone or offset for exports that write local times without a zone. */
  timeZone?: string;
}

export interface OpenedSource {
  source: Source;
  /** What was recognised, for the report: e.g. "Telegram export (JSON)". */
  description: string;
  notes: readonly string[];
}

const WHATSAPP_TEXT = /^(_chat\.txt|WhatsApp Chat (with|mit|con|avec) .+\.txt)$/i;

export async function openSource(path: string, options: OpenSourceOptions = {}): Promise<OpenedSource> {
  const target = resolve(path);
  const st = await stat(target).catch((err: Error) => {
    throw new Error(`${path}: ${err.message}`);
  });
  const zone = options.timeZone ? { timeZone: options.timeZone } : {};
  if (st.isFile()) {
    const ext = extname(target).toLowerCase();
    if (ext === '.json' || ext === '.html' || ext === '.htm') return telegram(target, zone);
    if (ext === '.zip' || ext === '.txt') return whatsapp(target, options, zone);
    throw new Error(`${path}: not a recognised export (expected a folder, result.json, messages.html, .txt or .zip)`);
  }
  const names = await readdir(target);
  if (names.includes('result.json') || names.some((n) => /^messages\d*\.html$/.test(n))) return telegram(target, zone);
  if (names.some((n) => WHATSAPP_TEXT.test(n))) return whatsapp(target, options, zone);
  return { source: new FolderSource(target), description: 'folder of files', notes: [] };
}

async function telegram(path: string, zone: { timeZone?: string }): Promise<OpenedSource> {
  const source = await openTelegramExport(path, zone);
  return { source, description: `Telegram Desktop export (${source.format.toUpperCase()})`, notes: source.notes };
}

async function whatsapp(path: string, options: OpenSourceOptions, zone: { timeZone?: string }): Promise<OpenedSource> {
  const source = await openWhatsAppExport(path, {
    ...zone,
    ...(options.extractDir ? { extractDir: options.extractDir } : {}),
  });
  return { source, description: `WhatsApp export (${source.container})`, notes: [] };
}

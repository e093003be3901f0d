/**
 * Import and export line formats for bank content (pure: strings in and out).
 *
 * - `csv`: the reference tools' `hash,quality,path` lines (PDQ), or bare
 *   `hash` lines; a 32-hex hash is taken as MD5. The path goes to the note.
 * - `hma`: python-threatexchange's dataset CSV (`threatexchange dataset --csv`),
 *   which HMA deployments use to move banks: header
 *   `signal_type,signal_str,collab,category,tags`; signal types pdq and
 *   video_md5 (our md5). HMA itself has no bank CSV of its own.
 * - `jsonl`: one JSON object per line:
 *   {"signals":[{"type":"pdq","hash":"...","quality":90}],"note":...,"metadata":{...},"case_ref":...}
 *   Exports add id, bank, status (tombstones: "withdrawn") and updated_at.
 */
import type { BankContent, NewContentInput } from './content.js';
import type { SignalInput } from './hashes.js';

export const IMPORT_FORMATS = ['csv', 'jsonl', 'hma'] as const;
export type ImportFormat = (typeof IMPORT_FORMATS)[number];

export class FormatError extends Error {
  constructor(
    readonly line: number,
    message: string,
  ) {
    super(`line ${line}: ${message}`);
    this.name = 'FormatError';
  }
}

type Source = NewContentInput['source'];

const HEX = /^[0-9a-fA-F]+$/;

/** Parses one `hash[,quality[,path...]]` line; null for blank and comment lines. */
export function parseCsvLine(text: string, lineNo: number, source: Source): NewContentInput | null {
  const line = text.trim();
  if (line === '' || line.startsWith('#')) return null;
  const [hash = '', quality, ...rest] = line.split(',');
  const h = hash.trim();
  if (!HEX.test(h) || (h.length !== 64 && h.length !== 32)) {
    if (lineNo === 1 && /^[a-z_]+$/i.test(h)) return null; // a header row
    throw new FormatError(lineNo, `expected a 64-hex PDQ or 32-hex MD5 hash, got ${JSON.stringify(h.slice(0, 80))}`);
  }
  const path = rest.join(',').trim();
  let signal: SignalInput;
  if (h.length === 32) signal = { type: 'md5', hash: h };
  else if (quality !== undefined && quality.trim() !== '') {
    const q = Number(quality);
    if (!Number.isInteger(q) || q < 0 || q > 100)
      throw new FormatError(lineNo, `quality must be 0..100, got ${quality}`);
    signal = { type: 'pdq', hash: h, quality: q };
  } else signal = { type: 'pdq', hash: h };
  return { source, signals: [signal], ...(path ? { note: path } : {}) };
}

interface JsonLine {
  signals?: unknown;
  note?: unknown;
  metadata?: unknown;
  case_ref?: unknown;
  caseRef?: unknown;
  status?: unknown;
}

/** Parses one JSON Lines record; tombstones (status "withdrawn") are skipped on import. */
export function parseJsonLine(text: string, lineNo: number, source: Source): NewContentInput | null {
  const line = text.trim();
  if (line === '') return null;
  let obj: JsonLine;
  try {
    obj = JSON.parse(line) as JsonLine;
  } catch (err) {
    throw new FormatError(lineNo, `invalid JSON: ${(err as Error).message}`);
  }
  if (typeof obj !== 'object' || obj === null || Array.isArray(obj))
    throw new FormatError(lineNo, 'expected a JSON object');
  if (obj.status === 'withdrawn') return null;
  if (!Array.isArray(obj.signals)) throw new FormatError(lineNo, '"signals" must be an array');
  const caseRef = obj.case_ref ?? obj.caseRef;
  return {
    source,
    signals: obj.signals as SignalInput[],
    ...(typeof obj.note === 'string' ? { note: obj.note } : {}),
    ...(obj.metadata && typeof obj.metadata === 'object' ? { metadata: obj.metadata as Record<string, unknown> } : {}),
    ...(typeof caseRef === 'string' ? { caseRef } : {}),
  };
}

/** One exported JSON line, tombstones included. */
export function toJsonLine(item: BankContent): string {
  return JSON.stringify({
    id: item.id,
    bank: item.bankName,
    status: item.status,
    updated_at: item.updatedAt.toISOString(),
    created_at: item.createdAt.toISOString(),
    source: item.source,
    case_ref: item.caseRef,
    note: item.note,
    metadata: item.metadata,
    signals: item.signals.map((s) => ({
      type: s.type,
      hash: s.hash,
      ...(s.quality !== null ? { quality: s.quality } : {}),
    })),
  });
}

/** Reference-style CSV export lines: `hash,quality,content-id` for each active PDQ/MD5 signal. */
export function toCsvLines(item: BankContent): string[] {
  if (item.status === 'withdrawn') return [];
  return item.signals
    .filter((s) => s.type === 'pdq' || s.type === 'md5')
    .map((s) => `${s.hash},${s.quality ?? ''},${item.id}`);
}

export const HMA_CSV_HEADER = 'signal_type,signal_str,collab,category,tags';

/** Parses one line of python-threatexchange's dataset CSV; null for the header and blanks. */
export function parseHmaCsvLine(text: string, lineNo: number, source: Source): NewContentInput | null {
  const line = text.trim();
  if (line === '' || line === HMA_CSV_HEADER) return null;
  const [type = '', signal = '', collab = '', category = '', ...tags] = line.split(',');
  const t = type.trim();
  const hash = signal.trim();
  let sig: SignalInput;
  if (t === 'pdq') sig = { type: 'pdq', hash };
  else if (t === 'video_md5' || t === 'md5' || t === 'photo_md5') sig = { type: 'md5', hash: hash.toLowerCase() };
  else throw new FormatError(lineNo, `unsupported signal_type ${JSON.stringify(t)} (pdq, video_md5)`);
  const metadata: Record<string, unknown> = {};
  if (collab.trim()) metadata.collab = collab.trim();
  if (category.trim()) metadata.category = category.trim();
  const tagList = tags.join(',').trim();
  if (tagList) metadata.tags = tagList.split(/\s+/);
  return { source, signals: [sig], ...(Object.keys(metadata).length ? { metadata } : {}) };
}

/** python-threatexchange dataset CSV rows for an item's PDQ and MD5 signals (active items only). */
export function toHmaCsvLines(item: BankContent): string[] {
  if (item.status === 'withdrawn') return [];
  const tags = Array.isArray(item.metadata.tags) ? (item.metadata.tags as unknown[]).join(' ') : '';
  return item.signals
    .filter((s) => s.type === 'pdq' || s.type === 'md5')
    .map((s) =>
      [s.type === 'md5' ? 'video_md5' : 'pdq', s.hash, item.bankName, item.metadata.category ?? '', tags].join(','),
    );
}

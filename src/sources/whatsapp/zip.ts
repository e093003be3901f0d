/**
 * WhatsApp "Export chat" zips: `_chat.txt` (iOS) or "WhatsApp Chat with X.txt" (Android)
 * plus the media files, flat. Read with yauzl, entry by entry, never all at once.
 *
 * The zip is untrusted input. Each of these refuses one entry, as a SourceIssue, and the
 * rest goes on: names that could escape a folder ("..", absolute, backslashes, drive
 * letters), symbolic links, encrypted or unknown compression, sizes or compression ratios
 * beyond the limits, entries past the entry-count or total-size limits. Archives inside
 * the export are noted and never opened. Inflated bytes are counted against the declared
 * size (a lying header cannot inflate a gigabyte) and checked against the CRC.
 */
import { mkdir, mkdtemp, open as openFile, rm } from 'node:fs/promises';
import { basename, extname, join, relative, resolve, sep } from 'node:path';
import { pipeline, type Readable, Transform, type TransformCallback } from 'node:stream';
import * as zlib from 'node:zlib';
import yauzl from 'yauzl';
import type { SourceIssue } from '../types.js';
import { ARCHIVE_EXTENSIONS, type MediaStore, plainFileName, type Report } from './media.js';

export interface ZipLimits {
  /** Entries read from the central directory; later ones are ignored. Default 100,000. */
  maxEntries: number;
  /** Largest uncompressed entry. Default 4 GiB. */
  maxEntryBytes: number;
  /** Sum of the accepted entries' uncompressed sizes. Default 32 GiB. */
  maxTotalBytes: number;
  /** Highest uncompressed:compressed ratio… Default 100. */
  maxRatio: number;
  /** …held only against entries larger than this, as small text compresses well. Default 100 MB. */
  ratioMinBytes: number;
  /** Largest entry `fetch()` reads into memory. Default 512 MiB. */
  maxFetchBytes: number;
}

export const DEFAULT_ZIP_LIMITS: Readonly<ZipLimits> = {
  maxEntries: 100_000,
  maxEntryBytes: 4 * 1024 ** 3,
  maxTotalBytes: 32 * 1024 ** 3,
  maxRatio: 100,
  ratioMinBytes: 100_000_000,
  maxFetchBytes: 512 * 1024 ** 2,
};

export interface ZipItem {
  /** Full name inside the zip, checked. */
  name: string;
  entry: yauzl.Entry;
  /** Why the entry may not be read, or null. */
  refused: string | null;
}

/** The zip cannot be read at all (not a zip, truncated, unreadable). */
export class WhatsAppZipError extends Error {
  override name = 'WhatsAppZipError';
}

export class WhatsAppZip {
  private constructor(
    readonly path: string,
    private readonly zip: yauzl.ZipFile,
    readonly items: ZipItem[],
    readonly limits: ZipLimits,
  ) {}

  static async open(path: string, limits: ZipLimits, report: Report): Promise<WhatsAppZip> {
    const zip = await openYauzl(path);
    try {
      const items = await listEntries(zip, path, limits, report);
      return new WhatsAppZip(path, zip, items, limits);
    } catch (err) {
      zip.close();
      throw err;
    }
  }

  /** The chat text: `_chat.txt`, else "WhatsApp Chat…​.txt", else the only .txt; top level first. */
  chatItem(): ZipItem | null {
    const texts = this.items.filter((i) => i.refused === null && i.name.toLowerCase().endsWith('.txt'));
    const depth = (i: ZipItem) => i.name.split('/').length;
    const score = (i: ZipItem) => {
      const base = basename(i.name);
      if (base === '_chat.txt') return 0;
      if (/whatsapp/i.test(base)) return 1;
      return texts.length === 1 ? 2 : 3;
    };
    const ranked = texts.filter((i) => score(i) < 3).sort((a, b) => score(a) - score(b) || depth(a) - depth(b));
    return ranked[0] ?? null;
  }

  /** A readable stream of an entry's bytes, cut off with an error past `cap` or the declared size. */
  async stream(item: ZipItem, cap = Number.POSITIVE_INFINITY): Promise<Readable> {
    if (item.refused) throw new WhatsAppZipError(`${item.name}: ${item.refused}`);
    // After the scan the zip is closed; a later fetch() opens it again for this one stream.
    const zip = this.zip.isOpen ? this.zip : await openYauzl(this.path);
    const src = await new Promise<Readable>((ok, fail) =>
      zip.openReadStream(item.entry, (err, s) => (err ? fail(err) : ok(s))),
    ).finally(() => {
      // The stream holds its own reference to the file until it ends.
      if (zip !== this.zip) zip.close();
    });
    const guard = new EntryGuard(item, cap);
    return pipeline(src, guard, () => {});
  }

  /** The whole entry in memory, up to the fetch limit. */
  async read(item: ZipItem): Promise<Uint8Array> {
    const max = this.limits.maxFetchBytes;
    if (item.entry.uncompressedSize > max) {
      throw new WhatsAppZipError(`${item.name}: ${item.entry.uncompressedSize} bytes, over the fetch limit of ${max}`);
    }
    const chunks: Buffer[] = [];
    for await (const chunk of await this.stream(item, max)) chunks.push(chunk as Buffer);
    return new Uint8Array(Buffer.concat(chunks));
  }

  /** Writes an entry into `dir` under its plain base name; never anywhere else, never over an existing file. */
  async extract(item: ZipItem, dir: string): Promise<string> {
    const name = plainFileName(basename(item.name));
    if (!name) throw new WhatsAppZipError(`${item.name}: no usable file name`);
    const target = resolve(dir, name);
    if (relative(resolve(dir), target) !== name || name.includes(sep)) {
      throw new WhatsAppZipError(`${item.name}: would be written outside ${dir}`);
    }
    // 'wx': an existing file (or a planted symbolic link) is never followed or overwritten.
    const file = await openFile(target, 'wx', 0o600);
    try {
      for await (const chunk of await this.stream(item)) await file.write(chunk as Buffer);
    } catch (err) {
      await file.close();
      await rm(target, { force: true });
      throw err;
    }
    await file.close();
    return target;
  }

  close(): void {
    this.zip.close();
  }
}

function openYauzl(path: string): Promise<yauzl.ZipFile> {
  return new Promise((ok, fail) =>
    yauzl.open(
      path,
      { lazyEntries: true, autoClose: false, decodeStrings: false, validateEntrySizes: false },
      (err, z) => (err ? fail(new WhatsAppZipError(`${basename(path)}: not a readable zip: ${err.message}`)) : ok(z)),
    ),
  );
}

async function listEntries(zip: yauzl.ZipFile, path: string, limits: ZipLimits, report: Report): Promise<ZipItem[]> {
  const where = basename(path);
  if (zip.entryCount > limits.maxEntries) {
    report({
      kind: 'limit',
      message: `${zip.entryCount} entries, over the limit of ${limits.maxEntries}: only the first ${limits.maxEntries} are read`,
      location: where,
    });
  }
  const items: ZipItem[] = [];
  let total = 0;
  for (let i = 0; i < Math.min(zip.entryCount, limits.maxEntries); i++) {
    const entry = await nextEntry(zip, where);
    const name = entryName(entry);
    let refused = check(entry, name, limits);
    if (!refused && name.endsWith('/')) continue;
    if (!refused && total + entry.uncompressedSize > limits.maxTotalBytes) {
      refused = {
        kind: 'limit',
        message: `total uncompressed size would pass the limit of ${limits.maxTotalBytes} bytes`,
      };
    }
    if (refused) {
      report({ kind: refused.kind, message: `${safeLabel(name)}: ${refused.message}`, location: where });
      items.push({ name, entry, refused: refused.message });
      continue;
    }
    total += entry.uncompressedSize;
    if (ARCHIVE_EXTENSIONS.has(extname(name).toLowerCase())) {
      report({
        kind: 'unsupported',
        message: `${safeLabel(name)}: an archive inside the export; not opened (nesting limit 1)`,
        location: where,
      });
    }
    items.push({ name, entry, refused: null });
  }
  return items;
}

function nextEntry(zip: yauzl.ZipFile, where: string): Promise<yauzl.Entry> {
  return new Promise((ok, fail) => {
    const onEntry = (e: yauzl.Entry) => done(() => ok(e));
    const onError = (err: Error) =>
      done(() => fail(new WhatsAppZipError(`${where}: unreadable zip directory: ${err.message}`)));
    const onEnd = () => done(() => fail(new WhatsAppZipError(`${where}: zip directory ends early`)));
    const done = (then: () => void) => {
      zip.off('entry', onEntry).off('error', onError).off('end', onEnd);
      then();
    };
    zip.on('entry', onEntry).on('error', onError).on('end', onEnd);
    zip.readEntry();
  });
}

/** Decoded as the flags say (UTF-8 or CP437), backslashes kept so that they can be refused. */
function entryName(entry: yauzl.Entry): string {
  return yauzl.getFileNameLowLevel(entry.generalPurposeBitFlag, entry.fileNameRaw, entry.extraFields, true);
}

function check(entry: yauzl.Entry, name: string, limits: ZipLimits): SourceIssue | null {
  const bad = (message: string): SourceIssue => ({ kind: 'malformed', message });
  const limit = (message: string): SourceIssue => ({ kind: 'limit', message });
  if (name.includes('\\')) return bad('backslash in the entry name (zip slip?): refused');
  if (name.includes('\0')) return bad('NUL in the entry name: refused');
  if (/^[a-zA-Z]:/.test(name) || name.startsWith('/')) return bad('absolute entry name (zip slip): refused');
  if (name.split('/').includes('..')) return bad('".." in the entry name (zip slip): refused');
  const unixMode = (entry.externalFileAttributes >>> 16) & 0o170000;
  if (entry.versionMadeBy >>> 8 === 3 && unixMode === 0o120000) {
    return { kind: 'unsupported', message: 'symbolic link entry: refused' };
  }
  if (entry.isEncrypted()) return { kind: 'unsupported', message: 'encrypted entry: refused' };
  if (entry.compressionMethod !== 0 && entry.compressionMethod !== 8) {
    return { kind: 'unsupported', message: `compression method ${entry.compressionMethod}: refused` };
  }
  const size = entry.uncompressedSize;
  if (size > limits.maxEntryBytes)
    return limit(`${size} bytes uncompressed, over the limit of ${limits.maxEntryBytes}`);
  const ratio = size / Math.max(1, entry.compressedSize);
  if (size > limits.ratioMinBytes && ratio > limits.maxRatio) {
    return limit(`compression ratio ${Math.round(ratio)}:1 for ${size} bytes (zip bomb?): refused`);
  }
  return null;
}

/** Entry names are attacker-chosen: shown shortened and without control characters. */
function safeLabel(name: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are exactly what is removed
  const s = name.replace(/[\u0000-\u001f\u007f]/g, '?');
  return JSON.stringify(s.length > 200 ? `${s.slice(0, 200)}…` : s);
}

/** Counts inflated bytes against the declared size and the cap, and checks the CRC at the end. */
class EntryGuard extends Transform {
  private count = 0;
  private crc = 0;

  constructor(
    private readonly item: ZipItem,
    private readonly cap: number,
  ) {
    super();
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    this.count += chunk.length;
    const declared = this.item.entry.uncompressedSize;
    let error: string | null = null;
    if (this.count > declared) error = `more data than its declared ${declared} bytes`;
    else if (this.count > this.cap) error = `over the limit of ${this.cap} bytes`;
    if (error) {
      cb(new WhatsAppZipError(`${this.item.name}: ${error}`));
      return;
    }
    this.crc = crc32(chunk, this.crc);
    cb(null, chunk);
  }

  override _flush(cb: TransformCallback): void {
    const e = this.item.entry;
    let error: string | null = null;
    if (this.count < e.uncompressedSize) error = `${this.count} of ${e.uncompressedSize} bytes (truncated)`;
    else if (this.crc >>> 0 !== e.crc32 >>> 0) error = 'CRC mismatch (corrupt entry)';
    cb(error ? new WhatsAppZipError(`${this.item.name}: ${error}`) : null);
  }
}

const nativeCrc32 = (zlib as { crc32?: (data: Uint8Array, value?: number) => number }).crc32;
let table: Uint32Array | null = null;

/** zlib.crc32 exists from Node 20.15; earlier 20.x use the table. */
export function crc32(data: Uint8Array, value = 0): number {
  if (nativeCrc32) return nativeCrc32(data, value);
  table ??= makeTable();
  let c = ~value >>> 0;
  for (let i = 0; i < data.length; i++) c = table[(c ^ data[i]!) & 0xff]! ^ (c >>> 8);
  return ~c >>> 0;
}

function makeTable(): Uint32Array {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
}

export interface ZipMediaStore extends MediaStore {
  /** The folder media were extracted into, once the first one was. */
  extractedTo(): string | null;
}

/**
 * Attachments from the zip: `fetch()` reads one into memory, or, with `extractDir`, each
 * named file is written into a new folder under it (created on first use).
 */
export function zipMedia(zip: WhatsAppZip, chat: ZipItem, extractDir: string | null): ZipMediaStore {
  const byName = new Map<string, ZipItem>();
  for (const item of zip.items) {
    const base = basename(item.name);
    if (item !== chat && !item.name.endsWith('/') && !byName.has(base)) byName.set(base, item);
  }
  const referenced = new Set<string>();
  const extracted = new Map<string, string>();
  let folder: string | null = null;
  const where = basename(zip.path);

  const extract = async (name: string, item: ZipItem): Promise<string> => {
    if (!folder) {
      await mkdir(extractDir!, { recursive: true });
      folder = await mkdtemp(join(extractDir!, 'whatsapp-'));
    }
    const done = extracted.get(name) ?? (await zip.extract(item, folder));
    extracted.set(name, done);
    return done;
  };

  return {
    async complete(ref, location, report) {
      const missing = (why: string, kind: SourceIssue['kind'] = 'missing-media') => {
        ref.missing = why;
        report({ kind, message: `${ref.fileName}: ${why}`, location });
      };
      const name = plainFileName(ref.fileName ?? '');
      const item = name ? byName.get(name) : undefined;
      if (!name || !item) return missing(`not in ${where}`);
      referenced.add(name);
      if (item.refused) return missing(`in ${where} but refused: ${item.refused}`);
      ref.size = item.entry.uncompressedSize;
      if (!extractDir) {
        ref.fetch = () => zip.read(item);
        return;
      }
      try {
        ref.path = await extract(name, item);
      } catch (err) {
        missing(`could not be extracted: ${(err as Error).message}`, 'malformed');
      }
    },
    finish(report) {
      const unnamed = [...byName.entries()].filter(([n, i]) => !referenced.has(n) && !i.refused).map(([n]) => n);
      if (unnamed.length === 0) return;
      const list = unnamed.slice(0, 10).join(', ') + (unnamed.length > 10 ? ', …' : '');
      report({
        kind: 'unsupported',
        message: `${unnamed.length} file(s) in the export named by no message, not yielded: ${list}`,
        location: where,
      });
    },
    async close() {
      zip.close();
    },
    extractedTo: () => folder,
  };
}

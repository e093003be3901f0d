/**
 * The evidence package's container: a plain ZIP with stored (uncompressed)
 * entries, so any tool opens it and every byte of every file is exactly what the
 * manifest hashes. Written by hand because it is small; read back with yauzl,
 * refusing what an evidence package never holds (paths outside it, links,
 * duplicates, oversized or too many entries).
 */
import { crc32 } from 'node:zlib';
import yauzl from 'yauzl';

export interface ZipEntry {
  name: string;
  data: Uint8Array;
}

const SAFE_NAME = /^(?:[A-Za-z0-9_.-]+\/)*[A-Za-z0-9_.-]+$/;
const DOS_DATE = ((2026 - 1980) << 9) | (1 << 5) | 1; // fixed: packages built twice are byte-identical

/** ZIP32 limits (no ZIP64 here): more entries or bytes must go into several packages. */
const MAX_ENTRIES = 0xffff;
const MAX_OFFSET = 0xfffffffe; // 0xffffffff in an offset field means ZIP64

export function writeZip(entries: readonly ZipEntry[]): Buffer {
  if (entries.length > MAX_ENTRIES) {
    throw new Error(
      `${entries.length} files do not fit one package (at most ${MAX_ENTRIES}): export fewer cases at once`,
    );
  }
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  const seen = new Set<string>();
  for (const entry of entries) {
    if (!SAFE_NAME.test(entry.name) || entry.name.split('/').includes('..')) {
      throw new Error(`unsafe name in package: ${entry.name}`);
    }
    if (seen.has(entry.name)) throw new Error(`${entry.name} appears twice in the package`);
    seen.add(entry.name);
    const name = Buffer.from(entry.name, 'utf8');
    const data = Buffer.from(entry.data.buffer, entry.data.byteOffset, entry.data.byteLength);
    const crc = crc32(data);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4); // version needed
    local.writeUInt16LE(0x0800, 6); // UTF-8 names
    local.writeUInt16LE(0, 8); // stored
    local.writeUInt16LE(0, 10);
    local.writeUInt16LE(DOS_DATE, 12);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(data.length, 18);
    local.writeUInt32LE(data.length, 22);
    local.writeUInt16LE(name.length, 26);
    locals.push(local, name, data);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(20, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(0x0800, 8);
    central.writeUInt16LE(0, 10);
    central.writeUInt16LE(0, 12);
    central.writeUInt16LE(DOS_DATE, 14);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(data.length, 20);
    central.writeUInt32LE(data.length, 24);
    central.writeUInt16LE(name.length, 28);
    central.writeUInt32LE(offset, 42);
    centrals.push(central, name);
    offset += 30 + name.length + data.length;
    if (offset > MAX_OFFSET) throw new Error('the package would exceed 4 GiB: export fewer cases at once');
  }
  const centralSize = centrals.reduce((n, b) => n + b.length, 0);
  if (offset + centralSize > MAX_OFFSET) throw new Error('the package would exceed 4 GiB: export fewer cases at once');
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(centralSize, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, ...centrals, end]);
}

export interface ReadZipLimits {
  maxEntries?: number;
  maxEntryBytes?: number;
}

/** Every entry of a package, by name; throws a clear error on anything a package never holds. */
export function readZip(zip: Buffer, limits: ReadZipLimits = {}): Promise<Map<string, Buffer>> {
  const maxEntries = limits.maxEntries ?? 100_000;
  const maxEntryBytes = limits.maxEntryBytes ?? 4 * 1024 ** 3;
  return new Promise((resolve, reject) => {
    yauzl.fromBuffer(zip, { lazyEntries: true, strictFileNames: true, validateEntrySizes: true }, (err, file) => {
      if (err || !file) return reject(new Error(`not a readable package: ${err?.message ?? 'no zip'}`));
      const out = new Map<string, Buffer>();
      const fail = (e: Error) => {
        file.close();
        reject(e);
      };
      file.on('error', (e: Error) => fail(new Error(`damaged package: ${e.message}`)));
      file.on('end', () => resolve(out));
      file.on('entry', (entry: yauzl.Entry) => {
        const name = entry.fileName;
        if (out.size >= maxEntries) return fail(new Error(`more than ${maxEntries} files in the package`));
        if (!SAFE_NAME.test(name) || name.split('/').includes('..'))
          return fail(new Error(`unsafe file name ${JSON.stringify(name)}`));
        if (out.has(name)) return fail(new Error(`${name} appears twice in the package`));
        if (entry.uncompressedSize > maxEntryBytes) return fail(new Error(`${name} is larger than the limit`));
        file.openReadStream(entry, (e, stream) => {
          if (e || !stream) return fail(new Error(`${name}: ${e?.message ?? 'unreadable'}`));
          const chunks: Buffer[] = [];
          stream.on('data', (c: Buffer) => chunks.push(c));
          stream.on('error', (se: Error) => fail(new Error(`${name}: ${se.message}`)));
          stream.on('end', () => {
            out.set(name, Buffer.concat(chunks));
            file.readEntry();
          });
        });
      });
      file.readEntry();
    });
  });
}

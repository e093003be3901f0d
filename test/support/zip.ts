/**
 * A tiny zip writer for tests: stored or deflated entries (node:zlib), any raw name
 * bytes, Unix modes, and pre-compressed data with declared sizes that may lie. Enough to
 * build WhatsApp exports and hostile archives without a package or a fixture file.
 */
import { constants, deflateRawSync } from 'node:zlib';

export interface ZipEntrySpec {
  /** A string (written as UTF-8, flag bit 11 set) or raw name bytes. */
  name: string | Uint8Array;
  data?: Uint8Array | string;
  /** 0 stored, 8 deflated (default). */
  method?: 0 | 8;
  /** Already-compressed data and what the headers claim about it. */
  raw?: { compressed: Uint8Array; crc: number; size: number; method: 0 | 8 };
  /** Unix mode for the external attributes, e.g. 0o120777 for a symbolic link. */
  unixMode?: number;
}

export function buildZip(entries: readonly ZipEntrySpec[]): Buffer {
  const parts: Buffer[] = [];
  const central: Buffer[] = [];
  let offset = 0;
  for (const spec of entries) {
    const name = typeof spec.name === 'string' ? Buffer.from(spec.name, 'utf8') : Buffer.from(spec.name);
    const flags = typeof spec.name === 'string' ? 0x800 : 0;
    const body = spec.raw ?? encode(spec);
    const local = header(0x04034b50, name, flags, body);
    parts.push(local, Buffer.from(body.compressed));
    central.push(centralHeader(name, flags, body, offset, spec.unixMode ?? 0o100644));
    offset += local.length + body.compressed.length;
  }
  const cd = Buffer.concat(central);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(cd.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...parts, cd, end]);
}

type Body = { compressed: Uint8Array; crc: number; size: number; method: 0 | 8 };

function encode(spec: ZipEntrySpec): Body {
  const data = typeof spec.data === 'string' ? Buffer.from(spec.data, 'utf8') : Buffer.from(spec.data ?? []);
  const method = spec.method ?? 8;
  return { compressed: method === 8 ? deflateRawSync(data) : data, crc: crc32(data), size: data.length, method };
}

function header(signature: number, name: Buffer, flags: number, body: Body): Buffer {
  const h = Buffer.alloc(30);
  h.writeUInt32LE(signature, 0);
  h.writeUInt16LE(20, 4);
  h.writeUInt16LE(flags, 6);
  h.writeUInt16LE(body.method, 8);
  h.writeUInt16LE(0, 10);
  h.writeUInt16LE(((2024 - 1980) << 9) | (1 << 5) | 1, 12);
  h.writeUInt32LE(body.crc >>> 0, 14);
  h.writeUInt32LE(body.compressed.length, 18);
  h.writeUInt32LE(body.size, 22);
  h.writeUInt16LE(name.length, 26);
  h.writeUInt16LE(0, 28);
  return Buffer.concat([h, name]);
}

function centralHeader(name: Buffer, flags: number, body: Body, offset: number, mode: number): Buffer {
  const h = Buffer.alloc(46);
  h.writeUInt32LE(0x02014b50, 0);
  h.writeUInt16LE((3 << 8) | 20, 4); // made by Unix, so the mode below counts
  h.writeUInt16LE(20, 6);
  h.writeUInt16LE(flags, 8);
  h.writeUInt16LE(body.method, 10);
  h.writeUInt16LE(0, 12);
  h.writeUInt16LE(((2024 - 1980) << 9) | (1 << 5) | 1, 14);
  h.writeUInt32LE(body.crc >>> 0, 16);
  h.writeUInt32LE(body.compressed.length, 20);
  h.writeUInt32LE(body.size, 24);
  h.writeUInt16LE(name.length, 28);
  h.writeUInt32LE((mode << 16) >>> 0, 38);
  h.writeUInt32LE(offset, 42);
  return Buffer.concat([h, name]);
}

/**
 * `total` zero bytes deflated without ever holding them: one chunk is deflated with a sync
 * flush (byte-aligned, not final, no back-references across chunks), repeated, then closed
 * with an empty final block. The CRC comes from combining the chunk's CRC.
 */
export function deflatedZeros(total: number, chunk = 1 << 20): Body {
  if (total % chunk !== 0) throw new RangeError('total must be a multiple of chunk');
  const piece = deflateRawSync(Buffer.alloc(chunk), { finishFlush: constants.Z_SYNC_FLUSH });
  const count = total / chunk;
  const finalBlock = deflateRawSync(Buffer.alloc(0));
  const compressed = Buffer.concat([...Array.from({ length: count }, () => piece), finalBlock]);
  const pieceCrc = crc32(Buffer.alloc(chunk));
  let crc = pieceCrc;
  for (let i = 1; i < count; i++) crc = crc32Combine(crc, pieceCrc, chunk);
  return { compressed, crc, size: total, method: 8 };
}

const TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

export function crc32(data: Uint8Array, value = 0): number {
  let c = ~value >>> 0;
  for (let i = 0; i < data.length; i++) c = TABLE[(c ^ data[i]!) & 0xff]! ^ (c >>> 8);
  return ~c >>> 0;
}

/** CRC of A‖B from crc(A), crc(B) and |B|: B's length applied to crc(A) as zero bits, over GF(2). */
export function crc32Combine(crcA: number, crcB: number, lengthB: number): number {
  if (lengthB <= 0) return crcA;
  const even = new Uint32Array(32);
  const odd = new Uint32Array(32);
  odd[0] = 0xedb88320; // the operator for one zero bit
  for (let n = 1; n < 32; n++) odd[n] = (1 << (n - 1)) >>> 0;
  square(even, odd); // two zero bits
  square(odd, even); // four
  let len = lengthB;
  let crc = crcA >>> 0;
  for (;;) {
    square(even, odd); // eight bits (one byte), then 32, 128…
    if (len & 1) crc = times(even, crc);
    len = Math.floor(len / 2);
    if (len === 0) break;
    square(odd, even);
    if (len & 1) crc = times(odd, crc);
    len = Math.floor(len / 2);
    if (len === 0) break;
  }
  return (crc ^ crcB) >>> 0;
}

function times(mat: Uint32Array, vec: number): number {
  let sum = 0;
  for (let i = 0, v = vec >>> 0; v !== 0; i++, v >>>= 1) if (v & 1) sum ^= mat[i]!;
  return sum >>> 0;
}

function square(out: Uint32Array, mat: Uint32Array): void {
  for (let n = 0; n < 32; n++) out[n] = times(mat, mat[n]!);
}

/** Synthetic test images, made at test time (no real photos, no real people). */
import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { createDeflate, deflateSync, crc32 as zlibCrc32 } from 'node:zlib';
import sharp, { type Sharp } from 'sharp';

/** Smooth pattern plus deterministic noise, `channels` interleaved 8-bit samples. */
export function patternPixels(width: number, height: number, channels = 3, seed = 1): Buffer {
  const data = Buffer.alloc(width * height * channels);
  let s = seed >>> 0;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      s = (Math.imul(s, 1103515245) + 12345) >>> 0;
      const v =
        120 + 60 * Math.sin(x / (9 + seed)) * Math.cos(y / 13) + 30 * Math.sin((x - y) / 29) + ((s >>> 24) % 16);
      for (let c = 0; c < channels; c++) {
        data[(y * width + x) * channels + c] = Math.max(0, Math.min(255, Math.round(v + 23 * c)));
      }
    }
  }
  return data;
}

export function patternImage(width: number, height: number, channels: 1 | 2 | 3 | 4 = 3, seed = 1): Sharp {
  const img = sharp(patternPixels(width, height, channels, seed), { raw: { width, height, channels } });
  // Without this libvips writes single-band input as RGB.
  return channels <= 2 ? img.toColourspace('b-w') : img;
}

/** An RGB PNG with 16-bit samples (written by hand: exact control over the samples). */
export function png16(width: number, height: number, samples: Uint16Array): Buffer {
  const head = Buffer.alloc(13);
  head.writeUInt32BE(width, 0);
  head.writeUInt32BE(height, 4);
  head[8] = 16;
  head[9] = 2; // truecolour
  const rows = Buffer.alloc(height * (1 + width * 6));
  let o = 0;
  for (let y = 0; y < height; y++) {
    rows[o++] = 0;
    for (let i = 0; i < width * 3; i++, o += 2) rows.writeUInt16BE(samples[y * width * 3 + i]!, o);
  }
  return Buffer.concat([
    PNG_SIGNATURE,
    pngChunk('IHDR', head),
    pngChunk('IDAT', deflateSync(rows)),
    pngChunk('IEND', Buffer.alloc(0)),
  ]);
}

function crc32(buf: Buffer): number {
  return zlibCrc32(buf) >>> 0;
}

function pngChunk(type: string, data: Buffer): Buffer {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([len, body, crc]);
}

function ihdr(width: number, height: number): Buffer {
  const b = Buffer.alloc(13);
  b.writeUInt32BE(width, 0);
  b.writeUInt32BE(height, 4);
  b[8] = 8; // bit depth
  b[9] = 0; // greyscale
  return b;
}

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/**
 * Writes a real decompression bomb: a greyscale PNG of width x height whose
 * zlib stream really inflates to width*height bytes of zeros (30000x30000 is
 * about 900 MB inflated and under 1 MB on disk). Streamed, so building it
 * never holds the inflated image in memory.
 */
export async function writePngBomb(path: string, width: number, height: number): Promise<void> {
  const out = createWriteStream(path);
  out.write(Buffer.concat([PNG_SIGNATURE, pngChunk('IHDR', ihdr(width, height))]));
  const deflate = createDeflate({ level: 9 });
  const compressed: Buffer[] = [];
  deflate.on('data', (c: Buffer) => compressed.push(c));
  const row = Buffer.alloc(width + 1); // filter byte 0 + zero samples
  for (let y = 0; y < height; y++) {
    if (!deflate.write(row)) await once(deflate, 'drain');
  }
  deflate.end();
  await once(deflate, 'end');
  out.write(pngChunk('IDAT', Buffer.concat(compressed)));
  out.write(pngChunk('IEND', Buffer.alloc(0)));
  out.end();
  await once(out, 'finish');
}

/** A PNG whose header claims width x height but whose data is tiny: refused from the header alone. */
export function pngHeaderOnly(width: number, height: number): Buffer {
  return Buffer.concat([
    PNG_SIGNATURE,
    pngChunk('IHDR', ihdr(width, height)),
    pngChunk('IDAT', deflateSync(Buffer.alloc(width + 1))),
    pngChunk('IEND', Buffer.alloc(0)),
  ]);
}

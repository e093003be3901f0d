/** Image decoding: formats, refusals of bad input, EXIF orientation. */
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { hammingDistanceHex } from '../../src/core/hash256.js';
import { pdqHash } from '../../src/core/pdq/pdq.js';
import { transformPixels, uprightTransform } from '../../src/core/pdq/pixels.js';
import { hashPhotoBytes, hashPhotoFile } from '../../src/hashing/photo.js';
import { decodeImage } from '../../src/media/decode.js';
import { MediaError } from '../../src/media/errors.js';
import { sharedFixtures } from '../support/env.js';
import { patternImage, patternPixels, png16, pngHeaderOnly, writePngBomb } from '../support/images.js';

let dir: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'perisai-decode-'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

function rejectsWith(code: string, pattern: RegExp) {
  return (err: unknown) => {
    assert.ok(err instanceof MediaError, `expected a MediaError, got ${err}`);
    assert.equal(err.code, code);
    assert.match(err.message, pattern);
    return true;
  };
}

describe('formats', () => {
  const source = patternPixels(160, 120, 3);
  const sourceHash = pdqHash({ data: source, width: 160, height: 120, channels: 3 }).hex;
  const lossless: [string, () => Promise<Buffer>][] = [
    ['png', () => patternImage(160, 120).png().toBuffer()],
    ['png interlaced', () => patternImage(160, 120).png({ progressive: true }).toBuffer()],
    ['webp lossless', () => patternImage(160, 120).webp({ lossless: true }).toBuffer()],
    ['tiff', () => patternImage(160, 120).tiff({ compression: 'lzw' }).toBuffer()],
  ];
  for (const [name, make] of lossless) {
    test(`${name} decodes to the exact pixels`, async () => {
      const d = await decodeImage(await make());
      assert.equal(d.pixels.width, 160);
      assert.equal(d.pixels.height, 120);
      assert.equal(pdqHash(d.pixels).hex, sourceHash);
    });
  }
  const lossy: [string, () => Promise<Buffer>][] = [
    ['jpeg', () => patternImage(160, 120).jpeg({ quality: 90 }).toBuffer()],
    ['jpeg progressive', () => patternImage(160, 120).jpeg({ quality: 90, progressive: true }).toBuffer()],
    ['webp lossy', () => patternImage(160, 120).webp({ quality: 90 }).toBuffer()],
    ['avif', () => patternImage(160, 120).avif({ quality: 80 }).toBuffer()],
    ['gif (first frame)', () => patternImage(160, 120).gif().toBuffer()],
  ];
  for (const [name, make] of lossy) {
    test(`${name} decodes close to the source`, async () => {
      const d = await decodeImage(await make());
      assert.equal(d.pixels.width, 160);
      const dist = hammingDistanceHex(pdqHash(d.pixels).hex, sourceHash);
      assert.ok(dist <= 31, `${name}: ${dist} bits from the source`);
    });
  }
  test('grey, grey+alpha and RGBA keep their meaning', async () => {
    const grey = await decodeImage(await patternImage(64, 64, 1).png().toBuffer());
    assert.equal(grey.pixels.channels, 1);
    const greyAlpha = await decodeImage(await patternImage(64, 64, 2).png().toBuffer());
    assert.equal(greyAlpha.pixels.channels, 1, 'grey+alpha hashes from the grey sample');
    const rgba = await decodeImage(await patternImage(64, 64, 4).png().toBuffer());
    assert.equal(rgba.pixels.channels, 4);
  });
  test('palette PNG is expanded', async () => {
    const d = await decodeImage(await patternImage(64, 64).png({ palette: true, colours: 16 }).toBuffer());
    assert.ok(d.pixels.channels >= 3);
  });
  test('16-bit PNG: high byte by default, low and clip on request', async () => {
    const w = 32;
    const h = 32;
    const samples = new Uint16Array(w * h * 3);
    for (let i = 0; i < samples.length; i++) samples[i] = (i * 977) % 65536;
    const png = png16(w, h, samples);
    const high = await decodeImage(png);
    const low = await decodeImage(png, { sixteenBit: 'low' });
    const clip = await decodeImage(png, { sixteenBit: 'clip' });
    assert.equal(high.bitDepth, 16);
    for (const i of [0, 5, 100, 3071]) {
      const v = samples[i]!;
      assert.equal(high.pixels.data[i], v >> 8);
      assert.equal(low.pixels.data[i], v & 255);
      assert.equal(clip.pixels.data[i], Math.min(255, v));
    }
  });
});

describe('bad input gets a clear error for that file', () => {
  test('0-byte file', async () => {
    const p = join(dir, 'empty.jpg');
    await writeFile(p, '');
    await assert.rejects(hashPhotoFile(p), rejectsWith('empty', /empty file/));
  });
  test('text file named .jpg', async () => {
    const p = join(dir, 'notes.jpg');
    await writeFile(p, 'Meeting notes: this is not an image.\n');
    await assert.rejects(hashPhotoFile(p), rejectsWith('unsupported-format', /not a recognised image format/));
  });
  test('truncated JPEG', async () => {
    const jpeg = await patternImage(400, 300).jpeg({ quality: 90 }).toBuffer();
    await assert.rejects(
      decodeImage(jpeg.subarray(0, Math.floor(jpeg.length / 2))),
      rejectsWith('corrupt', /cannot decode image/),
    );
  });
  test('JPEG header followed by garbage', async () => {
    const junk = Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), Buffer.alloc(500, 0x41)]);
    await assert.rejects(decodeImage(junk), rejectsWith('corrupt', /cannot decode/));
  });
  test('a 30000x30000 PNG bomb is refused before decoding', async () => {
    const p = join(dir, 'bomb.png');
    await writePngBomb(p, 30000, 30000);
    const size = (await stat(p)).size;
    assert.ok(size < 2_000_000, `bomb file is small on disk (${size} bytes)`);
    const before = process.memoryUsage().rss;
    await assert.rejects(hashPhotoFile(p), rejectsWith('too-many-pixels', /30000x30000 = 900000000 pixels/));
    const grown = process.memoryUsage().rss - before;
    assert.ok(grown < 200 * 1024 * 1024, `memory grew by ${grown} bytes`);
  });
  test('header-only giant PNG is refused', async () => {
    await assert.rejects(
      decodeImage(pngHeaderOnly(100000, 100000)),
      rejectsWith('too-many-pixels', /decompression bomb/),
    );
  });
  test('limits are configurable', async () => {
    const png = await patternImage(100, 100).png().toBuffer();
    await assert.rejects(
      decodeImage(png, { limits: { maxPixels: 9999, maxFileBytes: 1e9 } }),
      rejectsWith('too-many-pixels', /10000 pixels/),
    );
    await assert.rejects(
      decodeImage(png, { limits: { maxPixels: 1e9, maxFileBytes: 10 } }),
      rejectsWith('file-too-large', /limit/),
    );
    const p = join(dir, 'small.png');
    await writeFile(p, png);
    await assert.rejects(
      hashPhotoFile(p, { limits: { maxPixels: 1e9, maxFileBytes: 10 } }),
      rejectsWith('file-too-large', /limit/),
    );
  });
  test('a missing file and a directory', async () => {
    await assert.rejects(hashPhotoFile(join(dir, 'nope.png')), rejectsWith('unreadable', /no such file/));
    await assert.rejects(hashPhotoFile(dir), rejectsWith('unreadable', /not a regular file/));
  });
  test('a corrupt HEIC container', async () => {
    const fake = Buffer.concat([
      Buffer.from([0, 0, 0, 24]),
      Buffer.from('ftypheic'),
      Buffer.alloc(12),
      Buffer.alloc(200, 7),
    ]);
    await assert.rejects(decodeImage(fake), rejectsWith('corrupt', /HEIC/));
  });
  test('a video is not an image', async () => {
    const mp4ish = Buffer.concat([Buffer.from([0, 0, 0, 24]), Buffer.from('ftypisom'), Buffer.alloc(12)]);
    await assert.rejects(decodeImage(mp4ish), rejectsWith('unsupported-format', /video/));
  });
});

describe('MD5 and SHA-256', () => {
  test('match node:crypto over the same bytes, for files and buffers', async () => {
    const { createHash } = await import('node:crypto');
    const png = await patternImage(50, 40).png().toBuffer();
    const p = join(dir, 'digest.png');
    await writeFile(p, png);
    const fromFile = await hashPhotoFile(p);
    const fromBytes = await hashPhotoBytes(png);
    assert.equal(fromFile.md5, createHash('md5').update(png).digest('hex'));
    assert.equal(fromFile.sha256, createHash('sha256').update(png).digest('hex'));
    assert.equal(fromBytes.md5, fromFile.md5);
    assert.equal(fromBytes.pdq, fromFile.pdq);
  });
});

describe('EXIF orientation', () => {
  test('ignored by default; --upright also hashes the image as displayed', async () => {
    const sharp = (await import('sharp')).default;
    const jpeg = await patternImage(200, 120).jpeg({ quality: 95 }).withMetadata({ orientation: 6 }).toBuffer();
    const r = await hashPhotoBytes(jpeg, { upright: true });
    assert.equal(r.orientation, 6);
    const stored = await decodeImage(jpeg);
    assert.equal(r.pdq, pdqHash(stored.pixels).hex, 'default hash is of the stored pixels');
    // libvips' own auto-orientation gives the displayed pixels: our transform must agree exactly.
    const { data, info } = await sharp(jpeg).rotate().raw().toBuffer({ resolveWithObject: true });
    const displayed = pdqHash({ data, width: info.width, height: info.height, channels: 3 }).hex;
    assert.equal(r.upright?.pdq, displayed);
    assert.equal(pdqHash(transformPixels(stored.pixels, uprightTransform(6))).hex, displayed);
  });
  for (const orientation of [2, 3, 4, 5, 7, 8]) {
    test(`orientation ${orientation} agrees with libvips auto-orientation`, async () => {
      const sharp = (await import('sharp')).default;
      const png = await patternImage(90, 60).png().toBuffer();
      const jpeg = await sharp(png).jpeg({ quality: 95 }).withMetadata({ orientation }).toBuffer();
      const stored = await decodeImage(jpeg);
      const { data, info } = await sharp(jpeg).rotate().raw().toBuffer({ resolveWithObject: true });
      const upright = transformPixels(stored.pixels, uprightTransform(orientation));
      assert.equal(upright.width, info.width);
      assert.deepEqual(Buffer.from(upright.data), data);
    });
  }
  const { skip, dir: shared } = sharedFixtures('pdq/reg-test-input/exif-rotn');
  test('reference EXIF photos: orientation read, stored pixels hashed by default', { skip }, async () => {
    for (const n of [1, 3, 6, 8]) {
      const r = await hashPhotoBytes(await readFile(join(shared, `exif-rotn-${n}.jpg`)), { upright: true });
      assert.equal(r.orientation, n);
      assert.equal(r.width, 4032, 'dimensions are of the stored image');
      if (n === 1) assert.equal(r.upright, undefined, 'orientation 1 needs no upright hash');
      else assert.ok(r.upright && r.upright.pdq !== r.pdq);
    }
  });
});

import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { hashPhotoRead } from '../../src/hashing/photo.js';
import { PhotoHashPool } from '../../src/hashing/photo-pool.js';
import { digestBuffer } from '../../src/media/digest.js';
import { isMediaError } from '../../src/media/errors.js';
import { syntheticPhoto } from '../support/generated-export.js';

const pool = new PhotoHashPool(2);
after(() => pool.close());

const read = (data: Buffer) => ({ ...digestBuffer(data), data });

test('hashes on worker threads equal hashes on the main thread', async () => {
  const files = await Promise.all([1, 2, 3, 4, 5].map((seed) => syntheticPhoto(seed, 320, 240).toBuffer()));
  const threaded = await Promise.all(files.map((f) => pool.hash(read(f))));
  for (const [i, f] of files.entries()) {
    const here = await hashPhotoRead(read(f));
    assert.equal(threaded[i]!.pdq, here.pdq);
    assert.equal(threaded[i]!.quality, here.quality);
    assert.equal(threaded[i]!.sha256, here.sha256);
  }
});

test('a corrupt file is a MediaError for that file; the pool goes on', async () => {
  const bad = Buffer.from('\xff\xd8\xff\xe0 not a jpeg at all', 'latin1');
  await assert.rejects(pool.hash(read(bad)), (err) => isMediaError(err) && err.message.length > 0);
  const good = await syntheticPhoto(9, 320, 240).toBuffer();
  assert.match((await pool.hash(read(good))).pdq, /^[0-9a-f]{64}$/);
});

test('a closed pool refuses work', async () => {
  const closed = new PhotoHashPool(1);
  await closed.close();
  await assert.rejects(closed.hash(read(Buffer.alloc(1))), /closed/);
});

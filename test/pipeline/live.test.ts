import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { createBank } from '../../src/banks/banks.js';
import { addContent } from '../../src/banks/content.js';
import { hashPhotoBytes } from '../../src/hashing/photo.js';
import { FloodDetector } from '../../src/matching/flood.js';
import { LiveIndex } from '../../src/matching/live-index.js';
import { Matcher } from '../../src/matching/matcher.js';
import { LivePipeline } from '../../src/pipeline/live.js';
import type { NormalizedMessage } from '../../src/sources/types.js';
import { databaseVariants } from '../support/db.js';
import { syntheticPhoto } from '../support/generated-export.js';

const work = mkdtempSync(join(tmpdir(), 'perisai-live-'));
after(() => rmSync(work, { recursive: true, force: true }));

function botMessage(id: number, text: string, fetch: () => Promise<Uint8Array>): NormalizedMessage {
  return {
    source: 'telegram-bot',
    chat: { id: '-1001234', name: 'Fictional group', type: 'supergroup' },
    messageId: String(id),
    author: { id: '42', name: 'Fictional Poster' },
    date: new Date('2026-11-01T10:00:00Z'),
    text,
    entities: [],
    media: [{ id: `file-${id}`, type: 'photo', mime: 'image/jpeg', size: null, fetch }],
    raw: { message_id: id },
  };
}

for (const variant of databaseVariants()) {
  describe(`live pipeline (${variant.name})`, { skip: variant.skip }, () => {
    after(() => variant.dispose());

    test('remote media are spooled, hashed and matched in the background; a failed download is recorded', () =>
      variant.run(async (database) => {
        const photo = await syntheticPhoto(7).toBuffer();
        const hashed = await hashPhotoBytes(photo);
        await createBank(database.db, { name: 'LIVE_NCII', category: 'ncii' });
        await addContent(database.db, 'LIVE_NCII', {
          source: 'victim',
          signals: [{ type: 'pdq', hash: hashed.pdq, quality: hashed.quality }],
        });
        const index = new LiveIndex();
        await index.start(database);
        const spoolDir = join(work, `spool-${variant.name}`);
        const pipeline = new LivePipeline(database, {
          matcher: new Matcher(database, index, new FloodDetector()),
          spoolDir,
          country: 'GB',
          pollMs: 50,
        });
        pipeline.start();
        try {
          const result = await pipeline.accept([
            botMessage(1, 'her number +44 7700 900123', async () => photo),
            botMessage(2, 'nothing here', async () => {
              throw new Error('Bad Request: wrong file_id');
            }),
          ]);
          assert.deepEqual(
            { stored: result.stored, queued: result.queued, missing: result.missing },
            {
              stored: 2,
              queued: 1,
              missing: 1,
            },
          );
          assert.ok(existsSync(join(spoolDir, hashed.sha256)), 'the download is kept by its SHA-256');
          const deadline = Date.now() + 20_000;
          let finding: { severity: string } | undefined;
          while (!finding && Date.now() < deadline) {
            finding = await database.db.selectFrom('findings').select('severity').executeTakeFirst();
            if (!finding) await new Promise((r) => setTimeout(r, 50));
          }
          assert.equal(finding?.severity, 'doxxing');
          const missing = await database.db
            .selectFrom('media_items')
            .select(['state', 'error'])
            .where('message_id', '=', '2')
            .executeTakeFirstOrThrow();
          assert.equal(missing.state, 'missing');
          assert.match(missing.error ?? '', /download failed: Bad Request: wrong file_id/);
          const again = await pipeline.accept([botMessage(1, 'her number +44 7700 900123', async () => photo)]);
          assert.equal(again.stored, 0, 'a redelivered update stores nothing twice');
          const edited = {
            ...botMessage(1, 'edited: her address is 1 Fictional Road', async () => photo),
            editedAt: new Date('2026-11-01T10:05:00Z'),
          };
          assert.equal((await pipeline.accept([edited])).stored, 1, 'an edit is kept as a new version');
          const versions = await database.db
            .selectFrom('messages')
            .select(['edit_version', 'text'])
            .where('message_id', '=', '1')
            .orderBy('id')
            .execute();
          assert.deepEqual(
            versions.map((v) => v.edit_version),
            ['', '2026-11-01T10:05:00.000Z'],
          );
        } finally {
          await pipeline.stop();
          await index.stop();
        }
      }));
  });
}

/**
 * `perisai monitor telegram`'s core on constructed GramJS objects (no network):
 * a channel's history with a banked photo and a phone number goes through the
 * MTProto source and the live pipeline into a doxxing finding.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { createBank } from '../../src/banks/banks.js';
import { addContent } from '../../src/banks/content.js';
import { monitorCommand, runMonitor } from '../../src/cli/monitor.js';
import { hashPhotoBytes } from '../../src/hashing/photo.js';
import { FloodDetector } from '../../src/matching/flood.js';
import { LiveIndex } from '../../src/matching/live-index.js';
import { Matcher } from '../../src/matching/matcher.js';
import { LivePipeline } from '../../src/pipeline/live.js';
import { MtprotoSource } from '../../src/sources/telegram-mtproto/source.js';
import { channelServer, message, photoMedia, StubGateway, USERNAME } from '../sources/telegram-mtproto/build.js';
import { databaseVariants } from '../support/db.js';
import { syntheticPhoto } from '../support/generated-export.js';

const pglite = databaseVariants().find((v) => v.name === 'pglite')!;
const work = mkdtempSync(join(tmpdir(), 'perisai-monitor-'));
after(async () => {
  await pglite.dispose();
  rmSync(work, { recursive: true, force: true });
});

test('channel history through the MTProto source and the live pipeline becomes findings', () =>
  pglite.run(async (database) => {
    const photo = await syntheticPhoto(23).toBuffer();
    const hashed = await hashPhotoBytes(photo);
    await createBank(database.db, { name: 'MTPROTO_NCII', category: 'ncii' });
    await addContent(database.db, 'MTPROTO_NCII', {
      source: 'victim',
      signals: [{ type: 'pdq', hash: hashed.pdq, quality: hashed.quality }],
    });
    const history = [
      message(1, { message: 'welcome to the channel' }),
      message(2, { message: 'her number +44 7700 900789', media: photoMedia(501) }),
      message(3, { message: 'who is she? info?' }),
    ];
    const gateway = new StubGateway(
      channelServer(() => history),
      () => photo,
    );
    const index = new LiveIndex();
    await index.start(database);
    const pipeline = new LivePipeline(database, {
      matcher: new Matcher(database, index, new FloodDetector()),
      spoolDir: join(work, 'spool'),
      country: 'GB',
      pollMs: 50,
    });
    pipeline.start();
    try {
      const source = new MtprotoSource(gateway, { channels: [USERNAME], live: false });
      const logs: string[] = [];
      const stored = await runMonitor(source, pipeline, (m) => logs.push(m));
      assert.equal(stored, 3, logs.join('\n'));
      const deadline = Date.now() + 20_000;
      let severities: string[] = [];
      while (Date.now() < deadline) {
        const rows = await database.db
          .selectFrom('findings as f')
          .innerJoin('messages as m', 'm.id', 'f.message_row')
          .select(['m.message_id', 'f.severity'])
          .orderBy('m.message_id')
          .execute();
        severities = rows.map((r) => `${r.message_id}:${r.severity}`);
        if (severities.length >= 2) break;
        await new Promise((r) => setTimeout(r, 50));
      }
      assert.deepEqual(severities, ['2:doxxing', '3:intent']);
      assert.equal(gateway.downloads.length, 1);
    } finally {
      await pipeline.stop();
      await index.stop();
    }
  }));

test('monitor refuses to start without API credentials or channels', async () => {
  await assert.rejects(monitorCommand([]), /say what to monitor/);
  await assert.rejects(monitorCommand(['telegram', '--data', work]), /name at least one --channel/);
  const saved = { id: process.env.TELEGRAM_API_ID, hash: process.env.TELEGRAM_API_HASH };
  delete process.env.TELEGRAM_API_ID;
  delete process.env.TELEGRAM_API_HASH;
  try {
    await assert.rejects(
      monitorCommand(['telegram', '--channel', 'fictional_news', '--data', work]),
      /TELEGRAM_API_ID and TELEGRAM_API_HASH/,
    );
  } finally {
    if (saved.id !== undefined) process.env.TELEGRAM_API_ID = saved.id;
    if (saved.hash !== undefined) process.env.TELEGRAM_API_HASH = saved.hash;
  }
});

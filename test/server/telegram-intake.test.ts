/**
 * Live monitoring end to end over real HTTP: Telegram posts an update to the
 * webhook, the photo is fetched from a fake Bot API on loopback (getFile, then
 * the file), hashed, matched against a bank and assessed into a finding.
 */
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { createBank } from '../../src/banks/banks.js';
import { addContent } from '../../src/banks/content.js';
import { hashPhotoBytes } from '../../src/hashing/photo.js';
import { startServer } from '../../src/server/lifecycle.js';
import { telegramIntakeFromEnv } from '../../src/server/telegram-intake.js';
import { FakeBotApi } from '../sources/telegram-bot/fake-bot-api.js';
import { databaseVariants } from '../support/db.js';
import { syntheticPhoto } from '../support/generated-export.js';

const pglite = databaseVariants().find((v) => v.name === 'pglite')!;
after(() => pglite.dispose());

const TOKEN = '123456:TEST-token_for-the-fake-api';
const SECRET = 'webhook-secret_0123456789';

test('a webhook update with a banked photo and a phone number becomes a doxxing finding', async () => {
  const photo = await syntheticPhoto(11).toBuffer();
  const api = await FakeBotApi.start(TOKEN, [
    { fileId: 'AgAD-photo-big', fileUniqueId: 'uniq-big', filePath: 'photos/file_1.jpg', bytes: photo },
  ]);
  const store = await pglite.newStore();
  const logs: string[] = [];
  const server = await startServer({
    host: '127.0.0.1',
    port: 0,
    dataDir: store.options.dataDir!,
    log: (m) => logs.push(m),
    telegram: { token: TOKEN, secretToken: SECRET, apiBaseUrl: api.baseUrl, country: 'GB' },
  });
  try {
    const ready = await server.databaseOpen;
    const hashed = await hashPhotoBytes(photo);
    await createBank(ready.database.db, { name: 'BOT_NCII', category: 'ncii' });
    await addContent(ready.database.db, 'BOT_NCII', {
      source: 'victim',
      signals: [{ type: 'pdq', hash: hashed.pdq, quality: hashed.quality }],
    });
    await server.indexLoaded;
    const update = {
      update_id: 9001,
      channel_post: {
        message_id: 77,
        date: 1_790_000_000,
        chat: { id: -1001999888777, title: 'Fictional leak channel', type: 'channel' },
        caption: 'call her +44 7700 900456',
        photo: [
          { file_id: 'AgAD-photo-small', file_unique_id: 'uniq-small', width: 90, height: 68, file_size: 1200 },
          { file_id: 'AgAD-photo-big', file_unique_id: 'uniq-big', width: 640, height: 480, file_size: photo.length },
        ],
      },
    };
    const post = (secret: string) =>
      fetch(`${server.url}/telegram/webhook`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-telegram-bot-api-secret-token': secret },
        body: JSON.stringify(update),
      });
    assert.equal((await post('wrong-secret')).status, 401);
    assert.equal((await post(SECRET)).status, 200);

    const deadline = Date.now() + 30_000;
    let finding: { severity: string; matches: unknown } | undefined;
    while (!finding && Date.now() < deadline) {
      finding = await ready.database.db.selectFrom('findings').select(['severity', 'matches']).executeTakeFirst();
      if (!finding) await new Promise((r) => setTimeout(r, 50));
    }
    assert.equal(finding?.severity, 'doxxing', logs.join('\n'));
    assert.equal((finding!.matches as { bank: string }[])[0]!.bank, 'BOT_NCII');
    assert.equal(api.count('getFile'), 1, 'only the largest photo size is fetched');
    const message = await ready.database.db
      .selectFrom('messages')
      .select(['source', 'chat_id', 'message_id'])
      .executeTakeFirstOrThrow();
    assert.deepEqual(message, { source: 'telegram-bot', chat_id: '-1001999888777', message_id: '77' });
  } finally {
    await server.stop();
    await api.close();
    await store.cleanup();
  }
});

test('the intake is configured by both variables or neither', () => {
  assert.equal(telegramIntakeFromEnv({}), null);
  assert.throws(() => telegramIntakeFromEnv({ PERISAI_TELEGRAM_BOT_TOKEN: 'x' }), /both/);
  assert.deepEqual(telegramIntakeFromEnv({ PERISAI_TELEGRAM_BOT_TOKEN: 't', PERISAI_TELEGRAM_WEBHOOK_SECRET: 's' }), {
    token: 't',
    secretToken: 's',
  });
});

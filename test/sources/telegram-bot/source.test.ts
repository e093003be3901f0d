/** TelegramBotSource: pushed updates come out of messages(), with backpressure, albums, issues and media fetch. */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { BotApiClient } from '../../../src/sources/telegram-bot/client.js';
import { TelegramBotSource } from '../../../src/sources/telegram-bot/source.js';
import type { NormalizedMessage, SourceIssue } from '../../../src/sources/types.js';
import { FakeBotApi } from './fake-bot-api.js';
import { FakeTimers, messageUpdate, photoFields } from './support.js';

const TOKEN = '7700900124:AAH-fiktif_source_token';
const BYTES = Uint8Array.from({ length: 3000 }, (_, i) => (i * 13) % 256);

let api: FakeBotApi;
before(async () => {
  api = await FakeBotApi.start(TOKEN, [
    { fileId: 'f-x', fileUniqueId: 'f-X', filePath: 'photos/file_1.jpg', bytes: BYTES },
  ]);
});
after(() => api.close());

/** Reads `count` messages (issues collected on the side). */
async function take(
  source: TelegramBotSource,
  count: number,
  issues: SourceIssue[] = [],
): Promise<NormalizedMessage[]> {
  const out: NormalizedMessage[] = [];
  if (count === 0) return out;
  for await (const m of source.messages((i) => issues.push(i))) {
    out.push(m);
    if (out.length === count) break;
  }
  return out;
}

test('pushed updates are yielded in order; media fetch through the client', async () => {
  const sleeps: number[] = [];
  const client = new BotApiClient({ token: TOKEN, baseUrl: api.baseUrl, sleep: async (ms) => void sleeps.push(ms) });
  const source = new TelegramBotSource({ client });
  assert.deepEqual(source.push(messageUpdate({ text: 'satu', message_id: 1 })), { accepted: true });
  assert.deepEqual(source.push(messageUpdate(photoFields('f', { message_id: 2 }))), { accepted: true });
  const [first, second] = await take(source, 2);
  assert.equal(first!.text, 'satu');
  const photo = second!.media[0]!;
  assert.equal(photo.id, 'f-X');
  api.script('getFile', {
    status: 429,
    json: { ok: false, error_code: 429, description: 'Too Many Requests', parameters: { retry_after: 1 } },
  });
  assert.deepEqual(await photo.fetch!(), BYTES);
  assert.deepEqual(sleeps, [1000]);
  source.close();
});

test('a media item the bot cannot download fails with the wrong-file_id error, not a crash', async () => {
  const client = new BotApiClient({ token: TOKEN, baseUrl: api.baseUrl, sleep: async () => {} });
  const source = new TelegramBotSource({ client });
  source.push(messageUpdate(photoFields('gone', { message_id: 3 })));
  const [message] = await take(source, 1);
  await assert.rejects(message!.media[0]!.fetch!(), /wrong file_id/);
  source.close();
});

test('an oversize file is recorded missing and never requested', async () => {
  const client = new BotApiClient({ token: TOKEN, baseUrl: api.baseUrl, sleep: async () => {} });
  const source = new TelegramBotSource({ client });
  const before = api.requests.length;
  source.push(messageUpdate({ document: { file_id: 'huge', file_unique_id: 'H', file_size: 21 * 1024 * 1024 } }));
  const [message] = await take(source, 1);
  assert.match(message!.media[0]!.missing!, /larger than the Bot API download limit/);
  assert.equal(message!.media[0]!.fetch, undefined);
  assert.equal(api.requests.length, before);
  source.close();
});

test('backpressure: when the buffer is full push() refuses with a retry time; nothing accepted is lost', async () => {
  const source = new TelegramBotSource({ capacity: 2, retryAfterS: 7 });
  assert.equal(source.push(messageUpdate({ text: 'a', message_id: 1 })).accepted, true);
  assert.equal(source.push(messageUpdate({ text: 'b', message_id: 2 })).accepted, true);
  const refused = source.push(messageUpdate({ text: 'c', message_id: 3 }));
  assert.deepEqual(refused, { accepted: false, retryAfterS: 7, reason: '2 messages are waiting to be read' });
  assert.deepEqual(
    (await take(source, 1)).map((m) => m.text),
    ['a'],
  );
  // Telegram delivers "c" again later; now there is room.
  assert.equal(source.push(messageUpdate({ text: 'c', message_id: 3 })).accepted, true);
  source.close();
  assert.deepEqual(
    (await take(source, 10)).map((m) => m.text),
    ['b', 'c'],
  );
});

test('albums count once against the capacity, and their later parts are always taken', async () => {
  const timers = new FakeTimers();
  const source = new TelegramBotSource({ capacity: 1, album: { timers } });
  const part = (id: number) => messageUpdate(photoFields(`p${id}`, { message_id: id, media_group_id: 'al' }));
  assert.equal(source.push(part(10)).accepted, true);
  assert.equal(source.buffered, 1);
  assert.equal(source.push(part(11)).accepted, true, 'joins the album being held');
  assert.equal(source.push(messageUpdate({ text: 'x' })).accepted, false, 'a new message does not fit');
  timers.advance(1000);
  const [album] = await take(source, 1);
  assert.deepEqual(
    album!.media.map((m) => m.id),
    ['p10-X', 'p11-X'],
  );
  assert.ok(Array.isArray(album!.raw));
  source.close();
});

test('Telegram redelivering an accepted update gives one message', async () => {
  const source = new TelegramBotSource();
  const update = messageUpdate({ text: 'sekali' });
  source.push(update);
  source.push(structuredClone(update));
  source.close();
  assert.equal((await take(source, 10)).length, 1);
});

test('malformed updates are accepted (redelivery would not help) and reported to the reader', async () => {
  const source = new TelegramBotSource();
  assert.equal(source.push({ update_id: 77, message: 'not a message' }).accepted, true);
  assert.equal(source.push({ update_id: 78, message: { chat: {}, text: 'x'.repeat(200_000) } }).accepted, true);
  source.push(messageUpdate({ text: 'baik' }));
  source.close();
  const issues: SourceIssue[] = [];
  const messages = await take(source, 10, issues);
  assert.deepEqual(
    messages.map((m) => m.text),
    ['baik'],
  );
  assert.deepEqual(
    issues.map((i) => [i.kind, i.location]),
    [
      ['malformed', 'update 77'],
      ['malformed', 'update 78'],
    ],
  );
});

test('issues beyond maxPendingIssues are counted, and the count reported', async () => {
  const source = new TelegramBotSource({ maxPendingIssues: 3 });
  for (let id = 1; id <= 10; id++) source.push({ update_id: id, poll: {} });
  source.close();
  const issues: SourceIssue[] = [];
  await take(source, 10, issues);
  assert.equal(issues.length, 4);
  assert.deepEqual(issues[3], { kind: 'limit', message: '7 further issues were not kept while the reader was behind' });
});

test('close() emits held albums, ends messages(), and refuses later updates', async () => {
  const timers = new FakeTimers();
  const source = new TelegramBotSource({ album: { timers } });
  source.push(messageUpdate(photoFields('z', { media_group_id: 'held' })));
  const reading = take(source, 10);
  source.close();
  assert.equal((await reading).length, 1);
  const late = source.push(messageUpdate({ text: 'late' }));
  assert.equal(late.accepted, false);
});

test('one reader at a time', async () => {
  const source = new TelegramBotSource();
  const pending = source.messages().next();
  await assert.rejects(source.messages().next(), /already being read/);
  source.close();
  assert.equal((await pending).done, true);
});

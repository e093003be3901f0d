/** BotApiClient against a fake Bot API server on loopback: retries, refusals, limits, and no token in any error. */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { BotApiClient, type BotApiClientOptions } from '../../../src/sources/telegram-bot/client.js';
import { BotApiError, redactToken } from '../../../src/sources/telegram-bot/errors.js';
import { sharedFixtures } from '../../support/env.js';
import { FakeBotApi, type FakeFile } from './fake-bot-api.js';

const TOKEN = '7700900123:AAH-fiktif_SECRET_token_Xy9';
const PICTURE: FakeFile = {
  fileId: 'AgACAgQAAx-photo',
  fileUniqueId: 'AQADphoto',
  filePath: 'photos/file_12.jpg',
  bytes: Uint8Array.from({ length: 5000 }, (_, i) => (i * 7) % 256),
};
const LARGE: FakeFile = {
  fileId: 'BAACAgQ-video',
  fileUniqueId: 'AQADvideo',
  filePath: 'videos/file_13.mp4',
  bytes: new Uint8Array(4096),
};
/** getFile understates its size and the download has no Content-Length: only counting finds it. */
const UNDECLARED: FakeFile = {
  ...LARGE,
  fileId: 'BAACAgQ-undeclared',
  filePath: 'videos/file_14.mp4',
  declaredSize: 10,
  chunked: true,
};

let api: FakeBotApi;
before(async () => {
  api = await FakeBotApi.start(TOKEN, [PICTURE, LARGE, UNDECLARED]);
});
after(() => api.close());

function client(options: Partial<BotApiClientOptions> = {}) {
  const sleeps: number[] = [];
  const bot = new BotApiClient({
    token: TOKEN,
    baseUrl: api.baseUrl,
    sleep: async (ms) => {
      sleeps.push(ms);
    },
    ...options,
  });
  return { bot, sleeps };
}

async function failure(promise: Promise<unknown>): Promise<BotApiError> {
  try {
    await promise;
  } catch (err) {
    assert.ok(err instanceof BotApiError, `a BotApiError, not ${String(err)}`);
    assert.ok(!err.message.includes('SECRET') && !String(err.stack).includes('SECRET'), err.message);
    return err;
  }
  assert.fail('expected a failure');
}

function requestsDuring<T>(run: () => Promise<T>): Promise<{ value: T; requests: string[] }> {
  const start = api.requests.length;
  return run().then((value) => ({ value, requests: api.requests.slice(start) }));
}

test('getFile then download gives the bytes', async () => {
  const { bot, sleeps } = client();
  const file = await bot.getFile(PICTURE.fileId);
  assert.deepEqual(file, {
    fileId: PICTURE.fileId,
    fileUniqueId: 'AQADphoto',
    fileSize: 5000,
    filePath: 'photos/file_12.jpg',
  });
  assert.deepEqual(await bot.downloadFile(PICTURE.fileId), PICTURE.bytes);
  assert.deepEqual(sleeps, []);
});

test('429: waits parameters.retry_after seconds, then succeeds', async () => {
  const { bot, sleeps } = client();
  const tooMany = {
    ok: false,
    error_code: 429,
    description: 'Too Many Requests: retry after 3',
    parameters: { retry_after: 3 },
  };
  api.script('getFile', { status: 429, json: tooMany }, { status: 429, json: tooMany });
  api.script('file', { status: 429, json: { ...tooMany, parameters: {} }, headers: { 'retry-after': '2' } });
  const { value, requests } = await requestsDuring(() => bot.downloadFile(PICTURE.fileId));
  assert.deepEqual(value, PICTURE.bytes);
  assert.deepEqual(sleeps, [3000, 3000, 2000], 'retry_after from the body, then the Retry-After header');
  assert.equal(requests.length, 5);
});

test('429 with the real sample body (retry_after 14) is honoured', {
  skip: sharedFixtures('telegram-bot-api').skip,
}, async () => {
  const dir = sharedFixtures('telegram-bot-api').dir;
  const sample = JSON.parse(readFileSync(join(dir, 'nutgram_response_too_many_requests.json'), 'utf8'));
  const { bot, sleeps } = client();
  api.script('getFile', { status: 429, json: sample });
  assert.equal((await bot.getFile(PICTURE.fileId)).filePath, PICTURE.filePath);
  assert.deepEqual(sleeps, [14_000]);
});

test('429 asking for a wait over the cap fails at once, saying so', async () => {
  const { bot, sleeps } = client({ maxRetryAfterS: 10 });
  api.script('getFile', {
    status: 429,
    json: {
      ok: false,
      error_code: 429,
      description: 'Too Many Requests: retry after 3600',
      parameters: { retry_after: 3600 },
    },
  });
  const err = await failure(bot.getFile(PICTURE.fileId));
  assert.equal(err.code, 'rate-limited');
  assert.match(err.message, /wait of 3600 s is over the 10 s cap/);
  assert.deepEqual(sleeps, []);
});

test('5xx and dropped connections: bounded exponential backoff, then success', async () => {
  const { bot, sleeps } = client({ backoffMs: 100 });
  api.script('getFile', { status: 502, body: '<html>Bad Gateway</html>' }, 'drop');
  api.script('file', { status: 500, json: { ok: false, error_code: 500, description: 'Internal Server Error' } });
  assert.deepEqual(await bot.downloadFile(PICTURE.fileId), PICTURE.bytes);
  assert.deepEqual(sleeps, [100, 200, 100]);
});

test('5xx every time: gives up after maxAttempts with the last answer', async () => {
  const { bot, sleeps } = client({ maxAttempts: 3, backoffMs: 100, maxBackoffMs: 150 });
  const busy = { status: 503, json: { ok: false, error_code: 503, description: 'Service Unavailable' } };
  api.script('getFile', busy, busy, busy);
  const err = await failure(bot.getFile(PICTURE.fileId));
  assert.equal(err.code, 'server');
  assert.equal(err.status, 503);
  assert.match(err.message, /getFile: 503 Service Unavailable \(gave up after 3 attempts\)/);
  assert.deepEqual(sleeps, [100, 150]);
});

test('wrong file_id: a clear error at once, no retry', async () => {
  const { bot, sleeps } = client();
  const { requests } = await requestsDuring(async () => {
    const err = await failure(bot.downloadFile('no-such-file'));
    assert.equal(err.code, 'wrong-file-id');
    assert.equal(err.status, 400);
    assert.equal(err.message, 'getFile: 400 Bad Request: wrong file_id or the file is temporarily unavailable');
  });
  assert.equal(requests.length, 1);
  assert.deepEqual(sleeps, []);
});

test('the real wrong-file_id sample body gives the same error', {
  skip: sharedFixtures('telegram-bot-api').skip,
}, async () => {
  const dir = sharedFixtures('telegram-bot-api').dir;
  const sample = JSON.parse(readFileSync(join(dir, 'nutgram_response_wrong_file_id.json'), 'utf8'));
  api.script('getFile', { status: 400, json: sample });
  const err = await failure(client().bot.getFile(PICTURE.fileId));
  assert.equal(err.code, 'wrong-file-id');
});

test('size limits: a declared size over the limit is not downloaded; an undeclared one is cut off while reading', async () => {
  const { bot } = client({ maxDownloadBytes: 1000 });
  const declared = await requestsDuring(() => failure(bot.downloadFile(LARGE.fileId)));
  assert.equal(declared.value.code, 'too-large');
  assert.match(declared.value.message, /4096 bytes are more than the download limit of 1000 bytes/);
  assert.equal(declared.requests.length, 1, 'getFile only');
  const counted = await failure(bot.downloadFile(UNDECLARED.fileId));
  assert.equal(counted.code, 'too-large');
  assert.equal(counted.message, 'the file is more than the download limit of 1000 bytes');
  assert.deepEqual(await client().bot.downloadFile(UNDECLARED.fileId), UNDECLARED.bytes, 'within the default limit');
});

test('a wrong token: unauthorized, and the token is not in the message', async () => {
  const bot = new BotApiClient({ token: '7700900999:AAH-other_SECRET', baseUrl: api.baseUrl, sleep: async () => {} });
  const err = await failure(bot.getFile(PICTURE.fileId));
  assert.equal(err.code, 'unauthorized');
  assert.match(err.message, /getFile: 404 Not Found \(is the bot token right\?\)/);
});

test('an expired file link: not-found', async () => {
  const err = await failure(client().bot.download('photos/gone.jpg'));
  assert.equal(err.code, 'not-found');
});

test('nothing listening: network error after the attempts, token redacted even if a server echoes it', async () => {
  const closed = await FakeBotApi.start(TOKEN, []);
  const url = closed.baseUrl;
  await closed.close();
  const { bot, sleeps } = client({ baseUrl: url, maxAttempts: 2 });
  const err = await failure(bot.getFile(PICTURE.fileId));
  assert.equal(err.code, 'network');
  assert.match(err.message, /getFile: network error \(ECONNREFUSED\) \(gave up after 2 attempts\)/);
  assert.equal(sleeps.length, 1);

  api.script('getFile', {
    status: 400,
    json: { ok: false, description: `Bad Request: no method at /bot${TOKEN}/getFile` },
  });
  const echoed = await failure(client().bot.getFile(PICTURE.fileId));
  assert.equal(echoed.message, 'getFile: 400 Bad Request: no method at /bot<token>/getFile');
});

test('unusable file paths from the server are refused, not fetched', async () => {
  for (const path of ['../../etc/passwd', '/abs', 'a//b', 'a\\b', '']) {
    const err = await failure(client().bot.download(path));
    assert.equal(err.code, 'protocol');
  }
});

test('redactToken covers the plain and URL-encoded token and any bot<id>:<secret>', () => {
  assert.equal(
    redactToken(`x ${TOKEN} y ${encodeURIComponent(TOKEN)} /bot123:abc-DEF/`, TOKEN),
    'x <token> y <token> /bot<token>/',
  );
});

test('construction refuses tokens that would change the URL', () => {
  for (const token of ['', 'a b', '1:x/y', '1:x?y']) {
    assert.throws(() => new BotApiClient({ token }), /Bot API token is empty/);
  }
  assert.throws(() => new BotApiClient({ token: '1:x', baseUrl: 'file:///etc' }), /must be http\(s\)/);
});

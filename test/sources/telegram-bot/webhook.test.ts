/** The webhook route on a real Fastify instance: secret check, body checks, backpressure, and a source behind it. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import Fastify, { type FastifyInstance } from 'fastify';
import { TelegramBotSource, type UpdateVerdict } from '../../../src/sources/telegram-bot/source.js';
import { registerTelegramWebhook, SECRET_HEADER } from '../../../src/sources/telegram-bot/webhook.js';
import type { NormalizedMessage, SourceIssue } from '../../../src/sources/types.js';
import { messageUpdate } from './support.js';

const SECRET = 'perisai_Webhook-secret_0123456789';

async function app(onUpdate: (u: unknown) => UpdateVerdict | Promise<UpdateVerdict>, path?: string) {
  const server = Fastify();
  registerTelegramWebhook(server, { secretToken: SECRET, onUpdate, ...(path ? { path } : {}) });
  await server.ready();
  return server;
}

function post(server: FastifyInstance, body: unknown, secret: string | null = SECRET, url = '/telegram/webhook') {
  return server.inject({
    method: 'POST',
    url,
    headers: { 'content-type': 'application/json', ...(secret === null ? {} : { [SECRET_HEADER]: secret }) },
    payload: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

test('the right secret and an Update: 200 with an empty body, the update handed on', async () => {
  const received: unknown[] = [];
  const server = await app((u) => {
    received.push(u);
    return { accepted: true };
  });
  const update = messageUpdate({ text: 'halo' });
  const res = await post(server, update);
  assert.equal(res.statusCode, 200);
  assert.equal(res.body, '');
  assert.deepEqual(received, [update]);
  await server.close();
});

test('a missing or wrong secret: 401, and the body is never handed on', async () => {
  let calls = 0;
  const server = await app(() => {
    calls++;
    return { accepted: true };
  });
  for (const secret of [null, '', 'wrong', `${SECRET}x`, SECRET.slice(0, -1), SECRET.toUpperCase()]) {
    const res = await post(server, messageUpdate({ text: 'x' }), secret);
    assert.equal(res.statusCode, 401, `secret ${JSON.stringify(secret)}`);
    assert.deepEqual(res.json(), { message: `missing or wrong ${SECRET_HEADER} header` });
  }
  assert.equal(calls, 0);
  await server.close();
});

test('a body that is not an Update: 400; unparsable JSON: 400; over 1 MB: 413', async () => {
  const server = await app(() => ({ accepted: true }));
  for (const body of [{}, [], 'null', '"text"', '42', { update_id: '1' }, { update_id: 1.5 }]) {
    const res = await post(server, body);
    assert.equal(res.statusCode, 400, JSON.stringify(body));
  }
  assert.equal((await post(server, '{"update_id": 1,')).statusCode, 400);
  const big = messageUpdate({ text: 'x'.repeat(1024 * 1024) });
  assert.equal((await post(server, big)).statusCode, 413);
  await server.close();
});

test('a full receiver: 503 with Retry-After, so Telegram delivers again', async () => {
  const server = await app(() => ({ accepted: false, retryAfterS: 9, reason: 'busy' }));
  const res = await post(server, messageUpdate({ text: 'x' }));
  assert.equal(res.statusCode, 503);
  assert.equal(res.headers['retry-after'], '9');
  assert.deepEqual(res.json(), { message: 'not accepted now: busy' });
  await server.close();
});

test('the route declares itself public (the secret is its credential) and takes a custom path', async () => {
  const server = Fastify();
  const configs: unknown[] = [];
  server.addHook('onRoute', (route) => void configs.push(route.config));
  registerTelegramWebhook(server, { secretToken: SECRET, onUpdate: () => ({ accepted: true }), path: '/tg/hook' });
  await server.ready();
  assert.deepEqual(configs, [{ public: true }]);
  assert.equal((await post(server, messageUpdate({}), SECRET, '/tg/hook')).statusCode, 200);
  await server.close();
});

test('a secret Telegram would not accept is refused when the route is registered', () => {
  for (const secretToken of ['', 'has space', 'ä', 'x'.repeat(257)]) {
    assert.throws(
      () => registerTelegramWebhook(Fastify(), { secretToken, onUpdate: () => ({ accepted: true }) }),
      /1–256/,
    );
  }
});

test('over loopback into a TelegramBotSource: messages, hostile bodies as issues, backpressure as 503', async () => {
  const source = new TelegramBotSource({ capacity: 3 });
  const server = Fastify();
  registerTelegramWebhook(server, { secretToken: SECRET, onUpdate: (u) => source.push(u) });
  await server.listen({ host: '127.0.0.1', port: 0 });
  const { port } = server.server.address() as { port: number };
  const send = (body: unknown) =>
    fetch(`http://127.0.0.1:${port}/telegram/webhook`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', [SECRET_HEADER]: SECRET },
      body: JSON.stringify(body),
    });
  const hostile = messageUpdate({ text: 'y'.repeat(900_000), date: -5, message_id: 1 });
  const statuses = [];
  statuses.push((await send(hostile)).status);
  statuses.push((await send({ update_id: 9, message: { message_id: [], chat: 7 } })).status);
  statuses.push((await send(messageUpdate({ text: 'pertama', message_id: 2 }))).status);
  statuses.push((await send(messageUpdate({ text: 'kedua', message_id: 3 }))).status);
  const full = await send(messageUpdate({ text: 'ketiga', message_id: 4 }));
  assert.deepEqual(statuses, [200, 200, 200, 200]);
  assert.equal(full.status, 503);
  assert.equal(full.headers.get('retry-after'), '5');
  await server.close();
  source.close();
  const issues: SourceIssue[] = [];
  const messages: NormalizedMessage[] = [];
  for await (const m of source.messages((i) => issues.push(i))) messages.push(m);
  assert.deepEqual(
    messages.map((m) => m.text.length),
    [64 * 1024, 'pertama'.length, 'kedua'.length],
  );
  assert.equal(messages[0]!.date.getTime(), 0, 'an impossible date: the epoch, with a note');
  assert.deepEqual(issues.map((i) => [i.kind, i.location]).sort(), [
    ['limit', `update ${hostile.update_id}: message 1 in chat -1001987654321`],
    ['malformed', `update ${hostile.update_id}: message 1 in chat -1001987654321`],
    ['malformed', `update ${hostile.update_id}: message 1 in chat -1001987654321`],
    ['malformed', 'update 9'],
    ['malformed', 'update 9'],
    ['malformed', 'update 9'],
  ]);
});

/** The server over real HTTP: listen on a free loopback port, look up with fetch(), stop cleanly. */
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { createApiKey } from '../../src/banks/api-keys.js';
import { startServer } from '../../src/server/lifecycle.js';
import { databaseVariants } from '../support/db.js';
import { flipBits, PDQ_A } from './api-harness.js';

const pglite = databaseVariants().find((v) => v.name === 'pglite')!;
after(() => pglite.dispose());

test('lookup over HTTP on 127.0.0.1:0, then a clean stop', async () => {
  const store = await pglite.newStore();
  const logs: string[] = [];
  const server = await startServer({
    host: '127.0.0.1',
    port: 0,
    dataDir: store.options.dataDir!,
    log: (m) => logs.push(m),
  });
  try {
    assert.match(server.url, /^http:\/\/127\.0\.0\.1:\d+$/);
    // /status answers whether or not the index has finished loading.
    const status = await fetch(`${server.url}/status`);
    assert.equal(status.status, 200);
    assert.equal(((await status.json()) as { status: string }).status, 'ok');
    await server.databaseOpen;
    await server.indexLoaded;
    assert.ok(
      logs.some((l) => l.includes('index ready')),
      logs.join('\n'),
    );

    const { key } = await createApiKey(server.services.database.db, { name: 'http test', scope: 'write' });
    const headers = { authorization: `Bearer ${key}`, 'content-type': 'application/json' };
    const post = (path: string, body: unknown) =>
      fetch(`${server.url}${path}`, { method: 'POST', headers, body: JSON.stringify(body) });
    assert.equal((await post('/c/banks', { name: 'HTTP_BANK' })).status, 201);
    const added = await post('/c/bank/HTTP_BANK/signal', { pdq: PDQ_A });
    const { id } = (await added.json()) as { id: number };

    const res = await fetch(`${server.url}/m/lookup?signal_type=pdq&signal=${flipBits(PDQ_A, 4)}`, { headers });
    assert.equal(res.status, 200);
    assert.match(String(res.headers.get('content-type')), /application\/json/);
    assert.deepEqual(await res.json(), { HTTP_BANK: [{ bank_content_id: id, distance: '4' }] });
    const v1 = await post('/api/v1/lookup', { pdq: PDQ_A });
    assert.equal(((await v1.json()) as { matches: unknown[] }).matches.length, 1);
    const unauthorized = await fetch(`${server.url}/m/lookup?signal_type=pdq&signal=${PDQ_A}`);
    assert.equal(unauthorized.status, 401);
  } finally {
    await server.stop();
    await store.cleanup();
  }
  await assert.rejects(fetch(`${server.url}/status`), 'the port is closed after stop()');
});

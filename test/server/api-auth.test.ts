/** API keys at the service boundary, the open routes, the OpenAPI document and the error envelope. */
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { createApiKey, revokeApiKey } from '../../src/banks/api-keys.js';
import { openDatabase } from '../../src/db/open.js';
import { Permission, SCOPE_PERMISSIONS } from '../../src/server/permissions.js';
import { databaseVariants } from '../support/db.js';
import { type Api, type ApiOptions, PDQ_A, withApi } from './api-harness.js';

const variants = databaseVariants();
after(() => Promise.all(variants.map((v) => v.dispose())));
const pglite = variants.find((v) => v.name === 'pglite')!;
const run = (fn: (api: Api) => Promise<void>, options?: ApiOptions) =>
  pglite.run((database) => withApi(database, fn, options));

const OPEN = new Set(['/status', '/status/live']);

describe('authentication and permissions', () => {
  test('no key, a malformed key and an unknown key get 401 with a JSON message', () =>
    run(async (api) => {
      const none = await api.call('GET', '/c/banks', undefined, null);
      assert.equal(none.statusCode, 401);
      assert.match(none.json().message, /missing API key/);
      assert.equal(none.headers['www-authenticate'], 'Bearer');
      for (const key of ['nonsense', `psk_${'A'.repeat(43)}`, `${api.writeKey}x`]) {
        const res = await api.call('GET', '/c/banks', undefined, key);
        assert.equal(res.statusCode, 401, key.slice(0, 8));
        assert.deepEqual(res.json(), { message: 'invalid or revoked API key' });
      }
      const basic = await api.app.inject({
        method: 'GET',
        url: '/c/banks',
        headers: { authorization: 'Basic dXNlcjpwYXNz' },
      });
      assert.equal(basic.statusCode, 401);
    }));

  test('X-API-Key works like Bearer; a key in the query string does not', () =>
    run(async (api) => {
      const res = await api.app.inject({ method: 'GET', url: '/c/banks', headers: { 'x-api-key': api.readKey } });
      assert.equal(res.statusCode, 200);
      const query = await api.app.inject({ method: 'GET', url: `/c/banks?api_key=${api.readKey}` });
      assert.equal(query.statusCode, 401);
    }));

  test('a read key can hash and look up but not write: 403', () =>
    run(async (api) => {
      assert.equal((await api.call('GET', '/c/banks', undefined, api.readKey)).statusCode, 200);
      assert.equal(
        (await api.call('GET', `/m/lookup?signal_type=pdq&signal=${PDQ_A}`, undefined, api.readKey)).statusCode,
        200,
      );
      assert.equal((await api.call('POST', '/api/v1/lookup', { pdq: PDQ_A }, api.readKey)).statusCode, 200);
      const writes: [string, string, unknown][] = [
        ['POST', '/c/banks', { name: 'X' }],
        ['DELETE', '/c/bank/X', undefined],
        ['POST', '/c/bank/X/signal', { pdq: PDQ_A }],
        ['POST', '/api/v1/banks', { name: 'x', category: 'ncii' }],
        ['POST', '/api/v1/content/1/withdraw', undefined],
      ];
      for (const [method, url, body] of writes) {
        const res = await api.call(method, url, body, api.readKey);
        assert.equal(res.statusCode, 403, `${method} ${url}`);
        assert.match(res.json().message, /scope 'read'.*bank:write/);
      }
      assert.equal((await api.call('GET', '/c/banks')).statusCode, 200, 'a write key reads too');
    }));

  test('a revoked key is refused', () =>
    run(async (api) => {
      const { key, record } = await createApiKey(api.services.database.db, { name: 'soon revoked', scope: 'write' });
      assert.equal((await api.call('GET', '/c/banks', undefined, key)).statusCode, 200);
      await revokeApiKey(api.services.database.db, record.id);
      const res = await api.call('GET', '/c/banks', undefined, key);
      assert.equal(res.statusCode, 401);
      assert.deepEqual(res.json(), { message: 'invalid or revoked API key' });
    }));

  test('every documented route needs a key, except the ones declared public', () =>
    run(async (api) => {
      // Public routes (status, setup, login, tips, victims' own routes) declare it; they
      // answer anything but 401 without a key. The permission matrix covers the rest.
      const publicRoutes = new Set(
        api.app.routeTable
          .filter((r) => r.config.public)
          .map((r) => `${r.method} ${r.url.replace(/:[A-Za-z_]+/g, '1')}`),
      );
      const doc = (await api.call('GET', '/openapi.json', undefined, null)).json();
      let checked = 0;
      for (const [path, methods] of Object.entries(doc.paths as Record<string, object>)) {
        const url = path.replace(/\{[^}]+\}/g, '1');
        for (const method of Object.keys(methods)) {
          const res = await api.call(method.toUpperCase(), url, undefined, null);
          if (OPEN.has(path)) assert.equal(res.statusCode, 200, path);
          else if (publicRoutes.has(`${method.toUpperCase()} ${url}`)) assert.notEqual(res.statusCode, 401, path);
          else assert.equal(res.statusCode, 401, `${method} ${path} answered ${res.statusCode} without a key`);
          checked++;
        }
      }
      assert.ok(checked >= 30, `only ${checked} operations documented`);
      // Fastify adds HEAD for every GET; it must carry the GET route's permission.
      assert.equal((await api.call('HEAD', '/c/banks', undefined, null)).statusCode, 401);
    }));

  test('scopes map onto the permission enum; admin permissions come from no key', () => {
    assert.ok(SCOPE_PERMISSIONS.read.has(Permission.MatchRead));
    assert.ok(!SCOPE_PERMISSIONS.read.has(Permission.BankWrite));
    for (const p of SCOPE_PERMISSIONS.read) assert.ok(SCOPE_PERMISSIONS.write.has(p));
    assert.ok(!SCOPE_PERMISSIONS.write.has(Permission.AdminKeys));
  });
});

describe('open routes, documents and errors', () => {
  test('/status is JSON and /status/live is I-AM-ALIVE, without a key', () =>
    run(async (api) => {
      const status = await api.call('GET', '/status', undefined, null);
      assert.equal(status.statusCode, 200);
      assert.equal(status.json().status, 'ok');
      assert.equal(status.json().index.state, 'ready');
      const live = await api.call('GET', '/status/live', undefined, null);
      assert.equal(live.statusCode, 200);
      assert.equal(live.body, 'I-AM-ALIVE');
    }));

  test('/openapi.json lists the routes; /docs is HTML served without a CDN', () =>
    run(async (api) => {
      const res = await api.call('GET', '/openapi.json', undefined, null);
      assert.equal(res.statusCode, 200);
      const doc = JSON.parse(res.body);
      assert.match(doc.openapi, /^3\./);
      assert.equal(doc.info.title, 'Perisai API');
      for (const path of [
        '/h/hash',
        '/m/lookup',
        '/m/raw_lookup',
        '/m/index/status',
        '/m/compare',
        '/c/banks',
        '/c/bank/{name}',
        '/c/bank/{name}/content',
        '/c/bank/{name}/content/{id}',
        '/c/bank/{name}/signal',
        '/api/v1/banks',
        '/api/v1/lookup',
        '/api/v1/lookup/batch',
        '/api/v1/hash',
        '/api/v1/quarantine',
      ]) {
        assert.ok(doc.paths[path], `${path} is documented`);
      }
      const lookup = doc.paths['/api/v1/lookup'].post;
      assert.ok(lookup.requestBody.content['application/json'].schema.properties.pdq, 'schemas come from zod');
      assert.ok(doc.components.securitySchemes.bearer);

      const docs = await api.app.inject({ method: 'GET', url: '/docs' });
      assert.equal(docs.statusCode, 200);
      assert.match(String(docs.headers['content-type']), /text\/html/);
      assert.doesNotMatch(docs.body, /https?:\/\/(unpkg|cdn)/);
      const asset = await api.app.inject({ method: 'GET', url: '/docs/static/swagger-ui-bundle.js' });
      assert.equal(asset.statusCode, 200);
    }));

  test('unknown routes are JSON 404s; server errors are a bare 500 without stack traces', async () => {
    await pglite.run(async () => {});
    const store = await pglite.newStore();
    const database = await openDatabase(store.options);
    try {
      await withApi(
        database,
        async (api) => {
          const missing = await api.call('GET', '/no/such/route', undefined, null);
          assert.equal(missing.statusCode, 404);
          assert.equal(typeof missing.json().message, 'string');
          assert.equal((await api.call('GET', '/c/banks')).statusCode, 200); // caches the key
          await database.close();
          const broken = await api.call('GET', '/c/banks');
          assert.equal(broken.statusCode, 500);
          assert.deepEqual(broken.json(), { message: 'internal server error' });
        },
        { authCacheMs: 60_000 },
      );
    } finally {
      await database.close().catch(() => {});
      await store.cleanup();
    }
  });
});

/** Perisai's versioned API (/api/v1) on PGlite and PostgreSQL. */
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { databaseVariants } from '../support/db.js';
import { patternImage } from '../support/images.js';
import { type Api, type ApiOptions, flipBits, PDQ_A, PDQ_B, withApi } from './api-harness.js';

const variants = databaseVariants();
after(() => Promise.all(variants.map((v) => v.dispose())));

async function bank(api: Api, name = 'ncii-victims', extra: Record<string, unknown> = {}) {
  const res = await api.call('POST', '/api/v1/banks', { name, category: 'ncii', ...extra });
  assert.equal(res.statusCode, 201, res.body);
  return res.json();
}

async function addPdq(api: Api, pdq: string, bankName = 'ncii-victims'): Promise<number> {
  const res = await api.call('POST', `/api/v1/banks/${bankName}/content`, {
    signals: [{ type: 'pdq', hash: pdq, quality: 90 }],
    note: 'synthetic',
    metadata: { ticket: 'T-1' },
  });
  assert.equal(res.statusCode, 201, res.body);
  return res.json().id;
}

const lookup = (api: Api, body: unknown, key?: string) => api.call('POST', '/api/v1/lookup', body, key);

for (const variant of variants) {
  describe(`/api/v1 (${variant.name})`, { skip: variant.skip }, () => {
    const run = (fn: (api: Api) => Promise<void>, options?: ApiOptions) =>
      variant.run((database) => withApi(database, fn, options));

    test('banks: create, list, get, patch, delete; 404, 409 and 400', () =>
      run(async (api) => {
        const created = await bank(api, 'ncii-victims', { pdq_threshold: 20 });
        assert.equal(created.name, 'ncii-victims');
        assert.equal(created.pdq_threshold, 20);
        assert.equal(created.kind, 'block');
        assert.match(created.created_at, /^\d{4}-\d\d-\d\dT/);
        assert.deepEqual(
          (await api.call('GET', '/api/v1/banks', undefined, api.readKey))
            .json()
            .banks.map((b: { name: string }) => b.name),
          ['ncii-victims'],
        );
        assert.equal((await api.call('GET', '/api/v1/banks/ncii-victims')).json().id, created.id);
        const patched = await api.call('PATCH', '/api/v1/banks/ncii-victims', { min_quality: 70, enabled: false });
        assert.equal(patched.json().min_quality, 70);
        assert.equal(patched.json().enabled, false);
        const missing = await api.call('GET', '/api/v1/banks/nope');
        assert.equal(missing.statusCode, 404);
        assert.equal(typeof missing.json().message, 'string');
        assert.equal(
          (await api.call('POST', '/api/v1/banks', { name: 'ncii-victims', category: 'ncii' })).statusCode,
          409,
        );
        const badName = await api.call('POST', '/api/v1/banks', { name: '-x', category: 'ncii' });
        assert.equal(badName.statusCode, 400);
        assert.match(badName.json().message, /^name must be/);
        const badCategory = await api.call('POST', '/api/v1/banks', { name: 'x', category: 'cats' });
        assert.equal(badCategory.statusCode, 400);
        assert.match(badCategory.json().message, /category/);
        assert.equal((await api.call('DELETE', '/api/v1/banks/ncii-victims')).statusCode, 204);
        assert.equal((await api.call('DELETE', '/api/v1/banks/ncii-victims')).statusCode, 404);
      }));

    test('content added is matchable at once; bank rules apply; withdrawal is immediate', () =>
      run(async (api) => {
        await bank(api);
        const id = await addPdq(api, PDQ_A);
        const hit = await lookup(api, { pdq: flipBits(PDQ_A, 9), quality: 80 }, api.readKey);
        assert.equal(hit.statusCode, 200);
        const body = hit.json();
        assert.equal(body.index_complete, true);
        assert.equal(body.allowed, false);
        assert.equal(body.matches.length, 1);
        assert.deepEqual(
          { ...body.matches[0], bank_id: 0, signal_id: 0 },
          {
            bank: 'ncii-victims',
            bank_id: 0,
            bank_kind: 'block',
            category: 'ncii',
            content_id: id,
            signal_id: 0,
            signal_type: 'pdq',
            distance: 9,
            metadata: { ticket: 'T-1' },
            note: 'synthetic',
            case_ref: null,
            suppressed: false,
            held: false,
          },
        );
        assert.deepEqual((await lookup(api, { pdq: PDQ_B })).json().matches, []);
        // Upper-case hex is accepted and normalized.
        assert.equal((await lookup(api, { pdq: PDQ_A.toUpperCase() })).json().matches.length, 1);
        // A query below the bank's quality floor (50) does not match.
        assert.equal((await lookup(api, { pdq: PDQ_A, quality: 10 })).json().matches.length, 0);

        await api.call('PATCH', '/api/v1/banks/ncii-victims', { pdq_threshold: 5 });
        assert.equal((await lookup(api, { pdq: flipBits(PDQ_A, 9) })).json().matches.length, 0);
        assert.equal((await lookup(api, { pdq: flipBits(PDQ_A, 5) })).json().matches.length, 1);

        const withdrawn = await api.call('POST', `/api/v1/content/${id}/withdraw`);
        assert.equal(withdrawn.statusCode, 200);
        assert.equal(withdrawn.json().status, 'withdrawn');
        assert.equal((await lookup(api, { pdq: PDQ_A })).json().matches.length, 0);
        assert.equal((await api.call('GET', `/api/v1/content/${id}`)).json().status, 'withdrawn');
        const reenable = await api.call('PATCH', `/api/v1/content/${id}`, { status: 'active' });
        assert.equal(reenable.statusCode, 409, 'a withdrawal cannot be undone');
        assert.equal((await api.call('GET', '/api/v1/content/999999')).statusCode, 404);
        assert.equal((await api.call('POST', '/api/v1/content/999999/withdraw')).statusCode, 404);
      }));

    test('content: disable until a time, re-enable, list pages, digests and vPDQ frames', () =>
      run(async (api) => {
        await bank(api);
        const id = await addPdq(api, PDQ_A);
        const until = new Date(Date.now() + 3600_000).toISOString();
        const disabled = await api.call('PATCH', `/api/v1/content/${id}`, {
          status: 'disabled',
          disabled_until: until,
        });
        assert.equal(disabled.json().status, 'disabled');
        assert.equal((await lookup(api, { pdq: PDQ_A })).json().matches.length, 0);
        await api.call('PATCH', `/api/v1/content/${id}`, { status: 'active' });
        assert.equal((await lookup(api, { pdq: PDQ_A })).json().matches.length, 1);

        const sha = 'a'.repeat(64);
        const multi = await api.call('POST', '/api/v1/banks/ncii-victims/content', {
          signals: [
            { type: 'md5', hash: 'B'.repeat(32) },
            { type: 'sha256', hash: sha },
            { type: 'vpdq', frames: [{ frame_number: 0, quality: 100, hash: PDQ_B, timestamp_s: 0 }] },
          ],
          case_ref: 'CASE-1',
        });
        assert.equal(multi.statusCode, 201, multi.body);
        assert.deepEqual(
          multi.json().signals.map((s: { type: string }) => s.type),
          ['md5', 'sha256', 'vpdq'],
        );
        const bySha = (await lookup(api, { sha256: sha })).json().matches;
        assert.equal(bySha[0].case_ref, 'CASE-1');
        assert.equal((await lookup(api, { md5: 'b'.repeat(32) })).json().matches.length, 1);

        const page1 = (await api.call('GET', '/api/v1/banks/ncii-victims/content?limit=1')).json();
        assert.equal(page1.items.length, 1);
        assert.equal(page1.next_after, id);
        const page2 = (await api.call('GET', `/api/v1/banks/ncii-victims/content?limit=1&after=${id}`)).json();
        assert.equal(page2.items[0].id, multi.json().id);
        assert.equal((await api.call('GET', '/api/v1/banks/nope/content')).statusCode, 404);
        assert.equal(
          (await api.call('POST', '/api/v1/banks/nope/content', { signals: [{ type: 'md5', hash: 'b'.repeat(32) }] }))
            .statusCode,
          404,
        );
      }));

    test('malformed hashes and bodies: 400 naming the field', () =>
      run(async (api) => {
        const cases: [unknown, RegExp][] = [
          [{ pdq: 'zz' }, /^pdq must be 64 hex digits$/],
          [{ md5: '123' }, /^md5 must be 32 hex digits$/],
          [{ sha256: PDQ_A.slice(1) }, /^sha256 must be 64 hex digits$/],
          [{ pdq: PDQ_A, quality: 101 }, /quality/],
          [{}, /give at least one of pdq, dihedral, md5, sha256/],
          [{ pdq: PDQ_A, colour: 'red' }, /colour/],
        ];
        for (const [body, message] of cases) {
          const res = await lookup(api, body);
          assert.equal(res.statusCode, 400, JSON.stringify(body));
          assert.match(res.json().message, message);
        }
        const notJson = await api.call('POST', '/api/v1/lookup', '{"pdq":');
        assert.equal(notJson.statusCode, 400);
        const badSignal = await api.call('POST', '/api/v1/banks/x/content', {
          signals: [{ type: 'pdq', hash: 'abc' }],
        });
        assert.equal(badSignal.statusCode, 400);
        assert.match(badSignal.json().message, /^signals\.0\.hash: hash must be 64 hex digits$/);
      }));

    test('batch lookup: 1,000 queries answered in order, 1,001 refused', () =>
      run(async (api) => {
        await bank(api);
        const id = await addPdq(api, PDQ_A);
        const queries = Array.from({ length: 1000 }, (_, i) => ({
          pdq: i % 100 === 0 ? flipBits(PDQ_A, i % 7) : flipBits(PDQ_B, i % 50),
        }));
        const res = await api.call('POST', '/api/v1/lookup/batch', { queries }, api.readKey);
        assert.equal(res.statusCode, 200);
        const { results } = res.json();
        assert.equal(results.length, 1000);
        results.forEach((r: { matches: { content_id: number }[] }, i: number) => {
          assert.deepEqual(
            r.matches.map((m) => m.content_id),
            i % 100 === 0 ? [id] : [],
            `query ${i}`,
          );
        });
        const tooMany = await api.call('POST', '/api/v1/lookup/batch', { queries: [...queries, { pdq: PDQ_A }] });
        assert.equal(tooMany.statusCode, 400);
        assert.match(tooMany.json().message, /at most 1000 queries/);
        const badOne = await api.call('POST', '/api/v1/lookup/batch', { queries: [{ pdq: PDQ_A }, { pdq: 'x' }] });
        assert.equal(badOne.json().message, 'queries.1.pdq: pdq must be 64 hex digits');
        const huge = await api.call('POST', '/api/v1/lookup/batch', {
          queries: [{ pdq: PDQ_A, pad: 'x'.repeat(1_100_000) }],
        });
        assert.equal(huge.statusCode, 413);
      }));

    test('hashing uploads; dihedral hashes find a rotated copy; upload into a bank', () =>
      run(async (api) => {
        const png = await patternImage(200, 150, 3, 3).png().toBuffer();
        const hashed = await api.upload('/api/v1/hash', [{ name: 'file', filename: 'a.png', data: png }], api.readKey);
        assert.equal(hashed.statusCode, 200, hashed.body);
        const h = hashed.json();
        assert.equal(h.media_type, 'photo');
        assert.match(h.pdq, /^[0-9a-f]{64}$/);
        assert.ok(h.quality >= 50);
        assert.match(h.md5, /^[0-9a-f]{32}$/);
        assert.match(h.sha256, /^[0-9a-f]{64}$/);
        assert.equal(h.width, 200);
        assert.equal(h.height, 150);

        await bank(api);
        const added = await api.upload('/api/v1/banks/ncii-victims/content/upload', [
          { name: 'file', filename: 'a.png', data: png },
          { name: 'note', data: 'uploaded' },
          { name: 'metadata', data: '{"ticket":"T-9"}' },
        ]);
        assert.equal(added.statusCode, 201, added.body);
        assert.deepEqual(
          added.json().signals.map((s: { type: string }) => s.type),
          ['pdq', 'md5', 'sha256'],
        );
        assert.deepEqual(added.json().metadata, { ticket: 'T-9' });
        assert.equal((await lookup(api, { sha256: h.sha256 })).json().matches.length, 1);

        const rotated = await patternImage(200, 150, 3, 3).rotate(90).png().toBuffer();
        const r = (
          await api.upload('/api/v1/hash?dihedral=true', [{ name: 'file', filename: 'r.png', data: rotated }])
        ).json();
        assert.equal(Object.keys(r.dihedral).length, 8);
        assert.equal(
          (await lookup(api, { pdq: r.pdq })).json().matches.length,
          0,
          'the plain hash misses the rotation',
        );
        const found = (await lookup(api, { pdq: r.pdq, dihedral: Object.values(r.dihedral) })).json().matches;
        assert.equal(found.length, 1);
        assert.ok(found[0].distance <= 31);
      }));

    test('upload limits and bad media', () =>
      run(
        async (api) => {
          const big = await patternImage(400, 400).png().toBuffer();
          assert.ok(big.length > 20_000);
          const res = await api.upload('/api/v1/hash', [{ name: 'file', filename: 'big.png', data: big }]);
          assert.equal(res.statusCode, 413);
          assert.match(res.json().message, /larger than the limit of 20000 bytes/);
          const hma = await api.upload('/h/hash', [{ name: 'photo', filename: 'big.png', data: big }]);
          assert.equal(hma.statusCode, 413);
          const junk = await api.upload('/api/v1/hash', [
            { name: 'file', filename: 'x.png', data: Buffer.from('definitely not an image') },
          ]);
          assert.equal(junk.statusCode, 400);
          assert.equal(typeof junk.json().message, 'string');
          const none = await api.upload('/api/v1/hash', [{ name: 'note', data: 'x' }]);
          assert.equal(none.statusCode, 400);
          const notMultipart = await api.call('POST', '/api/v1/hash', { file: 'x' });
          assert.equal(notMultipart.statusCode, 400);
        },
        { limits: { maxUploadBytes: 20_000 } },
      ));

    test('allow banks suppress block matches; flooding signals are held until released', () =>
      run(
        async (api) => {
          await bank(api);
          await bank(api, 'known-benign', { kind: 'allow' });
          await addPdq(api, PDQ_A);
          await addPdq(api, flipBits(PDQ_A, 1), 'known-benign');
          const both = (await lookup(api, { pdq: PDQ_A })).json();
          assert.equal(both.allowed, true);
          const byBank = Object.fromEntries(both.matches.map((m: { bank: string }) => [m.bank, m]));
          assert.equal(byBank['ncii-victims'].suppressed, true);
          assert.equal(byBank['known-benign'].bank_kind, 'allow');
          await api.call('DELETE', '/api/v1/banks/known-benign');

          await lookup(api, { pdq: PDQ_A });
          const held = (await lookup(api, { pdq: PDQ_A })).json().matches[0];
          assert.equal(held.held, true);
          const list = (await api.call('GET', '/api/v1/quarantine', undefined, api.readKey)).json().held;
          assert.equal(list.length, 1);
          assert.equal(list[0].signal_id, held.signal_id);
          assert.equal(list[0].content_id, held.content_id);
          const url = `/api/v1/quarantine/${held.signal_id}/release`;
          assert.equal((await api.call('POST', url, undefined, api.readKey)).statusCode, 403);
          assert.deepEqual((await api.call('POST', url)).json(), { signal_id: held.signal_id, released: true });
          assert.equal((await api.call('POST', url)).statusCode, 404);
          assert.equal((await lookup(api, { pdq: PDQ_A })).json().matches[0].held, false);
        },
        { flood: { minMatches: 2, factor: 1 } },
      ));

    test('index status, and lookups flagged incomplete while the index loads', () =>
      run(
        async (api) => {
          const status = (await api.call('GET', '/api/v1/index/status')).json();
          assert.equal(status.state, 'empty');
          const res = (await lookup(api, { pdq: PDQ_A })).json();
          assert.deepEqual(res, { matches: [], allowed: false, index_complete: false });
        },
        { indexNotLoaded: true },
      ));
  });
}

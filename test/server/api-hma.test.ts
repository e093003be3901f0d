/** HMA-compatible routes (/h, /m, /c) against docs/hma-compat.md, on PGlite and PostgreSQL. */
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import sharp from 'sharp';
import { databaseVariants } from '../support/db.js';
import { patternImage } from '../support/images.js';
import { type Api, type ApiOptions, flipBits, PDQ_A, PDQ_B, withApi } from './api-harness.js';

const variants = databaseVariants();
after(() => Promise.all(variants.map((v) => v.dispose())));

const ZEROS = '0'.repeat(64);

async function bank(api: Api, name = 'TEST_BANK'): Promise<void> {
  assert.equal((await api.call('POST', '/c/banks', { name })).statusCode, 201);
}

async function addPdq(api: Api, pdq: string, bankName = 'TEST_BANK'): Promise<number> {
  const res = await api.call('POST', `/c/bank/${bankName}/signal`, { pdq });
  assert.equal(res.statusCode, 200, res.body);
  return res.json().id;
}

for (const variant of variants) {
  describe(`HMA routes (${variant.name})`, { skip: variant.skip }, () => {
    const run = (fn: (api: Api) => Promise<void>, options?: ApiOptions) =>
      variant.run((database) => withApi(database, fn, options));

    test('banks: create, list, get, rename, enable, delete, with the pinned errors', () =>
      run(async (api) => {
        assert.deepEqual((await api.call('GET', '/c/banks')).json(), []);
        const created = await api.call('POST', '/c/banks', { name: 'MY_TEST_BANK_01' });
        assert.equal(created.statusCode, 201);
        assert.deepEqual(created.json(), { matching_enabled_ratio: 1.0, name: 'MY_TEST_BANK_01' });
        assert.deepEqual((await api.call('GET', '/c/banks')).json(), [
          { matching_enabled_ratio: 1.0, name: 'MY_TEST_BANK_01' },
        ]);

        const dup = await api.call('POST', '/c/banks', { name: 'MY_TEST_BANK_01' });
        assert.equal(dup.statusCode, 403);
        assert.deepEqual(dup.json(), { message: 'Bank already exists' });
        for (const name of ['01_TEST_BANK', 'my_test_bank', '1_invalid_name']) {
          const bad = await api.call('POST', '/c/banks', { name });
          assert.equal(bad.statusCode, 400, name);
          assert.deepEqual(bad.json(), { message: 'Bank names must be UPPER_WITH_UNDERSCORE' });
        }
        const missing = await api.call('POST', '/c/banks', {});
        assert.equal(missing.statusCode, 422);
        assert.equal(missing.json()[0].type, 'missing');
        assert.deepEqual(missing.json()[0].loc, ['body', 'name']);

        assert.deepEqual((await api.call('GET', '/c/bank/MY_TEST_BANK_01')).json(), {
          matching_enabled_ratio: 1,
          name: 'MY_TEST_BANK_01',
        });
        const unknown = await api.call('GET', '/c/bank/NOPE');
        assert.equal(unknown.statusCode, 404);
        assert.deepEqual(unknown.json(), { message: "bank 'NOPE' not found" });

        const off = await api.call('PUT', '/c/bank/MY_TEST_BANK_01', { enabled: false });
        assert.equal(off.json().matching_enabled_ratio, 0);
        const on = await api.call('PUT', '/c/bank/MY_TEST_BANK_01', { enabled_ratio: 1 });
        assert.equal(on.json().matching_enabled_ratio, 1);
        // Perisai banks are on or off: a fractional ratio is refused, not silently rounded.
        assert.equal((await api.call('PUT', '/c/bank/MY_TEST_BANK_01', { enabled_ratio: 0.5 })).statusCode, 400);

        await bank(api, 'OTHER_BANK');
        const taken = await api.call('PUT', '/c/bank/MY_TEST_BANK_01', { name: 'OTHER_BANK' });
        assert.equal(taken.statusCode, 403);
        assert.deepEqual(taken.json(), { message: 'Bank name already exists' });
        assert.equal((await api.call('PUT', '/c/bank/MY_TEST_BANK_01', { name: 'bad name' })).statusCode, 400);
        const renamed = await api.call('PUT', '/c/bank/MY_TEST_BANK_01', { name: 'RENAMED' });
        assert.deepEqual(renamed.json(), { matching_enabled_ratio: 1, name: 'RENAMED' });
        const gone = await api.call('PUT', '/c/bank/MY_TEST_BANK_01', { enabled: true });
        assert.equal(gone.statusCode, 404);
        assert.deepEqual(gone.json(), { message: 'Bank not found' });

        assert.deepEqual((await api.call('DELETE', '/c/bank/RENAMED')).json(), { message: 'Done' });
        const again = await api.call('DELETE', '/c/bank/RENAMED');
        assert.equal(again.statusCode, 200);
        assert.deepEqual((await api.call('GET', '/c/banks')).json(), [
          { matching_enabled_ratio: 1, name: 'OTHER_BANK' },
        ]);
      }));

    test('signals: add, then lookup and raw_lookup find them at once', () =>
      run(async (api) => {
        await bank(api);
        const added = await api.call('POST', '/c/bank/TEST_BANK/signal', { pdq: PDQ_A, note: 'reported' });
        assert.equal(added.statusCode, 200);
        const id = added.json().id;
        assert.deepEqual(added.json(), { id, signals: { pdq: PDQ_A } });
        const zeros = await api.call('POST', '/c/bank/TEST_BANK/signal', { pdq: ZEROS });
        assert.equal(zeros.statusCode, 200);
        const md5 = await api.call('POST', '/c/bank/TEST_BANK/signal', {
          video_md5: ' D41D8CD98F00B204E9800998ECF8427E ',
        });
        assert.deepEqual(md5.json().signals, { video_md5: 'd41d8cd98f00b204e9800998ecf8427e' });

        const exact = await api.call('GET', `/m/lookup?signal_type=pdq&signal=${PDQ_A}`);
        assert.equal(exact.statusCode, 200);
        assert.deepEqual(exact.json(), { TEST_BANK: [{ bank_content_id: id, distance: '0' }] });
        const near = await api.call('GET', `/m/lookup?signal_type=pdq&signal=${flipBits(PDQ_A, 9)}`);
        assert.deepEqual(near.json(), { TEST_BANK: [{ bank_content_id: id, distance: '9' }] });
        assert.deepEqual((await api.call('GET', `/m/lookup?signal_type=pdq&signal=${PDQ_B}`)).json(), {});
        assert.deepEqual((await api.call('GET', `/m/lookup?signal_type=pdq&signal=${PDQ_A}&banks=OTHER`)).json(), {});
        const byMd5 = await api.call('GET', '/m/lookup?signal_type=video_md5&signal=d41d8cd98f00b204e9800998ecf8427e');
        assert.deepEqual(byMd5.json(), { TEST_BANK: [{ bank_content_id: md5.json().id, distance: '-' }] });

        const raw = await api.call('GET', `/m/raw_lookup?signal_type=pdq&signal=${PDQ_A}`);
        assert.deepEqual(raw.json(), { matches: [id] });
        const rawDistance = await api.call(
          'GET',
          `/m/raw_lookup?signal_type=pdq&signal=${PDQ_A}&include_distance=true`,
        );
        assert.deepEqual(rawDistance.json(), { matches: [{ bank_content_id: id, distance: '0' }] });
        const rawOther = await api.call('GET', `/m/raw_lookup?signal_type=pdq&signal=${PDQ_A}&banks=NO_SUCH_BANK`);
        assert.deepEqual(rawOther.json(), { matches: [] });
      }));

    test('lookup errors: 400 for bad signals and types, 422 for missing or mistyped parameters', () =>
      run(async (api) => {
        const bad = await api.call('GET', '/m/lookup?signal_type=pdq&signal=XYZ');
        assert.equal(bad.statusCode, 400);
        assert.deepEqual(bad.json(), { message: 'invalid signal: invalid PDQ hash' });
        const upper = await api.call('GET', `/m/raw_lookup?signal_type=pdq&signal=${PDQ_A.toUpperCase()}`);
        assert.deepEqual(upper.json(), { message: 'invalid signal: invalid PDQ hash' });
        const type = await api.call('GET', `/m/lookup?signal_type=foo&signal=${PDQ_A}`);
        assert.deepEqual(type.json(), { message: "No such SignalType 'foo'" });
        const md5 = await api.call('GET', '/m/lookup?signal_type=video_md5&signal=abc');
        assert.deepEqual(md5.json(), { message: "invalid signal: 'abc' is not a valid MD5 hash" });
        const half = await api.call('GET', '/m/lookup?signal_type=pdq');
        assert.deepEqual(half.json(), { message: 'Either url or both signal and signal_type are required' });
        const missing = await api.call('GET', '/m/raw_lookup?signal_type=pdq');
        assert.equal(missing.statusCode, 422);
        assert.deepEqual(missing.json()[0].loc, ['query', 'signal']);
        const notBool = await api.call('GET', `/m/raw_lookup?signal_type=pdq&signal=${PDQ_A}&include_distance=maybe`);
        assert.equal(notBool.statusCode, 422);
        assert.equal(notBool.json()[0].type, 'bool_parsing');
        const url = await api.call('GET', '/m/lookup?url=http://127.0.0.1/x.jpg');
        assert.equal(url.statusCode, 400);
        assert.deepEqual(url.json(), { message: 'fetching media by URL is disabled' });
      }));

    test('signal route errors', () =>
      run(async (api) => {
        const noBank = await api.call('POST', '/c/bank/NOPE/signal', { pdq: PDQ_A });
        assert.equal(noBank.statusCode, 404);
        assert.deepEqual(noBank.json(), { message: "bank 'NOPE' not found" });
        await bank(api);
        const cases: [unknown, string][] = [
          [{}, 'No signals given'],
          [{ note: 'only a note' }, 'No signals given'],
          [{ metadata: {} }, 'No such signal type metadata'],
          [{ pdq: 'abc' }, 'Invalid pdq signal: invalid PDQ hash'],
          [{ vpdq: '[]' }, 'Invalid vpdq signal: empty vPDQ signal (a video with no frames)'],
          [{ pdq: PDQ_A, note: 'x'.repeat(256) }, 'note must be at most 255 characters'],
          [{ pdq: PDQ_A, note: 5 }, 'note should be a string'],
        ];
        for (const [body, message] of cases) {
          const res = await api.call('POST', '/c/bank/TEST_BANK/signal', body);
          assert.equal(res.statusCode, 400, JSON.stringify(body));
          assert.deepEqual(res.json(), { message });
        }
        const text = await api.app.inject({
          method: 'POST',
          url: '/c/bank/TEST_BANK/signal',
          headers: { authorization: `Bearer ${api.writeKey}`, 'content-type': 'text/plain' },
          payload: 'pdq',
        });
        assert.equal(text.statusCode, 415);
        assert.equal(typeof text.json().message, 'string');
      }));

    test('vPDQ signals: stored, returned in HMA form, looked up and compared', () =>
      run(async (api) => {
        await bank(api);
        const signal = `["${PDQ_A},100,0.0", "${flipBits(PDQ_A, 3)},90,1.0"]`;
        const added = await api.call('POST', '/c/bank/TEST_BANK/signal', { vpdq: signal });
        assert.equal(added.statusCode, 200, added.body);
        const id = added.json().id;
        const got = await api.call('GET', `/c/bank/TEST_BANK/content/${id}?include_signals=true`);
        assert.equal(got.json().signals.vpdq, signal);
        const found = await api.call('GET', `/m/lookup?signal_type=vpdq&signal=${encodeURIComponent(signal)}`);
        assert.deepEqual(found.json(), { TEST_BANK: [{ bank_content_id: id, distance: '100%[100%]' }] });
        const compared = await api.call('POST', '/m/compare', { vpdq: [signal, signal] });
        assert.deepEqual(compared.json(), { vpdq: [true, { compared_match_percent: 100, query_match_percent: 100 }] });
      }));

    test('content: upload a PNG, read, disable, re-enable, edit the note, delete', () =>
      run(async (api) => {
        await bank(api);
        const png = await patternImage(160, 120).png().toBuffer();
        const metadata = JSON.stringify({
          content_id: 'ext-id-123',
          content_uri: 'https://example.com/item/123',
          json: { source: 'test' },
          collab: 'x',
        });
        const added = await api.upload('/c/bank/TEST_BANK/content', [
          { name: 'photo', filename: 'a.png', data: png },
          { name: 'metadata', data: metadata },
          { name: 'note', data: 'Reported by user X' },
        ]);
        assert.equal(added.statusCode, 200, added.body);
        const { id, signals } = added.json();
        assert.match(signals.pdq, /^[0-9a-f]{64}$/);
        const hashed = await api.upload('/h/hash', [{ name: 'photo', filename: 'a.png', data: png }]);
        assert.deepEqual(hashed.json(), { pdq: signals.pdq });

        const got = await api.call('GET', `/c/bank/TEST_BANK/content/${id}?include_signals=true`);
        assert.deepEqual(got.json(), {
          bank: { matching_enabled_ratio: 1, name: 'TEST_BANK' },
          disable_until_ts: 1,
          id,
          metadata: {
            collab: null,
            content_id: 'ext-id-123',
            content_uri: 'https://example.com/item/123',
            json: { source: 'test' },
          },
          note: 'Reported by user X',
          original_media_uri: null,
          signals: { pdq: signals.pdq },
        });
        const bare = await api.call('GET', `/c/bank/TEST_BANK/content/${id}?include_metadata=false`);
        assert.equal('metadata' in bare.json(), false);
        assert.equal('signals' in bare.json(), false);

        const lookup = () => api.call('GET', `/m/lookup?signal_type=pdq&signal=${signals.pdq}`).then((r) => r.json());
        assert.deepEqual(await lookup(), { TEST_BANK: [{ bank_content_id: id, distance: '0' }] });
        for (const [value, message] of [
          [9999999999, 'disable_until_ts must be less than 5 years in the future'],
          [-1, 'disable_until_ts must be a non-negative integer'],
          ['abc', "Invalid int: 'abc'"],
        ] as const) {
          const res = await api.call('PUT', `/c/bank/TEST_BANK/content/${id}`, { disable_until_ts: value });
          assert.equal(res.statusCode, 400);
          assert.deepEqual(res.json(), { message });
        }
        const disabled = await api.call('PUT', `/c/bank/TEST_BANK/content/${id}`, { disable_until_ts: '0' });
        assert.equal(disabled.json().disable_until_ts, 0);
        assert.deepEqual(await lookup(), {});
        const raw = await api.call('GET', `/m/raw_lookup?signal_type=pdq&signal=${signals.pdq}`);
        assert.deepEqual(raw.json(), { matches: [] }, 'disabled content leaves the live index');
        await api.call('PUT', `/c/bank/TEST_BANK/content/${id}`, { disable_until_ts: 1 });
        assert.deepEqual(await lookup(), { TEST_BANK: [{ bank_content_id: id, distance: '0' }] });

        const cleared = await api.call('PUT', `/c/bank/TEST_BANK/content/${id}`, { note: '' });
        assert.equal(cleared.json().note, null);
        assert.equal('note' in (await api.call('GET', `/c/bank/TEST_BANK/content/${id}`)).json(), false);

        assert.deepEqual((await api.call('DELETE', `/c/bank/TEST_BANK/content/${id}`)).json(), { deleted: 1 });
        assert.deepEqual(await lookup(), {});
        const after = await api.call('GET', `/c/bank/TEST_BANK/content/${id}`);
        assert.equal(after.statusCode, 404);
        assert.deepEqual(after.json(), { message: `content '${id}' not found` });
        assert.deepEqual((await api.call('DELETE', `/c/bank/TEST_BANK/content/${id}`)).json(), { deleted: 0 });
        assert.equal((await api.call('GET', '/c/bank/TEST_BANK/content/abc')).statusCode, 404);
        assert.equal((await api.call('GET', `/c/bank/NOPE/content/${id}`)).json().message, "bank 'NOPE' not found");
      }));

    test('content upload errors', () =>
      run(async (api) => {
        await bank(api);
        const png = await patternImage(64, 64).png().toBuffer();
        const photo = { name: 'photo', filename: 'a.png', data: png };
        const cases: [Parameters<Api['upload']>[1], string][] = [
          [[photo, { name: 'metadata', data: '{"invalid_metadata": 5}' }], 'Invalid metadata'],
          [[photo, { name: 'metadata', data: 'not json' }], 'metadata form field must be valid JSON'],
          [[photo, { name: 'metadata', data: '[1]' }], 'metadata should be a json object'],
          [[{ name: 'note', data: 'no file' }], 'Neither `url` nor multipart file upload was received'],
          [[{ name: 'audio', filename: 'a.mp3', data: png }], "no such content_type: 'audio'"],
        ];
        for (const [parts, message] of cases) {
          const res = await api.upload('/c/bank/TEST_BANK/content', parts);
          assert.equal(res.statusCode, 400, message);
          assert.ok(res.json().message.startsWith(message), res.body);
        }
        const none = await api.call('POST', '/c/bank/TEST_BANK/content', {});
        assert.deepEqual(none.json(), { message: 'Neither `url` nor multipart file upload was received' });
        const url = await api.call('POST', '/c/bank/TEST_BANK/content?url=http://10.0.0.1/a.jpg', {});
        assert.deepEqual(url.json(), { message: 'fetching media by URL is disabled' });
        const flat = await sharp({ create: { width: 64, height: 64, channels: 3, background: '#808080' } })
          .png()
          .toBuffer();
        const low = await api.upload('/c/bank/TEST_BANK/content', [{ name: 'photo', filename: 'f.png', data: flat }]);
        assert.deepEqual(low.json(), { message: 'Invalid pdq signal: invalid PDQ hash' });
        const missingBank = await api.upload('/c/bank/NOPE/content', [photo]);
        assert.equal(missingBank.statusCode, 404);
      }));

    test('/h/hash: one file, field name is the content type, types selects signals', () =>
      run(async (api) => {
        const png = await patternImage(96, 80).png().toBuffer();
        const photo = { name: 'photo', filename: 'a.png', data: png };
        assert.match((await api.upload('/h/hash', [photo], api.readKey)).json().pdq, /^[0-9a-f]{64}$/);
        const two = await api.upload('/h/hash', [photo, { ...photo, name: 'photo' }]);
        assert.deepEqual(two.json(), { message: 'Only one file allowed per request' });
        const none = await api.upload('/h/hash', [{ name: 'note', data: 'x' }]);
        assert.deepEqual(none.json(), { message: 'Missing multipart/form-data file upload' });
        const wrongType = await api.upload('/h/hash?types=video_md5', [photo]);
        assert.deepEqual(wrongType.json(), { message: "signal type 'video_md5' doesn't exist or is disabled" });
        const empty = await api.upload('/h/hash?types=,', [photo]);
        assert.deepEqual(empty.json(), { message: 'empty signal type selection' });
        const broken = await api.upload('/h/hash', [
          { name: 'photo', filename: 'x.png', data: Buffer.from('not an image') },
        ]);
        assert.equal(broken.statusCode, 400);
        const flat = await sharp({ create: { width: 64, height: 64, channels: 3, background: '#808080' } })
          .png()
          .toBuffer();
        assert.deepEqual((await api.upload('/h/hash', [{ name: 'photo', filename: 'f.png', data: flat }])).json(), {
          pdq: '',
        });
        const video = await api.upload('/h/hash?types=video_md5', [
          { name: 'video', filename: 'v.mp4', data: Buffer.from('') },
        ]);
        assert.equal(video.statusCode, 400, 'an empty video is refused');
        const bytes = await api.upload('/h/hash?types=video_md5', [
          { name: 'video', filename: 'v.mp4', data: Buffer.from('abc') },
        ]);
        assert.deepEqual(bytes.json(), { video_md5: '900150983cd24fb0d6963f7d28e17f72' });
        const noUrl = await api.call('GET', '/h/hash');
        assert.equal(noUrl.statusCode, 422);
        const url = await api.call('GET', '/h/hash?url=http://169.254.169.254/latest/meta-data');
        assert.deepEqual(url.json(), { message: 'fetching media by URL is disabled' });
      }));

    test('POST /m/lookup hashes the upload and wraps matches by signal type', () =>
      run(async (api) => {
        await bank(api);
        const png = await patternImage(120, 90, 3, 7).png().toBuffer();
        const photo = { name: 'photo', filename: 'a.png', data: png };
        assert.deepEqual((await api.upload('/m/lookup', [photo], api.readKey)).json(), { pdq: {} });
        const id = (await api.upload('/c/bank/TEST_BANK/content', [photo])).json().id;
        const found = await api.upload('/m/lookup', [photo], api.readKey);
        assert.deepEqual(found.json(), { pdq: { TEST_BANK: [{ bank_content_id: id, distance: '0' }] } });
      }));

    test('/m/compare', () =>
      run(async (api) => {
        const ok = await api.call('POST', '/m/compare', { pdq: [PDQ_A, flipBits(PDQ_A, 9)] });
        assert.deepEqual(ok.json(), { pdq: [true, { distance: 9 }] });
        const far = await api.call('POST', '/m/compare', { pdq: [PDQ_A, PDQ_B] });
        assert.deepEqual(far.json(), { pdq: [false, { distance: 256 }] });
        const md5 = await api.call('POST', '/m/compare', {
          video_md5: ['d41d8cd98f00b204e9800998ecf8427e', 'D41D8CD98F00B204E9800998ECF8427E'],
        });
        assert.deepEqual(md5.json(), { video_md5: [true, {}] });
        const cases: [unknown, string][] = [
          [[1, 2], 'Request input was not a dict'],
          [{ pdq: PDQ_A }, 'Comparison hashes for pdq was not a list'],
          [{ pdq: [PDQ_A] }, 'Comparison hash list length must be exactly 2'],
          [{ foo: [PDQ_A, PDQ_A] }, "No such SignalType 'foo'"],
          [{ pdq: [PDQ_A, 'abc'] }, 'Invalid pdq hash: invalid PDQ hash'],
        ];
        for (const [body, message] of cases) {
          const res = await api.call('POST', '/m/compare', body);
          assert.equal(res.statusCode, 400);
          assert.deepEqual(res.json(), { message });
        }
      }));

    test('/m/index/status counts the hashes added', () =>
      run(async (api) => {
        await bank(api);
        await addPdq(api, PDQ_A);
        await addPdq(api, PDQ_B);
        const all = (await api.call('GET', '/m/index/status')).json();
        assert.deepEqual(Object.keys(all), ['pdq', 'video_md5', 'vpdq']);
        assert.equal(all.pdq.present, true);
        assert.equal(all.pdq.size, 2);
        assert.ok(all.pdq.built_to > 1_600_000_000);
        const one = (await api.call('GET', '/m/index/status?signal_type=pdq')).json();
        assert.deepEqual(Object.keys(one), ['pdq']);
        const bad = await api.call('GET', '/m/index/status?signal_type=foo');
        assert.deepEqual(bad.json(), { message: "No such signal type 'foo'" });
      }));

    test('allow banks and flood holds: left out of /m/lookup, listed by raw_lookup', () =>
      run(
        async (api) => {
          await bank(api, 'BLOCKED');
          const blocked = await addPdq(api, PDQ_A, 'BLOCKED');
          const allowBank = await api.call('POST', '/c/banks', { name: 'BENIGN', kind: 'allow' });
          assert.equal(allowBank.statusCode, 201);
          const benign = await addPdq(api, flipBits(PDQ_A, 2), 'BENIGN');
          assert.deepEqual((await api.call('GET', `/m/lookup?signal_type=pdq&signal=${PDQ_A}`)).json(), {});
          const raw = await api.call('GET', `/m/raw_lookup?signal_type=pdq&signal=${PDQ_A}`);
          assert.deepEqual(raw.json(), { matches: [blocked, benign] });

          // minMatches 2: the second match in the window puts the signal on hold.
          const other = await addPdq(api, PDQ_B, 'BLOCKED');
          const first = await api.call('GET', `/m/lookup?signal_type=pdq&signal=${PDQ_B}`);
          assert.deepEqual(first.json(), { BLOCKED: [{ bank_content_id: other, distance: '0' }] });
          assert.deepEqual((await api.call('GET', `/m/lookup?signal_type=pdq&signal=${PDQ_B}`)).json(), {});
          const held = await api.call('GET', `/m/raw_lookup?signal_type=pdq&signal=${PDQ_B}`);
          assert.deepEqual(held.json(), { matches: [other] });
        },
        { flood: { minMatches: 2, factor: 1 } },
      ));

    test('while the index loads: status answers, lookups say 503 "index not yet ready"', () =>
      run(
        async (api) => {
          const status = await api.call('GET', '/status', undefined, null);
          assert.equal(status.statusCode, 200);
          assert.notEqual(status.json().index.state, 'ready');
          const live = await api.call('GET', '/status/live', undefined, null);
          assert.equal(live.body, 'I-AM-ALIVE');
          const lookup = await api.call('GET', `/m/lookup?signal_type=pdq&signal=${PDQ_A}`);
          assert.equal(lookup.statusCode, 503);
          assert.deepEqual(lookup.json(), { message: 'index not yet ready' });
          assert.equal((await api.call('GET', `/m/raw_lookup?signal_type=pdq&signal=${PDQ_A}`)).statusCode, 503);
          const index = (await api.call('GET', '/m/index/status')).json();
          assert.deepEqual(index.pdq, { built_to: -1, present: false, size: 0 });
        },
        { indexNotLoaded: true },
      ));
  });
}

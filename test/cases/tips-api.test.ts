/**
 * Tips through the HTTP API: the public endpoint (receipt only, honeypot,
 * rate limits, validation, screenshot uploads hashed and matched against the
 * banks), the triage queue and status changes behind permissions, and
 * organisation scoping.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { LightMyRequestResponse } from 'fastify';
import sharp from 'sharp';
import { listAuditEvents } from '../../src/accounts/audit.js';
import { argon2idHasher } from '../../src/accounts/passwords.js';
import { createUser } from '../../src/accounts/users.js';
import { addContent, createBank } from '../../src/banks/index.js';
import { createCase } from '../../src/cases/cases.js';
import type { Database } from '../../src/db/open.js';
import { hashPhotoBytes } from '../../src/hashing/photo.js';
import { FloodDetector } from '../../src/matching/flood.js';
import { LiveIndex } from '../../src/matching/live-index.js';
import { Matcher } from '../../src/matching/matcher.js';
import { buildApp } from '../../src/server/app.js';
import { serverLimitsFromEnv } from '../../src/server/services.js';
import {
  type AccountsApi,
  ADMIN,
  CHEAP_ARGON2,
  countingHasher,
  loginAndEnrol,
  ManualClock,
  MINUTE,
  sessionFrom,
  setupFirstAdmin,
} from '../accounts/harness.js';
import { multipart, type Part } from '../server/api-harness.js';
import { databaseVariants } from '../support/db.js';

const variants = databaseVariants();
after(() => Promise.all(variants.map((v) => v.dispose())));
const pglite = variants.find((v) => v.name === 'pglite')!;

interface TipsApi extends AccountsApi {
  index: LiveIndex;
  /** Public POST /api/v1/tips from an address. */
  tip(body: unknown, ip?: string): Promise<LightMyRequestResponse>;
  upload(url: string, parts: Part[], cookie?: string): Promise<LightMyRequestResponse>;
}

/** An app over a real database with a started index, cheap argon2 and tip limits from `env`. */
async function withTipsApi(database: Database, env: Record<string, string>, fn: (api: TipsApi) => Promise<void>) {
  const saved = { ...process.env };
  Object.assign(process.env, { PERISAI_TIPS_PER_IP_PER_MINUTE: '1000', PERISAI_TIPS_PER_MINUTE: '1000', ...env });
  const clock = new ManualClock();
  const { hasher, calls } = countingHasher();
  const index = new LiveIndex({ pollIntervalMs: 60_000 });
  const flood = new FloodDetector({});
  await index.start(database);
  try {
    const services = { database, index, flood, matcher: new Matcher(database, index, flood) };
    const app = await buildApp({
      dataDir: '/nonexistent',
      services,
      limits: serverLimitsFromEnv({}),
      authCacheMs: 0,
      accounts: { clock: clock.now, passwords: hasher, appendToLog: async () => {} },
    });
    process.env = saved;
    const json = (body: unknown) => ({ 'content-type': 'application/json', payload: JSON.stringify(body) });
    const call: AccountsApi['call'] = (method, url, body, cookie) => {
      const { payload, ...type } = body === undefined ? { payload: undefined } : json(body);
      return app.inject({
        method: method as 'GET',
        url,
        headers: { ...(cookie ? { cookie } : {}), ...type },
        ...(payload ? { payload } : {}),
      });
    };
    const api: TipsApi = {
      app,
      db: database.db,
      clock,
      calls,
      logged: [],
      index,
      call,
      tip: (body, ip = '192.0.2.1') => {
        const { payload, ...headers } = json(body);
        return app.inject({ method: 'POST', url: '/api/v1/tips', headers, payload, remoteAddress: ip });
      },
      upload: (url, parts, cookie) => {
        const m = multipart(parts);
        const headers = { 'content-type': m.contentType, ...(cookie ? { cookie } : {}) };
        return app.inject({ method: 'POST', url, headers, payload: m.payload, remoteAddress: '192.0.2.9' });
      },
    };
    try {
      await fn(api);
    } finally {
      await app.close();
    }
  } finally {
    process.env = saved;
    await index.stop();
  }
}

const run = (fn: (api: TipsApi) => Promise<void>, env: Record<string, string> = {}) =>
  pglite.run((database) => withTipsApi(database, env, fn));

/** The first admin (organisation "Helpline A") with a full session. */
async function admin(api: TipsApi): Promise<string> {
  await setupFirstAdmin(api);
  return (await loginAndEnrol(api, ADMIN.email, ADMIN.password)).cookie;
}

async function userIn(api: TipsApi, org: string, email: string, role: 'analyst' | 'auditor'): Promise<string> {
  const o = await api.db
    .insertInto('organisations')
    .values({ name: org })
    .onConflict((oc) => oc.column('name').doUpdateSet({ name: org }))
    .returning('id')
    .executeTakeFirstOrThrow();
  const password = 'a long enough passphrase';
  await createUser(api.db, argon2idHasher(CHEAP_ARGON2), {
    organisationId: o.id,
    email,
    displayName: email.split('@')[0]!,
    role,
    password,
  });
  if (role === 'analyst') return (await loginAndEnrol(api, email, password)).cookie;
  const res = await api.call('POST', '/api/v1/auth/login', { email, password });
  assert.equal(res.statusCode, 200, res.body);
  return sessionFrom(res);
}

function boxes(seed: number): Buffer {
  const rects = Array.from({ length: 12 }, (_, i) => {
    const colour = (((i * seed * 2654435761) >>> 8) & 0xffffff).toString(16).padStart(6, '0');
    return `<rect x="${(i * 53 * seed) % 300}" y="${(i * 97 * seed) % 700}" width="${40 + ((i * seed) % 60)}" height="${30 + ((i * 7 * seed) % 80)}" fill="#${colour}"/>`;
  }).join('');
  return Buffer.from(
    `<svg xmlns="http://www.w3.org/2000/svg" width="360" height="780"><rect width="360" height="780" fill="#eee"/>${rects}</svg>`,
  );
}

let png: Buffer;
let jpeg: Buffer;
let unrelatedPdq: string;
before(async () => {
  png = await sharp(boxes(1)).png().toBuffer();
  jpeg = await sharp(boxes(1)).resize(270, 585).jpeg({ quality: 70 }).toBuffer();
  unrelatedPdq = (await hashPhotoBytes(await sharp(boxes(3)).png().toBuffer())).pdq;
});

const queue = async (api: TipsApi, cookie: string, query = '') => {
  const res = await api.call('GET', `/api/v1/tips/queue${query}`, undefined, cookie);
  assert.equal(res.statusCode, 200, res.body);
  return res.json() as { clusters: Record<string, unknown>[]; next_cursor: string | null };
};

describe('public tip endpoint', () => {
  test('answers 202 with a receipt only; the same channel twice is one cluster', () =>
    run(async (api) => {
      const cookie = await admin(api);
      const first = await api.tip({ link: 'https://t.me/Fiktif_Channel', description: 'sells photos of women' });
      assert.equal(first.statusCode, 202, first.body);
      const body = first.json();
      assert.deepEqual(Object.keys(body).sort(), ['contact_stored', 'message', 'receipt', 'received_at']);
      assert.equal(body.contact_stored, false);
      const second = await api.tip({ link: '@fiktif_channel' });
      assert.equal(second.statusCode, 202);
      assert.notEqual(second.json().receipt, body.receipt);
      const named = await api.tip({ kind: 'named', link: 't.me/fiktif_channel', contact: 'tipster@example.org' });
      assert.equal(named.json().contact_stored, true);
      const q = await queue(api, cookie);
      assert.equal(q.clusters.length, 1);
      assert.equal(q.clusters[0]!.tip_count, 3);
      assert.equal(q.clusters[0]!.link, 'https://t.me/fiktif_channel');
    }));

  test('screenshots upload as multipart: hashed, matched against the banks, the bytes not kept', () =>
    run(async (api) => {
      const cookie = await admin(api);
      await createBank(api.db, { name: 'CSAM_TEST', category: 'csam' });
      const hashed = await hashPhotoBytes(png);
      await addContent(api.db, 'CSAM_TEST', {
        source: 'analyst',
        signals: [{ type: 'pdq', hash: hashed.pdq, quality: 100 }],
      });
      await api.index.refresh();
      const res = await api.upload('/api/v1/tips', [
        { name: 'link', data: 'chat.whatsapp.com/AbCdEfGhIjKlMnOpQrSt12' },
        { name: 'description', data: 'screenshots of the group' },
        { name: 'screenshot', filename: 'a.jpg', data: jpeg },
      ]);
      assert.equal(res.statusCode, 202, res.body);
      const other = await api.tip({ screenshots_pdq: [unrelatedPdq], description: 'another chat' });
      assert.equal(other.statusCode, 202, other.body);
      const q = await queue(api, cookie);
      assert.equal(q.clusters.length, 2);
      assert.equal(q.clusters[0]!.bank_tier, 3, 'the bank match ranks first');
      assert.equal(q.clusters[0]!.bank_matches, 1);
      const detail = await api.call('GET', `/api/v1/tips/clusters/${q.clusters[0]!.id}`, undefined, cookie);
      assert.equal(detail.statusCode, 200, detail.body);
      const shot = detail.json().tips[0].screenshots[0];
      assert.equal(shot.sha256, (await hashPhotoBytes(jpeg)).sha256);
      assert.equal(shot.bank_matches[0].category, 'csam');
      const columns = await api.db.selectFrom('tip_screenshots').selectAll().executeTakeFirstOrThrow();
      assert.ok(!Object.values(columns).some((v) => Buffer.isBuffer(v) && v.length > 64), 'no image bytes stored');
    }));

  test('a filled honeypot gets a receipt and nothing is stored', () =>
    run(async (api) => {
      await admin(api);
      const res = await api.tip({ link: '@fiktif_channel', website: 'http://spam.example' });
      assert.equal(res.statusCode, 202);
      assert.match(res.json().receipt, /^TIP-/);
      assert.equal((await api.db.selectFrom('tips').selectAll().execute()).length, 0);
    }));

  test('refuses empty, malformed and oversized tips with a message that says why', () =>
    run(async (api) => {
      await admin(api);
      const cases: [unknown, RegExp][] = [
        [{}, /link, or at least one screenshot/],
        [{ link: 'https://example.org/x' }, /not a Telegram or WhatsApp/],
        [{ link: '@fiktif_channel', description: 'x'.repeat(4001) }, /too long/],
        [{ link: '@fiktif_channel', colour: 'red' }, /colour|unrecognized|Unrecognized/],
        [{ link: '@fiktif_channel', contact: 'me@example.org' }, /anonymous/],
        [{ screenshots_pdq: ['nothex'] }, /pdq|64 hex/],
      ];
      for (const [body, message] of cases) {
        const res = await api.tip(body);
        assert.equal(res.statusCode, 400, JSON.stringify(body));
        assert.match(res.json().message, message);
      }
      const notImage = await api.upload('/api/v1/tips', [{ name: 'screenshot', filename: 'x.txt', data: 'hello' }]);
      assert.equal(notImage.statusCode, 400);
      assert.match(notImage.json().message, /not an image/);
      const tooMany = await api.upload(
        '/api/v1/tips',
        Array.from({ length: 11 }, (_, i) => ({ name: 'screenshot', filename: `${i}.png`, data: png })),
      );
      assert.equal(tooMany.statusCode, 413);
      const huge = await api.tip({ link: '@fiktif_channel', description: 'x'.repeat(70_000) });
      assert.equal(huge.statusCode, 413);
      const heavy = await api.upload(
        '/api/v1/tips',
        [0, 1, 2].map((i) => ({ name: 'screenshot', filename: `${i}.png`, data: Buffer.alloc(9 * 1024 * 1024) })),
      );
      assert.equal(heavy.statusCode, 413, 'three 9 MiB files exceed what one tip may upload');
      assert.match(heavy.json().message, /add up to more than 25 MiB/);
    }));

  test('rate limit per address (429), then the cap over all addresses', () =>
    run(
      async (api) => {
        await admin(api);
        for (let i = 0; i < 3; i++)
          assert.equal((await api.tip({ link: '@fiktif_channel' }, '192.0.2.1')).statusCode, 202);
        const limited = await api.tip({ link: '@fiktif_channel' }, '192.0.2.1');
        assert.equal(limited.statusCode, 429);
        assert.equal((await api.tip({ link: '@fiktif_channel' }, '192.0.2.2')).statusCode, 202);
        const capped = await api.tip({ link: '@fiktif_channel' }, '192.0.2.3');
        assert.equal(capped.statusCode, 429);
        assert.match(capped.json().message, /too many tips/);
        assert.ok(Number(capped.headers['retry-after']) > 0);
      },
      { PERISAI_TIPS_PER_IP_PER_MINUTE: '3', PERISAI_TIPS_PER_MINUTE: '4' },
    ));

  test('before any organisation exists the endpoint says it takes no tips yet', () =>
    run(async (api) => {
      const res = await api.tip({ link: '@fiktif_channel' });
      assert.equal(res.statusCode, 503);
    }));
});

describe('triage', () => {
  test('the queue needs tip:triage; the cluster detail is tip:read and audited', () =>
    run(async (api) => {
      const cookie = await admin(api);
      await api.tip({ link: '@fiktif_channel' });
      const auditor = await userIn(api, ADMIN.organisation, 'audrey@example.org', 'auditor');
      assert.equal((await api.call('GET', '/api/v1/tips/queue')).statusCode, 401);
      assert.equal((await api.call('GET', '/api/v1/tips/queue', undefined, auditor)).statusCode, 403);
      const id = (await queue(api, cookie)).clusters[0]!.id;
      const detail = await api.call('GET', `/api/v1/tips/clusters/${id}`, undefined, auditor);
      assert.equal(detail.statusCode, 200, detail.body);
      assert.deepEqual(detail.json().keys, ['tg:@fiktif_channel']);
      const patch = await api.call('PATCH', `/api/v1/tips/clusters/${id}`, { status: 'dismissed' }, auditor);
      assert.equal(patch.statusCode, 403);
      const events = await listAuditEvents(api.db, { target: `tip_cluster:${id}` });
      assert.ok(events.some((e) => e.action === 'tip_cluster.read'));
    }));

  test('status changes: triaged, linked to a case of the organisation, and another organisation sees nothing', () =>
    run(async (api) => {
      const cookie = await admin(api);
      await api.tip({ link: '@fiktif_channel' });
      const id = (await queue(api, cookie)).clusters[0]!.id as number;
      const triaged = await api.call('PATCH', `/api/v1/tips/clusters/${id}`, { status: 'triaged' }, cookie);
      assert.equal(triaged.statusCode, 200, triaged.body);
      assert.equal(triaged.json().status, 'triaged');
      const org = (await api.db.selectFrom('organisations').select('id').executeTakeFirstOrThrow()).id;
      const kase = await createCase(api.db, { organisationId: org, title: 'Fiktif' }, { kind: 'system', id: null });
      const noCase = await api.call('PATCH', `/api/v1/tips/clusters/${id}`, { status: 'linked' }, cookie);
      assert.equal(noCase.statusCode, 400);
      const linked = await api.call(
        'PATCH',
        `/api/v1/tips/clusters/${id}`,
        { status: 'linked', case_reference: kase.reference, purpose: 'same channel as the case' },
        cookie,
      );
      assert.equal(linked.statusCode, 200, linked.body);
      assert.equal(linked.json().case_reference, kase.reference);
      assert.equal((await queue(api, cookie, '?status=linked')).clusters.length, 1);
      for (const bad of ['?status=open', '?cursor=bm9wZQ']) {
        const res = await api.call('GET', `/api/v1/tips/queue${bad}`, undefined, cookie);
        assert.equal(res.statusCode, 400, bad);
      }

      api.clock.advance(MINUTE);
      const other = await userIn(api, 'Helpline B', 'bob@example.org', 'analyst');
      assert.equal((await queue(api, other)).clusters.length, 0);
      assert.equal((await api.call('GET', `/api/v1/tips/clusters/${id}`, undefined, other)).statusCode, 404);
      const foreign = await api.call('PATCH', `/api/v1/tips/clusters/${id}`, { status: 'dismissed' }, other);
      assert.equal(foreign.statusCode, 404);
      const own = await api.call('POST', '/api/v1/tips/intake', { link: '@fiktif_channel' }, other);
      assert.equal(own.statusCode, 201, own.body);
      assert.notEqual(own.json().cluster_id, id, "organisation B's tip opens B's own cluster");
      assert.equal(own.json().joined_existing_cluster, false);
    }));
});

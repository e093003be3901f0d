/** /api/v1/takedowns over HTTP: the flow, the evidence gate and its override, permissions, organisation scoping (IDOR). */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { listAuditEvents } from '../../src/accounts/audit.js';
import { createApiKey } from '../../src/banks/api-keys.js';
import { databaseVariants } from '../support/db.js';
import { staff, type TakedownApi, withTakedownApi } from './takedowns-harness.js';
import { type SmtpSink, startSmtpSink } from './takedowns-smtp.js';

const variants = databaseVariants();
after(() => Promise.all(variants.map((v) => v.dispose())));
const pglite = variants.find((v) => v.name === 'pglite')!;

let sink: SmtpSink;
before(async () => {
  sink = await startSmtpSink();
});
after(() => sink.close());

const run = (fn: (api: TakedownApi) => Promise<void>) =>
  pglite.run((database) => {
    sink.received.length = 0;
    return withTakedownApi(database, sink, fn);
  });

const NEW_TAKEDOWN = {
  platform: 'telegram',
  target_url: 'https://t.me/fictional_backup',
  target_description: 'backup channel of a fictional group',
  items: [{ url: 'https://t.me/fictional_backup/12' }, { chat: '@fictional_backup', message_id: '13' }],
  language: 'ms',
  legal_basis: 'Akta Komunikasi dan Multimedia 1998, seksyen 233',
  purpose: 'victim report',
};

async function newCase(api: TakedownApi, organisationId: number, reference: string): Promise<void> {
  await api.db.insertInto('cases').values({ org_id: organisationId, reference }).execute();
}

async function create(api: TakedownApi, cookie: string, body: object = NEW_TAKEDOWN) {
  const res = await api.call('POST', '/api/v1/takedowns', body, cookie);
  assert.equal(res.statusCode, 201, res.body);
  return res.json() as { id: number; reference: string; status: string; host: string; recipient: string };
}

describe('takedowns over HTTP', () => {
  test('create, preview, refused before preservation, send, acknowledge, remove; history, list, stats and audit', () =>
    run(async (api) => {
      const rina = await staff(api, 'Helpline A', 'rina@example.org', 'analyst');
      await newCase(api, rina.organisationId, 'PS-2026-000123');
      const t = await create(api, rina.cookie, { ...NEW_TAKEDOWN, case_reference: 'ps-2026-000123' });
      assert.deepEqual([t.status, t.host, t.recipient], ['pending', 't.me', 'abuse@telegram.org']);
      assert.match(t.reference, /^TD-\d{6}$/);

      const preview = await api.call('GET', `/api/v1/takedowns/${t.id}/notice?language=sq`, undefined, rina.cookie);
      assert.equal(preview.statusCode, 200, preview.body);
      assert.match(preview.json().subject, /^Kërkesë për heqje/);
      assert.ok(preview.json().text.includes('PS-2026-000123'));
      assert.equal(sink.received.length, 0, 'a preview sends nothing');

      const refused = await api.call('POST', `/api/v1/takedowns/${t.id}/send`, {}, rina.cookie);
      assert.equal(refused.statusCode, 409, refused.body);
      assert.equal(refused.json().code, 'evidence-not-preserved');
      assert.match(refused.json().message, /not preserved/);

      api.preserved.add(t.id);
      const sent = await api.call('POST', `/api/v1/takedowns/${t.id}/send`, { purpose: 'first notice' }, rina.cookie);
      assert.equal(sent.statusCode, 200, sent.body);
      assert.deepEqual([sent.json().takedown.status, sent.json().to], ['sent', 'abuse@telegram.org']);
      assert.equal(sent.json().takedown.next_notice_at, '2026-03-03T09:00:00.000Z');
      assert.equal(sink.received.length, 1);
      assert.match(sink.received[0]!.subject, /^Permintaan pemadaman/);
      assert.ok(
        sink.received[0]!.text.includes('Asas undang-undang: Akta Komunikasi dan Multimedia 1998, seksyen 233'),
      );
      assert.ok(sink.received[0]!.text.includes(`Rujukan bukti: capture-${t.id}`));

      api.clock.advance(15 * 60_000); // within the session's idle limit
      for (const status of ['acknowledged', 'removed']) {
        const res = await api.call(
          'POST',
          `/api/v1/takedowns/${t.id}/status`,
          { status, note: 'platform e-mail' },
          rina.cookie,
        );
        assert.equal(res.statusCode, 200, res.body);
        assert.equal(res.json().status, status);
      }
      const again = await api.call('POST', `/api/v1/takedowns/${t.id}/status`, { status: 'refused' }, rina.cookie);
      assert.equal(again.statusCode, 409, 'removed content cannot be refused');

      const detail = (await api.call('GET', `/api/v1/takedowns/${t.id}`, undefined, rina.cookie)).json();
      assert.equal(detail.case_reference, 'PS-2026-000123');
      assert.deepEqual(
        detail.events.map((e: { kind: string; actor: string }) => [e.kind, e.actor]),
        [
          ['created', `user:${rina.userId}`],
          ['send_blocked', `user:${rina.userId}`],
          ['sent', `user:${rina.userId}`],
          ['acknowledged', `user:${rina.userId}`],
          ['removed', `user:${rina.userId}`],
        ],
      );
      const list = (
        await api.call('GET', '/api/v1/takedowns?case_reference=PS-2026-000123', undefined, rina.cookie)
      ).json();
      assert.deepEqual(
        list.takedowns.map((x: { id: number }) => x.id),
        [t.id],
      );
      const stats = (await api.call('GET', '/api/v1/takedowns/stats', undefined, rina.cookie)).json();
      assert.deepEqual(stats.platforms, [
        {
          key: 'telegram',
          count: 1,
          removed: 1,
          refused: 0,
          open: 0,
          timed_removals: 1,
          median_hours: 0.25,
          p90_hours: 0.25,
        },
      ]);

      const audited = await listAuditEvents(api.db, { target: `takedown:${t.id}` });
      assert.deepEqual(audited.map((e) => e.action).reverse(), [
        'takedown.create',
        'takedown.send',
        'takedown.status',
        'takedown.status',
      ]);
    }));

  test('an override by someone holding evidence:preserve is recorded on the takedown and audited with its reason', () =>
    run(async (api) => {
      const rina = await staff(api, 'Helpline A', 'rina@example.org', 'analyst');
      const t = await create(api, rina.cookie);
      const short = await api.call(
        'POST',
        `/api/v1/takedowns/${t.id}/send`,
        { override_reason: 'urgent' },
        rina.cookie,
      );
      assert.equal(short.statusCode, 400, 'a reason of at least 10 characters');
      const reason = 'address and phone posted with the images; police hold their own copies';
      const res = await api.call('POST', `/api/v1/takedowns/${t.id}/send`, { override_reason: reason }, rina.cookie);
      assert.equal(res.statusCode, 200, res.body);
      assert.deepEqual(res.json().takedown.override, {
        reason,
        by: `user:${rina.userId}`,
        at: api.clock.now().toISOString(),
      });
      const [override] = await listAuditEvents(api.db, {
        target: `takedown:${t.id}`,
        action: 'takedown.evidence_override',
      });
      assert.equal(override?.purpose, reason);
      assert.equal(override?.actor_id, rina.userId);
    }));

  test('a notice sent by hand (in-app report) is recorded, not e-mailed', () =>
    run(async (api) => {
      const rina = await staff(api, 'Helpline A', 'rina@example.org', 'analyst');
      const t = await create(api, rina.cookie, {
        ...NEW_TAKEDOWN,
        platform: 'whatsapp',
        target_url: null,
        items: [{ chat: 'Fictional group', description: 'shared album' }],
      });
      api.preserved.add(t.id);
      const noMail = await api.call('POST', `/api/v1/takedowns/${t.id}/send`, {}, rina.cookie);
      assert.equal(noMail.statusCode, 400, 'no WhatsApp address is configured');
      const email = await api.call(
        'POST',
        `/api/v1/takedowns/${t.id}/sent-manually`,
        { channel: 'email', note: 'x' },
        rina.cookie,
      );
      assert.equal(email.statusCode, 400);
      const res = await api.call(
        'POST',
        `/api/v1/takedowns/${t.id}/sent-manually`,
        { channel: 'in-app', note: 'reported the group in the WhatsApp app' },
        rina.cookie,
      );
      assert.equal(res.statusCode, 200, res.body);
      assert.deepEqual([res.json().status, res.json().channel, res.json().sent_count], ['sent', 'in-app', 1]);
      assert.equal(sink.received.length, 0);
    }));

  test('permissions: readers read, only writers change; no credential, no access; API keys have no takedown scope', () =>
    run(async (api) => {
      const rina = await staff(api, 'Helpline A', 'rina@example.org', 'analyst');
      const carla = await staff(api, 'Helpline A', 'carla@example.org', 'case_manager');
      const audrey = await staff(api, 'Helpline A', 'audrey@example.org', 'auditor');
      const police = await staff(api, 'Helpline A', 'pol@example.org', 'police_liaison');
      const t = await create(api, rina.cookie);
      for (const reader of [carla, audrey]) {
        assert.equal((await api.call('GET', `/api/v1/takedowns/${t.id}`, undefined, reader.cookie)).statusCode, 200);
        assert.equal((await api.call('POST', '/api/v1/takedowns', NEW_TAKEDOWN, reader.cookie)).statusCode, 403);
        assert.equal((await api.call('POST', `/api/v1/takedowns/${t.id}/send`, {}, reader.cookie)).statusCode, 403);
      }
      assert.equal((await api.call('GET', '/api/v1/takedowns', undefined, police.cookie)).statusCode, 403);
      assert.equal((await api.call('GET', '/api/v1/takedowns')).statusCode, 401);
      const key = await createApiKey(api.db, {
        name: 'integration',
        scope: 'write',
        orgId: rina.organisationId,
      });
      const withKey = await api.app.inject({
        method: 'GET',
        url: '/api/v1/takedowns',
        headers: { authorization: `Bearer ${key.key}` },
      });
      assert.equal(withKey.statusCode, 403);
    }));

  test("organisations are isolated (IDOR): another organisation's takedown is not found, whatever the route", () =>
    run(async (api) => {
      const rina = await staff(api, 'Helpline A', 'rina@example.org', 'analyst');
      const bima = await staff(api, 'Helpline B', 'bima@example.org', 'analyst');
      await newCase(api, rina.organisationId, 'PS-2026-000123');
      const t = await create(api, rina.cookie, { ...NEW_TAKEDOWN, case_reference: 'PS-2026-000123' });
      api.preserved.add(t.id);
      const missing = 999_999;
      for (const [method, path, body] of [
        ['GET', '', undefined],
        ['GET', '/notice', undefined],
        ['POST', '/send', {}],
        ['POST', '/sent-manually', { channel: 'in-app', note: 'x' }],
        ['POST', '/status', { status: 'removed' }],
      ] as const) {
        const theirs = await api.call(method, `/api/v1/takedowns/${t.id}${path}`, body, bima.cookie);
        const none = await api.call(method, `/api/v1/takedowns/${missing}${path}`, body, bima.cookie);
        assert.equal(theirs.statusCode, 404, `${method} ${path}`);
        assert.equal(theirs.json().message, `takedown ${t.id} not found`);
        assert.equal(none.json().message, `takedown ${missing} not found`, 'the same answer as for no takedown');
      }
      assert.deepEqual((await api.call('GET', '/api/v1/takedowns', undefined, bima.cookie)).json().takedowns, []);
      assert.deepEqual((await api.call('GET', '/api/v1/takedowns/stats', undefined, bima.cookie)).json(), {
        platforms: [],
        hosts: [],
      });
      const foreignCase = await api.call(
        'POST',
        '/api/v1/takedowns',
        { ...NEW_TAKEDOWN, case_reference: 'PS-2026-000123' },
        bima.cookie,
      );
      assert.equal(foreignCase.statusCode, 404);
      assert.equal(sink.received.length, 0);
      const unchanged = (await api.call('GET', `/api/v1/takedowns/${t.id}`, undefined, rina.cookie)).json();
      assert.deepEqual([unchanged.status, unchanged.events.length], ['pending', 1]);
    }));

  test('hostile input is refused with a field message', () =>
    run(async (api) => {
      const rina = await staff(api, 'Helpline A', 'rina@example.org', 'analyst');
      for (const body of [
        { ...NEW_TAKEDOWN, recipient: 'abuse@example.org\r\nBcc: someone@example.org' },
        { ...NEW_TAKEDOWN, items: [] },
        { ...NEW_TAKEDOWN, items: [{ url: 'file:///etc/passwd' }] },
        { ...NEW_TAKEDOWN, language: 'fr' },
        { ...NEW_TAKEDOWN, unexpected: true },
      ]) {
        const res = await api.call('POST', '/api/v1/takedowns', body, rina.cookie);
        assert.equal(res.statusCode, 400, JSON.stringify(body));
        assert.ok(res.json().message, res.body);
      }
    }));
});

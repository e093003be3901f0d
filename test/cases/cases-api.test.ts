/** /api/v1/cases through HTTP: the work on a case, audited reads, organisation scoping (IDOR), permissions. */
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { listAuditEvents } from '../../src/accounts/audit.js';
import { createApiKey } from '../../src/banks/api-keys.js';
import { setHotline } from '../../src/cases/victim-hotlines.js';
import { databaseVariants } from '../support/db.js';
import { type CaseApi, staff, withCaseApi } from './victims-harness.js';

const variants = databaseVariants();
after(() => Promise.all(variants.map((v) => v.dispose())));
const pglite = variants.find((v) => v.name === 'pglite')!;
const run = (fn: (api: CaseApi) => Promise<void>) => pglite.run((database) => withCaseApi(database, fn));

const PDQ = 'a3b1c2d4e5f60718293a4b5c6d7e8f90112233445566778899aabbccddeeff00';

async function openCase(api: CaseApi, cookie: string, title = 'Channel "Koleksi" backup') {
  const res = await api.call('POST', '/api/v1/cases', { title, category: 'ncii', priority: 2 }, cookie);
  assert.equal(res.statusCode, 201, res.body);
  return res.json() as { reference: string; status: string };
}

describe('cases over HTTP', () => {
  test('open, read (audited with a purpose), change, note, link, timeline, list', () =>
    run(async (api) => {
      const rina = await staff(api, 'Helpline A', 'rina@example.org', 'analyst');
      const created = await openCase(api, rina.cookie);
      assert.match(created.reference, /^PS-\d{4}-\d{6}$/);
      const ref = created.reference;

      const read = await api.request('GET', `/api/v1/cases/${ref}`, {
        cookie: rina.cookie,
        headers: { 'x-purpose': 'triage of new matches' },
      });
      assert.equal(read.statusCode, 200, read.body);
      assert.deepEqual(
        [read.json().title, read.json().priority, read.json().registration, read.json().links],
        ['Channel "Koleksi" backup', 2, null, []],
      );
      await api.request('GET', `/api/v1/cases/${ref.toLowerCase()}?purpose=police%20request%2017`, {
        cookie: rina.cookie,
      });
      await api.call('GET', `/api/v1/cases/${ref}`, undefined, rina.cookie);
      const audits = await listAuditEvents(api.db, { target: `case:${ref}`, action: 'case.read' });
      assert.deepEqual(audits.map((a) => [a.actor_kind, a.actor_id, a.purpose]).reverse(), [
        ['user', rina.userId, 'triage of new matches'],
        ['user', rina.userId, 'police request 17'],
        ['user', rina.userId, 'case work'],
      ]);

      const patch = await api.call(
        'PATCH',
        `/api/v1/cases/${ref}`,
        { status: 'in_progress', assignee_id: rina.userId, priority: 1 },
        rina.cookie,
      );
      assert.equal(patch.statusCode, 200, patch.body);
      assert.deepEqual([patch.json().status, patch.json().assignee_id], ['in_progress', rina.userId]);
      const bad = await api.call('PATCH', `/api/v1/cases/${ref}`, { assignee_id: 999 }, rina.cookie);
      assert.equal(bad.statusCode, 400);
      assert.equal((await api.call('PATCH', `/api/v1/cases/${ref}`, {}, rina.cookie)).statusCode, 400);

      const note = await api.call('POST', `/api/v1/cases/${ref}/notes`, { body: 'Preserved 3 posts.' }, rina.cookie);
      assert.equal(note.statusCode, 201, note.body);
      assert.deepEqual([note.json().kind, note.json().actor], ['note', { kind: 'user', id: String(rina.userId) }]);
      assert.equal((await api.call('PUT', `/api/v1/cases/${ref}/notes`, { body: 'x' }, rina.cookie)).statusCode, 404);
      const link = await api.call(
        'POST',
        `/api/v1/cases/${ref}/links`,
        { target_kind: 'channel', target_id: '-1001999000111', note: 'the backup channel' },
        rina.cookie,
      );
      assert.equal(link.statusCode, 201, link.body);
      const detail = (await api.call('GET', `/api/v1/cases/${ref}`, undefined, rina.cookie)).json();
      assert.deepEqual(
        detail.links.map((l: { target_kind: string; target_id: string }) => [l.target_kind, l.target_id]),
        [['channel', '-1001999000111']],
      );

      const timeline = await api.call('GET', `/api/v1/cases/${ref}/timeline`, undefined, rina.cookie);
      assert.equal(timeline.statusCode, 200, timeline.body);
      assert.deepEqual(
        timeline.json().events.map((e: { kind: string }) => e.kind),
        ['status', 'status', 'assign', 'status', 'note', 'link'],
      );
      const timelineAudit = await listAuditEvents(api.db, { target: `case:${ref}`, limit: 1 });
      assert.deepEqual(timelineAudit[0]!.details, { view: 'timeline' }, 'the timeline read is audited too');

      await openCase(api, rina.cookie, 'second');
      const list = await api.call('GET', '/api/v1/cases?status=in_progress', undefined, rina.cookie);
      assert.deepEqual(
        list.json().cases.map((c: { reference: string }) => c.reference),
        [ref],
      );
      assert.equal((await listAuditEvents(api.db, { action: 'case.list' })).length, 1);
    }));

  test("organisation A cannot read or touch organisation B's cases (IDOR): 404, as if absent", () =>
    run(async (api) => {
      const a = await staff(api, 'Helpline A', 'rina@example.org', 'analyst');
      const b = await staff(api, 'Helpline B', 'budi@example.org', 'analyst');
      const theirs = await openCase(api, b.cookie, 'B secret');
      const ref = theirs.reference;
      const attempts: [string, string, unknown][] = [
        ['GET', `/api/v1/cases/${ref}`, undefined],
        ['GET', `/api/v1/cases/${ref}/timeline`, undefined],
        ['PATCH', `/api/v1/cases/${ref}`, { status: 'closed' }],
        ['POST', `/api/v1/cases/${ref}/notes`, { body: 'peek' }],
        ['POST', `/api/v1/cases/${ref}/links`, { target_kind: 'tip', target_id: '1' }],
      ];
      for (const [method, url, body] of attempts) {
        const res = await api.call(method, url, body, a.cookie);
        assert.equal(res.statusCode, 404, `${method} ${url}: ${res.body}`);
        assert.doesNotMatch(res.body, /B secret/);
      }
      const listed = (await api.call('GET', '/api/v1/cases', undefined, a.cookie)).json();
      assert.deepEqual(listed.cases, []);
      const still = (await api.call('GET', `/api/v1/cases/${ref}`, undefined, b.cookie)).json();
      assert.equal(still.status, 'open');
      const timeline = (await api.call('GET', `/api/v1/cases/${ref}/timeline`, undefined, b.cookie)).json();
      assert.equal(timeline.events.length, 1, 'nothing was added by A');
      assert.deepEqual(
        (await listAuditEvents(api.db, { target: `case:${ref}`, action: 'case.read' })).map((e) => e.actor_id),
        [b.userId, b.userId],
        "A's attempts read nothing, so recorded no reads",
      );
    }));

  test('auditors read but do not write; API keys and anonymous callers get nothing', () =>
    run(async (api) => {
      const rina = await staff(api, 'Helpline A', 'rina@example.org', 'analyst');
      const audrey = await staff(api, 'Helpline A', 'audrey@example.org', 'auditor');
      const { reference } = await openCase(api, rina.cookie);
      assert.equal((await api.call('GET', `/api/v1/cases/${reference}`, undefined, audrey.cookie)).statusCode, 200);
      const write = await api.call('PATCH', `/api/v1/cases/${reference}`, { status: 'closed' }, audrey.cookie);
      assert.equal(write.statusCode, 403);
      assert.match(write.json().message, /case:write/);
      const { key } = await createApiKey(api.db, { name: 'writer', scope: 'write' });
      const byKey = await api.request('GET', '/api/v1/cases', { headers: { authorization: `Bearer ${key}` } });
      assert.equal(byKey.statusCode, 403);
      assert.equal((await api.call('GET', `/api/v1/cases/${reference}`)).statusCode, 401);
    }));

  test("a victim's case shows the registration's counts to analysts, never the PIN", () =>
    run(async (api) => {
      const rina = await staff(api, 'Helpline A', 'rina@example.org', 'analyst');
      await setHotline(api.db, rina.organisationId, { slug: 'helpline-a', publicName: 'Helpline A' });
      const reg = await api.call('POST', '/api/v1/victims/registrations', {
        organisation: 'helpline-a',
        consent: { owns_images: true, consent_to_match: true, over_18: true },
        hashes: [{ type: 'pdq', hash: PDQ, quality: 90 }],
      });
      assert.equal(reg.statusCode, 201, reg.body);
      const { case_number, pin, recovery_code } = reg.json();
      const res = await api.call('GET', `/api/v1/cases/${case_number}`, undefined, rina.cookie);
      assert.equal(res.statusCode, 200, res.body);
      const detail = res.json();
      assert.equal(detail.registration.path, 'ncii');
      assert.deepEqual(detail.registration.hashes, { active: 1, paused: 0, withdrawn: 0, by_type: { pdq: 1 } });
      assert.equal(detail.registration.locked, false);
      const timeline = await api.call('GET', `/api/v1/cases/${case_number}/timeline`, undefined, rina.cookie);
      for (const body of [res.body, timeline.body]) {
        assert.ok(!body.includes(pin) && !body.includes(recovery_code), 'no credential in what analysts see');
        assert.doesNotMatch(body, /argon2/);
      }
      assert.ok(
        timeline
          .json()
          .events.some(
            (e: { kind: string; actor: { kind: string } }) => e.kind === 'victim' && e.actor.kind === 'victim',
          ),
      );
    }));
});

/** /api/v1/lineage and /api/v1/graph over HTTP: check, links, verdicts, the graph, permissions, audit and IDOR. */
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { listAuditEvents } from '../../src/accounts/audit.js';
import { argon2idHasher } from '../../src/accounts/passwords.js';
import { createUser } from '../../src/accounts/users.js';
import type { UserRole } from '../../src/db/schema.js';
import { requiresTotp } from '../../src/server/permissions.js';
import { type AccountsApi, CHEAP_ARGON2, loginAndEnrol, sessionFrom, withAccountsApi } from '../accounts/harness.js';
import { databaseVariants } from '../support/db.js';
import {
  BACKUP_CHAT,
  createCaseRow,
  createOrganisation,
  linkCase,
  OLD_CHAT,
  writeAlbkingsWorld,
} from './lineage-support.js';

const variants = databaseVariants();
after(() => Promise.all(variants.map((v) => v.dispose())));
const pglite = variants.find((v) => v.name === 'pglite')!;

const PASSWORD = 'a long enough passphrase';
const hasher = argon2idHasher(CHEAP_ARGON2);

/** A person of an organisation with a full session (two-factor enrolled when the role needs it). */
async function member(api: AccountsApi, organisationId: number, email: string, role: UserRole): Promise<string> {
  await createUser(api.db, hasher, {
    organisationId,
    email,
    displayName: email.split('@')[0]!,
    role,
    password: PASSWORD,
  });
  if (requiresTotp(role)) return (await loginAndEnrol(api, email, PASSWORD)).cookie;
  const res = await api.call('POST', '/api/v1/auth/login', { email, password: PASSWORD });
  assert.equal(res.statusCode, 200, res.body);
  return sessionFrom(res);
}

test('lineage and the link graph over HTTP', () =>
  pglite.run((database) =>
    withAccountsApi(database, async (api) => {
      const db = api.db;
      const orgA = await createOrganisation(db, 'Helpline A');
      const orgB = await createOrganisation(db, 'Helpline B');
      const analystA = await member(api, orgA, 'rina@example.org', 'analyst');
      const auditorA = await member(api, orgA, 'audrey@example.org', 'auditor');
      const analystB = await member(api, orgB, 'bayu@example.org', 'analyst');
      await writeAlbkingsWorld(db);
      const caseA = await createCaseRow(db, orgA, 'PS-2026-000021');
      const caseB = await createCaseRow(db, orgB, 'PS-2026-000022');
      await linkCase(db, caseA, 'channel', OLD_CHAT);
      await linkCase(db, caseB, 'channel', OLD_CHAT);

      // The check: only case:write may run it.
      const url = `/api/v1/lineage/channels/${OLD_CHAT}/check`;
      assert.equal((await api.call('POST', url, {}, auditorA)).statusCode, 403);
      const check = await api.call('POST', url, { purpose: 'Albkings ban follow-up' }, analystA);
      assert.equal(check.statusCode, 200, check.body);
      const body = check.json();
      assert.equal(body.threshold, 0.35);
      const [checked] = body.checked;
      assert.equal(checked.channel.key, 'tg:#1111111111');
      assert.deepEqual(checked.channel.forward_sources.sort(), ['Leaks Source A', 'Leaks Source B']);
      assert.deepEqual(checked.cases, ['PS-2026-000021']);
      assert.equal(checked.successors.length, 1);
      const successor = checked.successors[0];
      assert.equal(successor.channel.chat_id, BACKUP_CHAT);
      assert.equal(successor.relation, 'successor');
      assert.equal(successor.evidence.media.shared, 20);
      assert.deepEqual(successor.alerted_cases, ['PS-2026-000021']);
      const audits = await listAuditEvents(db, { action: 'lineage.check' });
      assert.equal(audits[0]?.purpose, 'Albkings ban follow-up');
      assert.equal((await api.call('POST', '/api/v1/lineage/channels/-100999/check', {}, analystA)).statusCode, 404);

      // Links: any spelling of the chat; cases are the caller's only.
      const links = await api.call('GET', '/api/v1/lineage/links?chat=2222222222', undefined, analystA);
      assert.equal(links.statusCode, 200, links.body);
      assert.deepEqual(
        links
          .json()
          .links.map((l: { from: { title: string }; to: { title: string }; cases: string[] }) => [
            l.from.title,
            l.to.title,
            l.cases,
          ]),
        [['Albkings ✓', 'albkings backup 2', ['PS-2026-000021']]],
      );
      const linkId = successor.link_id;
      const forB = await api.call('GET', '/api/v1/lineage/links?chat=tg:%231111111111', undefined, analystB);
      assert.deepEqual(forB.json().links[0].cases, [], "B is not told of A's case");
      const verdict = await api.call('PATCH', `/api/v1/lineage/links/${linkId}`, { status: 'confirmed' }, analystA);
      assert.equal(verdict.statusCode, 200, verdict.body);
      assert.equal(verdict.json().status, 'confirmed');
      assert.equal(
        (await api.call('PATCH', '/api/v1/lineage/links/9999', { status: 'confirmed' }, analystA)).statusCode,
        404,
      );
      assert.equal(
        (await api.call('PATCH', `/api/v1/lineage/links/${linkId}`, { status: 'maybe' }, analystA)).statusCode,
        400,
      );

      // The graph: read by case:read, audited; exactly one root; another organisation's case is 404.
      const graph = await api.call('GET', '/api/v1/graph?case=ps-2026-000021', undefined, auditorA);
      assert.equal(graph.statusCode, 200, graph.body);
      const g = graph.json();
      assert.equal(g.root, 'case:PS-2026-000021');
      const ids = g.nodes.map((n: { id: string }) => n.id);
      assert.ok(ids.includes('channel:tg:#1111111111') && ids.includes('channel:tg:#2222222222'));
      assert.ok(
        g.edges.some(
          (e: { from: string; to: string; kind: string; data?: { status?: string } }) =>
            e.kind === 'successor' && e.to === 'channel:tg:#2222222222' && e.data?.status === 'confirmed',
        ),
      );
      assert.deepEqual(g.limits, { depth: 3, max_nodes: 2000 });
      const graphAudits = await listAuditEvents(db, { action: 'graph.read' });
      assert.equal(graphAudits[0]?.target, 'case:PS-2026-000021');
      const idor = await api.call('GET', '/api/v1/graph?case=PS-2026-000021', undefined, analystB);
      assert.equal(idor.statusCode, 404, "B cannot graph A's case");
      const own = await api.call(
        'GET',
        `/api/v1/graph?entity=${encodeURIComponent('channel:tg:#1111111111')}`,
        undefined,
        analystB,
      );
      assert.equal(own.statusCode, 200, own.body);
      assert.ok(!own.body.includes('PS-2026-000021') && own.body.includes('PS-2026-000022'));
      assert.equal((await api.call('GET', '/api/v1/graph', undefined, analystA)).statusCode, 400);
      assert.equal(
        (await api.call('GET', '/api/v1/graph?case=PS-2026-000021&entity=media:00', undefined, analystA)).statusCode,
        400,
      );
      const capped = await api.call('GET', '/api/v1/graph?case=PS-2026-000021&max_nodes=2', undefined, analystA);
      assert.deepEqual([capped.json().nodes.length, capped.json().truncated], [2, true]);
      assert.equal((await api.call('GET', '/api/v1/graph?case=PS-2026-000021', undefined)).statusCode, 401);
    }),
  ));

/** The link graph on PGlite and PostgreSQL: what a case's graph holds, caps, and organisation scoping. */
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { caseGraph, entityGraph, type Graph } from '../../src/cases/graph.js';
import { tableExists } from '../../src/cases/lineage/alerts.js';
import { findSuccessors } from '../../src/cases/lineage/index.js';
import { sql } from '../../src/db/open.js';
import { databaseVariants } from '../support/db.js';
import {
  BACKUP_CHAT,
  createCaseRow,
  createOrganisation,
  type Db,
  linkCase,
  OLD_CHAT,
  writeAlbkingsWorld,
} from './lineage-support.js';

const NOW = new Date('2026-02-01T12:00:00Z');
const REF_A = 'PS-2026-000010';
const REF_B = 'PS-2026-000011';
const OLD = 'channel:tg:#1111111111';
const BACKUP = 'channel:tg:#2222222222';

interface World {
  orgA: number;
  orgB: number;
  media: string;
  tip: number | null;
  otherTip: number | null;
  takedown: number | null;
}

/** Case A (org A) holds a victim's registration matching the old channel's first medium, and links the channel. */
async function buildWorld(db: Db): Promise<World> {
  const orgA = await createOrganisation(db, 'Helpline A');
  const orgB = await createOrganisation(db, 'Helpline B');
  const caseA = await createCaseRow(db, orgA, REF_A);
  const caseB = await createCaseRow(db, orgB, REF_B);
  const bank = await db
    .insertInto('banks')
    .values({ name: 'VICTIMS_A', category: 'ncii', org_id: orgA })
    .returning('id')
    .executeTakeFirstOrThrow();
  const content = await db
    .insertInto('bank_content')
    .values({ bank_id: bank.id, metadata: '{}', source: 'victim', case_ref: REF_A })
    .returning('id')
    .executeTakeFirstOrThrow();
  const match = { mediaId: 'photo', bank: 'VICTIMS_A', bankId: bank.id, category: 'ncii', contentId: content.id };
  const { old } = await writeAlbkingsWorld(db, 1, {
    oldMatches: [{ ...match, signalType: 'pdq', distance: 4, caseRef: REF_A, held: false }],
  });
  await linkCase(db, caseA, 'channel', OLD_CHAT);
  await linkCase(db, caseB, 'channel', OLD_CHAT);
  await findSuccessors(db, OLD_CHAT, { now: () => NOW, organisationId: orgA });
  const world: World = { orgA, orgB, media: old[0]!.sha256.toString('hex'), tip: null, otherTip: null, takedown: null };
  if ((await tableExists(db, 'tips')) && (await tableExists(db, 'tip_clusters'))) {
    world.tip = await insertTip(db, orgA, caseA, 'R-A-1');
    world.otherTip = await insertTip(db, orgB, caseB, 'R-B-1');
  }
  if (await tableExists(db, 'takedowns')) {
    const { rows } = await sql<{ id: number }>`
      insert into takedowns (org_id, case_id, platform, host, items, language, legal_basis, created_by, created_at, updated_at)
      values (${orgA}, ${caseA}, 'telegram', 'telegram.org', ${JSON.stringify([{ chat: BACKUP_CHAT }])}::jsonb, 'en',
              'non-consensual intimate images', 'user:1', ${NOW}, ${NOW})
      returning id`.execute(db);
    world.takedown = rows[0]!.id;
  }
  return world;
}

async function insertTip(db: Db, org: number, caseId: number, receipt: string): Promise<number> {
  const { rows: cluster } = await sql<{ id: number }>`
    insert into tip_clusters (org_id, status, case_id, first_tip_at, last_tip_at)
    values (${org}, 'linked', ${caseId}, ${NOW}, ${NOW}) returning id`.execute(db);
  const { rows } = await sql<{ id: number }>`
    insert into tips (org_id, cluster_id, receipt, kind, channel_key, created_at)
    values (${org}, ${cluster[0]!.id}, ${receipt}, 'anonymous', 'tg:#1111111111', ${NOW}) returning id`.execute(db);
  return rows[0]!.id;
}

function hasEdge(g: Graph, from: string, kind: string, to: string): boolean {
  return g.edges.some((e) => e.from === from && e.kind === kind && e.to === to);
}

const variants = databaseVariants();
after(() => Promise.all(variants.map((v) => v.dispose())));

for (const variant of variants) {
  // One world per database (building it is most of the cost); each subtest reads it.
  test(`link graph (${variant.name})`, { skip: variant.skip }, (t) =>
    variant.run(async ({ db }) => {
      const w = await buildWorld(db);
      await t.test(
        "a case's graph: registration, matched media, channels, successor, admin, tips and takedowns",
        async () => {
          const g = (await caseGraph(db, REF_A, { organisationId: w.orgA }))!;
          assert.equal(g.root, `case:${REF_A}`);
          assert.equal(g.truncated, false);
          const ids = new Set(g.nodes.map((n) => n.id));
          const media = `media:${w.media}`;
          const vr = `victim_registration:${REF_A}`;
          for (const id of [`case:${REF_A}`, vr, OLD, BACKUP, media, 'account:tg:700001']) assert.ok(ids.has(id), id);
          assert.ok(!ids.has(`case:${REF_B}`), "another organisation's case is never a neighbour");

          assert.ok(hasEdge(g, `case:${REF_A}`, 'registered', vr));
          assert.ok(hasEdge(g, media, 'matches', vr));
          assert.ok(hasEdge(g, media, 'posted_in', OLD));
          assert.ok(hasEdge(g, `case:${REF_A}`, 'linked', OLD));
          assert.ok(hasEdge(g, `case:${REF_A}`, 'linked', BACKUP), 'through the lineage alert');
          assert.ok(hasEdge(g, 'account:tg:700001', 'admin_of', OLD));
          const successor = g.edges.find((e) => e.kind === 'successor');
          assert.deepEqual([successor?.from, successor?.to], [OLD, BACKUP]);
          assert.ok(Number(successor?.data?.score) > 0.5);
          if (w.tip !== null) {
            assert.ok(hasEdge(g, `tip:${w.tip}`, 'linked', `case:${REF_A}`));
            assert.ok(hasEdge(g, `tip:${w.tip}`, 'reports', OLD));
            assert.ok(!ids.has(`tip:${w.otherTip}`), "another organisation's tip about the same channel");
          }
          if (w.takedown !== null) {
            assert.ok(hasEdge(g, `takedown:${w.takedown}`, 'for_case', `case:${REF_A}`));
            assert.ok(hasEdge(g, `takedown:${w.takedown}`, 'targets', BACKUP));
          }

          const byId = new Map(g.nodes.map((n) => [n.id, n]));
          assert.equal(byId.get(vr)?.label, REF_A, 'a victim is only their case reference');
          assert.equal(byId.get(OLD)?.label, 'Albkings ✓');
          assert.equal(byId.get(`case:${REF_A}`)?.label, REF_A, 'never the case title');
          const json = JSON.stringify(g);
          assert.doesNotMatch(json, /thumbnail|base64|Synthetic case/);
          for (const e of g.edges) assert.ok(ids.has(e.from) && ids.has(e.to), 'every edge joins shown nodes');
        },
      );

      await t.test('the node cap truncates and says so; depth 0 is the root alone', async () => {
        const capped = (await caseGraph(db, REF_A, { organisationId: w.orgA, maxNodes: 3 }))!;
        assert.equal(capped.nodes.length, 3);
        assert.equal(capped.truncated, true);
        const alone = (await caseGraph(db, REF_A, { organisationId: w.orgA, depth: 0 }))!;
        assert.deepEqual(
          alone.nodes.map((n) => n.id),
          [`case:${REF_A}`],
        );
        assert.equal(alone.truncated, false);
      });

      await t.test(
        "organisation B cannot graph A's case or registration, and sees only its own around shared data",
        async () => {
          assert.equal(await caseGraph(db, REF_A, { organisationId: w.orgB }), null);
          assert.equal(await entityGraph(db, `victim_registration:${REF_A}`, { organisationId: w.orgB }), null);
          if (w.tip !== null) assert.equal(await entityGraph(db, `tip:${w.tip}`, { organisationId: w.orgB }), null);
          if (w.takedown !== null) {
            assert.equal(await entityGraph(db, `takedown:${w.takedown}`, { organisationId: w.orgB }), null);
          }
          const channel = (await entityGraph(db, OLD, { organisationId: w.orgB, depth: 2 }))!;
          const ids = new Set(channel.nodes.map((n) => n.id));
          assert.ok(ids.has(`case:${REF_B}`) && ids.has(BACKUP) && ids.has(`media:${w.media}`));
          assert.ok(!ids.has(`case:${REF_A}`) && !ids.has(`victim_registration:${REF_A}`));
          if (w.tip !== null) assert.ok(ids.has(`tip:${w.otherTip}`) && !ids.has(`tip:${w.tip}`));
          assert.equal(await entityGraph(db, 'media:00', { organisationId: w.orgB }), null);
          assert.equal(await entityGraph(db, 'planet:earth', { organisationId: w.orgB }), null);
        },
      );
    }),
  );
}

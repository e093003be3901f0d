/**
 * Tip deduplication and triage against both databases: links in different
 * spellings and near-duplicate screenshots join one cluster, concurrent
 * identical tips make one cluster, the queue is ordered by severity and
 * scoped to the organisation.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Kysely } from 'kysely';
import sharp from 'sharp';
import { createCase } from '../../src/cases/cases.js';
import { ChannelTipBatcher, writeChannelTips } from '../../src/cases/tip-batch.js';
import {
  hashScreenshot,
  prepareTip,
  SCREENSHOT_LIMITS,
  type ScreenshotHashes,
  type TipFields,
} from '../../src/cases/tip-intake.js';
import { insertClusterClaiming } from '../../src/cases/tip-join.js';
import { getTipCluster, listTipQueue, setTipClusterStatus } from '../../src/cases/tip-queue.js';
import { severityOf } from '../../src/cases/tip-triage.js';
import { newReceipt, submitTip, type TipBankMatch, type TipDeps, tipDeps } from '../../src/cases/tips.js';
import { type Database, sql } from '../../src/db/open.js';
import type { Schema } from '../../src/db/schema.js';
import { databaseVariants } from '../support/db.js';

/** A synthetic "screenshot": coloured boxes on grey, different for each seed. */
function screenshotSvg(seed: number): Buffer {
  const boxes = Array.from({ length: 12 }, (_, i) => {
    const colour = (((i * seed * 2654435761) >>> 8) & 0xffffff).toString(16).padStart(6, '0');
    return `<rect x="${(i * 53 * seed) % 300}" y="${(i * 97 * seed) % 700}" width="${40 + ((i * seed) % 60)}" height="${30 + ((i * 7 * seed) % 80)}" fill="#${colour}"/>`;
  }).join('');
  return Buffer.from(
    `<svg xmlns="http://www.w3.org/2000/svg" width="360" height="780"><rect width="360" height="780" fill="#eee"/>${boxes}</svg>`,
  );
}

interface Shots {
  original: ScreenshotHashes;
  /** The same screenshot resized and re-encoded as JPEG: other bytes, PDQ a few bits away. */
  reencoded: ScreenshotHashes;
  unrelated: ScreenshotHashes;
}

let shots: Shots;
before(async () => {
  const png = await sharp(screenshotSvg(1)).png().toBuffer();
  const jpeg = await sharp(screenshotSvg(1)).resize(270, 585).jpeg({ quality: 70 }).toBuffer();
  const other = await sharp(screenshotSvg(3)).png().toBuffer();
  shots = {
    original: await hashScreenshot(png, 0, SCREENSHOT_LIMITS),
    reencoded: await hashScreenshot(jpeg, 0, SCREENSHOT_LIMITS),
    unrelated: await hashScreenshot(other, 0, SCREENSHOT_LIMITS),
  };
  assert.notEqual(shots.original.sha256, shots.reencoded.sha256);
});

const shot = (h: ScreenshotHashes, bankMatches: TipBankMatch[] = []) => ({ ...h, bankMatches });
const CSAM_MATCH: TipBankMatch = { bank: 'CSAM_TEST', category: 'csam', contentId: 1, distance: 4 };

async function newOrg(db: Kysely<Schema>, name: string): Promise<number> {
  return (await db.insertInto('organisations').values({ name }).returning('id').executeTakeFirstOrThrow()).id;
}

/** A clock a second further on each call, so "recent" is well defined. */
function ticking(start = Date.parse('2026-03-02T09:00:00Z')) {
  let t = start;
  return () => {
    t += 1000;
    return new Date(t);
  };
}

/** What one server process holds; a new one per call stands for another process. */
function depsFor(db: Kysely<Schema>): TipDeps {
  return tipDeps(db, ticking());
}

async function clusterCount(db: Kysely<Schema>, orgId: number): Promise<number> {
  const r = await db
    .selectFrom('tip_clusters')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('org_id', '=', orgId)
    .executeTakeFirstOrThrow();
  return Number(r.n);
}

/** Polls an async condition (no timing is asserted); fails after 15 s. */
async function eventually(check: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + 15_000;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('timed out waiting for the condition');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

async function warmPool(database: Database): Promise<void> {
  await Promise.all(Array.from({ length: 10 }, () => database.executeSql('select pg_sleep(0.02)')));
}

for (const variant of databaseVariants()) {
  describe(`tip deduplication (${variant.name})`, { skip: variant.skip }, () => {
    after(() => variant.dispose());

    const submit = (deps: TipDeps, org: number, fields: TipFields, s: ReturnType<typeof shot>[] = []) =>
      submitTip(deps, org, prepareTip(fields, s));

    test('different spellings of one channel join one cluster; another channel starts its own', () =>
      variant.run(async ({ db }) => {
        const org = await newOrg(db, 'Helpline A');
        const deps = depsFor(db);
        const spellings = [
          'https://t.me/Fiktif_Channel',
          '@fiktif_channel',
          'telegram.me/FIKTIF_CHANNEL/',
          'https://t.me/s/fiktif_channel/123?single',
          'tg://resolve?domain=fiktif_channel',
        ];
        const first = await submit(deps, org, { link: spellings[0] });
        assert.equal(first.joined, false);
        for (const link of spellings.slice(1)) {
          const t = await submit(deps, org, { link, description: 'same channel' });
          assert.equal(t.clusterId, first.clusterId, link);
          assert.equal(t.joined, true);
        }
        const other = await submit(deps, org, { link: 'https://t.me/fiktif_backup' });
        assert.notEqual(other.clusterId, first.clusterId);
        const c = await getTipCluster(db, org, first.clusterId);
        assert.equal(c?.tipCount, 5);
        assert.deepEqual(c?.keys, ['tg:@fiktif_channel']);
        assert.equal(c?.link, 'https://t.me/fiktif_channel');
        assert.ok(c?.tips.some((t) => t.messageId === 123));
        assert.match(first.receipt, /^TIP-[0-9A-HJKMNP-TV-Z]{4}(-[0-9A-HJKMNP-TV-Z]{4}){3}$/);
      }));

    test('a re-encoded, resized screenshot joins the cluster; an unrelated one does not', () =>
      variant.run(async ({ db }) => {
        const org = await newOrg(db, 'Helpline A');
        const deps = depsFor(db);
        const a = await submit(deps, org, { description: 'screenshot of the chat' }, [shot(shots.original)]);
        const b = await submit(deps, org, {}, [shot(shots.reencoded)]);
        assert.equal(b.clusterId, a.clusterId, 'near-duplicate PDQ joins');
        const c = await submit(deps, org, {}, [shot(shots.unrelated)]);
        assert.notEqual(c.clusterId, a.clusterId, 'unrelated screenshot starts a new cluster');
        // A tip bringing the screenshot and a link adds the link to that cluster...
        const d = await submit(deps, org, { link: 't.me/fiktif_channel' }, [shot(shots.original)]);
        assert.equal(d.clusterId, a.clusterId);
        // ...so the link alone now finds it.
        const e = await submit(deps, org, { link: '@Fiktif_Channel' });
        assert.equal(e.clusterId, a.clusterId);
        const detail = await getTipCluster(db, org, a.clusterId);
        assert.equal(detail?.tipCount, 4);
        assert.equal(detail?.screenshotCount, 3);
        assert.ok(detail?.keys.includes('tg:@fiktif_channel'));
        assert.ok(detail?.keys.includes(`sha256:${shots.original.sha256}`));
        assert.equal(detail?.tips.at(-1)?.screenshots[0]?.pdq, shots.original.pdq);
      }));

    test('link-only tips are written in groups: joins, a new channel opened once, a bad tip failing alone', () =>
      variant.run(async ({ db }) => {
        const org = await newOrg(db, 'Helpline A');
        const a = await submit(depsFor(db), org, { link: '@fiktif_alpha' });
        const b = await submit(depsFor(db), org, { link: '@fiktif_beta' });
        const item = (link: string, description = '') => ({
          orgId: org,
          receipt: newReceipt(),
          tip: prepareTip({ link, description }, []),
          now: new Date(),
        });
        const placed = await writeChannelTips(db, [
          item('@fiktif_alpha'),
          item('t.me/fiktif_alpha', 'she is 15 years old'),
          item('@fiktif_beta'),
          item('@fiktif_gamma'),
          item('t.me/FIKTIF_GAMMA'),
        ]);
        assert.deepEqual(
          placed.map((p) => p && { cluster: p.clusterId, opened: p.opened }),
          [
            { cluster: a.clusterId, opened: false },
            { cluster: a.clusterId, opened: false },
            { cluster: b.clusterId, opened: false },
            { cluster: placed[3]!.clusterId, opened: true },
            null, // lost the claim to the tip before it: sent again, it joins
          ],
        );
        const alpha = await getTipCluster(db, org, a.clusterId);
        assert.equal(alpha?.tipCount, 3);
        assert.equal(alpha?.minors, true);
        assert.equal(alpha?.severity, severityOf(alpha!));
        assert.equal((await getTipCluster(db, org, placed[3]!.clusterId))?.tipCount, 1);
        assert.equal(await clusterCount(db, org), 3);

        const batcher = new ChannelTipBatcher(db);
        const tooLong = {
          ...item('@fiktif_beta'),
          tip: { ...item('@fiktif_beta').tip, description: 'x'.repeat(5000) },
        };
        const results = await Promise.allSettled([
          batcher.write(item('@fiktif_alpha')),
          batcher.write(item('@fiktif_beta')),
          batcher.write(tooLong), // past the database's length check: a stand-in for a fault
          batcher.write(item('@fiktif_gamma')),
        ]);
        assert.deepEqual(
          results.map((r) => r.status),
          ['fulfilled', 'fulfilled', 'rejected', 'fulfilled'],
        );
        assert.equal((await getTipCluster(db, org, b.clusterId))?.tipCount, 3, 'the bad tip is not counted');
      }));

    test('another process (its own index) sees screenshots this one stored', () =>
      variant.run(async ({ db }) => {
        const org = await newOrg(db, 'Helpline A');
        const first = await submit(depsFor(db), org, {}, [shot(shots.original)]);
        const second = await submit(depsFor(db), org, {}, [shot({ ...shots.reencoded, sha256: null, md5: null })]);
        assert.equal(second.clusterId, first.clusterId);
      }));

    test('twenty identical tips at once make one cluster (link, screenshot, and link with and without screenshot)', () =>
      variant.run(async (database) => {
        const { db } = database;
        const org = await newOrg(db, 'Helpline A');
        const deps = depsFor(db);
        // Open the pool's connections first: with one warm connection the first tip commits before the others start.
        await warmPool(database);
        const byLink = await Promise.all(
          Array.from({ length: 20 }, (_, i) =>
            submit(deps, org, { link: i % 2 ? '@fiktif_channel' : 't.me/Fiktif_Channel' }),
          ),
        );
        assert.equal(new Set(byLink.map((t) => t.clusterId)).size, 1);
        const pdqOnly = { ...shots.unrelated, sha256: null, md5: null };
        await warmPool(database);
        const byShot = await Promise.all(Array.from({ length: 20 }, () => submit(deps, org, {}, [shot(pdqOnly)])));
        assert.equal(new Set(byShot.map((t) => t.clusterId)).size, 1);
        await warmPool(database);
        // Half with a screenshot (they take the lock), half link-only (they do not): they race for the link.
        const both = await Promise.all(
          Array.from({ length: 20 }, (_, i) =>
            submit(
              depsFor(db),
              org,
              { link: 'chat.whatsapp.com/AbCdEfGhIjKlMnOpQrSt12' },
              i % 2 ? [shot(shots.original)] : [],
            ),
          ),
        );
        assert.equal(new Set(both.map((t) => t.clusterId)).size, 1);
        assert.equal(await clusterCount(db, org), 3);
        const counts = await db.selectFrom('tip_clusters').select('tip_count').where('org_id', '=', org).execute();
        assert.deepEqual(
          counts.map((c) => c.tip_count),
          [20, 20, 20],
        );
        for (const c of (await listTipQueue(db, org)).clusters) assert.equal(c.severity, severityOf(c));
      }));

    // Needs two transactions side by side: PostgreSQL only (PGlite is one session, so the race cannot occur there).
    if (variant.name === 'postgres')
      test("a screenshot tip that loses the race for a new link to a link-only tip joins that tip's cluster", () =>
        variant.run(async ({ db }) => {
          const org = await newOrg(db, 'Helpline A');
          const linkOnly = prepareTip({ link: '@fiktif_channel' }, []);
          let commit!: () => void;
          const gate = new Promise<void>((resolve) => {
            commit = resolve;
          });
          let claimed!: (id: number) => void;
          const claim = new Promise<number>((resolve) => {
            claimed = resolve;
          });
          // A link-only tip's transaction, held open after it claimed the channel.
          const inFlight = db.transaction().execute(async (trx) => {
            const opened = await insertClusterClaiming(trx, org, linkOnly, 'tg:@fiktif_channel', new Date());
            claimed(opened.clusterId);
            await gate;
          });
          const winner = await claim;
          const loser = submit(depsFor(db), org, { link: 't.me/fiktif_channel' }, [shot(shots.original)]);
          // Wait until the screenshot tip blocks on the claimed key, then let the link-only tip commit.
          await eventually(async () => {
            const r = await sql<{ n: number }>`select count(*)::int as n from pg_stat_activity
              where wait_event_type = 'Lock' and query like '%tip_cluster_keys%'`.execute(db);
            return r.rows[0]!.n > 0;
          });
          commit();
          await inFlight;
          assert.equal((await loser).clusterId, winner);
          assert.equal(await clusterCount(db, org), 1, 'the losing cluster row is gone');
        }));

    test('the queue is ordered by bank match, minors, personal data, corroboration, recency; pages by cursor', () =>
      variant.run(async ({ db }) => {
        const org = await newOrg(db, 'Helpline A');
        const deps = depsFor(db);
        const oldPlain = await submit(deps, org, { link: '@fiktif_old' });
        const crowd = await submit(deps, org, { link: '@fiktif_crowd' });
        await submit(deps, org, { link: '@fiktif_crowd' });
        const pd = await submit(deps, org, { link: '@fiktif_pd', description: 'her number is +44 7700 900123' });
        const minors = await submit(deps, org, { link: '@fiktif_minors', description: 'anak SMA semua' });
        const matched = await submit(deps, org, {}, [shot(shots.unrelated, [CSAM_MATCH])]);
        const newPlain = await submit(deps, org, { link: '@fiktif_new' });
        const want = [matched, minors, pd, crowd, newPlain, oldPlain].map((t) => t.clusterId);

        const all = await listTipQueue(db, org);
        assert.deepEqual(
          all.clusters.map((c) => c.id),
          want,
        );
        assert.equal(all.clusters[0]?.bankTier, 3);
        assert.equal(all.clusters[1]?.minors, true);
        assert.equal(all.clusters[2]?.personalData, true);
        // Joins compute severity in SQL (tip-join.ts), new clusters in TypeScript: both must agree.
        for (const c of all.clusters) assert.equal(c.severity, severityOf(c), `cluster ${c.id}`);

        const seen: number[] = [];
        let page = await listTipQueue(db, org, { limit: 4 });
        seen.push(...page.clusters.map((c) => c.id));
        while (page.next) {
          page = await listTipQueue(db, org, { limit: 4, after: page.next });
          seen.push(...page.clusters.map((c) => c.id));
        }
        assert.deepEqual(seen, want);
      }));

    test('a dismissed cluster stays dismissed for more of the same, and comes back when a tip shows minors', () =>
      variant.run(async ({ db }) => {
        const org = await newOrg(db, 'Helpline A');
        const deps = depsFor(db);
        const t = await submit(deps, org, { link: '@fiktif_channel' });
        await setTipClusterStatus(db, org, t.clusterId, { status: 'dismissed' }, { kind: 'user', id: '1' }, new Date());
        await submit(deps, org, { link: '@fiktif_channel', description: 'again' });
        assert.equal((await getTipCluster(db, org, t.clusterId))?.status, 'dismissed');
        assert.equal((await listTipQueue(db, org)).clusters.length, 0, 'dismissed is not open work');
        await submit(deps, org, { link: '@fiktif_channel', description: 'they are 15 years old' });
        const c = await getTipCluster(db, org, t.clusterId);
        assert.equal(c?.status, 'new');
        assert.equal(c?.minors, true);
      }));

    test("an organisation never sees or changes another's clusters, nor links to another's case", () =>
      variant.run(async ({ db }) => {
        const orgA = await newOrg(db, 'Helpline A');
        const orgB = await newOrg(db, 'Helpline B');
        const deps = depsFor(db);
        const a = await submit(deps, orgA, { link: '@fiktif_channel' }, [shot(shots.original)]);
        const b = await submit(deps, orgB, { link: '@fiktif_channel' }, [shot(shots.original)]);
        assert.notEqual(a.clusterId, b.clusterId, 'the same channel is a separate cluster per organisation');
        assert.deepEqual(
          (await listTipQueue(db, orgA)).clusters.map((c) => c.id),
          [a.clusterId],
        );
        assert.equal(await getTipCluster(db, orgA, b.clusterId), null);
        const actor = { kind: 'user' as const, id: '1' };
        await assert.rejects(
          setTipClusterStatus(db, orgA, b.clusterId, { status: 'dismissed' }, actor, new Date()),
          (err: Error & { code?: string }) => err.code === 'not-found',
        );
        const caseB = await createCase(db, { organisationId: orgB, title: 'B' }, actor);
        await assert.rejects(
          setTipClusterStatus(
            db,
            orgA,
            a.clusterId,
            { status: 'linked', caseReference: caseB.reference },
            actor,
            new Date(),
          ),
          (err: Error & { code?: string }) => err.code === 'not-found',
        );
        assert.equal((await getTipCluster(db, orgB, b.clusterId))?.status, 'new');
      }));

    test('linking a cluster to a case puts a tip event on its timeline', () =>
      variant.run(async ({ db }) => {
        const org = await newOrg(db, 'Helpline A');
        const t = await submit(depsFor(db), org, { link: '@fiktif_channel' });
        const actor = { kind: 'user' as const, id: '7' };
        const kase = await createCase(db, { organisationId: org, title: 'Fiktif channel' }, actor);
        await assert.rejects(
          setTipClusterStatus(db, org, t.clusterId, { status: 'linked' }, actor, new Date()),
          /case_reference/,
        );
        const { before: was, after: now } = await setTipClusterStatus(
          db,
          org,
          t.clusterId,
          { status: 'linked', caseReference: kase.reference.toLowerCase() },
          actor,
          new Date(),
        );
        assert.equal(was.status, 'new');
        assert.equal(now.status, 'linked');
        assert.equal(now.caseReference, kase.reference);
        const events = await db
          .selectFrom('case_events')
          .selectAll()
          .where('case_id', '=', kase.id)
          .where('kind', '=', 'tip')
          .execute();
        assert.equal(events.length, 1);
        assert.equal(events[0]?.target_id, `cluster:${t.clusterId}`);
        assert.equal(events[0]?.actor_id, '7');
      }));
  });
}

/** Channel lineage over the pipeline tables, on PGlite and PostgreSQL: the Albkings backup is found, linked and alerted. */
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import {
  findSuccessors,
  listLinks,
  loadProfiles,
  refreshChannelProfile,
  setLinkStatus,
  staleChannels,
} from '../../src/cases/lineage/index.js';
import { databaseVariants } from '../support/db.js';
import {
  ADMIN,
  BACKUP_CHAT,
  createCaseRow,
  createOrganisation,
  type Db,
  fakeMedia,
  linkCase,
  OLD_CHAT,
  writeAlbkingsWorld,
  writeChannel,
} from './lineage-support.js';

const NOW = new Date('2026-02-01T12:00:00Z');
const now = () => NOW;

async function lineageEvents(db: Db, caseId: number) {
  return db
    .selectFrom('case_events')
    .selectAll()
    .where('case_id', '=', caseId)
    .where('kind', '=', 'lineage')
    .orderBy('id')
    .execute();
}

const variants = databaseVariants();
after(() => Promise.all(variants.map((v) => v.dispose())));

for (const variant of variants) {
  describe(`channel lineage (${variant.name})`, { skip: variant.skip }, () => {
    test('the Albkings backup is a probable successor, with its evidence, and the case is alerted', () =>
      variant.run(async ({ db }) => {
        const { shared } = await writeAlbkingsWorld(db);
        const orgA = await createOrganisation(db, 'Helpline A');
        const orgB = await createOrganisation(db, 'Helpline B');
        const caseA = await createCaseRow(db, orgA, 'PS-2026-000001');
        const caseB = await createCaseRow(db, orgB, 'PS-2026-000002');
        await linkCase(db, caseA, 'channel', OLD_CHAT);
        await linkCase(db, caseB, 'channel', OLD_CHAT);

        const [check, ...rest] = await findSuccessors(db, OLD_CHAT, { now, organisationId: orgA });
        assert.equal(rest.length, 0, 'one source holds the chat');
        assert.ok(check);
        assert.equal(check.channel.title, 'Albkings ✓');
        assert.deepEqual(check.cases, ['PS-2026-000001'], "only the caller's organisation's cases are named");
        assert.deepEqual(
          check.matches.map((m) => m.channel.chatId),
          [BACKUP_CHAT],
          'neither the namesake, the meme channel nor unrelated ones',
        );
        const match = check.matches[0]!;
        assert.equal(match.relation, 'successor');
        assert.ok(match.score >= 0.6 && match.score <= 1, `score ${match.score}`);
        const e = match.evidence;
        assert.equal(e.media.method, 'exact');
        assert.equal(e.media.shared, 20, '10 shared files, each by MD5 and PDQ');
        assert.deepEqual(e.media.sizes, [40, 40]);
        assert.ok(Math.abs(e.media.jaccard - 1 / 3) < 1e-3);
        assert.equal(e.media.overlap, 0.5);
        const sharedMd5 = new Set(shared.map((m) => `md5:${m.md5.toString('hex')}`));
        assert.ok(e.media.sample.length === 20 && e.media.sample.every((h) => /^(md5|pdq):[0-9a-f]+$/.test(h)));
        assert.ok(e.media.sample.some((h) => sharedMd5.has(h)));
        assert.deepEqual(e.forwards.shared.sort(), ['Leaks Source A', 'Leaks Source B']);
        assert.equal(e.title.score, 1);
        assert.deepEqual(e.title.skeletons, ['albkings', 'albkings']);
        assert.deepEqual(e.admins.shared, [ADMIN.name]);
        assert.equal(match.link?.status, 'probable');
        assert.deepEqual(match.link?.from, { source: 'telegram-bot', chatId: OLD_CHAT });
        assert.deepEqual(match.alerted, ['PS-2026-000001']);

        const [alert, ...more] = await lineageEvents(db, caseA);
        assert.equal(more.length, 0);
        assert.equal(alert?.target_kind, 'channel');
        assert.equal(alert?.target_id, BACKUP_CHAT);
        assert.match(alert!.body, /Probable successor channel: “albkings backup 2”/);
        assert.equal(alert!.details.link_id, match.link!.id);
        assert.equal(
          (await lineageEvents(db, caseB)).length,
          0,
          "another organisation's case is not alerted by A's check",
        );

        // Checked again (by B, from the backup's side): the same link, refreshed; B's case hears of it once.
        const [again] = await findSuccessors(db, BACKUP_CHAT, { now, organisationId: orgB });
        const back = again!.matches.find((m) => m.channel.chatId === OLD_CHAT)!;
        assert.equal(back.relation, 'predecessor');
        assert.equal(back.link?.id, match.link?.id);
        assert.deepEqual(back.alerted, ['PS-2026-000002']);
        await findSuccessors(db, OLD_CHAT, { now, organisationId: null });
        assert.equal((await lineageEvents(db, caseA)).length, 1, 'no second alert for the same link');
        assert.equal((await lineageEvents(db, caseB)).length, 1);
        assert.equal((await listLinks(db, [OLD_CHAT])).length, 1);
      }));

    test('a rejected link stays rejected and alerts no one on later checks', () =>
      variant.run(async ({ db }) => {
        await writeAlbkingsWorld(db, 2);
        const org = await createOrganisation(db, 'Helpline A');
        const [first] = await findSuccessors(db, OLD_CHAT, { now });
        const link = first!.matches[0]!.link!;
        await setLinkStatus(db, link.id, 'rejected', NOW);
        const caseId = await createCaseRow(db, org, 'PS-2026-000003');
        await linkCase(db, caseId, 'channel', BACKUP_CHAT);
        const [second] = await findSuccessors(db, OLD_CHAT, { now });
        assert.equal(second!.matches[0]!.link?.status, 'rejected');
        assert.equal((await lineageEvents(db, caseId)).length, 0);
      }));

    test('profiles are idempotent, know when they are stale, and read ids from Desktop exports too', () =>
      variant.run(async ({ db }) => {
        const media = [fakeMedia('a'), fakeMedia('b')];
        await writeChannel(db, { chatId: OLD_CHAT, title: 'Albkings', start: new Date('2026-01-01Z'), media });
        const first = await refreshChannelProfile(db, 'telegram-bot', OLD_CHAT, NOW);
        const second = await refreshChannelProfile(db, 'telegram-bot', OLD_CHAT, NOW);
        assert.deepEqual(second, first);
        assert.equal(first!.mediaCount, 4);
        assert.equal(first!.firstSeen?.toISOString(), '2026-01-01T00:00:00.000Z');
        const lsh = await db.selectFrom('channel_lsh').select('band_key').execute();
        assert.equal(lsh.length, 64, 'band keys replaced, not added');
        assert.deepEqual(await staleChannels(db, 10), []);
        await writeChannel(db, { chatId: OLD_CHAT, title: 'Albkings', start: NOW, media: [fakeMedia('c')] });
        assert.deepEqual(await staleChannels(db, 10), [{ source: 'telegram-bot', chatId: OLD_CHAT }]);
        assert.equal(await refreshChannelProfile(db, 'telegram-bot', 'no-such-chat', NOW), null);

        // A Desktop JSON export: the forward's name and typed id, the pinning admin's "user…" id.
        await db
          .insertInto('messages')
          .values(
            [
              { forwarded_from: 'Leaks Source A', forwarded_from_id: 'channel9990001' },
              { type: 'service', action: 'pin_message', actor: 'Ardit Synthetic', actor_id: 'user700001' },
            ].map((raw, i) => ({
              source: 'telegram-export-json',
              chat_id: '2222222222',
              message_id: String(i + 1),
              chat_name: 'albkings backup 2',
              chat_type: 'supergroup',
              author_id: i === 1 ? 'user700001' : 'user700002',
              author_name: i === 1 ? 'Ardit Synthetic' : 'Member',
              sent_at: NOW,
              text: '',
              raw: JSON.stringify(raw),
              signals: '{}',
            })),
          )
          .execute();
        const exported = await refreshChannelProfile(db, 'telegram-export-json', '2222222222', NOW);
        assert.deepEqual(exported!.forwards[0]!.keys, ['tg:-1009990001', 'name:leaks source a']);
        assert.deepEqual(
          exported!.admins.map((a) => a.keys),
          [['tg:700001', 'name:ardit synthetic']],
        );
        const [loaded] = await loadProfiles(db, [{ source: 'telegram-export-json', chatId: '2222222222' }]);
        assert.equal(loaded?.key, 'tg:#2222222222');
        assert.deepEqual(loaded?.admins, exported!.admins);
      }));
  });
}

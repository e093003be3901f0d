/**
 * Victims' registrations on both databases: credentials, the lockout, recovery,
 * the child-protection path, withdrawal, status counts, and that nothing stored
 * identifies the victim.
 */
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { listBankContent } from '../../src/banks/export.js';
import { caseTimeline, getCase } from '../../src/cases/cases.js';
import { isCaseError } from '../../src/cases/errors.js';
import { normalisePin, normaliseRecoveryCode } from '../../src/cases/victim-credentials.js';
import { setHotline } from '../../src/cases/victim-hotlines.js';
import { registrationSummary, victimStatus } from '../../src/cases/victim-status.js';
import { withdrawVictimHashes } from '../../src/cases/victim-withdrawal.js';
import {
  authenticateVictim,
  type RegistrationInput,
  recoverVictimCredentials,
  registerVictim,
  type VictimDeps,
} from '../../src/cases/victims.js';
import type { Database } from '../../src/db/open.js';
import { sql } from '../../src/db/open.js';
import { countingHasher, ManualClock } from '../accounts/harness.js';
import { databaseVariants } from '../support/db.js';

const PDQ_1 = 'a3b1c2d4e5f60718293a4b5c6d7e8f90112233445566778899aabbccddeeff00';
const PDQ_2 = '0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f';
const MD5 = '0123456789abcdef0123456789abcdef';
const HOUR = 60 * 60_000;

interface Setup {
  deps: VictimDeps;
  clock: ManualClock;
  calls: ReturnType<typeof countingHasher>['calls'];
  org: number;
}

async function setup(database: Database): Promise<Setup> {
  const clock = new ManualClock();
  const { hasher, calls } = countingHasher();
  const org = await database.db
    .insertInto('organisations')
    .values({ name: 'Helpline A' })
    .returning('id')
    .executeTakeFirstOrThrow();
  await setHotline(database.db, org.id, { slug: 'helpline-a', publicName: 'Helpline A' });
  return { deps: { db: database.db, passwords: hasher, clock: clock.now }, clock, calls, org: org.id };
}

function input(over18 = true, hashes: RegistrationInput['hashes'] = [{ type: 'pdq', hash: PDQ_1, quality: 90 }]) {
  return {
    hotline: 'helpline-a',
    consent: { ownsImages: true, consentToMatch: true, over18 },
    hashes,
  } as RegistrationInput;
}

const code = (c: string) => (err: unknown) => isCaseError(err) && err.code === c;

for (const variant of databaseVariants()) {
  describe(`victims' registrations on ${variant.name}`, { skip: variant.skip }, () => {
    after(() => variant.dispose());

    test('registering: credentials, a case, hashes in the victims bank, consent', () =>
      variant.run(async (database) => {
        const { deps, org } = await setup(database);
        const reg = await registerVictim(
          deps,
          input(true, [
            { type: 'pdq', hash: PDQ_1.toUpperCase(), quality: 90 },
            { type: 'pdq', hash: PDQ_1, quality: 90 },
            { type: 'md5', hash: MD5 },
            {
              type: 'vpdq',
              frames: [
                { frameNumber: 0, quality: 100, hash: PDQ_1, timestampS: 0 },
                { frameNumber: 1, quality: 100, hash: PDQ_2, timestampS: 1 },
              ],
            },
          ]),
        );
        assert.match(reg.caseNumber, /^PS-\d{4}-\d{6}$/);
        assert.match(reg.pin, /^\d{10}$/);
        assert.match(reg.recoveryCode, /^([0-9A-HJKMNP-TV-Z]{4}-){6}[0-9A-HJKMNP-TV-Z]{4}$/);
        assert.equal(reg.path, 'ncii');
        assert.equal(reg.contentIds.length, 3, 'the same PDQ hash twice is one item');
        const opened = await getCase(database.db, org, reg.caseNumber);
        assert.deepEqual([opened?.category, opened?.priority], ['ncii', 3]);
        const content = await listBankContent(database.db, `VICTIMS_ORG${org}_NCII`);
        assert.deepEqual(
          content.map((c) => [c.source, c.caseRef, c.status, c.note, c.signals[0]!.type]),
          [
            ['victim', reg.caseNumber, 'active', null, 'pdq'],
            ['victim', reg.caseNumber, 'active', null, 'md5'],
            ['victim', reg.caseNumber, 'active', null, 'vpdq'],
          ],
        );
        const bank = await database.db
          .selectFrom('banks')
          .selectAll()
          .where('name', '=', `VICTIMS_ORG${org}_NCII`)
          .executeTakeFirstOrThrow();
        assert.deepEqual([bank.org_id, bank.category, bank.kind], [org, 'ncii', 'block']);
        const events = (await caseTimeline(database.db, org, reg.caseNumber))!;
        const victim = events.find((e) => e.kind === 'victim')!;
        assert.equal(victim.actor.kind, 'victim');
        assert.deepEqual(victim.details.types, { pdq: 1, md5: 1, vpdq: 1 });
        const summary = (await registrationSummary(database.db, opened!.id, deps.clock()))!;
        assert.deepEqual(summary.consent, {
          owns_images: true,
          consent_to_match: true,
          over_18: true,
          version: '2026-1',
        });
        assert.deepEqual(summary.hashes, { active: 3, paused: 0, withdrawn: 0, byType: { pdq: 1, md5: 1, vpdq: 1 } });
        const session = await authenticateVictim(
          deps,
          reg.caseNumber.toLowerCase(),
          `${reg.pin.slice(0, 5)} ${reg.pin.slice(5)}`,
        );
        assert.equal(session.caseNumber, reg.caseNumber, 'case number in any case, PIN with a space');
      }));

    test('refused: an unknown or closed hotline, missing consent, SHA-256, a hash too plain to match', () =>
      variant.run(async (database) => {
        const { deps, org } = await setup(database);
        await assert.rejects(registerVictim(deps, { ...input(), hotline: 'nobody' }), code('not-found'));
        const noConsent = { ...input(), consent: { ownsImages: false, consentToMatch: true, over18: true } };
        await assert.rejects(registerVictim(deps, noConsent as unknown as RegistrationInput), code('validation'));
        await assert.rejects(registerVictim(deps, input(true, [{ type: 'sha256', hash: PDQ_1 }])), code('validation'));
        await assert.rejects(
          registerVictim(deps, input(true, [{ type: 'pdq', hash: PDQ_1, quality: 10 }])),
          (err: unknown) => isCaseError(err) && /quality 10, below 50/.test(err.message),
        );
        await setHotline(database.db, org, { slug: 'helpline-a', publicName: 'Helpline A', open: false });
        await assert.rejects(registerVictim(deps, input()), code('not-found'), 'a closed hotline takes none');
        const cases = await database.db.selectFrom('cases').select('id').execute();
        assert.deepEqual(cases, [], 'no half-made case is left behind');
      }));

    test('nothing stored identifies the victim; PIN and recovery code appear nowhere', () =>
      variant.run(async (database) => {
        const { deps } = await setup(database);
        const reg = await registerVictim(deps, input());
        const columns = await sql<{ table_name: string; column_name: string }>`
          select table_name, column_name from information_schema.columns
          where table_schema = current_schema() and table_name in ('victim_registrations', 'victim_hotlines')
          order by table_name, ordinal_position`.execute(database.db);
        const of = (t: string) => columns.rows.filter((r) => r.table_name === t).map((r) => r.column_name);
        assert.deepEqual(of('victim_registrations'), [
          'id',
          'case_id',
          'bank_id',
          'path',
          'consent',
          'pin_hash',
          'recovery_hash',
          'failed_pins',
          'locked_until',
          'credentials_renewed_at',
          'created_at',
          'updated_at',
        ]);
        assert.deepEqual(of('victim_hotlines'), ['org_id', 'slug', 'public_name', 'open', 'created_at', 'updated_at']);
        // Every row of every table, as text: neither secret is there in any form.
        const tables = await sql<{ table_name: string }>`
          select table_name from information_schema.tables where table_schema = current_schema()`.execute(database.db);
        let dump = '';
        for (const { table_name } of tables.rows) {
          const rows = await sql<{
            row: unknown;
          }>`select to_jsonb(t)::text as row from ${sql.table(table_name)} t`.execute(database.db);
          dump += rows.rows.map((r) => String(r.row)).join('\n');
        }
        assert.ok(dump.includes(reg.caseNumber), 'the dump is real');
        for (const secret of [reg.pin, reg.recoveryCode, normaliseRecoveryCode(reg.recoveryCode)!]) {
          assert.ok(!dump.includes(secret), 'a credential is stored in clear');
        }
        const row = await database.db.selectFrom('victim_registrations').selectAll().executeTakeFirstOrThrow();
        assert.match(row.pin_hash, /^\$argon2id\$/);
        assert.equal(row.recovery_hash.length, 32);
      }));

    test('ten wrong PINs lock the case for an hour, with an alert; unknown case numbers cost the same', () =>
      variant.run(async (database) => {
        const { deps, clock, calls, org } = await setup(database);
        const reg = await registerVictim(deps, input());
        const wrong = reg.pin === '0000000000' ? '1111111111' : '0000000000';
        for (let i = 0; i < 9; i++) {
          await assert.rejects(authenticateVictim(deps, reg.caseNumber, wrong), code('unauthorized'));
        }
        await authenticateVictim(deps, reg.caseNumber, reg.pin);
        for (let i = 0; i < 10; i++) {
          await assert.rejects(authenticateVictim(deps, reg.caseNumber, wrong), code('unauthorized'));
        }
        await assert.rejects(authenticateVictim(deps, reg.caseNumber, reg.pin), code('unauthorized'), 'locked');
        const alerts = (await caseTimeline(database.db, org, reg.caseNumber))!.filter((e) => e.kind === 'alert');
        assert.equal(alerts.length, 1);
        assert.match(alerts[0]!.body, /10 wrong PINs/);
        clock.advance(HOUR - 1000);
        await assert.rejects(authenticateVictim(deps, reg.caseNumber, reg.pin), code('unauthorized'));
        clock.advance(2000);
        const session = await authenticateVictim(deps, reg.caseNumber, reg.pin);
        assert.equal(session.caseNumber, reg.caseNumber, 'the lock ran out');
        const before = calls.verify + calls.verifyDummy;
        await assert.rejects(authenticateVictim(deps, 'PS-1999-000000', reg.pin), code('unauthorized'));
        await assert.rejects(authenticateVictim(deps, 'not a case', 'x'), code('unauthorized'));
        assert.equal(calls.verify + calls.verifyDummy - before, 2, 'one argon2 verification each');
      }));

    test('the recovery code gives a new PIN and code; the old ones stop working and the lock ends', () =>
      variant.run(async (database) => {
        const { deps, org } = await setup(database);
        const reg = await registerVictim(deps, input());
        const wrong = reg.pin === '0000000000' ? '1111111111' : '0000000000';
        for (let i = 0; i < 10; i++) await assert.rejects(authenticateVictim(deps, reg.caseNumber, wrong));
        await assert.rejects(recoverVictimCredentials(deps, reg.caseNumber, 'ABCD-EFGH'), code('unauthorized'));
        const lowerNoDashes = reg.recoveryCode.replaceAll('-', '').toLowerCase();
        const renewed = await recoverVictimCredentials(deps, reg.caseNumber, lowerNoDashes);
        assert.notEqual(renewed.pin, reg.pin);
        assert.notEqual(renewed.recoveryCode, reg.recoveryCode);
        await authenticateVictim(deps, reg.caseNumber, renewed.pin);
        await assert.rejects(authenticateVictim(deps, reg.caseNumber, reg.pin), code('unauthorized'));
        await assert.rejects(recoverVictimCredentials(deps, reg.caseNumber, reg.recoveryCode), code('unauthorized'));
        const again = await recoverVictimCredentials(deps, reg.caseNumber, renewed.recoveryCode);
        assert.ok(normalisePin(again.pin));
        const events = (await caseTimeline(database.db, org, reg.caseNumber))!;
        assert.equal(events.filter((e) => /new PIN/.test(e.body)).length, 2);
      }));

    test('under 18: child-protection path, csam bank, top priority, alert; withdrawal is referred', () =>
      variant.run(async (database) => {
        const { deps, org } = await setup(database);
        const reg = await registerVictim(deps, input(false));
        assert.equal(reg.path, 'child_protection');
        const opened = (await getCase(database.db, org, reg.caseNumber))!;
        assert.deepEqual([opened.category, opened.priority], ['csam', 1]);
        const banks = await database.db.selectFrom('banks').select(['name', 'category']).execute();
        assert.deepEqual(banks, [{ name: `VICTIMS_ORG${org}_CHILD`, category: 'csam' }], 'no NCII registration');
        const events = (await caseTimeline(database.db, org, reg.caseNumber))!;
        assert.ok(events.some((e) => e.kind === 'alert' && /under 18/.test(e.body)));
        const session = await authenticateVictim(deps, reg.caseNumber, reg.pin);
        const outcome = await withdrawVictimHashes(deps, session);
        assert.deepEqual(outcome, { outcome: 'referred', requested: reg.contentIds });
        const content = await listBankContent(database.db, `VICTIMS_ORG${org}_CHILD`);
        assert.deepEqual(
          content.map((c) => c.status),
          ['active'],
          'still blocked',
        );
      }));

    test('withdrawing some, then all; only your own hashes; tombstones and remove changes', () =>
      variant.run(async (database) => {
        const { deps, org } = await setup(database);
        const reg = await registerVictim(
          deps,
          input(true, [
            { type: 'pdq', hash: PDQ_1, quality: 90 },
            { type: 'pdq', hash: PDQ_2, quality: 90 },
            { type: 'md5', hash: MD5 },
          ]),
        );
        const other = await registerVictim(deps, input());
        const session = await authenticateVictim(deps, reg.caseNumber, reg.pin);
        await assert.rejects(withdrawVictimHashes(deps, session, [other.contentIds[0]!]), code('not-found'));
        const first = await withdrawVictimHashes(deps, session, [reg.contentIds[0]!]);
        assert.deepEqual(first, { outcome: 'withdrawn', withdrawn: [reg.contentIds[0]], alreadyWithdrawn: [] });
        const rest = await withdrawVictimHashes(deps, session);
        assert.deepEqual(rest, {
          outcome: 'withdrawn',
          withdrawn: reg.contentIds.slice(1),
          alreadyWithdrawn: [reg.contentIds[0]],
        });
        const tombstones = await listBankContent(database.db, `VICTIMS_ORG${org}_NCII`, { statuses: ['withdrawn'] });
        assert.deepEqual(
          tombstones.map((c) => c.id),
          reg.contentIds,
        );
        const removes = await database.db
          .selectFrom('signal_changes')
          .select('content_id')
          .where('op', '=', 'remove')
          .orderBy('seq')
          .execute();
        assert.deepEqual(
          removes.map((r) => r.content_id),
          reg.contentIds,
        );
        const otherStatus = await victimStatus(
          database.db,
          await authenticateVictim(deps, other.caseNumber, other.pin),
        );
        assert.equal(otherStatus.hashes.active, 1, "another registration's hashes are untouched");
      }));

    test('status: counts of hashes, of media matched and when, and of takedowns; nothing else', () =>
      variant.run(async (database) => {
        const { deps, clock } = await setup(database);
        const reg = await registerVictim(
          deps,
          input(true, [
            { type: 'pdq', hash: PDQ_1, quality: 90 },
            { type: 'md5', hash: MD5 },
          ]),
        );
        const seenAt = [new Date('2026-03-01T10:00:00Z'), new Date('2026-03-02T08:00:00Z')];
        for (const [i, at] of seenAt.entries()) {
          const m = await database.db
            .insertInto('messages')
            .values({
              source: 'telegram',
              chat_id: '-1001',
              message_id: String(i),
              chat_type: 'channel',
              sent_at: at,
              text: '',
              raw: '{}',
              created_at: at,
            } as never)
            .returning('id')
            .executeTakeFirstOrThrow();
          const match = { contentId: reg.contentIds[i === 0 ? 0 : 1], bank: 'X', bankId: 1 };
          await database.db
            .insertInto('media_items')
            .values({
              message_row: m.id,
              source: 'telegram',
              chat_id: '-1001',
              message_id: String(i),
              media_id: `m${i}`,
              type: 'photo',
              matches: JSON.stringify([{ contentId: 999_999 }, match]),
            })
            .execute();
        }
        const session = await authenticateVictim(deps, reg.caseNumber, reg.pin);
        const status = await victimStatus(database.db, session, async (_db, caseId) => {
          assert.equal(caseId, session.caseId);
          return { sent: 3, removed: 2 };
        });
        assert.deepEqual(status.matches, { count: 2, lastSeenAt: seenAt[1] });
        assert.deepEqual(status.takedowns, { sent: 3, removed: 2 });
        assert.deepEqual(
          { active: status.hashes.active, paused: status.hashes.paused, withdrawn: status.hashes.withdrawn },
          { active: 2, paused: 0, withdrawn: 0 },
        );
        assert.deepEqual(
          status.hashes.items.map((i) => [i.type, i.hashPrefix]),
          [
            ['pdq', PDQ_1.slice(0, 12)],
            ['md5', MD5.slice(0, 12)],
          ],
        );
        assert.deepEqual(Object.keys(status).sort(), ['caseNumber', 'hashes', 'matches', 'path', 'takedowns']);
        clock.advance(1000);
        const fromTable = await victimStatus(database.db, session);
        assert.deepEqual(fromTable.takedowns, { sent: 0, removed: 0 }, 'no takedowns recorded for the case');
      }));
  });
}

/** The cases repository on both databases: references, organisation scoping, the append-only timeline. */
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { argon2idHasher } from '../../src/accounts/passwords.js';
import { createUser } from '../../src/accounts/users.js';
import {
  addCaseEvent,
  addNote,
  caseLinks,
  caseTimeline,
  createCase,
  getCase,
  linkToCase,
  listCases,
  normaliseReference,
  SYSTEM_CASE_ACTOR,
  updateCase,
} from '../../src/cases/cases.js';
import { isCaseError } from '../../src/cases/errors.js';
import type { Database } from '../../src/db/open.js';
import { sql } from '../../src/db/open.js';
import { CHEAP_ARGON2 } from '../accounts/harness.js';
import { databaseVariants } from '../support/db.js';

const NOW = new Date('2026-03-02T09:00:00Z');
const ANALYST = { kind: 'user', id: '1' } as const;

async function organisations(database: Database) {
  const a = await database.db
    .insertInto('organisations')
    .values({ name: 'Helpline A' })
    .returning('id')
    .executeTakeFirstOrThrow();
  const b = await database.db
    .insertInto('organisations')
    .values({ name: 'Helpline B' })
    .returning('id')
    .executeTakeFirstOrThrow();
  return { a: a.id, b: b.id };
}

async function user(database: Database, organisationId: number, email: string) {
  return createUser(database.db, argon2idHasher(CHEAP_ARGON2), {
    organisationId,
    email,
    displayName: 'Rina Analyst',
    role: 'analyst',
    password: 'a long enough passphrase',
  });
}

const rejects = (code: string) => (err: unknown) => isCaseError(err) && err.code === code;

for (const variant of databaseVariants()) {
  describe(`cases on ${variant.name}`, { skip: variant.skip }, () => {
    after(() => variant.dispose());

    test('a case gets a random PS-YYYY-NNNNNN reference and an opening event', () =>
      variant.run(async (database) => {
        const { a } = await organisations(database);
        const refs = new Set<string>();
        for (let i = 0; i < 20; i++) {
          const c = await createCase(database.db, { organisationId: a, title: `case ${i}` }, ANALYST, NOW);
          assert.match(c.reference, /^PS-2026-\d{6}$/);
          refs.add(c.reference);
        }
        assert.equal(refs.size, 20, 'references are unique');
        const sorted = [...refs].sort();
        assert.notDeepEqual([...refs], sorted, 'not handed out in order (1 in 20! by chance)');
        const first = await getCase(database.db, a, [...refs][0]!.toLowerCase());
        assert.ok(first, 'references are looked up case-insensitively');
        assert.deepEqual(
          { status: first.status, priority: first.priority, category: first.category, assignee: first.assigneeId },
          { status: 'open', priority: 3, category: 'ncii', assignee: null },
        );
        const events = await caseTimeline(database.db, a, first.reference);
        assert.deepEqual(
          events?.map((e) => [e.kind, e.body, e.actor.kind, e.actor.id]),
          [['status', 'case opened', 'user', '1']],
        );
        assert.equal(normaliseReference(' ps-2026-000001 '), 'PS-2026-000001');
        assert.equal(normaliseReference('PS-2026-1'), null);
      }));

    test("another organisation's case does not exist for you: read, update, note, link, timeline", () =>
      variant.run(async (database) => {
        const { a, b } = await organisations(database);
        const theirs = await createCase(database.db, { organisationId: b, title: 'B only' }, ANALYST, NOW);
        assert.equal(await getCase(database.db, a, theirs.reference), null);
        assert.equal(await caseTimeline(database.db, a, theirs.reference), null);
        assert.deepEqual(await listCases(database.db, a), []);
        await assert.rejects(
          updateCase(database.db, a, theirs.reference, { status: 'closed' }, ANALYST),
          rejects('not-found'),
        );
        await assert.rejects(addNote(database.db, a, theirs.reference, 'peek', ANALYST), rejects('not-found'));
        await assert.rejects(
          linkToCase(database.db, a, theirs.reference, { targetKind: 'channel', targetId: '-100123' }, ANALYST),
          rejects('not-found'),
        );
        const unchanged = await getCase(database.db, b, theirs.reference);
        assert.equal(unchanged?.status, 'open');
        assert.equal((await caseTimeline(database.db, b, theirs.reference))?.length, 1, 'nothing was added');
      }));

    test('updates become events; assignees must be active people of the same organisation', () =>
      variant.run(async (database) => {
        const { a, b } = await organisations(database);
        const rina = await user(database, a, 'rina@example.org');
        const outsider = await user(database, b, 'budi@example.org');
        const c = await createCase(database.db, { organisationId: a, title: 'Channel X' }, ANALYST, NOW);
        await assert.rejects(
          updateCase(database.db, a, c.reference, { assigneeId: outsider.id }, ANALYST),
          rejects('validation'),
          "another organisation's user cannot be assigned",
        );
        const later = new Date(NOW.getTime() + 60_000);
        const updated = await updateCase(
          database.db,
          a,
          c.reference,
          { status: 'in_progress', assigneeId: rina.id, priority: 1, title: 'Channel X (backup)' },
          ANALYST,
          later,
        );
        assert.equal(updated.status, 'in_progress');
        assert.equal(updated.assigneeId, rina.id);
        assert.equal(updated.updatedAt.getTime(), later.getTime());
        const events = (await caseTimeline(database.db, a, c.reference))!;
        assert.deepEqual(
          events.slice(1).map((e) => [e.kind, e.details.field ?? null, e.details.to]),
          [
            ['status', 'status', 'in_progress'],
            ['assign', null, rina.id],
            ['status', 'priority', 1],
            ['status', 'title', 'Channel X (backup)'],
          ],
        );
        const noop = await updateCase(database.db, a, c.reference, { status: 'in_progress' }, ANALYST);
        assert.equal(noop.status, 'in_progress');
        assert.equal((await caseTimeline(database.db, a, c.reference))!.length, 5, 'no change, no event');
        const unassigned = await updateCase(database.db, a, c.reference, { assigneeId: null }, ANALYST);
        assert.equal(unassigned.assigneeId, null);
      }));

    test('notes and links are appended; the database refuses to change an event', () =>
      variant.run(async (database) => {
        const { a } = await organisations(database);
        const c = await createCase(database.db, { organisationId: a, title: 'Doxx thread' }, ANALYST, NOW);
        const note = await addNote(database.db, a, c.reference, '  Backup channel appeared.  ', ANALYST, NOW);
        assert.equal(note.body, 'Backup channel appeared.');
        await assert.rejects(addNote(database.db, a, c.reference, '   ', ANALYST), rejects('validation'));
        await linkToCase(database.db, a, c.reference, { targetKind: 'channel', targetId: '-1001999' }, ANALYST, NOW);
        await linkToCase(database.db, a, c.reference, { targetKind: 'channel', targetId: '-1001999' }, ANALYST, NOW);
        await linkToCase(database.db, a, c.reference, { targetKind: 'finding', targetId: '42' }, ANALYST, NOW);
        assert.deepEqual(
          (await caseLinks(database.db, c.id)).map((l) => `${l.targetKind}:${l.targetId}`).sort(),
          ['channel:-1001999', 'finding:42'],
          'a target linked twice is listed once',
        );
        await assert.rejects(
          sql`update case_events set body = 'rewritten' where id = ${note.id}`.execute(database.db),
          /append-only/,
        );
        const timeline = (await caseTimeline(database.db, a, c.reference))!;
        assert.equal(timeline.find((e) => e.id === note.id)?.body, 'Backup channel appeared.');
        const page = (await caseTimeline(database.db, a, c.reference, { after: note.id, limit: 2 }))!;
        assert.deepEqual(
          page.map((e) => e.kind),
          ['link', 'link'],
        );
        await assert.rejects(
          addCaseEvent(database.db, c.id, { kind: 'bogus' as 'note' }, SYSTEM_CASE_ACTOR),
          rejects('validation'),
        );
      }));

    test('listing filters by status, assignee and category, newest first, in pages', () =>
      variant.run(async (database) => {
        const { a } = await organisations(database);
        const rina = await user(database, a, 'rina@example.org');
        const made = [];
        for (let i = 0; i < 5; i++) {
          made.push(
            await createCase(
              database.db,
              {
                organisationId: a,
                title: `c${i}`,
                category: i % 2 ? 'csam' : 'ncii',
                assigneeId: i === 4 ? rina.id : null,
              },
              ANALYST,
              NOW,
            ),
          );
        }
        await updateCase(database.db, a, made[1]!.reference, { status: 'closed' }, ANALYST);
        const all = await listCases(database.db, a);
        assert.deepEqual(
          all.map((c) => c.title),
          ['c4', 'c3', 'c2', 'c1', 'c0'],
        );
        assert.deepEqual(
          (await listCases(database.db, a, { status: 'closed' })).map((c) => c.title),
          ['c1'],
        );
        assert.deepEqual(
          (await listCases(database.db, a, { category: 'csam' })).map((c) => c.title),
          ['c3', 'c1'],
        );
        assert.deepEqual(
          (await listCases(database.db, a, { assigneeId: rina.id })).map((c) => c.title),
          ['c4'],
        );
        const page = await listCases(database.db, a, { limit: 2, before: all[1]!.id });
        assert.deepEqual(
          page.map((c) => c.title),
          ['c2', 'c1'],
        );
        const opened = (await caseTimeline(database.db, a, made[4]!.reference))!;
        assert.deepEqual(
          opened.map((e) => e.kind),
          ['status', 'assign'],
          'an assignee given at creation is on the timeline',
        );
      }));
  });
}

/**
 * Takedowns against a real database and a real SMTP server on loopback: the
 * preservation gate, sending and reminders on a fake clock, notices sent by
 * hand, availability re-checks, statistics, and the append-only history.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  type AvailabilityChecker,
  changeStatus,
  createTakedown,
  defaultTakedownSettings,
  dueRenotices,
  type EvidenceGate,
  isTakedownError,
  listTakedownEvents,
  loadTemplates,
  type NewTakedownInput,
  recheckAvailability,
  recordManualSend,
  requireTakedown,
  runRenotices,
  SYSTEM_ACTOR,
  sendTakedown,
  smtpMailer,
  startTakedownScheduler,
  type Takedown,
  type TakedownDeps,
  takedownStats,
} from '../../src/actions/takedowns/index.js';
import type { Database } from '../../src/db/open.js';
import { databaseVariants, eventually } from '../support/db.js';
import { type SmtpSink, startSmtpSink } from './takedowns-smtp.js';

const HOUR = 3_600_000;
const T0 = new Date('2026-03-02T09:00:00Z');
const at = (hours: number, minutes = 0) => new Date(T0.getTime() + hours * HOUR + minutes * 60_000);
const ANALYST = { kind: 'user', id: '7' } as const;

let sink: SmtpSink;
before(async () => {
  sink = await startSmtpSink();
});
after(() => sink.close());

/** A gate the test sets per takedown id. */
function gate(preserved: Set<number>): EvidenceGate {
  return {
    async isPreserved(t) {
      return preserved.has(t.id)
        ? { preserved: true, reference: `capture-${t.id}, log seq ${100 + t.id}` }
        : { preserved: false };
    },
  };
}

interface World {
  deps: TakedownDeps;
  preserved: Set<number>;
  org: number;
  open(input?: Partial<NewTakedownInput>): Promise<Takedown>;
  reload(t: Takedown): Promise<Takedown>;
}

async function world(database: Database): Promise<World> {
  sink.received.length = 0;
  const { db } = database;
  const org = (
    await db.insertInto('organisations').values({ name: 'Helpline Seroja' }).returning('id').executeTakeFirstOrThrow()
  ).id;
  const preserved = new Set<number>();
  const deps: TakedownDeps = {
    db,
    templates: loadTemplates(),
    mailer: smtpMailer({ url: sink.url, from: 'Helpline Seroja <takedowns@helpline.example>' }),
    gate: gate(preserved),
    settings: defaultTakedownSettings({ contact: 'takedowns@helpline.example', retryMinutes: 30 }),
  };
  return {
    deps,
    preserved,
    org,
    open: (input = {}) =>
      createTakedown(
        db,
        {
          organisationId: org,
          platform: 'telegram',
          items: [{ url: 'https://t.me/fictional_channel/101' }],
          language: 'id',
          legalBasis: 'UU No. 12/2022 (TPKS) Pasal 14',
          ...input,
        },
        ANALYST,
        T0,
      ),
    reload: (t) => requireTakedown(db, org, t.id),
  };
}

async function rejects(work: Promise<unknown>, code: string): Promise<void> {
  await assert.rejects(work, (err: unknown) => isTakedownError(err) && err.code === code);
}

for (const variant of databaseVariants()) {
  describe(`takedowns (${variant.name})`, { skip: variant.skip }, () => {
    after(() => variant.dispose());
    const run = (fn: (w: World) => Promise<void>) => variant.run(async (database) => fn(await world(database)));

    test('re-notice timing on a fake clock: sent at t0, due at t0+24h, re-sent, removed at t0+30h, never due again', () =>
      run(async (w) => {
        const t = await w.open();
        w.preserved.add(t.id);
        const first = await sendTakedown(w.deps, t, { actor: ANALYST, now: T0 });
        assert.equal(first.takedown.status, 'sent');
        assert.equal(first.takedown.nextNoticeAt?.toISOString(), at(24).toISOString());
        assert.equal(first.takedown.evidenceRef, `capture-${t.id}, log seq ${100 + t.id}`, 'from the gate');

        assert.deepEqual(await dueRenotices(w.deps.db, at(23, 59)), [], 'nothing due at t0+23h59');
        assert.deepEqual(await runRenotices(w.deps, at(23, 59)), { sent: [], failed: {} });
        assert.deepEqual(
          (await dueRenotices(w.deps.db, at(24))).map((d) => d.id),
          [t.id],
          'due at t0+24h',
        );

        assert.deepEqual(await runRenotices(w.deps, at(24)), { sent: [t.id], failed: {} });
        const reminded = await w.reload(t);
        assert.equal(reminded.sentCount, 2);
        assert.equal(reminded.status, 'sent');
        assert.equal(reminded.lastSentAt?.toISOString(), at(24).toISOString());
        assert.equal(reminded.nextNoticeAt?.toISOString(), at(48).toISOString());
        assert.equal(reminded.cycleSentAt?.toISOString(), T0.toISOString(), 'a reminder does not restart the clock');

        const removed = await changeStatus(w.deps.db, reminded, 'removed', { actor: ANALYST, now: at(30) });
        assert.equal(removed.nextNoticeAt, null);
        for (const h of [48, 72, 1000]) assert.deepEqual(await dueRenotices(w.deps.db, at(h)), [], `t0+${h}h`);
        assert.deepEqual((await runRenotices(w.deps, at(1000))).sent, []);

        assert.equal(sink.received.length, 2, 'two e-mails: the notice and one reminder');
        const [notice, reminder] = sink.received;
        assert.deepEqual(notice!.to, ['abuse@telegram.org'], "Telegram's configured address");
        assert.equal(notice!.headers.get('content-language'), 'id');
        assert.equal(notice!.headers.get('x-perisai-takedown'), `TD-${String(t.id).padStart(6, '0')}`);
        assert.match(notice!.subject, /^Permintaan penghapusan: .*\(Telegram, ref\. TD-\d{6}\)$/);
        assert.ok(notice!.text.includes('Dasar hukum: UU No. 12/2022 (TPKS) Pasal 14'), notice!.text);
        assert.ok(notice!.text.includes(`Referensi bukti: capture-${t.id}`));
        assert.ok(notice!.text.includes('- https://t.me/fictional_channel/101'));
        assert.ok(notice!.html.includes('<html lang="id">'));
        assert.equal(notice!.headers.get('auto-submitted'), undefined, 'a person sent the first');
        assert.match(reminder!.subject, /^Pengingat ke-2: /);
        assert.equal(reminder!.headers.get('auto-submitted'), 'auto-generated');
        assert.equal(reminder!.headers.get('in-reply-to'), first.messageId, 'threads under the first notice');

        const events = await listTakedownEvents(w.deps.db, w.org, t.id);
        assert.deepEqual(
          events.map((e) => [e.kind, e.fromStatus, e.toStatus, e.actor.kind, e.at.toISOString()]),
          [
            ['created', null, 'pending', 'user', T0.toISOString()],
            ['sent', 'pending', 'sent', 'user', T0.toISOString()],
            ['resent', 'sent', 'sent', 'system', at(24).toISOString()],
            ['removed', 'sent', 'removed', 'user', at(30).toISOString()],
          ],
        );
        assert.equal(events[3]!.details.hours_to_removal, 30);
      }));

    test('the interval is configurable per takedown and globally; the scheduler loop sends due reminders', () =>
      run(async (w) => {
        const own = await w.open({ renoticeIntervalHours: 6 });
        const global = await w.open({ items: [{ url: 'https://t.me/fictional_channel/7' }] });
        w.preserved.add(own.id).add(global.id);
        const deps = { ...w.deps, settings: { ...w.deps.settings, renoticeHours: 12 } };
        const a = await sendTakedown(deps, own, { actor: ANALYST, now: T0 });
        const b = await sendTakedown(deps, global, { actor: ANALYST, now: T0 });
        assert.equal(a.takedown.nextNoticeAt?.toISOString(), at(6).toISOString());
        assert.equal(b.takedown.nextNoticeAt?.toISOString(), at(12).toISOString());
        assert.deepEqual(
          (await dueRenotices(w.deps.db, at(6))).map((t) => t.id),
          [own.id],
        );

        const scheduler = startTakedownScheduler(deps, { clock: () => at(12), everyMs: 5 });
        try {
          await eventually(() => sink.received.length >= 4, 15_000, 'both reminders');
        } finally {
          await scheduler.stop();
        }
        assert.deepEqual([(await w.reload(own)).sentCount, (await w.reload(global)).sentCount], [2, 2]);
        assert.equal((await w.reload(own)).nextNoticeAt?.toISOString(), at(18).toISOString());
        assert.equal(sink.received.length, 4, 'no reminder twice: the next is not due until t0+18h');
      }));

    test('preserve before takedown: refused without preserved evidence; an override is recorded and stands', () =>
      run(async (w) => {
        const t = await w.open();
        await rejects(sendTakedown(w.deps, t, { actor: ANALYST, now: T0 }), 'evidence-not-preserved');
        await rejects(
          recordManualSend(w.deps, t, { actor: ANALYST, now: T0, channel: 'in-app', note: 'reported in the app' }),
          'evidence-not-preserved',
        );
        await rejects(
          sendTakedown(w.deps, t, { actor: ANALYST, now: T0, override: { reason: 'urgent' } }),
          'evidence-not-preserved',
        );
        assert.equal(sink.received.length, 0, 'nothing was sent');
        assert.equal((await w.reload(t)).status, 'pending');

        const reason = 'victim is being doxxed live; screenshots kept by police';
        const sent = await sendTakedown(w.deps, t, { actor: ANALYST, now: at(1), override: { reason } });
        assert.deepEqual(
          [sent.takedown.overrideReason, sent.takedown.overrideBy, sent.takedown.overrideAt?.toISOString()],
          [reason, 'user:7', at(1).toISOString()],
        );
        assert.doesNotMatch(sink.received[0]!.text, /Bukti telah kami amankan/, 'no claim of preserved evidence');

        assert.deepEqual((await runRenotices(w.deps, at(25))).sent, [t.id], 'the override stands for reminders');
        const events = await listTakedownEvents(w.deps.db, w.org, t.id);
        assert.deepEqual(
          events.map((e) => e.kind),
          ['created', 'send_blocked', 'send_blocked', 'send_blocked', 'override', 'sent', 'resent'],
        );
        assert.equal(events[4]!.details.reason, reason);
        assert.equal(events[5]!.details.evidence, 'override');
        assert.equal(events[6]!.details.evidence, 'standing override');
      }));

    test('a failed delivery is recorded and the reminder retried later; others still go out', () =>
      run(async (w) => {
        const a = await w.open();
        const b = await w.open({ items: [{ url: 'https://t.me/fictional_channel/102' }] });
        w.preserved.add(a.id).add(b.id);
        sink.refuseNext(1);
        await rejects(sendTakedown(w.deps, a, { actor: ANALYST, now: T0 }), 'delivery');
        assert.equal((await w.reload(a)).status, 'pending');
        const failed = (await listTakedownEvents(w.deps.db, w.org, a.id)).at(-1)!;
        assert.equal(failed.kind, 'send_failed');
        assert.match(String(failed.details.error), /550/);

        await sendTakedown(w.deps, await w.reload(a), { actor: ANALYST, now: T0 });
        await sendTakedown(w.deps, b, { actor: ANALYST, now: T0 });
        sink.refuseNext(1);
        const round = await runRenotices(w.deps, at(24));
        assert.deepEqual(round.sent, [b.id]);
        assert.deepEqual(Object.keys(round.failed), [String(a.id)]);
        const retry = await w.reload(a);
        assert.equal(retry.nextNoticeAt?.toISOString(), at(24, 30).toISOString(), 'retried after retryMinutes');
        assert.equal(retry.sentCount, 1);
        assert.deepEqual((await runRenotices(w.deps, at(24, 30))).sent, [a.id]);
      }));

    test('a notice sent by hand is recorded, mails nothing, and leaves reminders to people', () =>
      run(async (w) => {
        const t = await w.open({ platform: 'whatsapp' });
        w.preserved.add(t.id);
        await rejects(sendTakedown(w.deps, t, { actor: ANALYST, now: T0 }), 'validation'); // no WhatsApp address
        const sent = await recordManualSend(w.deps, t, {
          actor: ANALYST,
          now: T0,
          channel: 'in-app',
          note: 'reported group via the WhatsApp app, report 4471',
        });
        assert.deepEqual([sent.status, sent.channel, sent.sentCount], ['sent', 'in-app', 1]);
        assert.equal(sink.received.length, 0);
        assert.deepEqual(await dueRenotices(w.deps.db, at(48)), [], 'the scheduler only re-sends e-mail');
        const event = (await listTakedownEvents(w.deps.db, w.org, t.id)).at(-1)!;
        assert.deepEqual([event.kind, event.details.channel], ['sent_manually', 'in-app']);
      }));

    test('availability re-checks mark removals and reappearances; a reappeared notice is sent again', () =>
      run(async (w) => {
        const gone = await w.open();
        const still = await w.open({ items: [{ url: 'https://t.me/fictional_channel/2' }] });
        const broken = await w.open({ items: [{ url: 'https://t.me/fictional_channel/3' }] });
        for (const t of [gone, still, broken]) {
          w.preserved.add(t.id);
          await sendTakedown(w.deps, t, { actor: ANALYST, now: T0 });
        }
        const seen = new Map([
          [gone.id, 'gone'],
          [still.id, 'available'],
        ] as const);
        const checker: AvailabilityChecker = {
          async check(t) {
            if (t.id === broken.id) throw new Error('source unreachable');
            return seen.get(t.id) ?? 'unknown';
          },
        };
        const first = await recheckAvailability(w.deps.db, checker, at(10));
        assert.deepEqual([first.removed, first.reappeared], [[gone.id], []]);
        assert.match(first.errors[broken.id] ?? '', /source unreachable/);
        const removed = await w.reload(gone);
        assert.deepEqual([removed.status, removed.removedAt?.toISOString()], ['removed', at(10).toISOString()]);
        assert.equal((await w.reload(still)).status, 'sent');

        assert.equal((await recheckAvailability(w.deps.db, checker, at(12))).checked, 0, 'not again within 6 hours');
        seen.set(gone.id, 'available');
        const second = await recheckAvailability(w.deps.db, checker, at(20));
        assert.deepEqual(second.reappeared, [gone.id]);
        assert.equal((await w.reload(gone)).status, 'reappeared');

        const round = await runRenotices(w.deps, at(20));
        assert.ok(round.sent.includes(gone.id), 'sent again at once');
        const again = await w.reload(gone);
        assert.deepEqual(
          [again.status, again.sentCount, again.cycleSentAt?.toISOString()],
          ['sent', 2, at(20).toISOString()],
        );
        const history = (await listTakedownEvents(w.deps.db, w.org, gone.id)).map((e) => [e.kind, e.actor.kind]);
        assert.deepEqual(history.slice(-3), [
          ['removed', 'system'],
          ['reappeared', 'system'],
          ['sent', 'system'],
        ]);
      }));

    test('time-to-removal statistics per platform and per host', () =>
      run(async (w) => {
        const removeAfter = async (input: Partial<NewTakedownInput>, hours: number | null, end?: 'refused') => {
          const t = await w.open(input);
          w.preserved.add(t.id);
          const sent = (await sendTakedown(w.deps, t, { actor: ANALYST, now: T0 })).takedown;
          if (end === 'refused') await changeStatus(w.deps.db, sent, 'refused', { actor: ANALYST, now: at(5) });
          else if (hours !== null) await changeStatus(w.deps.db, sent, 'removed', { actor: ANALYST, now: at(hours) });
        };
        for (const h of [10, 20, 30, 40]) await removeAfter({}, h);
        await removeAfter({}, null);
        await removeAfter({}, null, 'refused');
        const hostA = {
          platform: 'generic' as const,
          recipient: 'abuse@fictional-host.example',
          items: [{ url: 'https://files.fictional-host.example/a.jpg' }],
        };
        await removeAfter(hostA, 6);
        await removeAfter({ ...hostA, host: 'mirror.example' }, 48);
        const untouched = await w.open({ platform: 'generic', host: 'mirror.example' });
        await changeStatus(w.deps.db, untouched, 'removed', { actor: ANALYST, now: at(1) }); // gone before any notice

        const stats = await takedownStats(w.deps.db, w.org);
        assert.deepEqual(stats.platforms, [
          {
            key: 'telegram',
            count: 6,
            removed: 4,
            refused: 1,
            open: 1,
            timedRemovals: 4,
            medianHours: 25,
            p90Hours: 37,
          },
          {
            key: 'generic',
            count: 3,
            removed: 3,
            refused: 0,
            open: 0,
            timedRemovals: 2,
            medianHours: 27,
            p90Hours: 43.8,
          },
        ]);
        assert.deepEqual(
          stats.hosts.map((h) => [h.key, h.count, h.medianHours]),
          [
            ['t.me', 6, 25],
            ['mirror.example', 2, 48],
            ['files.fictional-host.example', 1, 6],
          ],
        );
        const otherOrg = (
          await w.deps.db
            .insertInto('organisations')
            .values({ name: 'Other' })
            .returning('id')
            .executeTakeFirstOrThrow()
        ).id;
        assert.deepEqual(await takedownStats(w.deps.db, otherOrg), { platforms: [], hosts: [] });
      }));

    test('transitions are validated, changes are optimistic, and history is append-only', () =>
      run(async (w) => {
        const t = await w.open();
        await rejects(changeStatus(w.deps.db, t, 'acknowledged', { actor: ANALYST, now: T0 }), 'conflict');
        await rejects(changeStatus(w.deps.db, t, 'reappeared', { actor: ANALYST, now: T0 }), 'conflict');
        w.preserved.add(t.id);
        await sendTakedown(w.deps, t, { actor: ANALYST, now: T0 });
        // `t` is the stale 'pending' copy: someone sent in the meantime.
        await rejects(changeStatus(w.deps.db, t, 'removed', { actor: SYSTEM_ACTOR, now: at(1) }), 'conflict');
        await assert.rejects(
          w.deps.db.updateTable('takedown_events').set({ kind: 'removed' }).where('takedown_id', '=', t.id).execute(),
          /append-only/,
        );
        await assert.rejects(
          w.deps.db.deleteFrom('takedown_events').where('takedown_id', '=', t.id).execute(),
          /append-only/,
        );
      }));

    test('input is validated; a case must be the organisation’s own; steps land on the case timeline', () =>
      run(async (w) => {
        await rejects(w.open({ items: [] }), 'validation');
        await rejects(w.open({ items: [{ url: 'javascript:alert(1)' }] }), 'validation');
        await rejects(w.open({ platform: 'generic', items: [{ description: 'a post' }] }), 'validation'); // no host
        await rejects(w.open({ recipient: 'not an address\r\nBcc: x@example.org' }), 'validation');
        const other = (
          await w.deps.db
            .insertInto('organisations')
            .values({ name: 'Other' })
            .returning('id')
            .executeTakeFirstOrThrow()
        ).id;
        const foreign = await w.deps.db
          .insertInto('cases')
          .values({ org_id: other, reference: 'PS-2026-000002' })
          .returning('id')
          .executeTakeFirstOrThrow();
        await rejects(w.open({ caseId: foreign.id }), 'not-found');

        const own = await w.deps.db
          .insertInto('cases')
          .values({ org_id: w.org, reference: 'PS-2026-000001' })
          .returning('id')
          .executeTakeFirstOrThrow();
        const t = await w.open({ caseId: own.id });
        w.preserved.add(t.id);
        await sendTakedown(w.deps, t, { actor: ANALYST, now: T0 });
        assert.ok(sink.received[0]!.text.includes('Nomor kasus: PS-2026-000001'));
        const timeline = await w.deps.db
          .selectFrom('case_events')
          .select(['kind', 'target_kind', 'target_id', 'body'])
          .where('case_id', '=', own.id)
          .orderBy('id')
          .execute();
        assert.deepEqual(
          timeline.filter((e) => e.kind === 'takedown').map((e) => [e.target_kind, e.target_id, e.body]),
          [
            ['takedown', String(t.id), 'Takedown request opened'],
            ['takedown', String(t.id), 'Takedown notice sent (email)'],
          ],
        );
      }));
  });
}

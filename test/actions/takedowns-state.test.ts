/** The takedown state machine and reminder timing (pure). */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  hoursToRemoval,
  isRenoticeDue,
  nextNoticeAt,
  nextStatus,
  type TakedownAction,
} from '../../src/actions/takedowns/state.js';
import { TAKEDOWN_STATUSES, type TakedownStatus } from '../../src/db/schema-takedowns.js';

const HOUR = 3_600_000;
const ACTIONS: TakedownAction[] = ['send', 'acknowledge', 'remove', 'refuse', 'reappear'];

describe('state machine', () => {
  test('the whole table: every status × action, allowed or refused', () => {
    const expected: Record<TakedownStatus, Partial<Record<TakedownAction, TakedownStatus>>> = {
      pending: { send: 'sent', remove: 'removed' },
      sent: { send: 'sent', acknowledge: 'acknowledged', remove: 'removed', refuse: 'refused' },
      acknowledged: { send: 'acknowledged', remove: 'removed', refuse: 'refused' },
      removed: { reappear: 'reappeared' },
      refused: { send: 'sent', remove: 'removed' },
      reappeared: { send: 'sent', remove: 'removed' },
    };
    for (const from of TAKEDOWN_STATUSES) {
      for (const action of ACTIONS) {
        assert.equal(nextStatus(from, action), expected[from][action] ?? null, `${from} --${action}-->`);
      }
    }
  });

  test('the life of a notice: pending → sent → acknowledged → removed → reappeared → sent', () => {
    let s: TakedownStatus = 'pending';
    for (const [action, want] of [
      ['send', 'sent'],
      ['acknowledge', 'acknowledged'],
      ['remove', 'removed'],
      ['reappear', 'reappeared'],
      ['send', 'sent'],
      ['refuse', 'refused'],
    ] as const) {
      const next = nextStatus(s, action);
      assert.equal(next, want, `${s} --${action}-->`);
      s = next!;
    }
  });

  test('what cannot happen: acknowledging before sending, removed content refused or re-sent, pending reappearing', () => {
    assert.equal(nextStatus('pending', 'acknowledge'), null);
    assert.equal(nextStatus('removed', 'refuse'), null);
    assert.equal(nextStatus('removed', 'send'), null);
    assert.equal(nextStatus('pending', 'reappear'), null);
    assert.equal(nextStatus('refused', 'acknowledge'), null);
  });
});

describe('reminder timing', () => {
  const t0 = new Date('2026-03-02T09:00:00Z');

  test('due exactly one interval after the send, not a minute before', () => {
    const next = nextNoticeAt(t0, 24);
    assert.equal(next.toISOString(), '2026-03-03T09:00:00.000Z');
    const at = (ms: number) => new Date(t0.getTime() + ms);
    assert.equal(isRenoticeDue({ status: 'sent', nextNoticeAt: next }, at(24 * HOUR - 60_000)), false);
    assert.equal(isRenoticeDue({ status: 'sent', nextNoticeAt: next }, at(24 * HOUR)), true);
    assert.equal(isRenoticeDue({ status: 'acknowledged', nextNoticeAt: next }, at(25 * HOUR)), true);
    assert.equal(nextNoticeAt(t0, 6).toISOString(), '2026-03-02T15:00:00.000Z', 'a per-takedown interval');
  });

  test('never due once removed or refused, or while pending', () => {
    const past = new Date(t0.getTime() - HOUR);
    for (const status of ['removed', 'refused', 'pending'] as const) {
      assert.equal(isRenoticeDue({ status, nextNoticeAt: past }, t0), false, status);
    }
    assert.equal(isRenoticeDue({ status: 'sent', nextNoticeAt: null }, t0), false);
  });

  test('time to removal counts from the first notice of the cycle', () => {
    assert.equal(hoursToRemoval(t0, new Date(t0.getTime() + 30 * HOUR)), 30);
    assert.equal(hoursToRemoval(null, t0), null, 'removed before any notice');
  });
});

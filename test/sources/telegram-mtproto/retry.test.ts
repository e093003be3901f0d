/**
 * Flood waits and transient errors, with GramJS's own error classes and an
 * injected sleep that returns at once and records what was asked.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Api, errors } from 'telegram';
import {
  FloodWaitTooLongError,
  floodWaitSeconds,
  isTransient,
  RetriesExhaustedError,
} from '../../../src/sources/telegram-mtproto/errors.js';
import {
  backoffMs,
  resolveRetryPolicy,
  type WaitNotice,
  withRetry,
} from '../../../src/sources/telegram-mtproto/retry.js';
import { MtprotoSource } from '../../../src/sources/telegram-mtproto/source.js';
import { channelServer, floodWait, message, recordingSleep, rpcError, StubGateway, USERNAME } from './build.js';

const request = new Api.messages.GetHistory({ limit: 1 });

/** A call that fails with each of `failures` in turn, then returns 'ok'. */
function failing(...failures: unknown[]) {
  let calls = 0;
  const call = async () => {
    const failure = failures[calls++];
    if (failure !== undefined) throw failure;
    return 'ok';
  };
  return { call, calls: () => calls };
}

describe('error classifiers', () => {
  it('reads flood waits from GramJS classes and raw RPC errors', () => {
    assert.equal(floodWaitSeconds(floodWait(17, request)), 17);
    assert.equal(floodWaitSeconds(rpcError('FLOOD_WAIT_12', 420)), 12);
    assert.equal(floodWaitSeconds(rpcError('FLOOD_PREMIUM_WAIT_3', 420)), 3);
    assert.equal(
      floodWaitSeconds(Object.assign(new Error('slow'), { seconds: 5 })),
      null,
      'seconds alone is not a flood wait',
    );
    assert.equal(floodWaitSeconds(new Error('FLOOD_WAIT_9')), null);
  });

  it('knows transient errors from permanent ones', () => {
    assert.ok(isTransient(new errors.ServerError('INTERNAL', request)));
    assert.ok(isTransient(rpcError('RPC_CALL_FAIL', -500)));
    assert.ok(isTransient(new errors.TimedOutError('Timeout', request)));
    assert.ok(isTransient(new Error('TIMEOUT')));
    assert.ok(!isTransient(rpcError('CHANNEL_PRIVATE', 400)));
    assert.ok(!isTransient(floodWait(3)));
    assert.ok(!isTransient(new TypeError('x is undefined')));
  });
});

describe('withRetry', () => {
  const policy = resolveRetryPolicy({ floodJitterS: 2 });

  it('waits as long as a FLOOD_WAIT asks (plus jitter), then succeeds', async () => {
    const { waits, sleep } = recordingSleep();
    const notices: WaitNotice[] = [];
    const f = failing(floodWait(7, request), floodWait(30, request));
    const result = await withRetry('messages.GetHistory', f.call, policy, {
      sleep,
      random: () => 0.5,
      onWait: (n) => notices.push(n),
    });
    assert.equal(result, 'ok');
    assert.equal(f.calls(), 3);
    assert.deepEqual(waits, [8000, 31000]); // 7 s + 0.5·2 s, 30 s + 0.5·2 s
    assert.deepEqual(
      notices.map((n) => [n.reason, n.retry, n.detail]),
      [
        ['flood-wait', 1, '7 s requested'],
        ['flood-wait', 2, '30 s requested'],
      ],
    );
  });

  it('gives up at once, clearly, when the wait is past the cap', async () => {
    const { waits, sleep } = recordingSleep();
    const f = failing(floodWait(86_400, request));
    await assert.rejects(
      withRetry('messages.GetHistory', f.call, resolveRetryPolicy({ maxFloodWaitS: 300 }), { sleep, random: () => 0 }),
      (err: unknown) => {
        assert.ok(err instanceof FloodWaitTooLongError);
        assert.equal(err.seconds, 86_400);
        assert.match(
          err.message,
          /asked to wait 86400 s before messages\.GetHistory .*more than the 300 s cap: giving up/,
        );
        return true;
      },
    );
    assert.deepEqual(waits, []);
    assert.equal(f.calls(), 1);
  });

  it('stops after too many flood waits in a row', async () => {
    const { sleep } = recordingSleep();
    const f = failing(...Array.from({ length: 10 }, () => floodWait(1)));
    await assert.rejects(
      withRetry('x', f.call, resolveRetryPolicy({ maxFloodWaits: 3 }), { sleep, random: () => 0 }),
      RetriesExhaustedError,
    );
    assert.equal(f.calls(), 4);
  });

  it('backs off exponentially on transient errors, then succeeds', async () => {
    const { waits, sleep } = recordingSleep();
    const f = failing(
      new errors.ServerError('INTERNAL', request),
      rpcError('Timeout', -503),
      rpcError('RPC_CALL_FAIL', -500),
    );
    assert.equal(await withRetry('x', f.call, policy, { sleep, random: () => 1 }), 'ok');
    assert.deepEqual(waits, [1000, 2000, 4000]);
  });

  it('caps the backoff and bounds the attempts', async () => {
    assert.equal(
      backoffMs(10, policy, () => 1),
      30_000,
    );
    assert.equal(
      backoffMs(10, policy, () => 0),
      15_000,
    );
    const { waits, sleep } = recordingSleep();
    const f = failing(...Array.from({ length: 10 }, () => new errors.TimedOutError('Timeout', request)));
    await assert.rejects(withRetry('upload.GetFile', f.call, policy, { sleep, random: () => 0 }), (err: unknown) => {
      assert.ok(err instanceof RetriesExhaustedError);
      assert.match(err.message, /upload\.GetFile: failed 5 times \(Timeout\)/);
      return true;
    });
    assert.equal(f.calls(), 5);
    assert.deepEqual(waits, [500, 1000, 2000, 4000]);
  });

  it('does not retry permanent errors', async () => {
    const { waits, sleep } = recordingSleep();
    const f = failing(rpcError('CHANNEL_PRIVATE', 400));
    await assert.rejects(withRetry('x', f.call, policy, { sleep, random: () => 0 }), /CHANNEL_PRIVATE/);
    assert.equal(f.calls(), 1);
    assert.deepEqual(waits, []);
  });
});

describe('the source under flood waits', () => {
  it('waits out a FLOOD_WAIT during the backfill and carries on', async () => {
    const server = channelServer(() => Array.from({ length: 150 }, (_, i) => message(i + 1)));
    let flooded = false;
    const gateway = new StubGateway((r) => {
      if (r instanceof Api.messages.GetHistory && r.offsetId === 101 && !flooded) {
        flooded = true;
        throw floodWait(42, r);
      }
      return server(r);
    });
    const { waits, sleep } = recordingSleep();
    const notices: WaitNotice[] = [];
    const source = new MtprotoSource(gateway, {
      channels: [USERNAME],
      live: false,
      sleep,
      random: () => 0,
      onWait: (n) => notices.push(n),
    });
    let count = 0;
    for await (const _ of source.messages()) count++;
    assert.equal(count, 150);
    assert.deepEqual(waits, [42_000]);
    assert.equal(notices[0]?.what, 'messages.GetHistory');
    assert.deepEqual(
      gateway.historyRequests.map((r) => r.offsetId),
      [1, 101, 101, 151],
    );
  });

  it('ends the iteration with the cap error instead of hanging for a day', async () => {
    const server = channelServer(() => [message(1)]);
    const gateway = new StubGateway((r) => {
      if (r instanceof Api.messages.GetHistory) throw floodWait(86_400, r);
      return server(r);
    });
    const { sleep } = recordingSleep();
    const source = new MtprotoSource(gateway, { channels: [USERNAME], live: false, sleep });
    await assert.rejects(async () => {
      for await (const _ of source.messages()) assert.fail('no message expected');
    }, FloodWaitTooLongError);
  });
});

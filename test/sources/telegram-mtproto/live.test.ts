/**
 * Live updates through messages(): backfill first, then new and edited posts
 * from the gateway's update handler until close(). Updates that arrive during
 * the backfill wait their turn; duplicates are dropped; gaps (a jump in pts,
 * UpdateChannelTooLong, an overflowing queue) are filled from the history.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Api } from 'telegram';
import type { MtprotoSourceOptions } from '../../../src/sources/telegram-mtproto/options.js';
import { MtprotoSource } from '../../../src/sources/telegram-mtproto/source.js';
import type { NormalizedMessage, SourceIssue } from '../../../src/sources/types.js';
import {
  big,
  CHAT_ID,
  channelPeer,
  channelServer,
  message,
  OTHER_CHANNEL_ID,
  StubGateway,
  T0,
  USERNAME,
  user,
} from './build.js';

/** Lets the stub's promise chains run out, so the source reaches its live wait. */
const settle = () => new Promise((resolve) => setImmediate(resolve));

const newPost = (m: Api.Message, pts: number) => new Api.UpdateNewChannelMessage({ message: m, pts, ptsCount: 1 });

function setup(initial: number, options: Partial<MtprotoSourceOptions> = {}) {
  const history: Api.Message[] = Array.from({ length: initial }, (_, i) => message(i + 1));
  let pts = 1000;
  const server = channelServer(() => history, { pts: () => pts });
  const gateway = new StubGateway(server);
  const cursors: number[] = [];
  const issues: SourceIssue[] = [];
  const source = new MtprotoSource(gateway, {
    channels: [USERNAME],
    onCursor: (_c, id) => void cursors.push(id),
    ...options,
  });
  const iterator = source.messages((i) => issues.push(i))[Symbol.asyncIterator]();
  const next = async (): Promise<NormalizedMessage> => {
    const r = await iterator.next();
    assert.ok(!r.done, 'expected a message');
    return r.value;
  };
  const take = async (n: number) => {
    const ids: string[] = [];
    for (let i = 0; i < n; i++) ids.push((await next()).messageId);
    return ids;
  };
  return {
    history,
    gateway,
    server,
    source,
    iterator,
    next,
    take,
    cursors,
    issues,
    setPts: (p: number) => {
      pts = p;
    },
  };
}

describe('live updates', () => {
  it('yields new posts and edits after the backfill, until close()', async () => {
    const t = setup(3);
    assert.deepEqual(await t.take(3), ['1', '2', '3']);
    assert.equal(t.gateway.subscribers, 1);

    const pending = t.next();
    const ayu = user(5550001, 'Ayu', 'Lestari');
    t.gateway.emit(
      new Api.UpdateNewChannelMessage({
        message: message(1, { peerId: channelPeer(OTHER_CHANNEL_ID) }),
        pts: 5,
        ptsCount: 1,
      }),
    );
    t.gateway.emit(newPost(message(3), 1000)); // already read in the backfill
    t.gateway.emit(newPost(message(4, { fromId: new Api.PeerUser({ userId: big(5550001) }) }), 1001), {
      users: [ayu],
      chats: [],
    });
    const four = await pending;
    assert.equal(four.messageId, '4');
    assert.equal(four.chat.id, CHAT_ID);
    assert.deepEqual(four.author, { id: '5550001', name: 'Ayu Lestari' });

    const edit = new Api.UpdateEditChannelMessage({
      message: message(2, { message: 'post 2, edited', editDate: T0 + 999 }),
      pts: 1002,
      ptsCount: 1,
    });
    const afterEdit = t.next();
    t.gateway.emit(edit);
    const edited = await afterEdit;
    assert.equal(edited.messageId, '2');
    assert.equal(edited.text, 'post 2, edited');
    assert.equal(edited.editedAt?.getTime(), (T0 + 999) * 1000);

    const end = t.iterator.next();
    t.source.close();
    assert.equal((await end).done, true);
    assert.equal(t.gateway.subscribers, 0);
    assert.deepEqual(t.cursors, [3, 4]);
    assert.deepEqual(t.issues, []);
  });

  it('holds updates that arrive during the backfill and yields them afterwards, once', async () => {
    const t = setup(3);
    let emitted = false;
    t.gateway.respond = (r) => {
      const response = t.server(r);
      if (r instanceof Api.messages.GetHistory && r.offsetId === 4 && !emitted) {
        emitted = true; // posted while the last (empty) page was being read
        t.gateway.emit(newPost(message(4), 1001));
        t.gateway.emit(newPost(message(4), 1001)); // delivered twice
        // An edit of a post the backfill read before it was edited.
        t.gateway.emit(
          new Api.UpdateEditChannelMessage({
            message: message(2, { message: 'fixed', editDate: T0 + 5 }),
            pts: 1000,
            ptsCount: 1,
          }),
        );
      }
      return response;
    };
    assert.deepEqual(await t.take(4), ['1', '2', '3', '4']);
    const edit = await t.next();
    assert.deepEqual([edit.messageId, edit.text], ['2', 'fixed']);
    const end = t.iterator.next();
    t.source.close();
    assert.equal((await end).done, true);
  });

  it('fills a pts gap from the history before the update that revealed it', async () => {
    const t = setup(3);
    assert.deepEqual(await t.take(3), ['1', '2', '3']);
    const pending = t.take(3);
    await settle();
    t.history.push(message(4), message(5), message(6));
    t.setPts(1003);
    t.gateway.emit(newPost(message(6), 1003)); // 1001 and 1002 were missed
    assert.deepEqual(await pending, ['4', '5', '6']);
    assert.deepEqual(
      t.gateway.historyRequests.map((r) => r.offsetId),
      [1, 4, 4],
    );
    t.source.close();
    assert.equal((await t.iterator.next()).done, true);
    assert.deepEqual(t.cursors, [3, 6], 'message 6 was handled: the reader asked past it');
  });

  it('catches up when Telegram says the channel has too many updates', async () => {
    const t = setup(2);
    await t.take(2);
    const pending = t.take(2);
    await settle();
    t.history.push(message(3), message(4));
    t.gateway.emit(new Api.UpdateChannelTooLong({ channelId: big(1234567890) }));
    assert.deepEqual(await pending, ['3', '4']);
    t.source.close();
    assert.equal((await t.iterator.next()).done, true);
  });

  it('falls back to the history when the queue overflows during the backfill', async () => {
    const t = setup(3, { maxQueuedUpdates: 2 });
    let emitted = false;
    t.gateway.respond = (r) => {
      const response = t.server(r);
      if (r instanceof Api.messages.GetHistory && r.offsetId === 4 && !emitted) {
        emitted = true;
        for (let id = 4; id <= 8; id++) {
          t.history.push(message(id));
          t.gateway.emit(newPost(message(id), 1000 + id - 3));
        }
      }
      return response;
    };
    assert.deepEqual(await t.take(8), ['1', '2', '3', '4', '5', '6', '7', '8']);
    t.source.close();
    assert.equal((await t.iterator.next()).done, true);
  });

  it('polls the history on a timer when asked to', async () => {
    const timers: (() => void)[] = [];
    const sleep = (_ms: number, signal?: AbortSignal) =>
      new Promise<void>((resolve) => {
        timers.push(resolve);
        signal?.addEventListener('abort', () => resolve());
      });
    const t = setup(2, { pollIntervalS: 60, sleep });
    await t.take(2);
    const pending = t.next();
    await settle(); // the backfill ends and the live loop arms its timer
    assert.equal(timers.length, 1);
    t.history.push(message(3));
    timers[0]!();
    assert.equal((await pending).messageId, '3');
    t.source.close();
    assert.equal((await t.iterator.next()).done, true);
  });

  it('stops in the middle of a backfill when closed, keeping the cursor', async () => {
    const t = setup(250, { pageSize: 50 });
    await t.take(60);
    t.source.close();
    assert.equal((await t.iterator.next()).done, true);
    assert.deepEqual(t.cursors, [50, 60]);
    assert.equal(t.gateway.subscribers, 0);
  });

  it('refuses a second concurrent read', async () => {
    const t = setup(1);
    await t.take(1);
    await assert.rejects(t.source.messages()[Symbol.asyncIterator]().next(), /already being read/);
    t.source.close();
  });
});

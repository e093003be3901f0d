/** Takedown availability through MTProto, on constructed GramJS answers. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Takedown } from '../../../src/actions/takedowns/model.js';
import { mtprotoAvailability } from '../../../src/sources/telegram-mtproto/availability.js';
import { channelServer, message, StubGateway, USERNAME } from './build.js';

const takedown = (items: Takedown['items']) => ({ items }) as Takedown;

test('a post still there is available; a deleted one or a vanished channel is gone; others unknown', async () => {
  let history = [message(10), message(11)];
  const checker = mtprotoAvailability(new StubGateway(channelServer(() => history)));
  const both = takedown([{ url: `https://t.me/${USERNAME}/10` }, { chat: `@${USERNAME}`, message_id: '11' }]);
  assert.equal(await checker.check(both), 'available');
  history = [message(11)];
  assert.equal(await checker.check(both), 'available', 'one post still up keeps it open');
  history = [];
  assert.equal(await checker.check(both), 'gone');
  assert.equal(await checker.check(takedown([{ url: 'https://t.me/no_such_channel_x/5' }])), 'gone');
  assert.equal(await checker.check(takedown([{ url: 'https://example.org/page' }])), 'unknown', 'not a Telegram post');
  const flaky = mtprotoAvailability(
    new StubGateway(() => {
      throw new Error('network down');
    }),
  );
  assert.equal(await flaky.check(both), 'unknown');
});

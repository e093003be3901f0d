/**
 * Naming channels: usernames and t.me links are accepted, private links refused.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Api } from 'telegram';
import { channelUsername, resolveChannel } from '../../../src/sources/telegram-mtproto/resolve.js';
import { big, CHAT_ID, channel, resolved, StubGateway, user } from './build.js';

describe('channelUsername', () => {
  for (const name of [
    'fictional_news',
    '@fictional_news',
    't.me/fictional_news',
    'https://t.me/fictional_news',
    'https://t.me/s/fictional_news/123',
    'https://telegram.me/fictional_news?start=x',
  ]) {
    it(`reads ${name}`, () => assert.equal(channelUsername(name), 'fictional_news'));
  }
  for (const name of ['https://t.me/+AbCdEfGh', 'https://t.me/joinchat/AbCdEf', 'https://t.me/c/1234567890/5']) {
    it(`refuses the private link ${name}`, () => assert.throws(() => channelUsername(name), /private chat link/));
  }
  for (const name of ['', '@', 'a b', '12345', 'https://example.org/fictional_news']) {
    it(`refuses ${JSON.stringify(name)}`, () => assert.throws(() => channelUsername(name), /not a Telegram username/));
  }
});

describe('resolveChannel', () => {
  it('returns the marked id and input peers with the access hash', async () => {
    const gateway = new StubGateway(() => resolved());
    const watched = await resolveChannel(gateway, '@fictional_news');
    assert.equal(watched.chatId, CHAT_ID);
    assert.equal(watched.inputPeer.accessHash.toString(), '-4242424242424242');
    assert.equal(watched.inputChannel.channelId.toString(), '1234567890');
    assert.equal((gateway.requests[0] as Api.contacts.ResolveUsername).username, 'fictional_news');
  });

  it('refuses a username that belongs to a person', async () => {
    const gateway = new StubGateway(
      () =>
        new Api.contacts.ResolvedPeer({
          peer: new Api.PeerUser({ userId: big(5550001) }),
          chats: [],
          users: [user(5550001, 'Ayu')],
        }),
    );
    await assert.rejects(resolveChannel(gateway, 'ayu_fictional'), /not a channel or supergroup \(user\)/);
  });

  it('refuses a channel sent without its access hash (a "min" constructor)', async () => {
    const gateway = new StubGateway(() => resolved(channel({ accessHash: undefined, min: true })));
    await assert.rejects(resolveChannel(gateway, 'fictional_news'), /access hash/);
  });
});

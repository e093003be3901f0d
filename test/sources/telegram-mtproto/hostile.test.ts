/**
 * Objects with missing or wrong fields (a half-built message, a crafted
 * object, a page with junk in it) become SourceIssues, never crashes.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Api } from 'telegram';
import { mapMessage } from '../../../src/sources/telegram-mtproto/map-message.js';
import { plainTl } from '../../../src/sources/telegram-mtproto/raw.js';
import { MtprotoSource } from '../../../src/sources/telegram-mtproto/source.js';
import type { NormalizedMessage, SourceIssue } from '../../../src/sources/types.js';
import {
  big,
  CHAT_ID,
  channel,
  channelServer,
  document,
  documentMedia,
  message,
  page,
  StubGateway,
  USERNAME,
} from './build.js';

const ctx = { entities: { users: [], chats: [] }, chat: channel() };

/** GramJS refuses to build a Message without its required fields, so they are taken away afterwards. */
function without(m: Api.Message, field: 'id' | 'peerId' | 'date'): Api.Message {
  Object.assign(m, { [field]: undefined });
  return m;
}

describe('hostile objects → issues', () => {
  const unreadable: [string, unknown][] = [
    ['null', null],
    ['a number', 42],
    ['a plain string', 'Message'],
    ['a message without an id', without(message(1), 'id')],
    ['a crafted object with a string id', { className: 'Message', id: 'x', peerId: null }],
    ['an unknown class', new Api.PeerUser({ userId: big(1) })],
  ];
  for (const [name, input] of unreadable) {
    it(`skips ${name} with a malformed issue`, () => {
      const result = mapMessage(input, ctx);
      assert.equal(result.message, null);
      assert.equal(result.issues.length, 1);
      assert.equal(result.issues[0]?.kind, 'malformed');
    });
  }

  it('treats MessageEmpty (a deleted message) as nothing, without an issue', () => {
    assert.deepEqual(mapMessage(new Api.MessageEmpty({ id: 5 }), ctx), { message: null, where: null, issues: [] });
  });

  it('keeps a message without peer_id as one of the chat being read', () => {
    const result = mapMessage(without(message(3), 'peerId'), ctx);
    assert.equal(result.message?.chat.id, CHAT_ID);
    assert.match(result.issues[0]?.message ?? '', /no usable peer_id/);
  });

  it('keeps a message without a date at the epoch, with a note and an issue', () => {
    const result = mapMessage(without(message(3), 'date'), ctx);
    assert.equal(result.message?.date.getTime(), 0);
    assert.match(result.message?.dateNote ?? '', /placeholder/);
    assert.equal(result.issues.length, 1);
  });

  it('reports wrong-typed text, entities and media but keeps the message', () => {
    const crafted = message(4);
    Object.assign(crafted, {
      message: 12,
      entities: 'bold',
      media: { className: 'MessageMediaPhoto', photo: { className: 'Photo' } },
    });
    const result = mapMessage(crafted, ctx);
    assert.ok(result.message);
    assert.equal(result.message.text, '');
    assert.equal(result.message.media.length, 1);
    assert.ok(result.message.media[0]?.missing);
    assert.ok(result.issues.length >= 2, JSON.stringify(result.issues));
    assert.ok(result.issues.every((i) => i.kind === 'malformed' && i.location === `${CHAT_ID}/4`));
  });

  it('reports entities with nonsense offsets', () => {
    const crafted = message(4, { message: 'abc' });
    Object.assign(crafted, {
      entities: [
        { className: 'MessageEntityBold', offset: -1, length: 2 },
        null,
        new Api.MessageEntityItalic({ offset: 0, length: 1 }),
      ],
    });
    const result = mapMessage(crafted, ctx);
    assert.deepEqual(result.message?.entities, [{ type: 'italic', text: 'a' }]);
    assert.equal(result.issues.length, 2);
  });

  it('makes a document without file reference or data centre not downloadable', () => {
    const doc = document(9, 'video/mp4', []);
    Object.assign(doc, { fileReference: undefined, dcId: 'two' });
    let attached = 0;
    const result = mapMessage(message(5, { media: documentMedia(doc) }), { ...ctx, attach: () => attached++ });
    assert.equal(attached, 0);
    assert.match(result.message?.media[0]?.missing ?? '', /location/);
    assert.match(result.issues[0]?.message ?? '', /not downloadable/);
  });

  it('reports media this API layer does not know as unsupported', () => {
    const result = mapMessage(message(6, { media: new Api.MessageMediaUnsupported() }), ctx);
    assert.deepEqual(result.message?.media, []);
    assert.equal(result.issues[0]?.kind, 'unsupported');
  });

  it('survives a getter that throws', () => {
    const trap = message(7);
    Object.defineProperty(trap, 'message', {
      get() {
        throw new Error('trap');
      },
      enumerable: true,
    });
    const result = mapMessage(trap, ctx);
    assert.equal(result.message, null);
    assert.match(result.issues[0]?.message ?? '', /could not be read: trap/);
  });

  it('converts cycles and deep nesting in raw without throwing', () => {
    const a: Record<string, unknown> = { className: 'X' };
    a.self = a;
    let deep: Record<string, unknown> = {};
    const root = deep;
    for (let i = 0; i < 100; i++) {
      const next: Record<string, unknown> = {};
      deep.next = next;
      deep = next;
    }
    assert.deepEqual(plainTl(a), { className: 'X', self: '[circular]' });
    assert.match(JSON.stringify(plainTl(root)), /too deep/);
  });
});

describe('hostile records in a history page', () => {
  it('yields the good messages and reports the rest', async () => {
    const junk = [message(4), { className: 'Message' }, 17, new Api.MessageEmpty({ id: 3 }), message(2)];
    let served = false;
    const gateway = new StubGateway((r) => {
      if (!(r instanceof Api.messages.GetHistory)) return channelServer(() => [])(r);
      if (served) return page([]);
      served = true;
      return page(junk as Api.TypeMessage[]);
    });
    const source = new MtprotoSource(gateway, { channels: [USERNAME], live: false });
    const issues: SourceIssue[] = [];
    const got: NormalizedMessage[] = [];
    for await (const m of source.messages((i) => issues.push(i))) got.push(m);
    assert.deepEqual(
      got.map((m) => m.messageId),
      ['2', '4'],
    );
    assert.equal(issues.length, 2);
    assert.ok(issues.every((i) => i.kind === 'malformed'));
    assert.deepEqual(source.cursor(), { [CHAT_ID]: 4 });
  });

  it('reports a response that is not a list of messages and stops that channel only', async () => {
    const gateway = new StubGateway((r) =>
      r instanceof Api.contacts.ResolveUsername ? channelServer(() => [])(r) : { className: 'messages.Weird' },
    );
    const source = new MtprotoSource(gateway, { channels: [USERNAME], live: false });
    const issues: SourceIssue[] = [];
    for await (const _ of source.messages((i) => issues.push(i))) assert.fail('no message expected');
    assert.equal(issues.length, 1);
    assert.match(issues[0]!.message, /history stopped: .*messages\.Weird/);
  });
});

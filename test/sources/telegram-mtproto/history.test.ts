/**
 * History backfill with a stub that serves GetHistory like Telegram: paging
 * oldest to newest, the offsets sent, resuming from a cursor, starting at a
 * date, and the cursor reported page by page.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Api } from 'telegram';
import type { MtprotoSourceOptions } from '../../../src/sources/telegram-mtproto/options.js';
import { MtprotoSource } from '../../../src/sources/telegram-mtproto/source.js';
import type { NormalizedMessage, SourceIssue } from '../../../src/sources/types.js';
import { CHAT_ID, channelServer, message, rpcError, StubGateway, T0, USERNAME } from './build.js';

function history(count: number, deleted: number[] = []): Api.TypeMessage[] {
  return Array.from({ length: count }, (_, i) =>
    deleted.includes(i + 1) ? new Api.MessageEmpty({ id: i + 1 }) : message(i + 1),
  );
}

async function backfill(gateway: StubGateway, options: Partial<MtprotoSourceOptions> = {}) {
  const cursors: [string, number][] = [];
  const issues: SourceIssue[] = [];
  const source = new MtprotoSource(gateway, {
    channels: [USERNAME],
    live: false,
    onCursor: (chatId, id) => void cursors.push([chatId, id]),
    ...options,
  });
  const messages: NormalizedMessage[] = [];
  for await (const m of source.messages((i) => issues.push(i))) messages.push(m);
  return { messages, cursors, issues, source };
}

describe('backfill', () => {
  it('pages oldest to newest, 100 at a time, with forward offsets', async () => {
    const gateway = new StubGateway(channelServer(() => history(250)));
    const { messages, cursors, issues } = await backfill(gateway);
    assert.deepEqual(issues, []);
    assert.equal(messages.length, 250);
    assert.deepEqual(
      messages.map((m) => Number(m.messageId)),
      Array.from({ length: 250 }, (_, i) => i + 1),
    );
    const requests = gateway.historyRequests;
    assert.deepEqual(
      requests.map((r) => r.offsetId),
      [1, 101, 201, 251],
    );
    assert.deepEqual(
      requests.map((r) => r.minId),
      [0, 100, 200, 250],
    );
    assert.ok(requests.every((r) => r.addOffset === -100 && r.limit === 100 && r.offsetDate === 0 && r.maxId === 0));
    assert.ok(requests.every((r) => r.peer instanceof Api.InputPeerChannel));
    assert.deepEqual(cursors, [
      [CHAT_ID, 100],
      [CHAT_ID, 200],
      [CHAT_ID, 250],
    ]);
  });

  it('resumes after the stored cursor without repeating anything', async () => {
    const gateway = new StubGateway(channelServer(() => history(250)));
    const { messages, cursors } = await backfill(gateway, { cursor: { [CHAT_ID]: 230 }, pageSize: 10 });
    assert.deepEqual(
      messages.map((m) => m.messageId),
      [
        '231',
        '232',
        '233',
        '234',
        '235',
        '236',
        '237',
        '238',
        '239',
        '240',
        '241',
        '242',
        '243',
        '244',
        '245',
        '246',
        '247',
        '248',
        '249',
        '250',
      ],
    );
    assert.deepEqual(
      gateway.historyRequests.map((r) => [r.offsetId, r.minId, r.addOffset, r.limit]),
      [
        [231, 230, -10, 10],
        [241, 240, -10, 10],
        [251, 250, -10, 10],
      ],
    );
    assert.deepEqual(cursors, [
      [CHAT_ID, 240],
      [CHAT_ID, 250],
    ]);
  });

  it('starts at minId on a first run', async () => {
    const gateway = new StubGateway(channelServer(() => history(30)));
    const { messages } = await backfill(gateway, { minId: 25 });
    assert.deepEqual(
      messages.map((m) => m.messageId),
      ['26', '27', '28', '29', '30'],
    );
    assert.equal(gateway.historyRequests[0]?.offsetId, 26);
  });

  it('starts at minDate on a first run, by offset_date', async () => {
    const gateway = new StubGateway(channelServer(() => history(30)));
    const minDate = new Date((T0 + 20 * 60) * 1000); // message 20's date
    const { messages } = await backfill(gateway, { minDate });
    assert.equal(messages[0]?.messageId, '20');
    assert.equal(messages.length, 11);
    const first = gateway.historyRequests[0]!;
    assert.equal(first.offsetId, 0);
    assert.equal(first.offsetDate, T0 + 20 * 60);
    assert.equal(gateway.historyRequests[1]?.offsetId, 31);
    assert.ok(messages.every((m) => m.date >= minDate));
  });

  it('steps over deleted messages and still moves the cursor past them', async () => {
    const gateway = new StubGateway(channelServer(() => history(12, [5, 6, 11, 12])));
    const { messages, source } = await backfill(gateway, { pageSize: 6 });
    assert.deepEqual(
      messages.map((m) => m.messageId),
      ['1', '2', '3', '4', '7', '8', '9', '10'],
    );
    assert.deepEqual(source.cursor(), { [CHAT_ID]: 12 });
    assert.deepEqual(
      gateway.historyRequests.map((r) => r.offsetId),
      [1, 7, 13],
    );
  });

  it('stores the cursor of the last message taken when the reader stops early', async () => {
    const gateway = new StubGateway(channelServer(() => history(50)));
    const cursors: number[] = [];
    const source = new MtprotoSource(gateway, {
      channels: [USERNAME],
      live: false,
      pageSize: 20,
      onCursor: (_c, id) => void cursors.push(id),
    });
    let taken = 0;
    for await (const _ of source.messages()) if (++taken === 25) break;
    // 20 after the first page; then message 24 is the last one the reader asked past (25 was handed out, not finished).
    assert.deepEqual(cursors, [20, 24]);
  });

  it('reads several channels one after the other and reports one that cannot be resolved', async () => {
    const gateway = new StubGateway(channelServer(() => history(3)));
    const { messages, issues } = await backfill(gateway, {
      channels: ['https://t.me/no_such_channel', `@${USERNAME}`],
    });
    assert.equal(messages.length, 3);
    assert.equal(issues.length, 1);
    assert.equal(issues[0]?.kind, 'unsupported');
    assert.match(issues[0]!.message, /USERNAME_NOT_OCCUPIED/);
    assert.equal(issues[0]?.location, 'https://t.me/no_such_channel');
  });

  it('refuses private links before asking Telegram', async () => {
    const gateway = new StubGateway(channelServer(() => history(3)));
    const { issues } = await backfill(gateway, { channels: ['https://t.me/+AbCdEf', USERNAME] });
    assert.match(issues[0]!.message, /private chat link/);
    assert.equal(gateway.requests.filter((r) => r instanceof Api.contacts.ResolveUsername).length, 1);
  });

  it('throws when no channel can be read at all', async () => {
    const gateway = new StubGateway(() => {
      throw rpcError('USERNAME_INVALID', 400);
    });
    await assert.rejects(backfill(gateway), /none of the configured Telegram channels could be resolved/);
  });

  it('reports a channel that becomes private during the backfill and keeps what it read', async () => {
    const server = channelServer(() => history(150));
    const gateway = new StubGateway((r) => {
      if (r instanceof Api.messages.GetHistory && r.offsetId === 101) throw rpcError('CHANNEL_PRIVATE', 400, r);
      return server(r);
    });
    const { messages, issues, source } = await backfill(gateway);
    assert.equal(messages.length, 100);
    assert.match(issues[0]!.message, /history stopped: CHANNEL_PRIVATE/);
    assert.deepEqual(source.cursor(), { [CHAT_ID]: 100 });
  });
});

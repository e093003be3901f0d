/** Albums: parts sharing a media_group_id merge after a quiet period, on a clock the test steps. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AlbumGrouper } from '../../../src/sources/telegram-bot/album.js';
import { parseUpdate } from '../../../src/sources/telegram-bot/update.js';
import type { NormalizedMessage } from '../../../src/sources/types.js';
import { FakeTimers, GROUP, messageUpdate, photoFields } from './support.js';

function part(messageId: number, tag: string, extra: Record<string, unknown> = {}, group = 'album-1') {
  const parsed = parseUpdate(
    messageUpdate(photoFields(tag, { message_id: messageId, media_group_id: group, ...extra })),
  );
  assert.ok(parsed);
  return parsed;
}

function grouper(options: ConstructorParameters<typeof AlbumGrouper>[1] = {}) {
  const timers = new FakeTimers();
  const emitted: NormalizedMessage[] = [];
  const albums = new AlbumGrouper((m) => emitted.push(m), { timers, ...options });
  const add = (p: ReturnType<typeof part>) => albums.add(p.message, p.mediaGroupId);
  return { timers, emitted, albums, add };
}

test('album parts arriving separately become one message after the quiet period', () => {
  const { timers, emitted, albums, add } = grouper();
  // Parallel webhook connections may deliver parts out of order.
  const parts = [part(102, 'b'), part(101, 'a', { caption: 'nama dan alamat' }), part(103, 'c')];
  add(parts[0]!);
  timers.advance(900);
  add(parts[1]!);
  timers.advance(900);
  add(parts[2]!);
  timers.advance(999);
  assert.equal(emitted.length, 0, 'still within a second of the last part');
  assert.equal(albums.openAlbums, 1);
  timers.advance(1);
  assert.equal(emitted.length, 1);
  const album = emitted[0]!;
  assert.equal(album.messageId, '101');
  assert.equal(album.text, 'nama dan alamat');
  assert.deepEqual(
    album.media.map((m) => m.id),
    ['a-X', 'b-X', 'c-X'],
  );
  assert.deepEqual(album.raw, [parts[1]!.message.raw, parts[0]!.message.raw, parts[2]!.message.raw]);
  assert.equal(albums.openAlbums, 0);
  assert.equal(timers.pending, 0, 'no timer left behind');
});

test('the caption is taken from whichever part has it', () => {
  const { timers, emitted, add } = grouper();
  add(part(201, 'a'));
  add(part(202, 'b', { caption: 'kedua', caption_entities: [{ type: 'bold', offset: 0, length: 5 }] }));
  timers.advance(1000);
  assert.equal(emitted[0]!.text, 'kedua');
  assert.deepEqual(emitted[0]!.entities, [{ type: 'bold', text: 'kedua' }]);
  assert.equal(emitted[0]!.messageId, '201');
});

test('different chats and different groups are different albums; single messages pass straight through', () => {
  const { timers, emitted, add } = grouper();
  add(part(1, 'a', {}, 'g1'));
  add(part(2, 'b', { chat: { ...GROUP, id: -1001111 } }, 'g1'));
  add(part(3, 'c', {}, 'g2'));
  const single = parseUpdate(messageUpdate({ text: 'halo', message_id: 4 }))!;
  add(single);
  assert.deepEqual(
    emitted.map((m) => m.messageId),
    ['4'],
  );
  timers.advance(1000);
  assert.deepEqual(emitted.map((m) => [m.chat.id, m.messageId, m.media.length]).slice(1), [
    [String(GROUP.id), '1', 1],
    ['-1001111', '2', 1],
    [String(GROUP.id), '3', 1],
  ]);
});

test('bounded: emitted at maxParts, at maxWaitMs however long parts trickle in, and beyond maxOpenAlbums', () => {
  const parts = grouper({ maxParts: 3 });
  for (const id of [1, 2, 3]) parts.add(part(id, `p${id}`));
  assert.equal(parts.emitted.length, 1, 'the third part completes it');
  assert.equal(parts.emitted[0]!.media.length, 3);

  const trickle = grouper({ quietMs: 1000, maxWaitMs: 5000 });
  for (let id = 1; id <= 8; id++) {
    trickle.add(part(id, `t${id}`));
    trickle.timers.advance(900);
  }
  assert.equal(trickle.emitted.length, 1, 'cut 5 s after the first part');
  assert.equal(trickle.emitted[0]!.media.length, 6);
  trickle.timers.advance(1000);
  assert.deepEqual(
    trickle.emitted.map((m) => m.media.length),
    [6, 2],
  );

  const many = grouper({ maxOpenAlbums: 2 });
  many.add(part(1, 'x', {}, 'g1'));
  many.add(part(2, 'y', {}, 'g2'));
  many.add(part(3, 'z', {}, 'g3'));
  assert.deepEqual(
    many.emitted.map((m) => m.messageId),
    ['1'],
  );
  assert.equal(many.albums.openAlbums, 2);
});

test('a redelivered part is counted once; an edit of a part is its own message', () => {
  const { timers, emitted, add } = grouper();
  const first = part(301, 'a');
  add(first);
  add(first);
  add(part(301, 'a', { edit_date: 1_717_000_500, caption: 'diubah' }));
  assert.equal(emitted.length, 1, 'the edit is not held');
  assert.equal(emitted[0]!.text, 'diubah');
  timers.advance(1000);
  assert.equal(emitted[1]!.media.length, 1);
});

test('flush() emits every album being held at once', () => {
  const { timers, emitted, albums, add } = grouper();
  add(part(1, 'a', {}, 'g1'));
  add(part(2, 'b', {}, 'g2'));
  albums.flush();
  assert.equal(emitted.length, 2);
  assert.equal(timers.pending, 0);
});

test('media ids stay unique when parts have no file ids of their own', () => {
  const { emitted, albums } = grouper();
  for (const id of [1, 2]) {
    const update = messageUpdate({ message_id: id, media_group_id: 'old', photo: [{ width: 10, height: 10 }] });
    const parsed = parseUpdate(update)!;
    albums.add(parsed.message, parsed.mediaGroupId);
  }
  albums.flush();
  assert.deepEqual(
    emitted[0]!.media.map((m) => m.id),
    ['photo', 'photo@2'],
  );
});

/** JSON exports written by the tests (fresh-clone coverage of every field variant). */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { openTelegramExport, TelegramJsonSource } from '../../src/sources/telegram-export/index.js';
import type { NormalizedMessage } from '../../src/sources/types.js';
import {
  collect,
  exportJson,
  fullAccountExport,
  singleChatExport,
  tempDir,
  writeFiles,
} from './telegram-export-support.js';

const tmp = tempDir('perisai-tgjson-');
const single = join(tmp.dir, 'single');
const full = join(tmp.dir, 'full');

before(() => {
  const s = singleChatExport();
  writeFiles(single, { 'result.json': exportJson(s.json), ...s.files });
  writeFiles(full, { 'result.json': exportJson(fullAccountExport()) });
});
after(() => tmp.cleanup());

const byId = (messages: NormalizedMessage[], id: string) => {
  const m = messages.find((x) => x.messageId === id);
  assert.ok(m, `message ${id}`);
  return m;
};

test('single chat: ids (negative ones from the migrated group), chat, order', async () => {
  const source = await openTelegramExport(single);
  assert.equal(source.kind, 'telegram-export-json');
  assert.deepEqual(source.notes, []);
  const { messages, error } = await collect(source);
  assert.equal(error, null);
  assert.deepEqual(
    messages.map((m) => m.messageId),
    [
      '-999999998',
      '-999999997',
      '1',
      '2',
      '3',
      '4',
      '5',
      '6',
      '7',
      '8',
      '9',
      '10',
      '11',
      '12',
      '13',
      '14',
      '15',
      '17',
      '18',
    ],
  );
  assert.deepEqual(messages[0]!.chat, { id: '1500000001', name: 'Kenanga Residents', type: 'supergroup' });
  assert.ok(messages.every((m) => m.source === 'telegram-export-json' && m.chat === messages[0]!.chat));
});

test('single chat: authors from numeric and prefixed from_id, deleted accounts', async () => {
  const { messages } = await collect(new TelegramJsonSource(join(single, 'result.json')));
  assert.deepEqual(byId(messages, '-999999997').author, { id: '4400002', name: 'Budi Santoso' });
  assert.deepEqual(byId(messages, '2').author, { id: 'user4400001', name: 'Ayu Lestari' });
  assert.deepEqual(byId(messages, '3').author, { id: 'user4400009', name: null });
  assert.deepEqual(byId(messages, '-999999998').author, { id: '4400001', name: 'Ayu Lestari' });
});

test('single chat: date_unixtime when present, else the local date in the configured zone', async () => {
  const utc = (await collect(new TelegramJsonSource(join(single, 'result.json')))).messages;
  const m2 = byId(utc, '2');
  assert.equal(m2.date.toISOString(), '2022-07-01T10:00:00.000Z');
  assert.equal(m2.dateNote, undefined);
  assert.equal(m2.editedAt?.toISOString(), '2022-07-01T10:05:00.000Z');
  const old = byId(utc, '-999999997');
  assert.equal(old.date.toISOString(), '2021-03-01T09:01:00.000Z');
  assert.match(old.dateNote ?? '', /read as UTC \(no zone configured\)/);

  const jakarta = (await collect(new TelegramJsonSource(join(single, 'result.json'), { timeZone: 'Asia/Jakarta' })))
    .messages;
  assert.equal(byId(jakarta, '-999999997').date.toISOString(), '2021-03-01T02:01:00.000Z');
  assert.equal(byId(jakarta, '2').date.toISOString(), '2022-07-01T10:00:00.000Z', 'unixtime ignores the zone');
  const offset = (await collect(new TelegramJsonSource(join(single, 'result.json'), { timeZone: '-05:30' }))).messages;
  assert.equal(byId(offset, '-999999997').date.toISOString(), '2021-03-01T14:31:00.000Z');
  assert.match(byId(offset, '-999999997').dateNote ?? '', /UTC-05:30 as configured/);
});

test('single chat: text arrays, text_entities, forwards and replies', async () => {
  const { messages } = await collect(new TelegramJsonSource(join(single, 'result.json')));
  const m2 = byId(messages, '2');
  assert.equal(m2.text, 'Call me on +44 7700 900123 or see this');
  assert.deepEqual(m2.entities, [
    { type: 'plain', text: 'Call me on ' },
    { type: 'phone', text: '+44 7700 900123' },
    { type: 'plain', text: ' or see ' },
    { type: 'text_link', text: 'this', href: 'https://example.org/x' },
  ]);
  const m3 = byId(messages, '3');
  assert.equal(m3.forwardedFrom, null, 'forwarded from a hidden account');
  assert.equal(m3.replyTo, '2');
  assert.equal(byId(messages, '4').forwardedFrom, 'Citra Dewi');
  assert.equal(byId(messages, '5').forwardedFrom, undefined);
  assert.equal(byId(messages, '-999999997').text, 'Hi all');
  assert.deepEqual(byId(messages, '-999999997').entities, [{ type: 'plain', text: 'Hi all' }]);
});

test('single chat: service messages keep action, actor and details', async () => {
  const { messages } = await collect(new TelegramJsonSource(join(single, 'result.json')));
  assert.deepEqual(byId(messages, '-999999998').service, {
    action: 'create_group',
    actor: 'Ayu Lestari',
    details: { title: 'Kenanga Residents', members: ['Ayu Lestari', 'Budi Santoso'] },
  });
  assert.equal(byId(messages, '1').service?.action, 'migrate_from_group');
  assert.deepEqual(byId(messages, '17').service?.details, { message_id: 3 });
  assert.deepEqual(byId(messages, '18').service?.details, { members: ['Dewi Anggraini', null] });
  assert.equal(messages.filter((m) => m.service).length, 4);
});

test('single chat: every media type, placeholders, absent files, an escaping path', async () => {
  const { messages, issues } = await collect(new TelegramJsonSource(join(single, 'result.json')));
  const types = (id: string) => byId(messages, id).media.map((m) => `${m.id}:${m.type}`);
  assert.deepEqual(types('3'), ['photo:photo']);
  assert.deepEqual(types('4'), ['file:video', 'thumbnail:photo']);
  assert.deepEqual(
    ['5', '6', '7', '8', '9', '10'].map((id) => types(id)[0]),
    ['file:animation', 'file:voice', 'file:video_note', 'file:audio', 'file:sticker', 'file:document'],
  );
  assert.deepEqual(types('13'), ['contact_vcard:document']);
  const video = byId(messages, '4').media[0]!;
  assert.deepEqual(video, {
    id: 'file',
    type: 'video',
    mime: 'video/mp4',
    size: 4,
    fileName: 'beach.mp4',
    durationS: 31,
    width: 720,
    height: 1280,
    path: join(single, 'video_files/video_1@01-07-2022_12-02-00.mp4'),
  });
  const photo = byId(messages, '3').media[0]!;
  assert.deepEqual([photo.mime, photo.size, photo.width, photo.height], ['image/jpeg', 4, 1280, 960]);
  assert.equal(
    byId(messages, '11').media[0]!.missing,
    '(File not included. Change data exporting settings to download.)',
  );
  assert.match(byId(messages, '12').media[0]!.missing ?? '', /^\(File exceeds maximum size/);
  assert.match(byId(messages, '14').media[0]!.missing ?? '', /^file not found in the export folder/);
  const escaping = byId(messages, '15').media[0]!;
  assert.equal(escaping.path, undefined);
  assert.match(escaping.missing ?? '', /escapes the export folder/);
  assert.deepEqual(
    issues.map((i) => [i.kind, i.location]),
    [
      ['missing-media', 'result.json: messages[15] (id 14)'],
      ['malformed', 'result.json: messages[16] (id 15)'],
      ['unsupported', 'result.json: messages[17] (id 16)'],
    ],
  );
});

test('full-account export: chats.list and left_chats.list, everything else skipped', async () => {
  const source = await openTelegramExport(join(full, 'result.json'));
  const { messages, issues, error } = await collect(source);
  assert.equal(error, null);
  assert.deepEqual(issues, []);
  assert.deepEqual(
    messages.map((m) => [m.chat.id, m.chat.name, m.chat.type, m.messageId, m.text]),
    [
      ['4400001', null, 'saved', '10', 'note to self'],
      ['4400002', 'Budi Santoso', 'private', '20', 'hello'],
      ['4400002', 'Budi Santoso', 'private', '21', 'hi'],
      ['1600000001', 'Old Channel', 'channel', '5', 'last post'],
    ],
  );
  assert.equal(messages[3]!.author.id, 'channel1600000001');
  assert.equal(messages[0]!.date.toISOString(), new Date(1700000000 * 1000).toISOString());
});

test('a folder with both result.json and messages.html is read as JSON, with a note', async () => {
  writeFileSync(join(single, 'messages.html'), '<html><body></body></html>');
  const source = await openTelegramExport(single);
  assert.equal(source.format, 'json');
  assert.match(source.notes[0] ?? '', /both result\.json and HTML pages: reading result\.json/);
  const html = await openTelegramExport(single, { prefer: 'html' });
  assert.equal(html.format, 'html');
});

test('openTelegramExport refuses what is not an export, and bad options', async () => {
  await assert.rejects(openTelegramExport(join(tmp.dir, 'nope')), /cannot open the export/);
  const empty = join(tmp.dir, 'empty');
  writeFiles(empty, { 'notes.txt': 'x' });
  await assert.rejects(openTelegramExport(empty), /no result\.json or messages\.html/);
  await assert.rejects(openTelegramExport(single, { timeZone: 'Mars/Olympus' }), /unknown time zone "Mars\/Olympus"/);
  await assert.rejects(openTelegramExport(single, { maxStringChars: 0 }), /maxStringChars must be a positive integer/);
});

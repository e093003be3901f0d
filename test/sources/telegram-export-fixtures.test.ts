/**
 * The real Telegram Desktop exports in ../shared/fixtures/telegram-export. Expected values
 * come from the files themselves (read whole with JSON.parse, independently of the
 * streaming parser) plus facts stated in the folder's README.
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { openTelegramExport, TelegramJsonSource } from '../../src/sources/telegram-export/index.js';
import type { NormalizedMessage } from '../../src/sources/types.js';
import { sharedFixtures } from '../support/env.js';
import { collect } from './telegram-export-support.js';

const fx = sharedFixtures('telegram-export');
const opts = { skip: fx.skip };
const TG2MD = 'tg2md_private-channel-2021_with-media';

type Rec = Record<string, unknown>;

interface Expected {
  ids: string[];
  dates: number[];
  services: number;
  media: number;
  placeholders: number;
  absent: number;
  chats: number;
}

/** A plain reading of the file: every chat's messages, dates, media fields. */
function expectedFrom(path: string): Expected {
  const root = JSON.parse(readFileSync(path, 'utf8')) as Rec;
  const chats: Rec[] = Array.isArray(root.messages)
    ? [root]
    : [...(((root.chats as Rec)?.list as Rec[]) ?? []), ...(((root.left_chats as Rec)?.list as Rec[]) ?? [])];
  const e: Expected = { ids: [], dates: [], services: 0, media: 0, placeholders: 0, absent: 0, chats: chats.length };
  const dir = join(path, '..');
  for (const chat of chats) {
    for (const m of chat.messages as Rec[]) {
      if (m.type === 'unsupported') continue;
      e.ids.push(String(m.id));
      e.dates.push(m.date_unixtime ? Number(m.date_unixtime) * 1000 : Date.parse(`${m.date}Z`));
      if (m.type === 'service') e.services++;
      for (const key of ['photo', 'file', 'thumbnail', 'contact_vcard']) {
        const v = m[key];
        if (typeof v !== 'string') continue;
        e.media++;
        if (v.startsWith('(')) e.placeholders++;
        else if (!existsSync(join(dir, v))) e.absent++;
      }
    }
  }
  return e;
}

function jsonFixtures(): string[] {
  const files = readdirSync(fx.dir)
    .filter((f) => f.endsWith('.json'))
    .map((f) => join(fx.dir, f));
  return [...files, join(fx.dir, TG2MD, 'result.json')];
}

test('every fixture: counts, ids, times, services and media as the file says', opts, async () => {
  const files = jsonFixtures();
  assert.equal(files.length, 4);
  for (const file of files) {
    const want = expectedFrom(file);
    const { messages, issues, error } = await collect(new TelegramJsonSource(file));
    assert.equal(error, null, file);
    assert.deepEqual(
      messages.map((m) => m.messageId),
      want.ids,
      file,
    );
    assert.deepEqual(
      messages.map((m) => m.date.getTime()),
      want.dates,
      file,
    );
    assert.equal(messages.filter((m) => m.service).length, want.services, file);
    const media = messages.flatMap((m) => m.media);
    assert.equal(media.length, want.media, file);
    assert.equal(media.filter((m) => m.missing?.startsWith('(File')).length, want.placeholders, file);
    assert.equal(media.filter((m) => m.missing?.startsWith('file not found')).length, want.absent, file);
    assert.equal(media.filter((m) => m.path).length, want.media - want.placeholders - want.absent, file);
    assert.equal(issues.filter((i) => i.kind === 'missing-media').length, want.absent, file);
    assert.deepEqual(
      issues.filter((i) => i.kind !== 'missing-media'),
      [],
      file,
    );
    assert.equal(new Set(messages.map((m) => m.chat.id)).size, want.chats, file);
  }
});

const byId = (messages: NormalizedMessage[], id: string) => messages.find((m) => m.messageId === id)!;

test('tg2md private channel (2021, no date_unixtime): facts from the README', opts, async () => {
  const source = await openTelegramExport(join(fx.dir, TG2MD));
  assert.equal(source.format, 'json');
  const { messages, issues } = await collect(source);
  assert.equal(messages.length, 19);
  assert.deepEqual(messages[0]!.chat, { id: '1292077344', name: 'test', type: 'channel' });
  const first = messages[0]!;
  assert.equal(first.messageId, '1');
  assert.equal(first.service?.action, 'create_channel');
  assert.equal(first.author.id, 'channel1292077344');
  assert.equal(first.date.toISOString(), '2020-11-12T12:53:52.000Z');
  assert.match(first.dateNote ?? '', /no date_unixtime.*read as UTC/);
  assert.equal(messages.at(-1)!.messageId, '26');
  assert.equal(byId(messages, '5').editedAt?.toISOString(), '2020-11-12T13:03:00.000Z');
  assert.deepEqual(byId(messages, '14').entities[0], {
    type: 'text_link',
    text: 'text link\n\n',
    href: 'http://example.com/',
  });
  assert.equal(byId(messages, '21').text, 'тестирование utf-8.');
  // The album: messages 23-25 share a date; the caption is on the first only.
  const album = ['23', '24', '25'].map((id) => byId(messages, id));
  assert.equal(new Set(album.map((m) => m.date.getTime())).size, 1);
  assert.deepEqual(
    album.map((m) => m.text),
    ['multiple photos', '', ''],
  );
  assert.equal(byId(messages, '7').media[0]!.type, 'voice');
  assert.equal(byId(messages, '8').media[0]!.type, 'audio');
  const svg = byId(messages, '22').media;
  assert.deepEqual(
    svg.map((m) => [m.id, m.type, m.mime]),
    [
      ['file', 'document', 'image/svg+xml'],
      ['thumbnail', 'photo', 'image/jpeg'],
    ],
  );
  assert.ok(svg.every((m) => m.path && existsSync(m.path)));
  // files/LICENSE.md was not copied: referenced but absent.
  const license = byId(messages, '26').media[0]!;
  assert.equal(license.path, undefined);
  assert.match(license.missing ?? '', /not found.*files\/LICENSE\.md/);
  assert.deepEqual(
    issues.map((i) => [i.kind, i.location]),
    [['missing-media', 'result.json: messages[18] (id 26)']],
  );
});

test('tg2md read in a configured zone: local dates shift, the note says so', opts, async () => {
  const file = join(fx.dir, TG2MD, 'result.json');
  const { messages } = await collect(new TelegramJsonSource(file, { timeZone: 'Europe/Moscow' }));
  assert.equal(messages[0]!.date.toISOString(), '2020-11-12T09:53:52.000Z');
  assert.match(messages[0]!.dateNote ?? '', /read in Europe\/Moscow as configured/);
});

test('innerdvations saved messages (2020): no name, numeric from_id, forwards, placeholders', opts, async () => {
  const file = join(fx.dir, 'innerdvations_saved-messages-2020-legacy.json');
  const { messages } = await collect(new TelegramJsonSource(file, { checkFiles: false }));
  assert.equal(messages.length, 21);
  assert.deepEqual(messages[0]!.chat, { id: '9999999999', name: null, type: 'saved' });
  assert.deepEqual(messages[0]!.author, { id: '9999999999', name: 'Ben' });
  assert.equal(byId(messages, '176390').forwardedFrom, 'Other Person');
  const big = byId(messages, '318170').media;
  assert.deepEqual(
    big.map((m) => [m.id, m.type, m.missing]),
    [
      ['file', 'video', '(File exceeds maximum size. Change data exporting settings to download.)'],
      ['thumbnail', 'photo', '(File exceeds maximum size. Change data exporting settings to download.)'],
    ],
  );
  assert.deepEqual(
    ['207958', '217584', '278329'].map((id) => byId(messages, id).media[0]!.type),
    ['animation', 'voice', 'sticker'],
  );
  // Appended from another chat: ids 4..8 after 323662, a pin and a reply.
  assert.deepEqual(
    messages.slice(-5).map((m) => m.messageId),
    ['4', '5', '6', '7', '8'],
  );
  assert.deepEqual(byId(messages, '4').service, { action: 'pin_message', actor: 'test', details: { message_id: 3 } });
  assert.equal(byId(messages, '7').replyTo, '6');
  // A trailing "" part adds nothing.
  assert.equal(
    byId(messages, '225569').text,
    'Check out «Cat     @farsisticker» sticker set: https://t.me/addstickers/cat_farsi',
  );
});

test('langchain personal chat (2023): date_unixtime wins over the local date', opts, async () => {
  const file = join(fx.dir, 'langchain_personal-chat-2023.json');
  const { messages } = await collect(new TelegramJsonSource(file));
  assert.equal(messages.length, 6);
  assert.equal(messages[0]!.date.toISOString(), '2023-08-23T20:11:23.000Z');
  assert.equal(messages[0]!.dateNote, undefined);
  assert.deepEqual(messages[4]!.entities, [
    { type: 'plain', text: 'this is bold text: ' },
    { type: 'bold', text: 'BOLD TEXT' },
  ]);
  assert.equal(messages[5]!.text, 'this is an email: admin@example.com');
});

test('chat-analytics full-account export: two chats, a call, a photo not included', opts, async () => {
  const file = join(fx.dir, 'chat-analytics_full-export-multichat.json');
  const { messages } = await collect(new TelegramJsonSource(file));
  assert.deepEqual(
    messages.map((m) => `${m.chat.id}/${m.messageId}`),
    ['700000001/1001', '700000001/1002', '700000002/2001', '700000002/2002', '700000002/2003', '700000002/2004'],
  );
  assert.deepEqual(messages[2]!.chat, { id: '700000002', name: 'Chat Two', type: 'group' });
  assert.deepEqual(byId(messages, '2003').service, {
    action: 'phone_call',
    actor: 'Charlie',
    details: { duration_seconds: 120 },
  });
  assert.deepEqual(byId(messages, '2004').media, [
    {
      id: 'photo',
      type: 'photo',
      mime: null,
      size: null,
      width: 800,
      height: 600,
      missing: '(File not included. Change data exporting settings to download.)',
    },
  ]);
});

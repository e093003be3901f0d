/** HTML exports written by the tests: two pages, joined messages, media, day headings, zones. */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { HtmlMessageReader } from '../../src/sources/telegram-export/html-parse.js';
import { messagePages, openTelegramExport, TelegramHtmlSource } from '../../src/sources/telegram-export/index.js';
import type { NormalizedMessage } from '../../src/sources/types.js';
import {
  dayHeading,
  HTML_MEDIA_FILES,
  htmlPage1,
  htmlPage2,
  message,
  page,
  service,
  text,
} from './telegram-export-html-samples.js';
import { collect, tempDir, writeFiles } from './telegram-export-support.js';

const tmp = tempDir('perisai-tghtml-');
const single = join(tmp.dir, 'ChatExport_2021-01-16');

before(() => {
  const files: Record<string, string> = { 'messages.html': htmlPage1(), 'messages2.html': htmlPage2() };
  for (const f of HTML_MEDIA_FILES) files[f] = 'data';
  writeFiles(single, files);
});
after(() => tmp.cleanup());

const byId = (messages: NormalizedMessage[], id: string) => {
  const m = messages.find((x) => x.messageId === id);
  assert.ok(m, `message ${id}`);
  return m;
};

async function read(options = {}) {
  return collect(new TelegramHtmlSource(single, options));
}

test('two pages in order; day headings are not messages; chat named by the page header', async () => {
  const source = await openTelegramExport(single);
  assert.equal(source.format, 'html');
  const { messages, error } = await collect(source);
  assert.equal(error, null);
  assert.deepEqual(
    messages.map((m) => m.messageId),
    ['1', '2', '3', '4', '5', '6', '7', '8', '9', '10', '-999999990', '12', '13', '14', '15', '16', '17'],
  );
  assert.deepEqual(messages[0]!.chat, { id: 'ChatExport_2021-01-16', name: 'Kenanga Residents', type: 'unknown' });
  assert.ok(messages.every((m) => m.source === 'telegram-export-html'));
  const raw2 = byId(messages, '2').raw as { file: string; html: string };
  assert.equal(raw2.file, 'messages.html');
  assert.match(raw2.html, /^<div class="message default clearfix" id="message2">[\s\S]*<\/div>$/);
  assert.equal((byId(messages, '12').raw as { file: string }).file, 'messages2.html');
  assert.match(
    (byId(messages, '13').raw as { html: string }).html,
    /^<div class="message default clearfix joined" id="message13">/,
  );
});

test('joined messages carry the previous sender; "via @bot" is not part of the name', async () => {
  const { messages } = await read();
  const names = ['2', '3', '4', '5', '6', '12', '13', '15'].map((id) => byId(messages, id).author.name);
  assert.deepEqual(names, [
    'Ayu Lestari',
    'Ayu Lestari',
    'Budi Santoso',
    'Budi Santoso',
    'Citra Dewi',
    'Budi Santoso',
    'Budi Santoso',
    'Deleted Account',
  ]);
  assert.ok(messages.every((m) => m.author.id === null));
});

test('dates: the title label by default, with a note; an IANA zone corrects summer time', async () => {
  const { messages } = await read();
  const m2 = byId(messages, '2');
  assert.equal(m2.date.toISOString(), '2021-01-15T10:05:03.000Z');
  assert.match(m2.dateNote ?? '', /standard-time offset.*summer time/);
  assert.equal(byId(messages, '12').date.toISOString(), '2021-01-16T06:00:00.000Z');

  const dir = join(tmp.dir, 'summer');
  const summer = message({ id: 1, title: '15.07.2021 14:00:00 UTC+00:00', from: 'Ayu Lestari', parts: [text('hi')] });
  writeFiles(dir, { 'messages.html': page('London', [dayHeading(1, '15 July 2021'), summer]) });
  const label = (await collect(new TelegramHtmlSource(dir))).messages[0]!;
  assert.equal(label.date.toISOString(), '2021-07-15T14:00:00.000Z');
  const london = (await collect(new TelegramHtmlSource(dir, { timeZone: 'Europe/London' }))).messages[0]!;
  assert.equal(london.date.toISOString(), '2021-07-15T13:00:00.000Z', 'BST: the label said +00:00');
  assert.match(london.dateNote ?? '', /read in Europe\/London as configured/);

  const older = join(tmp.dir, 'older');
  const noLabel = message({ id: 1, title: '15.07.2021 14:00:00', from: 'Ayu Lestari', parts: [text('hi')] });
  writeFiles(older, { 'messages.html': page('Old', [noLabel]) });
  const plain = (await collect(new TelegramHtmlSource(older, { timeZone: '+07:00' }))).messages[0]!;
  assert.equal(plain.date.toISOString(), '2021-07-15T07:00:00.000Z');
  assert.match(plain.dateNote ?? '', /without an offset.*UTC\+07:00/);
});

test('service messages: action and actor from the sentence, a lower-bound time', async () => {
  const { messages } = await read();
  const created = byId(messages, '1');
  assert.deepEqual(created.service, {
    action: 'create_group',
    actor: 'Ayu Lestari',
    details: { text: 'Ayu Lestari created group «Kenanga Residents»' },
  });
  assert.equal(created.date.toISOString(), '2021-01-15T00:00:00.000Z', 'start of the day heading');
  const pin = byId(messages, '14');
  assert.deepEqual(pin.service, {
    action: 'pin_message',
    actor: 'Budi Santoso',
    details: { text: 'Budi Santoso pinned this message', message_id: 2 },
  });
  assert.equal(pin.date.toISOString(), byId(messages, '13').date.toISOString(), 'the previous message');
  assert.match(pin.dateNote ?? '', /no time: this is a lower bound/);
  assert.equal(byId(messages, '17').service?.action, 'invite_members');
  assert.deepEqual(byId(messages, '16').service, {
    action: 'phone_call',
    actor: 'Ayu Lestari',
    details: { status: 'Outgoing (12 seconds)' },
  });
});

test('text: entities decoded, <br> as newlines, links kept as entities', async () => {
  const { messages } = await read();
  const m2 = byId(messages, '2');
  assert.equal(m2.text, 'Hello & welcome\ncall +447700900123 or https://example.org/ "quoted" rules @budi_s #kenanga');
  assert.deepEqual(m2.entities, [
    { type: 'plain', text: 'Hello & ' },
    { type: 'bold', text: 'welcome' },
    { type: 'plain', text: '\ncall ' },
    { type: 'phone', text: '+447700900123' },
    { type: 'plain', text: ' or ' },
    { type: 'link', text: 'https://example.org/' },
    { type: 'plain', text: ' "quoted" ' },
    { type: 'text_link', text: 'rules', href: 'https://example.org/rules' },
    { type: 'plain', text: ' ' },
    { type: 'mention', text: '@budi_s' },
    { type: 'plain', text: ' ' },
    { type: 'hashtag', text: '#kenanga' },
  ]);
  assert.equal(byId(messages, '13').text, 'line one\nline two');
  assert.equal(byId(messages, '6').text, 'forwarded text');
  assert.equal(byId(messages, '6').forwardedFrom, 'Dewi Anggraini');
  assert.equal(byId(messages, '4').replyTo, '2');
});

test('media: photo, voice, sticker, video + thumbnail, file; placeholders; an escaping path', async () => {
  const { messages, issues } = await read();
  const media = (id: string) => byId(messages, id).media;
  assert.equal(media('3')[0]!.path, join(single, 'photos/photo_1@15-01-2021_13-05-10.jpg'));
  assert.deepEqual(
    ['3', '4', '7', '9'].map((id) => media(id)[0]!.type),
    ['photo', 'voice', 'sticker', 'document'],
  );
  assert.equal(media('4')[0]!.durationS, 2);
  assert.deepEqual(
    media('8').map((m) => [m.id, m.type, m.durationS]),
    [
      ['file', 'video', 5],
      ['thumbnail', 'photo', undefined],
    ],
  );
  assert.equal(media('9')[0]!.fileName, 'report.pdf');
  assert.deepEqual(media('5')[0], {
    id: 'file',
    type: 'video',
    mime: null,
    size: null,
    durationS: 31,
    missing: 'Not included, change data exporting settings to download.',
  });
  assert.deepEqual(media('15')[0], {
    id: 'photo',
    type: 'photo',
    mime: null,
    size: null,
    width: 800,
    height: 600,
    missing: 'Not included, change data exporting settings to download.',
  });
  assert.match(media('10')[0]!.missing ?? '', /escapes the export folder/);
  assert.deepEqual(issues, [
    {
      kind: 'malformed',
      message: 'media path escapes the export folder: ../../outside.jpg',
      location: 'messages.html: message 10',
    },
  ]);
  assert.equal(media('16').length, 0, 'a call is not a file');
});

test('full-account HTML export: chats/<chat>/messages.html with ../../ hrefs', async () => {
  const root = join(tmp.dir, 'DataExport');
  const photo = message({
    id: 7,
    title: '01.02.2022 10:00:00 UTC+07:00',
    from: 'Budi Santoso',
    parts: [
      {
        tag: 'div',
        attrs: { class: 'media_wrap clearfix' },
        children: [
          {
            tag: 'a',
            attrs: { class: 'photo_wrap clearfix pull_left', href: '../../chats/chat_002/photos/p.jpg' },
            children: [],
          },
        ],
      },
    ],
  });
  writeFiles(root, {
    'export_results.html': '<html></html>',
    'chats/chat_001/messages.html': page('Ayu Lestari', [
      message({ id: 3, title: '01.02.2022 09:00:00 UTC+07:00', from: 'Ayu Lestari', parts: [text('one')] }),
    ]),
    'chats/chat_002/messages.html': page('Budi Santoso', [photo]),
    'chats/chat_002/photos/p.jpg': 'data',
  });
  const { messages, issues } = await collect(await openTelegramExport(root));
  assert.deepEqual(issues, []);
  assert.deepEqual(
    messages.map((m) => [m.chat.id, m.chat.name, m.messageId]),
    [
      ['chats/chat_001', 'Ayu Lestari', '3'],
      ['chats/chat_002', 'Budi Santoso', '7'],
    ],
  );
  assert.equal(messages[1]!.media[0]!.path, join(root, 'chats/chat_002/photos/p.jpg'));
});

test('pages are read in numeric order; the reader copes with any chunking', () => {
  assert.deepEqual(
    messagePages(['messages10.html', 'messages2.html', 'index.html', 'messages.html', 'messages3.html']),
    ['messages.html', 'messages2.html', 'messages3.html', 'messages10.html'],
  );
  const html = htmlPage1();
  const whole = new HtmlMessageReader(1 << 20);
  whole.feed(html);
  whole.end();
  const expected = whole.take().map((c) => c.raw);
  for (const size of [1, 7, 64]) {
    const r = new HtmlMessageReader(1 << 20);
    for (let i = 0; i < html.length; i += size) r.feed(html.slice(i, i + size));
    r.end();
    assert.deepEqual(
      r.take().map((c) => c.raw),
      expected,
      `chunks of ${size}`,
    );
  }
  assert.equal(expected.length, 13, 'page header + 12 message blocks');
});

test('service message helpers: sentences the reader does not know stay "unknown"', async () => {
  const dir = join(tmp.dir, 'svc');
  writeFiles(dir, { 'messages.html': page('X', [service(5, 'Something new happened')]) });
  const { messages } = await collect(new TelegramHtmlSource(dir));
  assert.deepEqual(messages[0]!.service, {
    action: 'unknown',
    actor: null,
    details: { text: 'Something new happened' },
  });
  assert.equal(messages[0]!.date.getTime(), 0);
});

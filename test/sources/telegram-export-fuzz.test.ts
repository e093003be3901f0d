/**
 * Broken and hostile exports: truncation, invalid JSON, wrong types, huge strings, paths
 * leading out of the folder. Each must give a clear issue or error while everything
 * readable is still read, and never crash.
 */
import assert from 'node:assert/strict';
import { symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import {
  TelegramExportError,
  TelegramHtmlSource,
  TelegramJsonSource,
} from '../../src/sources/telegram-export/index.js';
import { message, page, text } from './telegram-export-html-samples.js';
import { collect, exportJson, tempDir, writeFiles } from './telegram-export-support.js';

const tmp = tempDir('perisai-tgfuzz-');
after(() => tmp.cleanup());
let n = 0;

/** Writes `content` as result.json in a fresh folder and reads it. */
async function readJson(content: string, options = {}) {
  const dir = join(tmp.dir, `j${n++}`);
  writeFiles(dir, { 'result.json': content });
  return collect(new TelegramJsonSource(join(dir, 'result.json'), options));
}

const msg = (id: number, extra: Record<string, unknown> = {}) => ({
  id,
  type: 'message',
  date: '2022-01-01T10:00:00',
  date_unixtime: String(1641031200 + id),
  from: 'Ayu Lestari',
  from_id: 'user4400001',
  text: `marker-${id}`,
  ...extra,
});
const chat = (messages: unknown[]) => exportJson({ name: 'Fuzz', type: 'private_group', id: 77, messages });
const ids = (ms: { messageId: string }[]) => ms.map((m) => m.messageId);

test('truncated JSON: everything before the cut, then a clear error', async () => {
  const full = chat([1, 2, 3, 4, 5].map((i) => msg(i)));
  const cut = full.indexOf('marker-4') + 3;
  const { messages, issues, error } = await readJson(full.slice(0, cut));
  assert.deepEqual(ids(messages), ['1', '2', '3']);
  assert.ok(error instanceof TelegramExportError);
  assert.match(
    String(error),
    /result\.json is truncated: it ends inside messages\[3\] \(an unfinished message\), after 3 complete messages/,
  );
  assert.deepEqual(
    issues.map((i) => [i.kind, i.location]),
    [['malformed', 'result.json']],
  );
});

test('truncated JSON at every 53rd character: a prefix of the messages, never a crash', async () => {
  const full = chat([1, 2, 3, 4, 5, 6].map((i) => msg(i, { text: ['a', { type: 'bold', text: `b${i}` }] })));
  const all = ['1', '2', '3', '4', '5', '6'];
  let previous = 0;
  for (let cut = 0; cut < full.length; cut += 53) {
    const { messages, error } = await readJson(full.slice(0, cut));
    assert.ok(error instanceof TelegramExportError, `cut at ${cut}: ${String(error)}`);
    assert.deepEqual(ids(messages), all.slice(0, messages.length), `cut at ${cut}`);
    assert.ok(messages.length >= previous);
    previous = messages.length;
  }
  assert.equal((await readJson(full)).messages.length, 6);
});

test('invalid JSON in the middle: the messages before it, and its line and column', async () => {
  const full = chat([1, 2, 3, 4].map((i) => msg(i)));
  const at = full.indexOf('"marker-3"');
  const broken = `${full.slice(0, at)}@@${full.slice(at)}`;
  const { messages, error } = await readJson(broken);
  assert.deepEqual(ids(messages), ['1', '2']);
  const line = broken.slice(0, at).split('\n').length;
  const column = at - broken.lastIndexOf('\n', at - 1);
  assert.match(String(error), new RegExp(`not valid JSON.*result\\.json line ${line} column ${column}`));
});

test('invalid JSON after 64 KiB: messages of earlier chunks and of the failing chunk are all kept', async () => {
  const many = Array.from({ length: 600 }, (_, i) => msg(i + 1));
  const full = chat(many);
  const at = full.indexOf('"marker-590"');
  const { messages, error } = await readJson(`${full.slice(0, at)}}${full.slice(at)}`);
  assert.equal(messages.length, 589);
  assert.match(String(error), /not valid JSON/);
});

test('wrong types: reported with their location, the message kept where possible', async () => {
  const records = [
    msg(1, { text: 42 }),
    msg(2, { text: { bold: true } }),
    msg(3, { date_unixtime: 'soon', date: 'yesterday' }),
    msg(4, { date_unixtime: 'soon' }),
    msg(5, { from: 7, media_type: 3, file: 'files/a.bin', width: '10' }),
    msg(6, { photo: 12 }),
    msg(7, { text_entities: 'nope', text: ['ok ', 5, { type: 'bold' }] }),
    { type: 'message', date: '2022-01-01T10:00:00', text: 'no id' },
    msg(9, { id: '9' }),
    'just a string',
    msg(11, { type: 'weird' }),
    msg(12),
  ];
  const { messages, issues, error } = await readJson(chat(records), { checkFiles: false });
  assert.equal(error, null);
  assert.deepEqual(ids(messages), ['1', '2', '3', '4', '5', '6', '7', '#7', '9', '11', '12']);
  const m = (id: string) => messages.find((x) => x.messageId === id)!;
  assert.equal(m('1').text, '42');
  assert.equal(m('2').text, '');
  assert.equal(m('3').date.getTime(), 0);
  assert.match(m('3').dateNote ?? '', /no usable date/);
  assert.equal(m('4').date.toISOString(), '2022-01-01T10:00:00.000Z', 'falls back to "date"');
  assert.equal(m('5').author.name, '7');
  assert.equal(m('5').media[0]!.type, 'unknown');
  assert.equal(m('5').media[0]!.width, undefined);
  assert.deepEqual(m('6').media, []);
  assert.equal(m('7').text, 'ok ');
  const at = (loc: string) =>
    issues
      .filter((i) => i.location === loc)
      .map((i) => i.message)
      .join(' | ');
  assert.match(at('result.json: messages[0] (id 1)'), /text is number 42/);
  assert.match(at('result.json: messages[2] (id 3)'), /date_unixtime is "soon".*date is "yesterday"/);
  assert.match(at('result.json: messages[4] (id 5)'), /from is number 7.*media_type is number 3.*width is "10"/);
  assert.match(
    at('result.json: messages[6] (id 7)'),
    /text\[1\] is number 5.*text\[2\] is an object.*text_entities is "nope", not an array/,
  );
  assert.match(at('result.json: messages[7]'), /id is missing: message kept as #7/);
  assert.match(at('result.json: messages[9]'), /message record is "just a string", not an object: skipped/);
  assert.match(at('result.json: messages[10] (id 11)'), /unknown message type "weird"/);
  assert.ok(issues.every((i) => i.kind === 'malformed'));
});

test('wrong structure: messages not an array, a chat not an object, the rest still read', async () => {
  const good = { name: 'Good', type: 'personal_chat', id: 2, messages: [msg(1)] };
  const doc = {
    about: 'x',
    chats: { about: 'x', list: [{ name: 'Bad', type: 'private_group', id: 1, messages: { 0: msg(9) } }, 'oops', good] },
    left_chats: { list: 5 },
  };
  const { messages, issues, error } = await readJson(exportJson(doc));
  assert.equal(error, null);
  assert.deepEqual(
    messages.map((m) => `${m.chat.name}/${m.messageId}`),
    ['Good/1'],
  );
  assert.deepEqual(
    issues.map((i) => i.message),
    [
      '"chats.list[0].messages" is not an array: skipped',
      '"chats.list[1]" is not an object: skipped',
      '"left_chats.list" is not an array: skipped',
    ],
  );
  assert.match(String((await readJson('[1, 2]')).error), /not an object: not a Telegram Desktop export/);
  assert.match(String((await readJson('')).error), /result\.json is empty/);
  const trailing = await readJson(`${chat([msg(1)])} {"more": 1}`);
  assert.deepEqual([trailing.messages.length, trailing.error], [1, null]);
  assert.match(trailing.issues[0]!.message, /data after the end of the JSON document/);
  const bom = await readJson(`\uFEFF${chat([msg(1)])}`);
  assert.deepEqual([bom.messages.length, bom.error], [1, null]);
});

test('a 10 MB text field is cut to the limit with a "limit" issue; the next message is read', async () => {
  const huge = 'x'.repeat(10 * 1024 * 1024);
  const doc = chat([msg(1, { text: huge, text_entities: [{ type: 'plain', text: huge }] }), msg(2)]);
  const { messages, issues, error } = await readJson(doc);
  assert.equal(error, null);
  assert.deepEqual(ids(messages), ['1', '2']);
  assert.equal(messages[0]!.text.length, 1 << 20);
  assert.equal(messages[1]!.text, 'marker-2');
  assert.deepEqual(
    issues.map((i) => [i.kind, i.message]),
    [
      ['limit', `text: string of ${huge.length} characters cut to the limit`],
      ['limit', `text_entities[0].text: string of ${huge.length} characters cut to the limit`],
    ],
  );
  const larger = await readJson(doc, { maxStringChars: 16 << 20 });
  assert.equal(larger.messages[0]!.text.length, huge.length);
  assert.deepEqual(larger.issues, []);
});

test('paths leading out of the export folder are refused, also through a symlink', async () => {
  const dir = join(tmp.dir, 'escape');
  writeFiles(dir, { 'photos/ok.jpg': 'data', '../outside-secret.txt': 'secret' });
  symlinkSync(join(dir, '..', 'outside-secret.txt'), join(dir, 'photos', 'link.jpg'));
  const paths = [
    '../outside-secret.txt',
    'photos/../../outside-secret.txt',
    '/etc/passwd',
    'file:///etc/passwd',
    'photos/link.jpg',
    'photos/ok.jpg',
  ];
  writeFileSync(join(dir, 'result.json'), chat(paths.map((p, i) => msg(i + 1, { photo: p }))));
  const { messages, issues } = await collect(new TelegramJsonSource(join(dir, 'result.json')));
  assert.equal(messages.length, 6);
  const media = messages.map((m) => m.media[0]!);
  assert.deepEqual(
    media.map((m) => m.path !== undefined),
    [false, false, false, false, false, true],
  );
  assert.match(media[0]!.missing ?? '', /escapes the export folder/);
  assert.match(media[2]!.missing ?? '', /absolute media path or URL/);
  assert.match(media[4]!.missing ?? '', /symlink leads out of the export folder/);
  assert.deepEqual(
    issues.map((i) => i.kind),
    ['malformed', 'malformed', 'malformed', 'malformed', 'malformed'],
  );
});

test('HTML: a page cut inside a message, an oversized block and tag soup do not stop the read', async () => {
  const dir = join(tmp.dir, 'html');
  const ok = message({ id: 1, title: '01.02.2022 10:00:00 UTC+00:00', from: 'Ayu Lestari', parts: [text('first')] });
  const big = message({ id: 2, title: '01.02.2022 10:01:00 UTC+00:00', joined: true, parts: [text('y'.repeat(5000))] });
  const soup = message({
    id: 3,
    title: '01.02.2022 10:02:00 UTC+00:00',
    joined: true,
    parts: [text('a < b <i>unclosed </span> <3 &bogus; &#0; end')],
  });
  const last = message({ id: 4, title: '01.02.2022 10:03:00 UTC+00:00', joined: true, parts: [text('cut here')] });
  const html = page('Soup', [ok, big, soup, last]);
  writeFiles(dir, { 'messages.html': html.slice(0, html.indexOf('cut here') + 3) });
  const { messages, issues, error } = await collect(new TelegramHtmlSource(dir, { maxHtmlMessageChars: 4096 }));
  assert.equal(error, null);
  assert.deepEqual(ids(messages), ['1', '3', '4']);
  assert.equal(messages[1]!.text, 'a < b unclosed  <3 &bogus; &#0; end');
  assert.equal(messages[2]!.author.name, 'Ayu Lestari');
  assert.deepEqual(
    issues.map((i) => [i.kind, i.location]),
    [
      ['limit', 'messages.html: message 2'],
      ['malformed', 'messages.html: message 4'],
    ],
  );
  const empty = join(tmp.dir, 'nohtml');
  writeFiles(empty, { 'readme.txt': 'x' });
  assert.match(String((await collect(new TelegramHtmlSource(empty))).error), /no messages\.html/);
});

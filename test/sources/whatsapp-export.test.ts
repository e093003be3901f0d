/**
 * Fresh-clone coverage of WhatsApp exports: chats these tests write themselves, shaped after
 * real exports (Android and iOS, .txt, folder and .zip), with fictional people and
 * fictional numbers (+44 7700 900xxx). Media are a few synthetic bytes.
 */
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { NormalizedMessage, SourceIssue } from '../../src/sources/types.js';
import {
  openWhatsAppExport,
  parseWhatsAppText,
  type WhatsAppExport,
  WhatsAppExportError,
  type WhatsAppExportOptions,
} from '../../src/sources/whatsapp/index.js';
import { buildZip } from '../support/zip.js';

const NNBSP = '\u202f';
const LRM = '\u200e';

/** Android, US English, 2023+ (U+202F before AM/PM). */
const ANDROID = [
  `12/30/23, 7:58${NNBSP}PM - Messages and calls are end-to-end encrypted. No one outside of this chat, not even WhatsApp, can read or listen to them. Tap to learn more.`,
  `12/30/23, 7:58${NNBSP}PM - Grandma Rosa created group "Family: recipes"`,
  `12/30/23, 7:59${NNBSP}PM - Grandma Rosa added +44 7700 900456`,
  `12/30/23, 8:01${NNBSP}PM - +44 7700 900456: Hi all, it's Uncle Tom`,
  `12/30/23, 8:02${NNBSP}PM - Dr: Smith: Welcome Tom: glad you're here`,
  `12/30/23, 8:03${NNBSP}PM - Dr: Smith: Note: bring the masa`,
  'second line of the note',
  `12/30/23, 8:04${NNBSP}PM - Grandma Rosa: IMG-20231230-WA0001.jpg (file attached)`,
  'Tamales, first try',
  `12/30/23, 8:05${NNBSP}PM - Aunt May: <Media omitted>`,
  `12/30/23, 8:06${NNBSP}PM - Aunt May: VID-20231230-WA0002.mp4 (file attached)`,
  `12/30/23, 8:07${NNBSP}PM - Grandma Rosa: This message was deleted`,
  `12/30/23, 8:08${NNBSP}PM - Aunt May: PTT-20231230-WA0003.opus (file attached)`,
  `12/30/23, 8:09${NNBSP}PM - +44 7700 900456 left`,
  `12/31/23, 9:15${NNBSP}AM - Aunt May: ../../secret.jpg (file attached)`,
  `12/31/23, 9:16${NNBSP}AM - Aunt May: IMG-20231231-WA0009.jpg (file attached)`,
  '',
].join('\r\n');
const ANDROID_NAME = 'WhatsApp Chat with Family Recipes.txt';

/** iOS, UK English, with the U+200E marks and U+202A/U+202C around a phone number. */
const IOS = [
  `${LRM}[14/02/2024, 09:15:03] Book Club: ${LRM}Messages and calls are end-to-end encrypted. No one outside of this chat, not even WhatsApp, can read or listen to them.`,
  `${LRM}[14/02/2024, 09:15:04] Book Club: ${LRM}Priya created group “Book Club”`,
  `${LRM}[14/02/2024, 09:15:05] Book Club: ${LRM}Priya added Sam`,
  '[14/02/2024, 09:16:10] Priya: Chapter 3 tonight?',
  'Bring notes:',
  '- themes',
  `${LRM}[14/02/2024, 09:18:22] Sam: ${LRM}<attached: 00000005-PHOTO-2024-02-14-09-18-22.jpg>`,
  `${LRM}[14/02/2024, 09:19:00] Sam: ${LRM}video omitted`,
  `${LRM}[14/02/2024, 09:20:00] \u202a+44 7700 900123\u202c: ${LRM}<attached: 00000007-STICKER-2024-02-14-09-20-00.webp>`,
  `${LRM}[15/02/2024, 18:45:51] Sam: ${LRM}Missed voice call`,
  `${LRM}[15/02/2024, 18:46:00] Priya: ${LRM}This message was deleted.`,
  '[15/02/2024, 18:47:12] Priya: see you',
].join('\n');

const PHOTO = Buffer.from('synthetic photo bytes, not an image');
const STICKER = Buffer.from('synthetic sticker bytes');

async function collect(src: WhatsAppExport) {
  const issues: SourceIssue[] = [];
  const messages: NormalizedMessage[] = [];
  for await (const m of src.messages((i) => issues.push(i))) messages.push(m);
  return { messages, issues };
}

let root: string;
before(async () => {
  root = await mkdtemp(join(tmpdir(), 'perisai-wa-'));
});
after(async () => {
  await rm(root, { recursive: true, force: true });
});

async function dir(name: string): Promise<string> {
  const d = join(root, name);
  await mkdir(d, { recursive: true });
  return d;
}

describe('WhatsApp export: Android .txt next to its media', () => {
  it('parses system lines, authors with ": ", phone numbers, attachments present, omitted, missing', async () => {
    const d = await dir('android-txt');
    await writeFile(join(d, ANDROID_NAME), ANDROID);
    await writeFile(join(d, 'IMG-20231230-WA0001.jpg'), PHOTO);
    await writeFile(join(d, 'PTT-20231230-WA0003.opus'), STICKER);
    await writeFile(join(root, 'secret.jpg'), 'outside the export');
    await writeFile(join(root, 'outside.jpg'), 'outside the export');
    await symlink(join(root, 'outside.jpg'), join(d, 'IMG-20231231-WA0009.jpg'));
    const src = await openWhatsAppExport(join(d, ANDROID_NAME));
    const { messages, issues } = await collect(src);

    assert.equal(messages.length, 14);
    assert.deepEqual(src.chat, { id: 'Family Recipes', name: 'Family Recipes', type: 'group' });
    assert.equal(src.format?.order, 'MDY');
    assert.deepEqual(
      messages.map((m) => m.messageId),
      messages.map((_, i) => String(i + 1)),
    );
    const [e2e, created, added, tom, welcome, note, photo, omitted, video, deleted, voice, left, slip, link] = messages;
    assert.equal(e2e!.service?.action, 'e2e_notice');
    assert.equal(e2e!.date.toISOString(), '2023-12-30T19:58:00.000Z');
    assert.deepEqual(created!.service, {
      action: 'group_created',
      actor: 'Grandma Rosa',
      details: { title: 'Family: recipes' },
    });
    assert.deepEqual(added!.service?.details, { members: '+44 7700 900456' });
    assert.deepEqual(tom!.author, { id: '+447700900456', name: '+44 7700 900456' });
    assert.equal(tom!.text, "Hi all, it's Uncle Tom");
    assert.deepEqual(welcome!.author, { id: null, name: 'Dr: Smith' });
    assert.equal(welcome!.text, "Welcome Tom: glad you're here");
    assert.equal(note!.text, 'Note: bring the masa\nsecond line of the note');
    assert.equal(photo!.text, 'Tamales, first try');
    assert.equal(photo!.media[0]!.path, join(d, 'IMG-20231230-WA0001.jpg'));
    assert.equal(photo!.media[0]!.size, PHOTO.length);
    assert.equal(photo!.media[0]!.mime, 'image/jpeg');
    assert.equal(omitted!.media[0]!.missing, '<Media omitted>');
    assert.equal(video!.media[0]!.type, 'video');
    assert.match(video!.media[0]!.missing ?? '', /not in the export folder/);
    assert.deepEqual(deleted!.service, { action: 'message_deleted', actor: 'Grandma Rosa' });
    assert.equal(voice!.media[0]!.type, 'voice');
    assert.equal(voice!.media[0]!.path, join(d, 'PTT-20231230-WA0003.opus'));
    assert.deepEqual(left!.service, { action: 'member_left', actor: '+44 7700 900456' });
    assert.equal(left!.author.id, '+447700900456');
    assert.equal(slip!.media[0]!.path, undefined);
    assert.match(slip!.media[0]!.missing ?? '', /not a plain file name/);
    assert.equal(link!.media[0]!.path, undefined);
    assert.match(link!.media[0]!.missing ?? '', /symbolic link leading out/);
    assert.equal(link!.date.toISOString(), '2023-12-31T09:16:00.000Z');
    assert.deepEqual(
      issues.map((i) => [i.kind, i.location]),
      [
        ['missing-media', `${ANDROID_NAME}:11 (message 9)`],
        ['missing-media', `${ANDROID_NAME}:15 (message 13)`],
        ['missing-media', `${ANDROID_NAME}:16 (message 14)`],
      ],
    );
  });

  it('a configured author list and chat name win over the guesses', () => {
    const text = [`1/2/24, 9:00 AM - Dr: Smith: hi`, `1/2/24, 9:01 AM - Sam: Re: hi`].join('\n');
    const guessed = parseWhatsAppText(text).messages;
    assert.equal(guessed[0]!.author.name, 'Dr');
    const told = parseWhatsAppText(text, { authors: ['Dr: Smith'], chatName: 'Clinic' });
    assert.equal(told.messages[0]!.author.name, 'Dr: Smith');
    assert.equal(told.messages[0]!.text, 'hi');
    assert.equal(told.messages[1]!.author.name, 'Sam');
    assert.equal(told.chat.name, 'Clinic');
  });

  it('a system line about a name holding ": " is still a system line', () => {
    const text = [
      '1/2/24, 9:00 AM - Dr: Smith: hi',
      '1/2/24, 9:01 AM - Dr: Smith: bye',
      '1/2/24, 9:02 AM - Dr: Smith left',
      '1/2/24, 9:03 AM - Sam: Jo: I left',
      '1/2/24, 9:04 AM - Sam created group "Ward: night shift"',
    ].join('\n');
    const m = parseWhatsAppText(text).messages;
    assert.deepEqual(m[2]!.service, { action: 'member_left', actor: 'Dr: Smith' });
    assert.equal(m[3]!.service, undefined);
    assert.deepEqual([m[3]!.author.name, m[3]!.text], ['Sam', 'Jo: I left']);
    assert.deepEqual(m[4]!.service?.details, { title: 'Ward: night shift' });
  });
});

describe('WhatsApp export: iOS zip, folder', () => {
  const zipEntries = () =>
    buildZip([
      { name: '_chat.txt', data: IOS },
      { name: '00000005-PHOTO-2024-02-14-09-18-22.jpg', data: PHOTO, method: 0 },
      { name: '00000007-STICKER-2024-02-14-09-20-00.webp', data: STICKER },
      { name: '00000099-PHOTO-2024-02-16-10-00-00.jpg', data: PHOTO },
    ]);

  function checkIos(messages: NormalizedMessage[]): void {
    assert.equal(messages.length, 10);
    const [e2e, created, added, text, photo, video, sticker, call, deleted, last] = messages;
    assert.equal(e2e!.service?.action, 'e2e_notice');
    assert.equal(e2e!.author.name, null);
    assert.deepEqual(created!.service, { action: 'group_created', actor: 'Priya', details: { title: 'Book Club' } });
    assert.deepEqual(added!.service, { action: 'members_added', actor: 'Priya', details: { members: 'Sam' } });
    assert.equal(text!.text, 'Chapter 3 tonight?\nBring notes:\n- themes');
    assert.equal(text!.date.toISOString(), '2024-02-14T09:16:10.000Z');
    assert.equal(photo!.media[0]!.type, 'photo');
    assert.equal(video!.media[0]!.type, 'video');
    assert.equal(video!.media[0]!.missing, 'video omitted');
    assert.deepEqual(sticker!.author, { id: '+447700900123', name: '+44 7700 900123' });
    assert.equal(sticker!.media[0]!.type, 'sticker');
    assert.equal(sticker!.media[0]!.mime, 'image/webp');
    assert.deepEqual(call!.service, { action: 'missed_call', actor: 'Sam' });
    assert.equal(deleted!.service?.action, 'message_deleted');
    assert.equal(last!.text, 'see you');
    assert.equal(last!.messageId, '10');
  }

  it('reads _chat.txt from the zip; fetch() returns the attachment bytes', async () => {
    const d = await dir('ios-zip');
    const path = join(d, 'WhatsApp Chat - Book Club.zip');
    await writeFile(path, zipEntries());
    const src = await openWhatsAppExport(path);
    const { messages, issues } = await collect(src);
    checkIos(messages);
    assert.equal(src.chat?.name, 'Book Club');
    assert.equal(src.container, 'zip');
    const photo = messages[4]!.media[0]!;
    assert.equal(photo.size, PHOTO.length);
    assert.deepEqual(Buffer.from(await photo.fetch!()), PHOTO);
    assert.deepEqual(Buffer.from(await messages[6]!.media[0]!.fetch!()), STICKER);
    assert.deepEqual(
      issues.map((i) => i.kind),
      ['unsupported'],
    );
    assert.match(issues[0]!.message, /00000099-PHOTO-2024-02-16-10-00-00\.jpg/);
  });

  it('extracts named attachments into a new folder under extractDir', async () => {
    const d = await dir('ios-zip-extract');
    const path = join(d, 'export.zip');
    await writeFile(path, zipEntries());
    const extractDir = join(d, 'out');
    const src = await openWhatsAppExport(path, { extractDir });
    const { messages } = await collect(src);
    const folder = src.extractedTo();
    assert.ok(folder?.startsWith(join(extractDir, 'whatsapp-')));
    assert.equal(messages[4]!.media[0]!.path, join(folder!, '00000005-PHOTO-2024-02-14-09-18-22.jpg'));
    assert.deepEqual(await readFile(messages[4]!.media[0]!.path!), PHOTO);
    assert.deepEqual((await readdir(folder!)).sort(), [
      '00000005-PHOTO-2024-02-14-09-18-22.jpg',
      '00000007-STICKER-2024-02-14-09-20-00.webp',
    ]);
    // _chat.txt has no file name to take the chat's name from: iOS's own notice gives it.
    assert.equal(src.chat?.name, 'Book Club');
  });

  it('reads an unzipped export folder the same way', async () => {
    const d = await dir('ios-folder');
    await writeFile(join(d, '_chat.txt'), IOS);
    await writeFile(join(d, '00000005-PHOTO-2024-02-14-09-18-22.jpg'), PHOTO);
    const src = await openWhatsAppExport(d);
    const { messages, issues } = await collect(src);
    checkIos(messages);
    assert.equal(messages[4]!.media[0]!.path, join(d, '00000005-PHOTO-2024-02-14-09-18-22.jpg'));
    assert.deepEqual(
      issues.map((i) => [i.kind, i.message]),
      [['missing-media', '00000007-STICKER-2024-02-14-09-20-00.webp: not in the export folder']],
    );
  });

  it('an Android zip with "WhatsApp Chat with X.txt" inside', async () => {
    const d = await dir('android-zip');
    const path = join(d, 'WhatsApp Chat with Family Recipes.zip');
    await writeFile(
      path,
      buildZip([
        { name: ANDROID_NAME, data: ANDROID },
        { name: 'IMG-20231230-WA0001.jpg', data: PHOTO },
      ]),
    );
    const src = await openWhatsAppExport(path);
    const { messages } = await collect(src);
    assert.equal(messages.length, 14);
    assert.equal(src.chat?.name, 'Family Recipes');
    assert.deepEqual(Buffer.from(await messages[6]!.media[0]!.fetch!()), PHOTO);
    // A zip without its .zip name is recognised by its first bytes.
    const renamed = join(d, 'export.bin');
    await writeFile(renamed, await readFile(path));
    const again = await openWhatsAppExport(renamed);
    assert.equal(again.container, 'zip');
    assert.equal((await collect(again)).messages.length, 14);
  });
});

describe('WhatsApp export: damaged and odd text', () => {
  async function run(text: string, options: WhatsAppExportOptions = {}) {
    const d = await mkdtemp(join(root, 'odd-'));
    await writeFile(join(d, 'chat.txt'), text);
    return collect(await openWhatsAppExport(join(d, 'chat.txt'), options));
  }

  it('an impossible date keeps the message with the previous time, reported', async () => {
    const { messages, issues } = await run(
      ['2/27/24, 8:00 PM - Sam: one', '2/30/24, 8:01 PM - Sam: two', '3/1/24, 8:02 PM - Sam: three'].join('\n'),
    );
    assert.equal(messages.length, 3);
    assert.equal(messages[1]!.date.getTime(), messages[0]!.date.getTime());
    assert.match(messages[1]!.dateNote ?? '', /not a real date/);
    assert.deepEqual(
      issues.map((i) => [i.kind, i.location]),
      [['malformed', 'chat.txt:2 (message 2)']],
    );
  });

  it('lines before the first message are reported, not turned into messages', async () => {
    const { messages, issues } = await run('exported by someone\n31/12/2023, 20:03 - Sam: hi\n');
    assert.equal(messages.length, 1);
    assert.equal(issues[0]!.kind, 'malformed');
    assert.match(issues[0]!.message, /1 line\(s\) before the first message/);
  });

  it('a line past the size limit is cut and reported', async () => {
    const { messages, issues } = await run(
      `31/12/2023, 20:03 - Sam: ${'x'.repeat(5000)}\n31/12/2023, 20:04 - Sam: ok`,
      {
        maxMessageChars: 1000,
      },
    );
    assert.equal(messages.length, 2);
    assert.ok(messages[0]!.text.length < 1000);
    assert.ok(issues.some((i) => i.kind === 'limit'));
  });

  it('text that is not a chat export is refused with a clear error', async () => {
    await assert.rejects(run('just some notes\nno timestamps here\n'), (err: Error) => {
      assert.ok(err instanceof WhatsAppExportError);
      assert.match(err.message, /not a chat export/);
      return true;
    });
    await assert.rejects(openWhatsAppExport(join(root, 'does-not-exist.txt')), WhatsAppExportError);
  });

  it('a pasted timestamp of another shape inside a message stays message text', () => {
    const text = [
      '31/12/2023, 20:03 - Sam: look at this:',
      '[12/31/23, 8:03:00 PM] Priya: hi',
      '31/12/2023, 20:04 - Budi: ok',
    ];
    const { messages } = parseWhatsAppText(text.join('\n'));
    assert.equal(messages.length, 2);
    assert.equal(messages[0]!.text, 'look at this:\n[12/31/23, 8:03:00 PM] Priya: hi');
  });
});

/**
 * The shared WhatsApp samples (../shared/fixtures/whatsapp-export, from chatcarve's test
 * corpus): every file parses to the expected records, cross-checked against chatcarve's
 * own parse (expected-by-chatcarve/*.jsonl) and against values read from the files.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type { NormalizedMessage, SourceIssue } from '../../src/sources/types.js';
import { openWhatsAppExport, parseWhatsAppText } from '../../src/sources/whatsapp/index.js';
import type { WhatsAppRaw } from '../../src/sources/whatsapp/message.js';
import { sharedFixtures } from '../support/env.js';

const fx = sharedFixtures('whatsapp-export');

interface Expected {
  author: string | null;
  index: number;
  kind: 'text' | 'media' | 'system' | 'deleted';
  line: number;
  media: { filename: string | null; media_type: string | null; omitted: boolean } | null;
  raw_timestamp: string;
  system: { event: string } | null;
  text: string;
  timestamp: string;
}

/** chatcarve's event names → ours. */
const EVENTS: Record<string, string> = {
  e2e_encrypted: 'e2e_notice',
  member_added: 'members_added',
  member_left: 'member_left',
  group_created: 'group_created',
  missed_voice_call: 'missed_call',
};

const FILES = [
  { name: 'chatcarve_en-us-android', order: 'MDY', records: 10, authors: ['Aunt May', 'Grandma Rosa'] },
  { name: 'chatcarve_en-gb-ios', order: 'DMY', records: 7, authors: ['Priya', 'Sam'] },
  { name: 'chatcarve_de-de-android', order: 'DMY', records: 8, authors: ['Jonas', 'Oma Helga'] },
] as const;

async function scan(path: string) {
  const src = await openWhatsAppExport(path);
  const issues: SourceIssue[] = [];
  const messages: NormalizedMessage[] = [];
  for await (const m of src.messages((i) => issues.push(i))) messages.push(m);
  return { src, messages, issues };
}

function expected(name: string): Expected[] {
  return readFileSync(join(fx.dir, 'expected-by-chatcarve', `${name}.jsonl`), 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as Expected);
}

describe('WhatsApp shared fixtures', { skip: fx.skip }, () => {
  for (const f of FILES) {
    it(`${f.name}: matches chatcarve's parse record by record`, async () => {
      const { messages, src } = await scan(join(fx.dir, `${f.name}.txt`));
      const want = expected(f.name);
      assert.equal(messages.length, f.records);
      assert.equal(messages.length, want.length);
      assert.equal(src.format?.order, f.order);
      for (const [i, m] of messages.entries()) compare(m, want[i]!);
    });

    it(`${f.name}: record count, ids and authors as read from the file`, async () => {
      const text = readFileSync(join(fx.dir, `${f.name}.txt`), 'utf8');
      const lines = text.split('\n').filter((l) => l !== '');
      // Independent count: lines that begin (after U+200E) with a digit or "[digit".
      const starts = lines.filter((l) => /^\u200e?\[?\d/.test(l));
      const { messages } = await scan(join(fx.dir, `${f.name}.txt`));
      assert.equal(messages.length, starts.length);
      assert.deepEqual(
        messages.map((m) => m.messageId),
        starts.map((_, i) => String(i + 1)),
      );
      const authors = new Set(messages.filter((m) => !m.service).map((m) => m.author.name));
      assert.deepEqual([...authors].sort(), [...f.authors]);
      for (const m of messages) assert.match(m.dateNote ?? '', /without a zone: read as UTC/);
    });
  }

  it('en-us-android: times from the file (M/D/YY, h:mm AM/PM), UTC by default', async () => {
    const { messages } = await scan(join(fx.dir, 'chatcarve_en-us-android.txt'));
    assert.equal(messages[0]!.date.toISOString(), '2023-12-31T20:03:00.000Z'); // "12/31/23, 8:03 PM"
    assert.equal(messages.at(-1)!.date.toISOString(), '2024-01-01T10:31:00.000Z'); // "1/1/24, 10:31 AM"
    const media = messages[5]!.media[0]!;
    assert.equal(media.fileName, 'IMG-20231231-WA0012.jpg');
    assert.equal(media.type, 'photo');
    // The sample ships without its media: named, looked up next to the text, recorded as missing.
    assert.match(media.missing ?? '', /not in the export folder/);
    assert.equal(messages[6]!.media[0]!.missing, '<Media omitted>');
  });

  it('en-us-android with U+202F before AM/PM (exports since 2023) parses the same', () => {
    const text = readFileSync(join(fx.dir, 'chatcarve_en-us-android.txt'), 'utf8');
    const narrow = text.replace(/ (AM|PM) - /g, '\u202f$1 - ');
    assert.notEqual(narrow, text);
    const a = parseWhatsAppText(text).messages;
    const b = parseWhatsAppText(narrow).messages;
    assert.deepEqual(
      b.map((m) => [m.messageId, m.date.toISOString(), m.author.name, m.text]),
      a.map((m) => [m.messageId, m.date.toISOString(), m.author.name, m.text]),
    );
  });

  it('en-gb-ios: the notice "authored" by the chat names the chat and is a service message', async () => {
    const { messages, src } = await scan(join(fx.dir, 'chatcarve_en-gb-ios.txt'));
    assert.equal(src.chat?.name, 'Priya');
    assert.equal(messages[0]!.service?.action, 'e2e_notice');
    assert.equal(messages[0]!.author.name, null);
    assert.equal(messages[3]!.media[0]!.fileName, '00000007-PHOTO-2024-02-14-09-18-22.jpg');
    assert.equal(messages[4]!.media[0]!.type, 'photo');
    assert.equal(messages[4]!.media[0]!.missing, 'image omitted');
    assert.equal(messages[1]!.text, 'Morning! Scores - 3:2 last night');
  });

  it('de-de-android: 2-digit years with dots; a configured zone moves every time', async () => {
    const src = await openWhatsAppExport(join(fx.dir, 'chatcarve_de-de-android.txt'), { timeZone: 'Europe/Berlin' });
    const messages: NormalizedMessage[] = [];
    for await (const m of src.messages()) messages.push(m);
    // "03.10.23, 19:22" is summer time in Berlin (UTC+2).
    assert.equal(messages[0]!.date.toISOString(), '2023-10-03T17:22:00.000Z');
    assert.match(messages[0]!.dateNote ?? '', /Europe\/Berlin as configured/);
    assert.equal(src.chat?.type, 'group');
  });
});

function compare(m: NormalizedMessage, e: Expected): void {
  const raw = m.raw as WhatsAppRaw;
  const where = `record ${e.index}`;
  assert.equal(m.messageId, String(e.index + 1), where);
  assert.equal(raw.line, e.line, where);
  assert.equal(raw.timestamp, e.raw_timestamp, where);
  assert.equal(m.date.toISOString(), `${e.timestamp}.000Z`, where);
  if (e.kind === 'system') {
    assert.equal(m.service?.action, EVENTS[e.system!.event], where);
    assert.equal(m.text, e.text, where);
    return;
  }
  assert.equal(m.author.name, e.author, where);
  if (e.kind === 'deleted') {
    assert.equal(m.service?.action, 'message_deleted', where);
    assert.equal(m.service?.actor, e.author, where);
    return;
  }
  assert.equal(m.service, undefined, where);
  if (e.kind === 'text') {
    assert.equal(m.text, e.text, where);
    assert.deepEqual(m.media, [], where);
    return;
  }
  assert.equal(m.media.length, 1, where);
  const ref = m.media[0]!;
  assert.equal(ref.fileName ?? null, e.media!.filename, where);
  assert.equal(ref.missing !== undefined, true, where); // omitted, or not shipped with the sample
  if (e.media!.omitted) assert.doesNotMatch(ref.missing!, /not in the export/, where);
  else assert.match(ref.missing!, /not in the export folder/, where);
  const types: Record<string, string> = { image: 'photo', document: 'document' };
  if (e.media!.media_type) assert.equal(ref.type, types[e.media!.media_type], where);
}

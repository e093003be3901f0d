/**
 * Every real Bot API sample in ../shared/fixtures/telegram-bot-api parses. Expected
 * values are read from each file's own fields; a few are also written out by hand.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { MESSAGE_UPDATE_KINDS, parseUpdate } from '../../../src/sources/telegram-bot/update.js';
import type { NormalizedMessage, SourceIssue } from '../../../src/sources/types.js';
import { sharedFixtures } from '../../support/env.js';

const fixtures = sharedFixtures('telegram-bot-api');
// biome-ignore lint/suspicious/noExplicitAny: sample JSON, read field by field to derive the expected values
type Json = Record<string, any>;

function load(name: string): Json {
  return JSON.parse(readFileSync(join(fixtures.dir, name), 'utf8')) as Json;
}

function parseFile(name: string): { message: NormalizedMessage; issues: SourceIssue[]; mediaGroupId: string | null } {
  const issues: SourceIssue[] = [];
  const parsed = parseUpdate(load(name), {}, (i) => issues.push(i));
  assert.ok(parsed, `${name} parses to a message`);
  return { message: parsed.message, issues, mediaGroupId: parsed.mediaGroupId };
}

/** The file's message payload, and which field it came in. */
function payloadOf(update: Json): { kind: string; message: Json } {
  const kind = MESSAGE_UPDATE_KINDS.find((k) => k in update)!;
  return { kind, message: update[kind] };
}

describe('Bot API fixtures', { skip: fixtures.skip }, () => {
  const names = fixtures.skip ? [] : readdirSync(fixtures.dir).filter((n) => n.endsWith('.json'));
  const updates = names.filter((n) => !n.includes('_response_'));

  test('the folder holds the samples its README lists', () => {
    assert.equal(updates.length, 12);
    assert.equal(names.length - updates.length, 2);
  });

  for (const name of updates) {
    test(`${name}: chat, id, date, text and media come from the file's fields`, () => {
      const update = load(name);
      const { kind, message: m } = payloadOf(update);
      const { message, issues } = parseFile(name);
      assert.deepEqual(issues, [], 'a real update raises no issue');
      assert.equal(message.source, 'telegram-bot');
      assert.equal(message.chat.id, String(m.chat.id));
      assert.equal(message.chat.type, m.chat.type);
      assert.equal(message.messageId, String(m.message_id));
      assert.equal(message.date.getTime(), m.date * 1000);
      assert.equal(message.editedAt?.getTime(), m.edit_date === undefined ? undefined : m.edit_date * 1000);
      assert.equal(message.text, m.text ?? m.caption ?? '');
      assert.equal(message.author.id, String((m.sender_chat ?? m.from).id));
      assert.deepEqual(message.raw, m, 'raw is the original message object');
      assert.ok(kind);
      assert.deepEqual(
        message.media.map((r) => r.type),
        expectedMediaTypes(m),
      );
      for (const ref of message.media) assertMediaFromFile(ref, m);
    });
  }

  test('photos: the largest size by area, not the last one (nutgram lists 720x960 before 600x800)', () => {
    const { message } = parseFile('nutgram_update_photo.json');
    assert.equal(message.media.length, 1);
    const [photo] = message.media;
    assert.deepEqual(
      { id: photo!.id, width: photo!.width, height: photo!.height, size: photo!.size, mime: photo!.mime },
      { id: 'SAAS', width: 720, height: 960, size: 84913, mime: 'image/jpeg' },
    );
    assert.equal(message.text, 'asdasdasdasdasdasd');
    assert.equal(message.date.toISOString(), '2021-02-28T23:35:05.000Z');
  });

  test('2017 updates without file_unique_id use the file_id, and old "thumb" is tolerated', () => {
    const photo = parseFile('illemius_2017_message_with_photo.json').message;
    assert.equal(photo.media[0]!.id, 'AgADAgADOagxG8vyeUvsltCem_XPv5A6Sw0ABNXULc5u7jny5VkRAAEC');
    assert.equal(photo.media[0]!.width, 950);
    const video = parseFile('illemius_2017_message_with_video.json').message;
    assert.deepEqual(
      { ...video.media[0], fetch: undefined },
      {
        id: 'BAADAgpAADdawy_JxS72kRvV3cortAg',
        type: 'video',
        mime: 'video/quicktime',
        size: 10099782,
        width: 853,
        height: 480,
        durationS: 52,
        fetch: undefined,
      },
    );
    assert.equal(video.text, 'description');
    const doc = parseFile('illemius_2017_message_with_document.json').message;
    assert.equal(doc.media[0]!.fileName, 'test.docx');
    assert.equal(doc.text, 'doc description');
  });

  test('edited message: editedAt from edit_date, reply from reply_to_message', () => {
    const { message } = parseFile('nutgram_update_edited_message.json');
    assert.equal(message.messageId, '23762');
    assert.equal(message.editedAt?.toISOString(), '2020-03-23T17:40:45.000Z');
    assert.equal(message.replyTo, '23758');
    assert.equal(message.text, 'Editing this message');
  });

  test('forwards: Bot API 7 forward_origin and the legacy forward_from', () => {
    assert.equal(parseFile('nutgram_update_message_forward_origin.json').message.forwardedFrom, 'Stickers');
    assert.equal(parseFile('illemius_2017_forwarded_message.json').message.forwardedFrom, 'Name');
  });

  test('forum topic: the implicit reply to the topic root is not a reply', () => {
    const { message } = parseFile('nutgram_update_message_topic.json');
    assert.equal(message.chat.id, '-1001234567489');
    assert.deepEqual(message.chat, { id: '-1001234567489', name: 'Testing', type: 'supergroup' });
    assert.equal(message.replyTo, undefined);
    assert.equal(message.text, 'lòklò');
  });

  test('channel post and service message', () => {
    const post = parseFile('nutgram_update_channel_post.json').message;
    assert.deepEqual(post.chat, { id: '456', name: 'Mario', type: 'channel' });
    assert.equal(post.text, 'Ciao');
    const joined = parseFile('nutgram_update_new_chat_members.json').message;
    assert.equal(joined.service?.action, 'new_chat_members');
    assert.deepEqual(joined.service?.details, { members: [{ id: '12345', name: 'Mario Bros' }] });
  });

  test('error responses are not updates: a malformed issue, no message, no throw', () => {
    for (const name of names.filter((n) => n.includes('_response_'))) {
      const issues: SourceIssue[] = [];
      assert.equal(
        parseUpdate(load(name), {}, (i) => issues.push(i)),
        null,
      );
      assert.equal(issues.length, 1);
      assert.equal(issues[0]!.kind, 'malformed');
    }
  });
});

const MEDIA_FIELDS = ['video', 'animation', 'video_note', 'voice', 'audio', 'sticker', 'document'];

function expectedMediaTypes(m: Json): string[] {
  return [...(m.photo ? ['photo'] : []), ...MEDIA_FIELDS.filter((f) => m[f])];
}

/** The ref's id, size, mime and dimensions equal the fields of the file object it came from. */
function assertMediaFromFile(ref: NormalizedMessage['media'][number], m: Json): void {
  const file: Json =
    ref.type === 'photo'
      ? m.photo.reduce((a: Json, b: Json) => (b.width * b.height > a.width * a.height ? b : a))
      : m[ref.type];
  assert.equal(ref.id, file.file_unique_id ?? file.file_id);
  assert.equal(ref.size, file.file_size ?? null);
  if (file.mime_type) assert.equal(ref.mime, file.mime_type);
  assert.equal(ref.width, file.width);
  assert.equal(ref.height, file.height);
  assert.equal(ref.durationS, file.duration);
  assert.equal(ref.fileName, file.file_name);
  assert.equal(ref.missing, undefined);
}

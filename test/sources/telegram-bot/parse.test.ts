/** The update parser on synthetic updates: entities, senders, forwards, media kinds, limits, hostile input. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseUpdate } from '../../../src/sources/telegram-bot/update.js';
import type { NormalizedMessage, SourceIssue } from '../../../src/sources/types.js';
import { GROUP, messageUpdate, photoFields, SITI } from './support.js';

function parse(update: unknown, options = {}): { message: NormalizedMessage | null; issues: SourceIssue[] } {
  const issues: SourceIssue[] = [];
  const parsed = parseUpdate(update, options, (i) => issues.push(i));
  return { message: parsed?.message ?? null, issues };
}

test('entity offsets are UTF-16 code units: an emoji before a mention counts two', () => {
  const text = '👋 Hi @siti_contoh, call +44 7700 900123 or see page';
  const { message, issues } = parse(
    messageUpdate({
      text,
      entities: [
        { type: 'mention', offset: 6, length: 12 },
        { type: 'phone_number', offset: 25, length: 15 },
        { type: 'text_link', offset: 48, length: 4, url: 'https://example.org/p' },
        { type: 'text_mention', offset: 3, length: 2, user: { id: 7700900102, first_name: 'Budi' } },
        { type: 'bold', offset: 0, length: 2 },
      ],
    }),
  );
  assert.deepEqual(issues, []);
  assert.deepEqual(message!.entities, [
    { type: 'mention', text: '@siti_contoh' },
    { type: 'phone', text: '+44 7700 900123' },
    { type: 'text_link', text: 'page', href: 'https://example.org/p' },
    { type: 'mention_name', text: 'Hi', userId: '7700900102' },
    { type: 'bold', text: '👋' },
  ]);
});

test('caption and caption_entities are the text of a media message', () => {
  const { message } = parse(
    messageUpdate(
      photoFields('p', { caption: 'info #korban', caption_entities: [{ type: 'hashtag', offset: 5, length: 7 }] }),
    ),
  );
  assert.equal(message!.text, 'info #korban');
  assert.deepEqual(message!.entities, [{ type: 'hashtag', text: '#korban' }]);
});

test('sender_chat wins over the placeholder bot in from; a channel post without sender is the channel', () => {
  const anonymous = parse(
    messageUpdate({
      from: { id: 1087968824, is_bot: true, first_name: 'Group', username: 'GroupAnonymousBot' },
      sender_chat: GROUP,
      text: 'x',
    }),
  ).message!;
  assert.deepEqual(anonymous.author, { id: String(GROUP.id), name: GROUP.title });
  const channel = { id: -1001555000111, title: 'Saluran Contoh', type: 'channel' };
  const post = parse(messageUpdate({ from: undefined, chat: channel, text: 'y' }, 'channel_post')).message!;
  assert.deepEqual(post.author, { id: '-1001555000111', name: 'Saluran Contoh' });
  assert.equal(post.chat.type, 'channel');
});

test('forward origins of every type, and the legacy fields', () => {
  const origins: [Record<string, unknown>, string | null][] = [
    [{ forward_origin: { type: 'user', sender_user: SITI, date: 1_716_000_000 } }, 'Siti Contoh'],
    [{ forward_origin: { type: 'hidden_user', sender_user_name: 'Anon Contoh', date: 1 } }, 'Anon Contoh'],
    [{ forward_origin: { type: 'chat', sender_chat: GROUP, date: 1 } }, GROUP.title],
    [
      { forward_origin: { type: 'channel', chat: { id: -1002, title: 'Kanal Cadangan' }, message_id: 9 } },
      'Kanal Cadangan',
    ],
    [{ forward_from_chat: { id: -1003, title: 'Kanal Lama', type: 'channel' } }, 'Kanal Lama'],
    [{ forward_sender_name: 'Tersembunyi' }, 'Tersembunyi'],
    [{ forward_from: { id: 7700900103 } }, '7700900103'],
  ];
  for (const [fields, expected] of origins) {
    assert.equal(
      parse(messageUpdate({ ...fields, text: 'x' })).message!.forwardedFrom,
      expected,
      JSON.stringify(fields),
    );
  }
  assert.equal(parse(messageUpdate({ text: 'x' })).message!.forwardedFrom, undefined);
});

test('every media kind, with mime, size, dimensions, duration and file name', () => {
  const file = (id: string, extra: Record<string, unknown>) => ({ file_id: `${id}-id`, file_unique_id: id, ...extra });
  const kinds: [string, Record<string, unknown>, Record<string, unknown>][] = [
    [
      'video',
      file('v', { width: 640, height: 360, duration: 7, mime_type: 'video/mp4', file_size: 9 }),
      { width: 640, durationS: 7, mime: 'video/mp4' },
    ],
    ['video_note', file('n', { length: 240, duration: 5 }), { width: 240, height: 240, mime: 'video/mp4' }],
    ['voice', file('o', { duration: 3, mime_type: 'audio/ogg' }), { mime: 'audio/ogg', durationS: 3 }],
    ['audio', file('a', { duration: 200, mime_type: 'audio/mpeg', file_name: 'lagu.mp3' }), { fileName: 'lagu.mp3' }],
    ['sticker', file('s', { width: 512, height: 512, is_animated: false, is_video: false }), { mime: 'image/webp' }],
    ['sticker', file('t', { width: 512, height: 512, is_animated: true }), { mime: 'application/x-tgsticker' }],
    ['document', file('d', { file_name: 'ktp.pdf', mime_type: 'application/pdf' }), { fileName: 'ktp.pdf' }],
  ];
  for (const [kind, object, expected] of kinds) {
    const { message, issues } = parse(messageUpdate({ [kind]: object }));
    assert.deepEqual(issues, []);
    assert.equal(message!.media.length, 1, kind);
    const ref = message!.media[0]!;
    assert.equal(ref.type, kind);
    assert.equal(ref.id, object.file_unique_id);
    for (const [key, value] of Object.entries(expected))
      assert.equal(ref[key as keyof typeof ref], value, `${kind}.${key}`);
  }
});

test('an animation also sent as document is one media item', () => {
  const gif = {
    file_id: 'g-id',
    file_unique_id: 'G',
    mime_type: 'video/mp4',
    file_name: 'a.gif.mp4',
    width: 320,
    height: 240,
  };
  const { message } = parse(messageUpdate({ animation: gif, document: gif }));
  assert.deepEqual(
    message!.media.map((r) => [r.type, r.id]),
    [['animation', 'G']],
  );
});

test('a file over 20 MB is recorded missing with the reason, its thumbnail offered instead, no issue', () => {
  const fetched: string[] = [];
  const fetchFor = (f: { fileId: string }) => {
    fetched.push(f.fileId);
    return async () => new Uint8Array();
  };
  const thumbnail = { file_id: 'th-id', file_unique_id: 'TH', file_size: 9000, width: 320, height: 180 };
  const big = {
    file_id: 'big-id',
    file_unique_id: 'BIG',
    file_size: 25 * 1024 * 1024,
    mime_type: 'video/mp4',
    thumbnail,
  };
  const { message, issues } = parse(messageUpdate({ video: big }), { fetchFor });
  assert.deepEqual(issues, []);
  const [video, thumb] = message!.media;
  assert.match(video!.missing!, /26214400 bytes: larger than the Bot API download limit of 20971520 bytes/);
  assert.equal(video!.fetch, undefined);
  assert.deepEqual([thumb!.type, thumb!.id, thumb!.width, typeof thumb!.fetch], ['photo', 'TH', 320, 'function']);
  assert.deepEqual(fetched, ['th-id']);
  // A self-hosted Bot API server has a higher limit.
  assert.equal(
    parse(messageUpdate({ video: big }), { maxDownloadBytes: 2000e6 }).message!.media[0]!.missing,
    undefined,
  );
});

test('service messages: the action is the Bot API field, a new group photo is media', () => {
  const left = parse(messageUpdate({ left_chat_member: SITI })).message!;
  assert.deepEqual(left.service, {
    action: 'left_chat_member',
    actor: 'Siti Contoh',
    details: { member: { id: '7700900101', name: 'Siti Contoh' } },
  });
  const photo = parse(messageUpdate(photoFields('gp', {}))).message!.media[0]!;
  const changed = parse(messageUpdate({ new_chat_photo: (photoFields('gp') as { photo: unknown }).photo })).message!;
  assert.equal(changed.service?.action, 'new_chat_photo');
  assert.deepEqual(changed.media, [photo]);
  assert.equal(photo.id, 'gp-X');
});

test('a reply in a forum topic is a reply when it answers another message than the topic root', () => {
  const reply = parse(
    messageUpdate({
      text: 'x',
      message_thread_id: 33,
      is_topic_message: true,
      reply_to_message: { message_id: 40, chat: GROUP, date: 1 },
    }),
  ).message!;
  assert.equal(reply.replyTo, '40');
});

test('other update kinds are unsupported issues; updates that are not objects are malformed', () => {
  const { message, issues } = parse({ update_id: 5, my_chat_member: { chat: GROUP } });
  assert.equal(message, null);
  assert.deepEqual(issues, [
    { kind: 'unsupported', message: '"my_chat_member" updates carry no message: skipped', location: 'update 5' },
  ]);
  for (const hostile of [null, 42, 'update', [], { update_id: '5', message: {} }, { update_id: 1.5 }]) {
    const r = parse(hostile);
    assert.equal(r.message, null);
    assert.equal(r.issues[0]?.kind, 'malformed', JSON.stringify(hostile));
  }
});

test('wrong field types: reported with the field and message, the rest kept', () => {
  const { message, issues } = parse(
    messageUpdate({ date: 'yesterday', text: 12345, photo: { file_id: 'x' }, from: 'Siti', caption_entities: 'bold' }),
  );
  assert.ok(message);
  assert.equal(message.date.getTime(), 0);
  assert.match(message.dateNote!, /no usable date/);
  assert.equal(message.text, '');
  assert.deepEqual(message.author, { id: null, name: null });
  const said = issues.map((i) => i.message);
  assert.ok(said.includes('message.date is "yesterday", not an integer: ignored'), said.join('\n'));
  assert.ok(said.includes('message.text is number 12345, not a string: ignored'));
  assert.ok(said.includes('message.photo is an object, not an array of sizes: ignored'));
  assert.ok(said.includes('message.from is "Siti", not an object: ignored'));
  for (const issue of issues) assert.match(issue.location!, /^update \d+: message 41 in chat -1001987654321$/);
});

test('a message without chat id or message_id cannot be located: skipped with an issue', () => {
  for (const fields of [{ chat: { type: 'group' } }, { message_id: 'abc' }, { chat: null }]) {
    const { message, issues } = parse(messageUpdate(fields));
    assert.equal(message, null);
    assert.ok(issues.some((i) => /cannot be located/.test(i.message)));
  }
});

test('huge strings are cut with a limit issue; raw keeps the original', () => {
  const text = 'a'.repeat(300_000);
  const { message, issues } = parse(
    messageUpdate({
      text,
      entities: [{ type: 'bold', offset: 299_000, length: 5 }],
      from: { ...SITI, first_name: 'N'.repeat(5000) },
    }),
  );
  assert.equal(message!.text.length, 64 * 1024);
  assert.equal(message!.author.name!.length, 1024 + ' Contoh'.length);
  assert.deepEqual(issues.map((i) => i.kind).sort(), ['limit', 'limit', 'malformed']);
  assert.ok(issues.some((i) => /message\.entities: 1 entities reach past the end of the text/.test(i.message)));
  assert.equal(((message!.raw as Record<string, unknown>).text as string).length, 300_000);
});

test('hostile values in every field never throw', () => {
  const base = messageUpdate({
    ...photoFields('f'),
    caption: 'c',
    caption_entities: [{ type: 'bold', offset: 0, length: 1 }],
    forward_origin: { type: 'user', sender_user: SITI },
    reply_to_message: { message_id: 1 },
    media_group_id: 'g',
    edit_date: 1_717_000_100,
  });
  const hostile: unknown[] = [null, -1, 1e308, Number.NaN, 'x'.repeat(10_000), [], {}, [null], true, { __proto__: 1 }];
  let parsed = 0;
  for (const path of leafPaths(base)) {
    for (const value of hostile) {
      const update = structuredClone(base);
      setPath(update, path, value);
      const { message } = parse(update);
      if (message) parsed++;
      assert.ok(message === null || message.chat.id.length > 0);
    }
  }
  assert.ok(parsed > 100, `${parsed} mutated updates still gave a message`);
  // __proto__ from JSON is data, not a prototype.
  const poisoned = JSON.parse(
    '{"update_id":1,"message":{"__proto__":{"chat":{"id":1}},"message_id":2,"date":1717000000}}',
  );
  assert.equal(parse(poisoned).message, null);
});

function leafPaths(value: unknown, prefix: string[] = []): string[][] {
  if (value === null || typeof value !== 'object') return [prefix];
  const paths = [prefix];
  for (const [key, child] of Object.entries(value)) paths.push(...leafPaths(child, [...prefix, key]));
  return paths.filter((p) => p.length > 0);
}

function setPath(target: unknown, path: string[], value: unknown): void {
  let node = target as Record<string, unknown>;
  for (const key of path.slice(0, -1)) node = node[key] as Record<string, unknown>;
  node[path[path.length - 1]!] = value;
}

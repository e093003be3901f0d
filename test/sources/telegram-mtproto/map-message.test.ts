/**
 * Api.Message → NormalizedMessage on constructed GramJS objects: media kinds,
 * entities with UTF-16 offsets, forwards, replies, authors, service messages, raw.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Api } from 'telegram';
import type { FileLocation } from '../../../src/sources/telegram-mtproto/map-media.js';
import { type MapContext, mapMessage } from '../../../src/sources/telegram-mtproto/map-message.js';
import type { MediaRef, NormalizedMessage } from '../../../src/sources/types.js';
import {
  big,
  CHAT_ID,
  channel,
  channelPeer,
  document,
  documentMedia,
  message,
  OTHER_CHANNEL_ID,
  photoMedia,
  T0,
  user,
} from './build.js';

const AYU = user(5550001, 'Ayu', 'Lestari');
const ctx: MapContext = { entities: { users: [AYU], chats: [] }, chat: channel() };

function map(input: unknown, context: MapContext = ctx): NormalizedMessage {
  const result = mapMessage(input, context);
  assert.deepEqual(result.issues, []);
  assert.ok(result.message);
  return result.message;
}

function onlyMedia(input: Api.Message): MediaRef {
  const m = map(input);
  assert.equal(m.media.length, 1);
  return m.media[0]!;
}

describe('mapMessage: basics', () => {
  it('maps chat, id, date, edit date, text and raw', () => {
    const m = map(message(42, { message: 'hello', editDate: T0 + 9999 }));
    assert.equal(m.source, 'telegram-mtproto');
    assert.deepEqual(m.chat, { id: CHAT_ID, name: 'Fictional News', type: 'channel' });
    assert.equal(m.messageId, '42');
    assert.equal(m.date.toISOString(), new Date((T0 + 42 * 60) * 1000).toISOString());
    assert.equal(m.editedAt?.toISOString(), new Date((T0 + 9999) * 1000).toISOString());
    assert.equal(m.text, 'hello');
    assert.deepEqual(m.media, []);
    assert.equal(m.dateNote, undefined);
  });

  it("prefers the response's copy of the chat (a renamed channel)", () => {
    const m = map(message(1), { entities: { users: [], chats: [channel({ title: 'Renamed' })] }, chat: channel() });
    assert.equal(m.chat.name, 'Renamed');
  });

  it('ignores hidden edits (edit_hide)', () => {
    const m = map(message(1, { editDate: T0 + 5, editHide: true }));
    assert.equal(m.editedAt, undefined);
  });

  it('calls a megagroup a supergroup', () => {
    const m = map(message(1), {
      entities: { users: [], chats: [] },
      chat: channel({ broadcast: false, megagroup: true }),
    });
    assert.equal(m.chat.type, 'supergroup');
  });

  it('keeps a JSON-safe raw form: bigints as strings, bytes as base64, no client caches', () => {
    const m = map(message(7, { media: photoMedia(99) }));
    const json = JSON.stringify(m.raw);
    const raw = JSON.parse(json);
    assert.equal(raw.className, 'Message');
    assert.equal(Object.keys(raw)[0], 'className');
    assert.equal(raw.peerId.channelId, '1234567890');
    assert.equal(raw.media.photo.id, '99');
    assert.deepEqual(raw.media.photo.fileReference, { base64: Buffer.from('ref-1').toString('base64') });
    assert.ok(!json.includes('"_'), 'private fields left out');
    assert.ok(!('originalArgs' in raw) && !('CONSTRUCTOR_ID' in raw));
  });
});

describe('mapMessage: authors', () => {
  it('a channel post without a signature is by the channel', () => {
    assert.deepEqual(map(message(1)).author, { id: CHAT_ID, name: 'Fictional News' });
  });

  it('a signed channel post is by its signature', () => {
    assert.deepEqual(map(message(1, { postAuthor: 'Desk Editor' })).author, { id: null, name: 'Desk Editor' });
  });

  it('from_id names a user from the users list', () => {
    const m = map(message(1, { fromId: new Api.PeerUser({ userId: big(5550001) }) }));
    assert.deepEqual(m.author, { id: '5550001', name: 'Ayu Lestari' });
  });

  it('a user missing from the list keeps the id', () => {
    const m = map(message(1, { fromId: new Api.PeerUser({ userId: big(5550999) }) }));
    assert.deepEqual(m.author, { id: '5550999', name: null });
  });
});

describe('mapMessage: entities (UTF-16 offsets)', () => {
  // 👋 and 😀 are two UTF-16 units each, 🇮🇩 four: code-point offsets would land elsewhere.
  const text = '👋 hi @ayu_fictional, see https://example.org 😀 call +44 7700 900123 🇮🇩 now';

  it('slices every entity at its UTF-16 offset', () => {
    const m = map(
      message(1, {
        message: text,
        entities: [
          new Api.MessageEntityMention({ offset: 6, length: 14 }),
          new Api.MessageEntityUrl({ offset: 26, length: 19 }),
          new Api.MessageEntityPhone({ offset: 54, length: 15 }),
          new Api.MessageEntityTextUrl({ offset: 75, length: 3, url: 'https://example.org/now' }),
          new Api.MessageEntityBold({ offset: 3, length: 2 }),
          new Api.MessageEntityMentionName({ offset: 3, length: 2, userId: big(5550001) }),
          new Api.MessageEntitySpoiler({ offset: 70, length: 4 }),
        ],
      }),
    );
    assert.equal(m.text, text);
    assert.deepEqual(m.entities, [
      { type: 'bold', text: 'hi' },
      { type: 'mention_name', text: 'hi', userId: '5550001' },
      { type: 'mention', text: '@ayu_fictional' },
      { type: 'link', text: 'https://example.org' },
      { type: 'phone', text: '+44 7700 900123' },
      { type: 'spoiler', text: '🇮🇩' },
      { type: 'text_link', text: 'now', href: 'https://example.org/now' },
    ]);
  });

  it('drops an entity past the end of the text, with an issue', () => {
    const result = mapMessage(
      message(1, { message: 'short', entities: [new Api.MessageEntityBold({ offset: 2, length: 10 })] }),
      ctx,
    );
    assert.deepEqual(result.message?.entities, []);
    assert.equal(result.issues.length, 1);
    assert.equal(result.issues[0]?.kind, 'malformed');
    assert.match(result.issues[0]!.message, /runs past the end/);
    assert.equal(result.issues[0]?.location, `${CHAT_ID}/1`);
  });
});

describe('mapMessage: forwards and replies', () => {
  it('names the original sender from the users list', () => {
    const fwdFrom = new Api.MessageFwdHeader({ fromId: new Api.PeerUser({ userId: big(5550001) }), date: T0 });
    assert.equal(map(message(1, { fwdFrom })).forwardedFrom, 'Ayu Lestari');
  });

  it('uses the hidden sender name when the account is private', () => {
    const fwdFrom = new Api.MessageFwdHeader({ fromName: 'Hidden Person', date: T0 });
    assert.equal(map(message(1, { fwdFrom })).forwardedFrom, 'Hidden Person');
  });

  it('falls back to the marked id of an unknown channel', () => {
    const fwdFrom = new Api.MessageFwdHeader({ fromId: channelPeer(OTHER_CHANNEL_ID), date: T0, channelPost: 12 });
    assert.equal(map(message(1, { fwdFrom })).forwardedFrom, '-1000987654321');
  });

  it('maps reply_to within the chat and across chats', () => {
    const same = new Api.MessageReplyHeader({ replyToMsgId: 41 });
    assert.equal(map(message(42, { replyTo: same })).replyTo, '41');
    const other = new Api.MessageReplyHeader({ replyToMsgId: 7, replyToPeerId: channelPeer(OTHER_CHANNEL_ID) });
    assert.equal(map(message(42, { replyTo: other })).replyTo, '-1000987654321/7');
    assert.equal(map(message(42)).replyTo, undefined);
  });
});

describe('mapMessage: media', () => {
  it('takes the largest photo size and hands its location to attach', () => {
    const attached: FileLocation[] = [];
    const m = map(message(1, { media: photoMedia(99) }), {
      ...ctx,
      attach: (_ref, location, where) => {
        attached.push(location);
        assert.deepEqual(where, { peer: { kind: 'channel', id: '1234567890' }, chatId: CHAT_ID, messageId: 1 });
      },
    });
    assert.deepEqual(m.media, [
      { id: 'photo:99', type: 'photo', mime: 'image/jpeg', size: 140_000, width: 1280, height: 960 },
    ]);
    assert.equal(attached.length, 1);
    assert.equal(attached[0]?.thumbSize, 'y');
    assert.equal(attached[0]?.dcId, 4);
    assert.equal(attached[0]?.accessHash, '297');
    assert.deepEqual(Buffer.from(attached[0]!.fileReference), Buffer.from('ref-1'));
  });

  const cases: [string, Api.MessageMediaDocument, Partial<MediaRef>][] = [
    [
      'video',
      documentMedia(
        document(11, 'video/mp4', [
          new Api.DocumentAttributeVideo({ duration: 12.5, w: 1280, h: 720, supportsStreaming: true }),
          new Api.DocumentAttributeFilename({ fileName: 'clip.mp4' }),
        ]),
        { video: true },
      ),
      { type: 'video', mime: 'video/mp4', width: 1280, height: 720, durationS: 12.5, fileName: 'clip.mp4' },
    ],
    [
      'animation',
      documentMedia(
        document(12, 'video/mp4', [
          new Api.DocumentAttributeVideo({ duration: 3, w: 480, h: 270 }),
          new Api.DocumentAttributeAnimated(),
        ]),
      ),
      { type: 'animation', width: 480, height: 270, durationS: 3 },
    ],
    [
      'round video note',
      documentMedia(
        document(13, 'video/mp4', [
          new Api.DocumentAttributeVideo({ roundMessage: true, duration: 9, w: 384, h: 384 }),
        ]),
        { round: true },
      ),
      { type: 'video_note', width: 384, height: 384, durationS: 9 },
    ],
    [
      'voice',
      documentMedia(document(14, 'audio/ogg', [new Api.DocumentAttributeAudio({ voice: true, duration: 4 })]), {
        voice: true,
      }),
      { type: 'voice', mime: 'audio/ogg', durationS: 4 },
    ],
    [
      'audio',
      documentMedia(
        document(15, 'audio/mpeg', [
          new Api.DocumentAttributeAudio({ duration: 200, title: 'Song', performer: 'Band' }),
          new Api.DocumentAttributeFilename({ fileName: 'song.mp3' }),
        ]),
      ),
      { type: 'audio', durationS: 200, fileName: 'song.mp3' },
    ],
    [
      'sticker',
      documentMedia(
        document(16, 'image/webp', [
          new Api.DocumentAttributeImageSize({ w: 512, h: 512 }),
          new Api.DocumentAttributeSticker({ alt: '😀', stickerset: new Api.InputStickerSetEmpty() }),
          new Api.DocumentAttributeFilename({ fileName: 'sticker.webp' }),
        ]),
      ),
      { type: 'sticker', mime: 'image/webp', width: 512, height: 512, fileName: 'sticker.webp' },
    ],
    [
      'document',
      documentMedia(
        document(17, 'application/pdf', [new Api.DocumentAttributeFilename({ fileName: 'list.pdf' })], '4294967296'),
      ),
      { type: 'document', mime: 'application/pdf', fileName: 'list.pdf', size: 4_294_967_296 },
    ],
    [
      'video by mime only',
      documentMedia(document(18, 'video/quicktime', [])),
      { type: 'video', mime: 'video/quicktime' },
    ],
    [
      'image sent as a file',
      documentMedia(
        document(19, 'image/jpeg', [
          new Api.DocumentAttributeImageSize({ w: 4000, h: 3000 }),
          new Api.DocumentAttributeFilename({ fileName: 'IMG_0001.JPG' }),
        ]),
      ),
      { type: 'document', mime: 'image/jpeg', width: 4000, height: 3000, fileName: 'IMG_0001.JPG' },
    ],
  ];
  for (const [name, media, expected] of cases) {
    it(`types ${name}`, () => {
      const ref = onlyMedia(message(1, { media }));
      const id = (media.document as Api.Document).id.toString();
      assert.equal(ref.id, `document:${id}`);
      for (const [key, value] of Object.entries(expected)) assert.deepEqual(ref[key as keyof MediaRef], value, key);
      if (!('size' in expected)) assert.equal(ref.size, 1_000_000);
    });
  }

  it('records a photo that is gone as missing, not as an issue', () => {
    const ref = onlyMedia(
      message(1, { media: new Api.MessageMediaPhoto({ photo: new Api.PhotoEmpty({ id: big(5) }) }) }),
    );
    assert.equal(ref.id, 'photo:5');
    assert.match(ref.missing ?? '', /no longer available/);
  });

  it('carries no media for locations, polls and link previews', () => {
    const geo = new Api.MessageMediaGeo({ geo: new Api.GeoPoint({ long: 106.8, lat: -6.2, accessHash: big(1) }) });
    assert.deepEqual(map(message(1, { media: geo })).media, []);
  });
});

describe('mapMessage: service messages', () => {
  function service(id: number, action: Api.TypeMessageAction, args: Record<string, unknown> = {}) {
    return new Api.MessageService({ id, peerId: channelPeer(), date: T0, action, ...args });
  }

  it('names a pin with the export name and keeps the pinned id as reply', () => {
    const m = map(
      service(50, new Api.MessageActionPinMessage(), { replyTo: new Api.MessageReplyHeader({ replyToMsgId: 42 }) }),
    );
    assert.deepEqual(m.service, { action: 'pin_message', actor: 'Fictional News', details: {} });
    assert.equal(m.replyTo, '42');
    assert.equal(m.text, '');
  });

  it('lists added members and new titles in details', () => {
    const added = map(
      service(51, new Api.MessageActionChatAddUser({ users: [big(5550001), big(5550002)] }), {
        fromId: new Api.PeerUser({ userId: big(5550001) }),
      }),
    );
    assert.deepEqual(added.service, {
      action: 'invite_members',
      actor: 'Ayu Lestari',
      details: { members: ['5550001', '5550002'] },
    });
    const title = map(service(52, new Api.MessageActionChatEditTitle({ title: 'Renamed' })));
    assert.deepEqual(title.service?.details, { title: 'Renamed' });
    assert.equal(title.service?.action, 'edit_group_title');
  });

  it('names other actions after their class', () => {
    const m = map(service(53, new Api.MessageActionChannelCreate({ title: 'Fictional News' })));
    assert.equal(m.service?.action, 'create_channel');
    const other = map(service(54, new Api.MessageActionContactSignUp()));
    assert.equal(other.service?.action, 'contact_sign_up');
  });
});

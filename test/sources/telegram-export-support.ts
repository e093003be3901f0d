/**
 * Helpers for the Telegram export tests: temp folders, collecting a source, and
 * exports the tests write themselves (fictional people, +44 7700 900xxx numbers),
 * shaped after real Telegram Desktop exports.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { NormalizedMessage, Source, SourceIssue } from '../../src/sources/types.js';

export function tempDir(prefix: string): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export interface Collected {
  messages: NormalizedMessage[];
  issues: SourceIssue[];
  error: unknown;
}

/** Reads a whole source; an error thrown by the iteration is returned, not thrown. */
export async function collect(source: Source): Promise<Collected> {
  const messages: NormalizedMessage[] = [];
  const issues: SourceIssue[] = [];
  let error: unknown = null;
  try {
    for await (const m of source.messages((i) => issues.push(i))) messages.push(m);
  } catch (e) {
    error = e;
  }
  return { messages, issues, error };
}

export function writeFiles(root: string, files: Record<string, string | Buffer>): void {
  for (const [rel, content] of Object.entries(files)) {
    const path = join(root, rel);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, content);
  }
}

/** Telegram Desktop writes JSON with a one-space indent. */
export function exportJson(value: unknown): string {
  return JSON.stringify(value, null, 1);
}

const NOT_INCLUDED = '(File not included. Change data exporting settings to download.)';
const TOO_LARGE = '(File exceeds maximum size. Change data exporting settings to download.)';

/**
 * A migrated supergroup export exercising every field variant: negative ids (messages of
 * the basic group before migration), old numeric and new "user…" from_id, dates with and
 * without date_unixtime, edits, text arrays and text_entities, service messages, forwards,
 * replies, every media type, placeholders, a vCard, a file missing on disk, a path that
 * escapes the folder and an unsupported message.
 */
export function singleChatExport(): { json: unknown; files: Record<string, string | Buffer> } {
  const m = (id: number, extra: Record<string, unknown>) => ({ id, type: 'message', ...extra });
  const messages = [
    {
      id: -999999998,
      type: 'service',
      date: '2021-03-01T09:00:00',
      actor: 'Ayu Lestari',
      actor_id: 4400001,
      action: 'create_group',
      title: 'Kenanga Residents',
      members: ['Ayu Lestari', 'Budi Santoso'],
      text: '',
    },
    m(-999999997, { date: '2021-03-01T09:01:00', from: 'Budi Santoso', from_id: 4400002, text: 'Hi all' }),
    {
      id: 1,
      type: 'service',
      date: '2021-03-02T10:00:00',
      actor: 'Ayu Lestari',
      actor_id: 'user4400001',
      action: 'migrate_from_group',
      title: 'Kenanga Residents',
      text: '',
    },
    m(2, {
      date: '2022-07-01T12:00:00',
      date_unixtime: '1656669600',
      edited: '2022-07-01T12:05:00',
      edited_unixtime: '1656669900',
      from: 'Ayu Lestari',
      from_id: 'user4400001',
      text: [
        'Call me on ',
        { type: 'phone', text: '+44 7700 900123' },
        ' or see ',
        { type: 'text_link', text: 'this', href: 'https://example.org/x' },
      ],
      text_entities: [
        { type: 'plain', text: 'Call me on ' },
        { type: 'phone', text: '+44 7700 900123' },
        { type: 'plain', text: ' or see ' },
        { type: 'text_link', text: 'this', href: 'https://example.org/x' },
      ],
    }),
    m(3, {
      date: '2022-07-01T12:01:00',
      date_unixtime: '1656669660',
      from: null,
      from_id: 'user4400009',
      forwarded_from: null,
      reply_to_message_id: 2,
      photo: 'photos/photo_1@01-07-2022_12-01-00.jpg',
      photo_file_size: 4,
      width: 1280,
      height: 960,
      text: 'caption',
      text_entities: [{ type: 'plain', text: 'caption' }],
    }),
    m(4, {
      date: '2022-07-01T12:02:00',
      date_unixtime: '1656669720',
      from: 'Budi Santoso',
      from_id: 'user4400002',
      forwarded_from: 'Citra Dewi',
      file: 'video_files/video_1@01-07-2022_12-02-00.mp4',
      file_name: 'beach.mp4',
      file_size: 4,
      thumbnail: 'video_files/video_1@01-07-2022_12-02-00.mp4_thumb.jpg',
      thumbnail_file_size: 4,
      media_type: 'video_file',
      mime_type: 'video/mp4',
      duration_seconds: 31,
      width: 720,
      height: 1280,
      text: '',
      text_entities: [],
    }),
    media(5, 'animations/gif_1.mp4', 'animation', 'video/mp4'),
    media(6, 'voice_messages/audio_1@01-07-2022.ogg', 'voice_message', 'audio/ogg'),
    media(7, 'round_video_messages/file_1.mp4', 'video_message', 'video/mp4'),
    media(8, 'files/song.mp3', 'audio_file', 'audio/mpeg'),
    media(9, 'stickers/sticker.webp', 'sticker', 'image/webp'),
    media(10, 'files/report.pdf', undefined, 'application/pdf'),
    media(11, NOT_INCLUDED, 'video_file', 'video/mp4'),
    m(12, {
      date: '2022-07-01T12:12:00',
      date_unixtime: '1656670320',
      from: 'Ayu Lestari',
      from_id: 'user4400001',
      photo: TOO_LARGE,
      text: '',
    }),
    m(13, {
      date: '2022-07-01T12:13:00',
      date_unixtime: '1656670380',
      from: 'Ayu Lestari',
      from_id: 'user4400001',
      contact_information: { first_name: 'Eko', last_name: 'Prasetyo', phone_number: '+44 7700 900456' },
      contact_vcard: 'contacts/contact_1.vcf',
      text: '',
    }),
    media(14, 'files/deleted-by-user.txt', undefined, 'text/plain'),
    media(15, '../../../etc/passwd', undefined, 'text/plain'),
    { id: 16, type: 'unsupported' },
    {
      id: 17,
      type: 'service',
      date: '2022-07-01T12:17:00',
      date_unixtime: '1656670620',
      actor: 'Budi Santoso',
      actor_id: 'user4400002',
      action: 'pin_message',
      message_id: 3,
      text: '',
      text_entities: [],
    },
    {
      id: 18,
      type: 'service',
      date: '2022-07-01T12:18:00',
      date_unixtime: '1656670680',
      actor: 'Ayu Lestari',
      actor_id: 'user4400001',
      action: 'invite_members',
      members: ['Dewi Anggraini', null],
      text: '',
      text_entities: [],
    },
  ];
  const files: Record<string, string> = {};
  for (const rel of [
    'photos/photo_1@01-07-2022_12-01-00.jpg',
    'video_files/video_1@01-07-2022_12-02-00.mp4',
    'video_files/video_1@01-07-2022_12-02-00.mp4_thumb.jpg',
    'animations/gif_1.mp4',
    'voice_messages/audio_1@01-07-2022.ogg',
    'round_video_messages/file_1.mp4',
    'files/song.mp3',
    'stickers/sticker.webp',
    'files/report.pdf',
    'contacts/contact_1.vcf',
  ]) {
    files[rel] = 'data';
  }
  const json = { name: 'Kenanga Residents', type: 'private_supergroup', id: 1500000001, messages };
  return { json, files };
}

function media(id: number, file: string, mediaType: string | undefined, mime: string) {
  const sec = String(id).padStart(2, '0');
  return {
    id,
    type: 'message',
    date: `2022-07-01T12:${sec}:00`,
    date_unixtime: String(1656669600 + id * 60),
    from: 'Budi Santoso',
    from_id: 'user4400002',
    file,
    file_name: file.split('/').pop(),
    file_size: 4,
    ...(mediaType ? { media_type: mediaType } : {}),
    mime_type: mime,
    duration_seconds: 3,
    text: '',
    text_entities: [],
  };
}

/** "Export Telegram data": personal data and lists around chats.list and left_chats.list. */
export function fullAccountExport(): unknown {
  const msg = (id: number, unix: number, from: string, fromId: string, text: string) => ({
    id,
    type: 'message',
    date: new Date(unix * 1000).toISOString().slice(0, 19),
    date_unixtime: String(unix),
    from,
    from_id: fromId,
    text,
    text_entities: [{ type: 'plain', text }],
  });
  return {
    about: 'Here is the data you requested.',
    personal_information: {
      user_id: 4400001,
      first_name: 'Ayu',
      last_name: 'Lestari',
      phone_number: '+44 7700 900001',
      bio: '',
    },
    contacts: {
      about: 'Contacts',
      list: [
        { first_name: 'Budi', last_name: 'Santoso', phone_number: '+44 7700 900002', date: '2022-01-01T00:00:00' },
      ],
    },
    frequent_contacts: {
      about: 'Frequent',
      list: [{ id: 4400002, category: 'people', type: 'user', name: 'Budi', rating: 1 }],
    },
    chats: {
      about: 'This page lists all chats from this export.',
      list: [
        {
          type: 'saved_messages',
          id: 4400001,
          messages: [msg(10, 1700000000, 'Ayu Lestari', 'user4400001', 'note to self')],
        },
        {
          name: 'Budi Santoso',
          type: 'personal_chat',
          id: 4400002,
          messages: [
            msg(20, 1700000100, 'Budi Santoso', 'user4400002', 'hello'),
            msg(21, 1700000200, 'Ayu Lestari', 'user4400001', 'hi'),
          ],
        },
      ],
    },
    left_chats: {
      about: 'Chats you left.',
      list: [
        {
          name: 'Old Channel',
          type: 'public_channel',
          id: 1600000001,
          messages: [msg(5, 1690000000, 'Old Channel', 'channel1600000001', 'last post')],
        },
      ],
    },
    other_data: { about: 'Other', changes_log: [] },
    sessions: { about: 'Sessions', list: [{ ip: '192.0.2.1', created: '2023-01-01T00:00:00' }] },
  };
}

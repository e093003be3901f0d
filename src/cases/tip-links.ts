/**
 * The channel or group a tip points at, as one key per chat, so that the same
 * channel reported in different spellings joins one tip cluster:
 *
 *   t.me/Name, telegram.me/name, https://t.me/s/name/123, tg://resolve?domain=name, @name -> tg:@name
 *   t.me/+HASH, t.me/joinchat/HASH, tg://join?invite=HASH                              -> tg:+HASH
 *   t.me/c/1234567890/5, -1001234567890 (Bot API id), tg://privatepost?channel=1234567890 -> tg:#1234567890
 *   chat.whatsapp.com/CODE (also /invite/CODE)                                          -> wa:+CODE
 *   whatsapp.com/channel/ID                                                             -> wa:channel/ID
 *
 * Telegram usernames are case-insensitive (lowercased); invite hashes and
 * WhatsApp codes are case-sensitive (kept). A post number (t.me/name/123) is
 * kept apart as the message id: it does not change the channel.
 *
 * Pure: no I/O. Telegram web links are parsed by src/signals/telegram.ts, the
 * same parser the scan pipeline uses, so the two agree on what a link is.
 */
import { normalizeForPii } from '../signals/normalize.js';
import { findTelegramLinks } from '../signals/telegram.js';

export type TipPlatform = 'telegram' | 'whatsapp';

export interface ChannelRef {
  readonly platform: TipPlatform;
  /** The cluster key: 'tg:@name', 'tg:+HASH', 'tg:#id', 'wa:+CODE' or 'wa:channel/ID'. */
  readonly key: string;
  /** A canonical link for people to read (never fetched by Perisai). */
  readonly link: string;
  /** The post the link pointed at, if any. */
  readonly messageId: number | null;
}

/** Longer input is refused before any parsing. */
export const MAX_LINK_LENGTH = 500;

const USERNAME = /^@([A-Za-z][A-Za-z0-9_]{3,31})$/;
const BOT_API_ID = /^-100(\d{5,15})$/;
const PRIVATE_POST = /^tg:\/\/privatepost\?channel=(\d{5,15})(?:&post=(\d{1,10}))?/i;
const WA_HOST = '(?<![\\w.-])(?:https?://)?(?:www\\.)?';
const WA_GROUP = new RegExp(`${WA_HOST}chat\\.whatsapp\\.com/(?:invite/)?([A-Za-z0-9]{16,32})(?![A-Za-z0-9])`, 'giu');
const WA_CHANNEL = new RegExp(`${WA_HOST}whatsapp\\.com/channel/([A-Za-z0-9]{16,32})(?![A-Za-z0-9])`, 'giu');

/**
 * The chat one user-typed link, id or @name refers to; null when it is not a
 * Telegram or WhatsApp channel or group link.
 */
export function normaliseChannelLink(input: string): ChannelRef | null {
  if (input.length > MAX_LINK_LENGTH) return null;
  const text = normalizeForPii(input).text.trim();
  const mention = USERNAME.exec(text);
  if (mention) return telegramUsername(mention[1]!, null);
  const botId = BOT_API_ID.exec(text);
  if (botId) return telegramPrivate(botId[1]!, null);
  const privatePost = PRIVATE_POST.exec(text);
  if (privatePost) return telegramPrivate(privatePost[1]!, privatePost[2] ?? null);
  return findChannelLinks(text)[0] ?? null;
}

/** Every channel or group link in a text (e.g. a tip's description), in order, each chat once. */
export function findChannelLinks(text: string): ChannelRef[] {
  const clean = normalizeForPii(text).text;
  const found: { at: number; ref: ChannelRef }[] = [];
  for (const m of clean.matchAll(WA_GROUP)) found.push({ at: m.index, ref: whatsappGroup(m[1]!) });
  for (const m of clean.matchAll(WA_CHANNEL)) found.push({ at: m.index, ref: whatsappChannel(m[1]!) });
  const telegram = findTelegramLinks(clean)
    .map(fromTelegramLink)
    .filter((r): r is ChannelRef => r !== null);
  // findTelegramLinks gives links in order of appearance but not their offsets.
  for (const ref of telegram) found.push({ at: telegramOffset(clean, ref), ref });
  const seen = new Set<string>();
  return found
    .sort((a, b) => a.at - b.at)
    .map((f) => f.ref)
    .filter((r) => !seen.has(r.key) && seen.add(r.key));
}

/** Reads the normalised form src/signals/telegram.ts produces. */
function fromTelegramLink(link: string): ChannelRef | null {
  const path = link.slice('https://t.me/'.length);
  if (path.startsWith('+')) return { platform: 'telegram', key: `tg:${path}`, link, messageId: null };
  const parts = path.split('/');
  if (parts[0] === 'c') return telegramPrivate(parts[1]!, parts[2] ?? null);
  return telegramUsername(parts[0]!, parts[1] ?? null);
}

function telegramUsername(name: string, post: string | null): ChannelRef {
  const lower = name.toLowerCase();
  return { platform: 'telegram', key: `tg:@${lower}`, link: `https://t.me/${lower}`, messageId: postNumber(post) };
}

function telegramPrivate(id: string, post: string | null): ChannelRef {
  const bare = String(Number(id));
  return { platform: 'telegram', key: `tg:#${bare}`, link: `https://t.me/c/${bare}`, messageId: postNumber(post) };
}

function whatsappGroup(code: string): ChannelRef {
  return { platform: 'whatsapp', key: `wa:+${code}`, link: `https://chat.whatsapp.com/${code}`, messageId: null };
}

function whatsappChannel(id: string): ChannelRef {
  return { platform: 'whatsapp', key: `wa:channel/${id}`, link: `https://whatsapp.com/channel/${id}`, messageId: null };
}

function postNumber(post: string | null): number | null {
  if (post === null) return null;
  const n = Number(post);
  return Number.isSafeInteger(n) && n > 0 ? n : null;
}

/** Where a Telegram chat is first mentioned, for ordering it among WhatsApp links. */
function telegramOffset(text: string, ref: ChannelRef): number {
  // The key minus its 'tg:@' / 'tg:+' / 'tg:#' prefix is how the chat is spelled in the text.
  const at = text.toLowerCase().indexOf(ref.key.slice(4).toLowerCase());
  return at < 0 ? Number.MAX_SAFE_INTEGER : at;
}

/**
 * Telegram links: public channels and groups, posts, invite links and tg://
 * deep links, in one normalized form so that a backup channel announced in
 * several spellings is one value:
 *   t.me/Name, telegram.me/name, t.me/s/name, tg://resolve?domain=name -> https://t.me/name
 *   t.me/name/123, tg://resolve?domain=name&post=123                   -> https://t.me/name/123
 *   t.me/+HASH, t.me/joinchat/HASH, tg://join?invite=HASH             -> https://t.me/+HASH
 *   t.me/c/123/456 (private-chat message)                             -> https://t.me/c/123/456
 * Usernames are case-insensitive and lowercased; invite hashes are case-sensitive and kept.
 */

const HOST = '(?<![\\w.-])(?:https?://)?(?:www\\.)?(?:t\\.me|telegram\\.me|telegram\\.dog)/';
const WEB_LINK = new RegExp(`${HOST}(?:s/)?(\\+|joinchat/|c/)?([A-Za-z0-9_-]+)(?:/(\\d+))?`, 'giu');
const RESOLVE = /tg:\/\/resolve\?domain=([A-Za-z0-9_]+)(?:&post=(\d+))?/giu;
const JOIN = /tg:\/\/join\?invite=([A-Za-z0-9_-]+)/giu;

/** t.me paths that are features, not chats. */
const RESERVED = new Set([
  'share',
  'addstickers',
  'addemoji',
  'addtheme',
  'addlist',
  'proxy',
  'socks',
  'setlanguage',
  'iv',
  'login',
  'bg',
  'confirmphone',
  'invoice',
  'boost',
  'contact',
  'joinchat',
]);

const USERNAME = /^[a-z][a-z0-9_]{3,31}$/i;
const INVITE_HASH = /^[A-Za-z0-9_-]{8,64}$/;

function chatLink(username: string, post?: string): string | undefined {
  if (!USERNAME.test(username) || username.endsWith('_') || RESERVED.has(username.toLowerCase())) return undefined;
  return `https://t.me/${username.toLowerCase()}${post ? `/${post}` : ''}`;
}

function inviteLink(hash: string): string | undefined {
  return INVITE_HASH.test(hash) ? `https://t.me/+${hash}` : undefined;
}

function webLink(kind: string | undefined, path: string, post: string | undefined): string | undefined {
  if (kind === '+' || kind?.toLowerCase() === 'joinchat/') return inviteLink(path);
  if (kind?.toLowerCase() === 'c/')
    return /^\d+$/.test(path) ? `https://t.me/c/${path}${post ? `/${post}` : ''}` : undefined;
  return chatLink(path, post);
}

/** Telegram links in a (PII-normalized) text, normalized and de-duplicated, in order of appearance. */
export function findTelegramLinks(text: string): string[] {
  const found: { at: number; link: string }[] = [];
  const keep = (at: number, link: string | undefined) => link && found.push({ at, link });
  for (const m of text.matchAll(WEB_LINK)) keep(m.index, webLink(m[1], m[2] ?? '', m[3]));
  for (const m of text.matchAll(RESOLVE)) keep(m.index, chatLink(m[1] ?? '', m[2]));
  for (const m of text.matchAll(JOIN)) keep(m.index, inviteLink(m[1] ?? ''));
  return [...new Set(found.sort((a, b) => a.at - b.at).map((f) => f.link))];
}

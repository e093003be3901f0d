/**
 * One name per channel and per account, whichever source saw it.
 *
 * The same Telegram channel is "1234567890" in a Desktop export, "-1001234567890"
 * to the Bot API and MTProto, and "tg:#1234567890" as a tip's cluster key
 * (src/cases/tip-links.ts). Lineage and the link graph need them to meet, so a
 * channel's key follows the tip keys: `tg:#<bare id>` for channels and
 * supergroups, `tg:-<id>` for basic groups; other sources keep `<source>:<chat id>`.
 * Accounts: `tg:<marked id>` (users bare, channels -100…), else `<source>:<id>`.
 *
 * Pure: no I/O.
 */
import { foldForIntent } from '../../signals/normalize.js';

const TELEGRAM_SOURCES = new Set(['telegram-export-json', 'telegram-export-html', 'telegram-bot', 'telegram-mtproto']);

export function isTelegramSource(source: string): boolean {
  return TELEGRAM_SOURCES.has(source);
}

/** The key of a chat as the pipeline stored it. */
export function channelKey(source: string, chatId: string): string {
  if (!isTelegramSource(source)) return `${source}:${chatId}`;
  const marked = /^-100(\d+)$/.exec(chatId);
  if (marked) return `tg:#${marked[1]}`;
  if (/^\d+$/.test(chatId)) return `tg:#${chatId}`;
  if (/^-\d+$/.test(chatId)) return `tg:${chatId}`;
  return `tg:${chatId}`;
}

/** Where the pipeline may hold a keyed chat: any Telegram source under these chat ids, or one source and id. */
export type ChatLocation = { telegram: true; chatIds: string[] } | { telegram: false; source: string; chatId: string };

export function chatLocation(key: string): ChatLocation | null {
  const bare = /^tg:#(\d+)$/.exec(key);
  if (bare) return { telegram: true, chatIds: [bare[1]!, `-100${bare[1]}`] };
  const group = /^tg:(-\d+)$/.exec(key);
  if (group) return { telegram: true, chatIds: [group[1]!] };
  if (key.startsWith('tg:')) return null; // @usernames and invite hashes: no chat id known
  const colon = key.indexOf(':');
  if (colon <= 0) return null;
  return { telegram: false, source: key.slice(0, colon), chatId: key.slice(colon + 1) };
}

/**
 * What a case's 'channel' link may have been written as: the chat id as
 * stored, the other Telegram spellings of it, and the channel key.
 */
export function channelAliases(source: string, chatId: string): string[] {
  const key = channelKey(source, chatId);
  const out = new Set([chatId, key]);
  const bare = /^tg:#(\d+)$/.exec(key);
  if (bare) {
    out.add(bare[1]!);
    out.add(`-100${bare[1]}`);
  }
  return [...out];
}

/**
 * Telegram's peer ids in one form: Desktop exports write "user123",
 * "channel123", "chat123" (bare numbers before 2021); the Bot API and MTProto
 * use marked ids (users bare, basic groups -id, channels -100id).
 */
export function canonicalPeerId(id: string): string | null {
  const typed = /^(user|channel|chat)(\d+)$/.exec(id);
  if (typed) return typed[1] === 'user' ? typed[2]! : typed[1] === 'channel' ? `-100${typed[2]}` : `-${typed[2]}`;
  return /^-?\d+$/.test(id) ? id : null;
}

/** The key of a message author; null when the source gave no id. */
export function accountKey(source: string, authorId: string | null): string | null {
  if (authorId === null || authorId === '') return null;
  if (!isTelegramSource(source)) return `${source}:${authorId}`;
  const peer = canonicalPeerId(authorId);
  return peer === null ? `tg:${authorId}` : `tg:${peer}`;
}

/** Whether an account key is the channel itself posting (channel posts carry the channel as author). */
export function isChannelItself(account: string, source: string, chatId: string): boolean {
  const key = channelKey(source, chatId);
  const bare = /^tg:#(\d+)$/.exec(key);
  return account === `tg:${chatId}` || (bare !== null && account === `tg:-100${bare[1]}`);
}

/** A display name folded against look-alikes, spacing and case: "ＡＬＢ Kings" and "alb kings" agree. */
export function nameKey(name: string): string | null {
  const folded = foldForIntent(name)
    .text.replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim();
  return folded.length > 0 ? `name:${folded}` : null;
}

/**
 * The channel key of a reference an analyst or a takedown wrote: a key already
 * ("tg:#123", "wa:+CODE"), a marked or bare Telegram id, an @username or a
 * t.me link. Null when it names no chat in a way we can read.
 */
export function channelKeyOfReference(text: string): string | null {
  const t = text.trim();
  if (/^(tg|wa):\S+$/.test(t)) return t;
  if (/^-?\d+$/.test(t)) return channelKey('telegram-bot', t);
  const handle = /^@([A-Za-z][A-Za-z0-9_]{3,31})$/.exec(t);
  if (handle) return `tg:@${handle[1]!.toLowerCase()}`;
  const link =
    /^(?:https?:\/\/)?(?:t|telegram)\.me\/(?:s\/)?(c\/(\d+)|\+[\w-]+|joinchat\/([\w-]+)|[A-Za-z][A-Za-z0-9_]{3,31})/i.exec(
      t,
    );
  if (!link) return null;
  if (link[2]) return `tg:#${link[2]}`;
  if (link[3]) return `tg:+${link[3]}`;
  return link[1]!.startsWith('+') ? `tg:${link[1]}` : `tg:@${link[1]!.toLowerCase()}`;
}

/** How an account key may appear in messages.author_id. */
export function authorIdsOf(account: string): { telegram: boolean; source?: string; ids: string[] } | null {
  const tg = /^tg:(-?\d+)$/.exec(account);
  if (tg) {
    const id = tg[1]!;
    const channel = /^-100(\d+)$/.exec(id);
    const group = /^-(\d+)$/.exec(id);
    const typed = channel ? `channel${channel[1]}` : group ? `chat${group[1]}` : `user${id}`;
    return { telegram: true, ids: [id, typed] };
  }
  if (account.startsWith('tg:') || account.startsWith('name:')) return null;
  const colon = account.indexOf(':');
  if (colon <= 0) return null;
  return { telegram: false, source: account.slice(0, colon), ids: [account.slice(colon + 1)] };
}

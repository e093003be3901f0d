/**
 * Forward sources and admin actions, read from the source's own record
 * (messages.raw): ingest keeps the record, not the normalised message, so each
 * source's fields are read here the way its parser reads them.
 *
 * - Telegram Desktop JSON: `forwarded_from` (a name), `forwarded_from_id`
 *   ("channel123", newer exports); service `action` with `actor_id`.
 * - Telegram Desktop HTML: the "forwarded body" block's `from_name`.
 * - Bot API: `forward_origin` (2024+), else `forward_from_chat`, `forward_from`,
 *   `forward_sender_name`; service fields such as `pinned_message`.
 * - MTProto: `fwdFrom.fromId` (a peer) and `fwdFrom.fromName`; MessageService actions.
 *
 * Pure: no I/O.
 */
import type { KeyedEntry } from '../../core/lineage/score.js';
import { canonicalPeerId, nameKey } from './keys.js';

/** The parts of a raw record that can name a forward's origin. */
export interface ForwardFields {
  forwardedFrom?: unknown;
  forwardedFromId?: unknown;
  forwardOrigin?: unknown;
  forwardFromChat?: unknown;
  forwardFrom?: unknown;
  forwardSenderName?: unknown;
  fwdFrom?: unknown;
  html?: unknown;
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const text = (v: unknown): string | null => (typeof v === 'string' && v.trim() !== '' ? v.trim() : null);
const idText = (v: unknown): string | null =>
  typeof v === 'number' && Number.isFinite(v) ? String(v) : typeof v === 'string' && v !== '' ? v : null;

/** An entry from an id (already marked or typed), a username and a name; null when none is known. */
function entry(id: string | null, username: string | null, name: string | null): KeyedEntry | null {
  const keys: string[] = [];
  const peer = id === null ? null : canonicalPeerId(id);
  if (peer !== null) keys.push(`tg:${peer}`);
  if (username !== null) keys.push(`at:${username.toLowerCase().replace(/^@/, '')}`);
  const folded = name === null ? null : nameKey(name);
  if (folded !== null) keys.push(folded);
  if (keys.length === 0) return null;
  return { keys, label: name ?? (username !== null ? `@${username.replace(/^@/, '')}` : (peer ?? id ?? '')) };
}

/** A Bot API User or Chat object. */
function botEntity(v: unknown): KeyedEntry | null {
  if (!isObj(v)) return null;
  const person = [text(v.first_name), text(v.last_name)].filter((s) => s !== null).join(' ');
  return entry(idText(v.id), text(v.username), text(v.title) ?? (person !== '' ? person : null));
}

function botOrigin(origin: Obj): KeyedEntry | null {
  switch (origin.type) {
    case 'hidden_user':
      return entry(null, null, text(origin.sender_user_name));
    case 'user':
      return botEntity(origin.sender_user);
    case 'chat':
      return botEntity(origin.sender_chat);
    case 'channel':
      return botEntity(origin.chat);
    default:
      return null;
  }
}

const MTPROTO_PEERS: Record<string, [field: string, prefix: string]> = {
  PeerUser: ['userId', ''],
  PeerChat: ['chatId', '-'],
  PeerChannel: ['channelId', '-100'],
};

function mtprotoForward(header: Obj): KeyedEntry | null {
  let id: string | null = null;
  const peer = header.fromId;
  if (isObj(peer) && typeof peer.className === 'string' && MTPROTO_PEERS[peer.className]) {
    const [field, prefix] = MTPROTO_PEERS[peer.className]!;
    const bare = idText(peer[field]);
    if (bare !== null && /^\d+$/.test(bare)) id = `${prefix}${bare}`;
  }
  return entry(id, null, text(header.fromName) ?? text(header.savedFromName));
}

const HTML_FORWARD = /class="forwarded body"[\s\S]*?class="from_name"[^>]*>([\s\S]*?)<(?:span|\/div)/;

function htmlForward(html: string): KeyedEntry | null {
  const m = HTML_FORWARD.exec(html);
  if (!m) return null;
  return entry(null, null, decodeEntities(m[1]!.replace(/<[^>]*>/g, '')).trim() || null);
}

function decodeEntities(s: string): string {
  return s
    .replace(/&#(\d+);/g, (_, d: string) => String.fromCodePoint(Number(d) % 0x110000))
    .replace(/&quot;/g, '"')
    .replace(/&#39;|&apos;/g, "'")
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
}

/** Who a forwarded message came from, or null when it is not a forward (or names no one). */
export function forwardEntry(f: ForwardFields): KeyedEntry | null {
  if (isObj(f.forwardOrigin)) return botOrigin(f.forwardOrigin);
  if (isObj(f.forwardFromChat)) return botEntity(f.forwardFromChat);
  if (isObj(f.forwardFrom)) return botEntity(f.forwardFrom);
  if (text(f.forwardSenderName)) return entry(null, null, text(f.forwardSenderName));
  if (isObj(f.fwdFrom)) return mtprotoForward(f.fwdFrom);
  if (f.forwardedFrom !== undefined || f.forwardedFromId !== undefined) {
    return entry(idText(f.forwardedFromId), null, text(f.forwardedFrom));
  }
  if (typeof f.html === 'string') return htmlForward(f.html);
  return null;
}

/** Desktop export service actions that only admins can take (a member may invite, but not rename or kick). */
export const EXPORT_ADMIN_ACTIONS = [
  'pin_message',
  'edit_group_title',
  'edit_group_photo',
  'delete_group_photo',
  'create_channel',
  'create_group',
  'migrate_to_supergroup',
  'remove_members',
  'edit_chat_theme',
  'set_messages_ttl',
] as const;

/** Bot API message fields of the same actions. */
export const BOT_ADMIN_FIELDS = [
  'pinned_message',
  'new_chat_title',
  'new_chat_photo',
  'delete_chat_photo',
  'group_chat_created',
  'supergroup_chat_created',
  'channel_chat_created',
] as const;

const MTPROTO_ADMIN_ACTIONS = new Set([
  'MessageActionPinMessage',
  'MessageActionChatEditTitle',
  'MessageActionChatEditPhoto',
  'MessageActionChatDeletePhoto',
  'MessageActionChannelCreate',
  'MessageActionChatCreate',
  'MessageActionSetMessagesTTL',
]);

export interface AuthorFields {
  chatType: string;
  chatName: string | null;
  authorId: string | null;
  authorName: string | null;
  /** raw.action: a string in Desktop exports, an object in MTProto records. */
  action?: unknown;
  /** The record has one of BOT_ADMIN_FIELDS. */
  botAdminField?: boolean;
}

/**
 * The author acts as an admin here: they took an admin-only action, or they
 * posted in a channel (only admins can). Null otherwise.
 */
export function adminEntry(f: AuthorFields): KeyedEntry | null {
  const adminAction =
    f.botAdminField === true ||
    (typeof f.action === 'string' && (EXPORT_ADMIN_ACTIONS as readonly string[]).includes(f.action)) ||
    (isObj(f.action) && typeof f.action.className === 'string' && MTPROTO_ADMIN_ACTIONS.has(f.action.className));
  if (!adminAction && f.chatType !== 'channel') return null;
  // A channel's posts carry the channel itself as the author: only a signature (a different name) is a person.
  const name = f.authorName !== null && f.authorName !== f.chatName ? f.authorName : null;
  return entry(f.authorId, null, name);
}

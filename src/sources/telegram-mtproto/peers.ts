/**
 * Peers, chats and users → the ids and names of normalized messages.
 *
 * Chat ids follow the Bot API's "marked" form, so the same channel has the same
 * id whichever live source read it: channels and supergroups −(10¹² + id)
 * ("-1001234567890"), basic groups −id, users the bare id. (Telegram Desktop
 * exports write the bare id; see docs/sources.md.)
 */
import type { Api } from 'telegram';
import type { AuthorRef, ChatRef, ChatType } from '../types.js';
import type { MtprotoEntities } from './gateway.js';
import { classNameOf, idString, isObject, nonEmpty } from './values.js';

const CHANNEL_OFFSET = 1_000_000_000_000n;

export type PeerKind = 'user' | 'chat' | 'channel';

export interface PeerId {
  kind: PeerKind;
  /** Telegram's bare id. */
  id: string;
}

/** A Peer (PeerUser/PeerChat/PeerChannel) → kind and bare id; null when unreadable. */
export function peerOf(peer: unknown): PeerId | null {
  if (!isObject(peer)) return null;
  switch (classNameOf(peer)) {
    case 'PeerUser':
      return withId('user', peer.userId);
    case 'PeerChat':
      return withId('chat', peer.chatId);
    case 'PeerChannel':
      return withId('channel', peer.channelId);
    default:
      return null;
  }
}

function withId(kind: PeerKind, value: unknown): PeerId | null {
  const id = idString(value);
  return id !== null && !id.startsWith('-') ? { kind, id } : null;
}

/** The marked id: "-100…" for channels, "-…" for basic groups, the bare id for users. */
export function markedId(peer: PeerId): string {
  if (peer.kind === 'user') return peer.id;
  if (peer.kind === 'chat') return `-${peer.id}`;
  return (-(CHANNEL_OFFSET + BigInt(peer.id))).toString();
}

/** Kind and bare id of a User, Chat or Channel object (their "forbidden" and "empty" forms included). */
export function entityPeer(entity: unknown): PeerId | null {
  const name = classNameOf(entity);
  if (!name || !isObject(entity)) return null;
  if (name === 'User' || name === 'UserEmpty') return withId('user', entity.id);
  if (name === 'Chat' || name === 'ChatForbidden' || name === 'ChatEmpty') return withId('chat', entity.id);
  if (name === 'Channel' || name === 'ChannelForbidden') return withId('channel', entity.id);
  return null;
}

/** The entity for `peer` among `entities`, if it came along. */
export function findEntity(peer: PeerId, entities: MtprotoEntities): Api.TypeUser | Api.TypeChat | undefined {
  const list: readonly unknown[] = peer.kind === 'user' ? entities.users : entities.chats;
  if (!Array.isArray(list)) return undefined;
  return list.find((e) => {
    const p = entityPeer(e);
    return p !== null && p.kind === peer.kind && p.id === peer.id;
  }) as Api.TypeUser | Api.TypeChat | undefined;
}

/** A person's or chat's display name: title, or first + last name, or @username. */
export function displayName(entity: unknown): string | null {
  if (!isObject(entity)) return null;
  const title = nonEmpty(entity.title);
  if (title) return title;
  const full = [nonEmpty(entity.firstName), nonEmpty(entity.lastName)].filter((s) => s !== null).join(' ');
  if (full) return full;
  const username = nonEmpty(entity.username);
  return username ? `@${username}` : null;
}

export function chatTypeOf(peer: PeerId, entity: unknown): ChatType {
  if (peer.kind === 'chat') return 'group';
  if (peer.kind === 'user') return isObject(entity) && entity.bot === true ? 'bot' : 'private';
  if (!isObject(entity)) return 'unknown';
  if (entity.megagroup === true || entity.gigagroup === true) return 'supergroup';
  if (entity.broadcast === true) return 'channel';
  return 'unknown';
}

export function chatRef(peer: PeerId, entities: MtprotoEntities): ChatRef {
  const entity = findEntity(peer, entities);
  return { id: markedId(peer), name: displayName(entity), type: chatTypeOf(peer, entity) };
}

export function authorOfPeer(peer: PeerId, entities: MtprotoEntities): AuthorRef {
  return { id: markedId(peer), name: displayName(findEntity(peer, entities)) };
}

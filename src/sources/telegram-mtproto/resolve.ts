/**
 * Public channels are named by username ("@name", "name", "https://t.me/name").
 * contacts.ResolveUsername turns one into the Channel object with the access
 * hash this account needs to read it. Invite links ("t.me/+…", "joinchat")
 * and private links ("t.me/c/…") name private chats, which this source does
 * not read.
 */
import { Api, helpers } from 'telegram';
import { MtprotoError } from './errors.js';
import type { MtprotoGateway } from './gateway.js';
import { markedId, peerOf } from './peers.js';
import { classNameOf, idString, isObject } from './values.js';

export interface WatchedChannel {
  /** As configured. */
  name: string;
  username: string;
  /** Marked id ("-100…"). */
  chatId: string;
  /** Bare channel id. */
  channelId: string;
  entity: Api.Channel;
  inputPeer: Api.InputPeerChannel;
  inputChannel: Api.InputChannel;
}

const USERNAME = /^[A-Za-z][A-Za-z0-9_]{3,31}$/;

/** "@name", "t.me/name", "https://t.me/s/name" → "name"; throws for private links and invalid names. */
export function channelUsername(name: string): string {
  let s = name.trim();
  const link = /^(?:https?:\/\/)?(?:www\.)?(?:t\.me|telegram\.me|telegram\.dog)\/(.*)$/i.exec(s);
  if (link) {
    const path = (link[1] ?? '').split(/[?#]/)[0] ?? '';
    if (path.startsWith('+') || path.startsWith('joinchat/') || path.startsWith('c/')) {
      throw new MtprotoError(`${name}: a private chat link; only public channels (t.me/<username>) can be read`);
    }
    s = path.replace(/^s\//, '').split('/')[0] ?? '';
  }
  s = s.replace(/^@/, '');
  if (!USERNAME.test(s)) throw new MtprotoError(`${name}: not a Telegram username or t.me link`);
  return s;
}

export async function resolveChannel(gateway: MtprotoGateway, name: string): Promise<WatchedChannel> {
  const username = channelUsername(name);
  const resolved: unknown = await gateway.invoke(new Api.contacts.ResolveUsername({ username }));
  if (!isObject(resolved)) throw new MtprotoError(`@${username}: Telegram's answer is not a resolved peer`);
  const peer = peerOf(resolved.peer);
  if (peer?.kind !== 'channel') {
    throw new MtprotoError(`@${username} is not a channel or supergroup (${peer?.kind ?? 'unknown peer'})`);
  }
  const chats: unknown[] = Array.isArray(resolved.chats) ? resolved.chats : [];
  const entity = chats.find((c) => classNameOf(c) === 'Channel' && isObject(c) && idString(c.id) === peer.id);
  const accessHash = isObject(entity) ? idString(entity.accessHash) : null;
  if (!(entity instanceof Api.Channel) || accessHash === null) {
    throw new MtprotoError(`@${username}: Telegram did not send the channel's access hash`);
  }
  const channelId = helpers.returnBigInt(peer.id);
  const hash = helpers.returnBigInt(accessHash);
  return {
    name,
    username,
    chatId: markedId(peer),
    channelId: peer.id,
    entity,
    inputPeer: new Api.InputPeerChannel({ channelId, accessHash: hash }),
    inputChannel: new Api.InputChannel({ channelId, accessHash: hash }),
  };
}

/**
 * Is a reported post still up? For takedowns of public channel posts: each item
 * names a channel (@name or t.me link) and a message id, and the account reads
 * it back. A post that comes back empty, or a channel that no longer resolves or
 * is closed, is gone; anything else Telegram says (flood waits past the limit,
 * network trouble) is "unknown" and changes nothing.
 *
 * The Bot API has no call that reads a message by id, so a bot cannot do this:
 * takedowns of content seen through a bot are re-checked by hand or by MTProto.
 */
import { Api } from 'telegram';
import type { Availability, AvailabilityChecker } from '../../actions/takedowns/availability.js';
import type { Takedown } from '../../actions/takedowns/model.js';
import { refetchChannelMessage } from './download.js';
import type { MtprotoGateway } from './gateway.js';
import { channelUsername, resolveChannel } from './resolve.js';

/** Telegram's answers that mean the channel itself is gone or closed to us. */
const CHANNEL_GONE = /USERNAME_NOT_OCCUPIED|USERNAME_INVALID|CHANNEL_PRIVATE|CHANNEL_INVALID|CHANNEL_BANNED/;

export function mtprotoAvailability(gateway: MtprotoGateway): AvailabilityChecker {
  return {
    async check(takedown: Takedown): Promise<Availability> {
      const posts = takedown.items.flatMap((item) => {
        const located = locate(item.url ?? null, item.chat ?? null, item.message_id ?? null);
        return located ? [located] : [];
      });
      if (posts.length === 0) return 'unknown';
      let anyUp = false;
      for (const post of posts) {
        const state = await checkPost(gateway, post.channel, post.messageId);
        if (state === 'unknown') return 'unknown';
        if (state === 'available') anyUp = true;
      }
      // Removed only when every listed post is gone; one still up keeps the takedown open.
      return anyUp ? 'available' : 'gone';
    },
  };
}

async function checkPost(gateway: MtprotoGateway, channel: string, messageId: number): Promise<Availability> {
  try {
    const watched = await resolveChannel(gateway, channel);
    const message = await refetchChannelMessage(gateway, watched.inputChannel, messageId);
    return message === null || message instanceof Api.MessageEmpty ? 'gone' : 'available';
  } catch (err) {
    return CHANNEL_GONE.test(String((err as { errorMessage?: string }).errorMessage ?? (err as Error).message))
      ? 'gone'
      : 'unknown';
  }
}

/** A public post from "https://t.me/name/123", "t.me/s/name/123", or a chat name plus message id. */
function locate(
  url: string | null,
  chat: string | null,
  messageId: string | null,
): { channel: string; messageId: number } | null {
  const link = url
    ? /^(?:https?:\/\/)?(?:www\.)?t(?:elegram)?\.me\/(?:s\/)?([A-Za-z0-9_]{4,32})\/(\d+)/i.exec(url)
    : null;
  if (link) return { channel: link[1]!, messageId: Number(link[2]) };
  if (!chat || !messageId || !/^\d+$/.test(messageId)) return null;
  try {
    return { channel: channelUsername(chat), messageId: Number(messageId) };
  } catch {
    return null; // a numeric id or a private link: not readable by username
  }
}

/**
 * Live updates for the watched channels. The feed subscribes to the gateway
 * before the backfill starts, so nothing posted during a long backfill is
 * lost: updates wait in a bounded queue until the backfill is done. If the
 * queue overflows (a very busy channel during a very long backfill), the
 * updates are dropped and the channel is marked for a catch-up through the
 * history instead, which returns the same messages.
 */
import type { MtprotoEntities, MtprotoGateway } from './gateway.js';
import { peerOf } from './peers.js';
import type { WatchedChannel } from './resolve.js';
import { classNameOf, count, idString, isObject } from './values.js';

export type LiveItem =
  | {
      kind: 'message';
      channel: WatchedChannel;
      message: unknown;
      entities: MtprotoEntities;
      edit: boolean;
      /** The channel's update counter after this update, and how many steps it took. */
      pts: number | null;
      ptsCount: number | null;
    }
  /** Updates were missed (UpdateChannelTooLong, or the queue overflowed): read the history from the cursor. */
  | { kind: 'gap'; channel: WatchedChannel };

export const DEFAULT_MAX_QUEUED = 10_000;

export class LiveFeed {
  private readonly items: LiveItem[] = [];
  private readonly byChannelId: Map<string, WatchedChannel>;
  private readonly overflowed = new Set<WatchedChannel>();
  private wake: (() => void) | null = null;
  private stop: (() => void) | null;
  private closed = false;

  constructor(
    gateway: MtprotoGateway,
    channels: readonly WatchedChannel[],
    private readonly maxQueued = DEFAULT_MAX_QUEUED,
  ) {
    this.byChannelId = new Map(channels.map((c) => [c.channelId, c]));
    this.stop = gateway.onUpdate((update, entities) => this.accept(update, entities));
  }

  /** Called from the client's update dispatch: never throws. */
  private accept(update: unknown, entities: MtprotoEntities): void {
    try {
      const item = this.itemOf(update, entities);
      if (!item || this.closed) return;
      if (this.items.length >= this.maxQueued || this.overflowed.has(item.channel)) {
        if (!this.overflowed.has(item.channel)) {
          this.overflowed.add(item.channel);
          this.items.push({ kind: 'gap', channel: item.channel });
        }
      } else {
        this.items.push(item);
      }
      this.wake?.();
    } catch {
      // A crafted update must not break the client's dispatch loop; it is simply not read.
    }
  }

  private itemOf(update: unknown, entities: MtprotoEntities): LiveItem | null {
    const name = classNameOf(update);
    if (!isObject(update)) return null;
    if (name === 'UpdateChannelTooLong') {
      const channel = this.byChannelId.get(idString(update.channelId) ?? '');
      return channel ? { kind: 'gap', channel } : null;
    }
    if (name !== 'UpdateNewChannelMessage' && name !== 'UpdateEditChannelMessage') return null;
    const peer = isObject(update.message) ? peerOf(update.message.peerId) : null;
    const channel = peer?.kind === 'channel' ? this.byChannelId.get(peer.id) : undefined;
    if (!channel) return null;
    return {
      kind: 'message',
      channel,
      message: update.message,
      entities: isObject(entities) ? entities : { users: [], chats: [] },
      edit: name === 'UpdateEditChannelMessage',
      pts: count(update.pts),
      ptsCount: count(update.ptsCount),
    };
  }

  /** The oldest queued item. */
  take(): LiveItem | undefined {
    const item = this.items.shift();
    if (item?.kind === 'gap') this.overflowed.delete(item.channel);
    return item;
  }

  /** Resolves when an item is queued, the feed closes, or `until` settles. */
  async waitForItem(until?: Promise<void>): Promise<void> {
    if (this.items.length > 0 || this.closed) return;
    await new Promise<void>((resolve) => {
      this.wake = resolve;
      until?.then(resolve, resolve);
    });
    this.wake = null;
  }

  get isClosed(): boolean {
    return this.closed;
  }

  close(): void {
    this.closed = true;
    this.stop?.();
    this.stop = null;
    this.wake?.();
  }
}

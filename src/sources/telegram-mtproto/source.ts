/**
 * Public Telegram channels read with a user account over MTProto: first each
 * channel's history from its cursor (oldest to newest), then live messages
 * until close(). Every call goes through the retry policy (flood waits,
 * transient errors); media carry a `fetch` that renews expired file
 * references. One channel failing (banned, renamed) is an issue; the others
 * go on. A flood wait past the cap or a connection that stays down ends the
 * iteration with an error, since every channel would hit it too.
 */
import type { MediaRef, NormalizedMessage, Source, SourceIssue } from '../types.js';
import { downloadMedia, refetchChannelMessage } from './download.js';
import { describeError, FloodWaitTooLongError, RetriesExhaustedError } from './errors.js';
import type { MtprotoEntities, MtprotoGateway } from './gateway.js';
import { historyPages } from './history.js';
import { LiveFeed, type LiveItem } from './live.js';
import type { FileLocation } from './map-media.js';
import { type MessageWhere, mapMessage } from './map-message.js';
import { type MtprotoSourceOptions, type ResolvedSourceOptions, resolveSourceOptions } from './options.js';
import { resolveChannel, type WatchedChannel } from './resolve.js';
import { realSleep, resolveRetryPolicy, retryingGateway } from './retry.js';
import { count, isObject } from './values.js';

interface ChannelState {
  /** Highest message id handled (the cursor). */
  lastId: number;
  /** Last id given to onCursor. */
  savedId: number;
  /** The channel's update counter, once known: a jump means missed updates. */
  pts: number | null;
}

type Issue = (issue: SourceIssue) => void;

export class MtprotoSource implements Source {
  readonly kind = 'telegram-mtproto' as const;
  private readonly gateway: MtprotoGateway;
  private readonly options: ResolvedSourceOptions;
  private readonly sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  private readonly abort = new AbortController();
  private readonly states = new Map<string, ChannelState>();
  private readonly byChatId = new Map<string, WatchedChannel>();
  private live: LiveFeed | null = null;
  private running = false;

  constructor(
    gateway: MtprotoGateway,
    private readonly config: MtprotoSourceOptions,
  ) {
    this.options = resolveSourceOptions(config);
    this.sleep = config.sleep ?? realSleep;
    this.gateway = retryingGateway(gateway, resolveRetryPolicy(config.retry), {
      sleep: this.sleep,
      random: config.random ?? Math.random,
      signal: this.abort.signal,
      ...(config.onWait ? { onWait: config.onWait } : {}),
    });
  }

  /** Channels resolved by the current or last run. */
  get channels(): WatchedChannel[] {
    return [...this.byChatId.values()];
  }

  /** Each channel's cursor now: marked chat id → last message id handled. */
  cursor(): Record<string, number> {
    return Object.fromEntries([...this.states].map(([chatId, s]) => [chatId, s.lastId]));
  }

  get closed(): boolean {
    return this.abort.signal.aborted;
  }

  /**
   * Ends the live wait (and any retry wait); the iteration finishes after the message being handled
   * and stores the cursors. Final: a closed source reads nothing more.
   */
  close(): void {
    this.abort.abort();
    this.live?.close();
  }

  async *messages(onIssue: Issue = () => {}): AsyncGenerator<NormalizedMessage> {
    if (this.running) throw new Error('this MTProto source is already being read');
    if (this.closed) return; // close() is final
    this.running = true;
    try {
      const channels = await this.resolveAll(onIssue);
      if (this.options.live && !this.closed)
        this.live = new LiveFeed(this.gateway, channels, this.options.maxQueuedUpdates);
      for (const channel of channels) {
        if (this.closed) break;
        yield* this.catchUp(channel, onIssue);
      }
      if (this.live) yield* this.liveMessages(this.live, channels, onIssue);
    } catch (err) {
      // Retries cut short by close() are the normal way out; anything else is reported to the caller.
      if (!this.closed) throw err;
    } finally {
      this.live?.close();
      this.live = null;
      this.running = false;
      await this.saveCursors();
    }
  }

  private async resolveAll(onIssue: Issue): Promise<WatchedChannel[]> {
    const resolved: WatchedChannel[] = [];
    for (const name of this.config.channels) {
      try {
        const channel = await resolveChannel(this.gateway, name);
        if (this.byChatId.has(channel.chatId)) continue;
        this.byChatId.set(channel.chatId, channel);
        const start = this.config.cursor?.[channel.chatId] ?? this.options.minId;
        const lastId = count(start) ?? 0;
        this.states.set(channel.chatId, { lastId, savedId: lastId, pts: null });
        resolved.push(channel);
      } catch (err) {
        if (isFatal(err)) throw err;
        onIssue({ kind: 'unsupported', message: `channel not read: ${describeError(err)}`, location: name });
      }
    }
    if (resolved.length === 0 && !this.closed)
      throw new Error('none of the configured Telegram channels could be resolved');
    return resolved;
  }

  /** The channel's history from its cursor to now. */
  private async *catchUp(channel: WatchedChannel, onIssue: Issue): AsyncGenerator<NormalizedMessage> {
    const state = this.stateOf(channel);
    const start = { afterId: state.lastId, minDate: this.options.minDate };
    try {
      for await (const page of historyPages(this.gateway, channel, start, this.options.pageSize)) {
        for (const raw of page.messages) {
          const message = this.map(raw, channel, page.entities, onIssue);
          if (message) yield message;
          // Reached only once the consumer asks for the next message: this one is handled.
          const id = isObject(raw) ? count(raw.id) : null;
          if (id !== null && id > state.lastId) state.lastId = id;
          if (this.closed) return;
        }
        state.lastId = Math.max(state.lastId, page.lastId);
        if (page.pts !== null) state.pts = Math.max(state.pts ?? 0, page.pts);
        await this.saveCursor(channel.chatId);
      }
    } catch (err) {
      if (isFatal(err) || this.closed) throw err;
      onIssue({
        kind: 'unsupported',
        message: `history stopped: ${describeError(err)}`,
        location: `@${channel.username}`,
      });
    }
  }

  private async *liveMessages(
    live: LiveFeed,
    channels: readonly WatchedChannel[],
    onIssue: Issue,
  ): AsyncGenerator<NormalizedMessage> {
    const poll = { due: false, timer: undefined as Promise<void> | undefined };
    const arm = () => {
      poll.due = false;
      if (this.options.pollIntervalMs <= 0) return;
      poll.timer = this.sleep(this.options.pollIntervalMs, this.abort.signal).then(() => {
        poll.due = true;
      });
    };
    arm();
    while (!this.closed) {
      if (poll.due) {
        for (const channel of channels) yield* this.catchUp(channel, onIssue);
        arm();
        continue;
      }
      const item = live.take();
      if (item) yield* this.handleLive(item, onIssue);
      else await live.waitForItem(poll.timer);
    }
  }

  private async *handleLive(item: LiveItem, onIssue: Issue): AsyncGenerator<NormalizedMessage> {
    if (item.kind === 'gap') {
      yield* this.catchUp(item.channel, onIssue);
      return;
    }
    const state = this.stateOf(item.channel);
    // pts counts the channel's events; a jump past the next expected value means updates were missed.
    // It only detects gaps: new posts are deduplicated by id, and edits are always passed on
    // (one may concern a post the backfill read before the edit).
    const missed =
      item.pts !== null && item.ptsCount !== null && state.pts !== null && item.pts - item.ptsCount > state.pts;
    if (missed) yield* this.catchUp(item.channel, onIssue);
    if (item.pts !== null) state.pts = Math.max(state.pts ?? 0, item.pts);
    const id = isObject(item.message) ? count(item.message.id) : null;
    if (!item.edit && id !== null && id <= state.lastId) return;
    const message = this.map(item.message, item.channel, item.entities, onIssue);
    if (message) yield message;
    if (!item.edit && id !== null && id > state.lastId) {
      state.lastId = id;
      await this.saveCursor(item.channel.chatId);
    }
  }

  private map(
    raw: unknown,
    channel: WatchedChannel,
    entities: MtprotoEntities,
    onIssue: Issue,
  ): NormalizedMessage | null {
    const result = mapMessage(raw, {
      entities,
      chat: channel.entity,
      attach: (ref, location, where) => this.attachFetch(ref, location, where, onIssue),
    });
    for (const issue of result.issues) onIssue(issue);
    return result.message;
  }

  private attachFetch(ref: MediaRef, location: FileLocation, where: MessageWhere, onIssue: Issue): void {
    const max = this.options.maxDownloadBytes;
    if (location.size !== null && location.size > max) {
      ref.missing = `not downloaded: ${location.size} bytes is over the ${max}-byte limit`;
      onIssue({
        kind: 'limit',
        message: `${ref.type} ${ref.id}: ${ref.missing}`,
        location: `${where.chatId}/${where.messageId}`,
      });
      return;
    }
    const refetch = (at: MessageWhere) => {
      const channel = this.byChatId.get(at.chatId);
      if (!channel) throw new Error(`${at.chatId} is not a watched channel`);
      return refetchChannelMessage(this.gateway, channel.inputChannel, at.messageId);
    };
    ref.fetch = () => downloadMedia({ gateway: this.gateway, maxBytes: max, refetch }, where, location);
  }

  private stateOf(channel: WatchedChannel): ChannelState {
    let state = this.states.get(channel.chatId);
    if (!state) {
      state = { lastId: 0, savedId: 0, pts: null };
      this.states.set(channel.chatId, state);
    }
    return state;
  }

  private async saveCursor(chatId: string): Promise<void> {
    const state = this.states.get(chatId);
    if (!state || state.lastId === state.savedId) return;
    state.savedId = state.lastId;
    await this.config.onCursor?.(chatId, state.lastId);
  }

  private async saveCursors(): Promise<void> {
    for (const chatId of this.states.keys()) await this.saveCursor(chatId);
  }
}

/** Errors that every channel would hit as well: they end the iteration. */
function isFatal(err: unknown): boolean {
  return err instanceof FloodWaitTooLongError || err instanceof RetriesExhaustedError;
}

/**
 * History backfill, oldest to newest, with messages.GetHistory.
 *
 * GetHistory returns messages older than offset_id, newest first. With a
 * negative add_offset of −limit the window moves forward: the page starts at
 * offset_id itself and goes newer. So each request asks for the `limit`
 * messages from (last id seen + 1) onwards, and min_id = last id seen bounds it
 * so nothing older can come back. Each page is yielded in ascending id order;
 * the last id is a resumable cursor: a restart from it misses nothing and
 * repeats nothing. A first run can start at a date instead (offset_date, with
 * messages older than it dropped here too). The backfill ends when a page
 * brings no id above the last one.
 */
import { Api, helpers } from 'telegram';
import { MtprotoError } from './errors.js';
import type { MtprotoEntities, MtprotoGateway } from './gateway.js';
import type { WatchedChannel } from './resolve.js';
import { classNameOf, count, isObject } from './values.js';

/** Telegram's largest page. */
export const MAX_PAGE_SIZE = 100;

export interface HistoryStart {
  /** Only messages with a higher id (the stored cursor, or a configured min id); 0 for the whole history. */
  afterId: number;
  /**
   * Messages older than this are dropped; on a first run (afterId 0) the history is also
   * entered here (offset_date) instead of at the channel's first message.
   */
  minDate: Date | null;
}

export interface HistoryPage {
  /**
   * Message objects in ascending id order, all above the start point; deleted ones (MessageEmpty) left out.
   * Records without a usable id come last, so that the mapper reports them.
   */
  messages: unknown[];
  entities: MtprotoEntities;
  /** Highest id this page reached (deleted messages included): the cursor after this page. */
  lastId: number;
  /** The channel's update counter when the page was read, when Telegram sent it. */
  pts: number | null;
  /** No id above the start point came: this page only carries unreadable records, and the history ends here. */
  last: boolean;
}

export async function* historyPages(
  gateway: MtprotoGateway,
  channel: WatchedChannel,
  start: HistoryStart,
  pageSize = MAX_PAGE_SIZE,
): AsyncGenerator<HistoryPage> {
  const limit = Math.min(Math.max(1, Math.floor(pageSize)), MAX_PAGE_SIZE);
  const minDateS = start.minDate ? Math.floor(start.minDate.getTime() / 1000) : 0;
  let afterId = start.afterId;
  for (;;) {
    const byDate = afterId === 0 && minDateS > 0;
    const response: unknown = await gateway.invoke(
      new Api.messages.GetHistory({
        peer: channel.inputPeer,
        offsetId: byDate ? 0 : afterId + 1,
        offsetDate: byDate ? minDateS : 0,
        addOffset: -limit,
        limit,
        maxId: 0,
        minId: afterId,
        hash: helpers.returnBigInt(0),
      }),
    );
    const page = readPage(response, afterId, minDateS, channel);
    if (!page) return;
    yield page;
    if (page.last) return;
    afterId = page.lastId;
  }
}

/** The page's messages above `afterId`; null when there are none (the end of the history). */
function readPage(response: unknown, afterId: number, minDateS: number, channel: WatchedChannel): HistoryPage | null {
  const name = classNameOf(response);
  if (name === 'messages.MessagesNotModified') return null;
  if (!isObject(response) || !Array.isArray(response.messages)) {
    throw new MtprotoError(
      `messages.GetHistory for @${channel.username} returned ${name ?? typeof response}, not a list of messages`,
    );
  }
  let lastId = afterId;
  const fresh: { id: number; message: unknown }[] = [];
  // Records without a usable id go last, to the mapper, which reports them.
  const unreadable: unknown[] = [];
  for (const message of response.messages as unknown[]) {
    const id = isObject(message) ? count(message.id) : null;
    if (id === null) unreadable.push(message);
    if (id === null || id <= afterId) continue;
    lastId = Math.max(lastId, id);
    if (classNameOf(message) === 'MessageEmpty') continue;
    const date = isObject(message) ? count(message.date) : null;
    if (minDateS > 0 && date !== null && date < minDateS) continue;
    fresh.push({ id, message });
  }
  if (lastId === afterId && unreadable.length === 0) return null;
  fresh.sort((a, b) => a.id - b.id);
  return {
    messages: [...fresh.map((f) => f.message), ...unreadable],
    entities: {
      users: Array.isArray(response.users) ? response.users : [],
      chats: Array.isArray(response.chats) ? response.chats : [],
    },
    lastId,
    pts: count(response.pts),
    last: lastId === afterId,
  };
}

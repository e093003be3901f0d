/**
 * The Bot API as a Source that never ends: the webhook pushes each Update, and
 * messages() yields the messages they carry (albums merged) until close().
 *
 * Backpressure: at most `capacity` messages wait for the reader (albums still
 * being collected count as one each). When full, push() refuses and the webhook
 * answers 503 with Retry-After, so Telegram delivers the update again later:
 * nothing acknowledged is ever dropped. A part of an album already being collected
 * is always taken, since it adds no message.
 */
import type { NormalizedMessage, Source, SourceIssue } from '../types.js';
import { AlbumGrouper, type AlbumOptions } from './album.js';
import type { BotApiClient } from './client.js';
import { AsyncQueue } from './queue.js';
import { isUpdate, type ParseOptions, parseUpdate } from './update.js';

export interface TelegramBotSourceOptions extends Omit<ParseOptions, 'fetchFor'> {
  /** Gives media their `fetch` (getFile + download); without it media are references only. */
  client?: BotApiClient;
  /** Messages held for the reader before the webhook answers 503 (default 1000). */
  capacity?: number;
  /** Seconds Telegram is asked to wait when the source is full (default 5). */
  retryAfterS?: number;
  album?: AlbumOptions;
  /** Issues held for the reader; beyond this they are counted, and the count reported (default 1000). */
  maxPendingIssues?: number;
  /** Update ids remembered to recognise Telegram's redeliveries (default 10,000). */
  rememberUpdates?: number;
}

/** What the webhook answers: 200, or 503 with Retry-After. */
export type UpdateVerdict = { accepted: true } | { accepted: false; retryAfterS: number; reason: string };

type Item = { message: NormalizedMessage } | { issue: SourceIssue };

export class TelegramBotSource implements Source {
  readonly kind = 'telegram-bot' as const;
  private readonly queue = new AsyncQueue<Item>();
  private readonly albums: AlbumGrouper;
  private readonly parseOptions: ParseOptions;
  private readonly capacity: number;
  private readonly retryAfterS: number;
  private readonly maxPendingIssues: number;
  private readonly recent: RecentIds;
  private queuedMessages = 0;
  private queuedIssues = 0;
  private droppedIssues = 0;
  private reading = false;

  constructor(options: TelegramBotSourceOptions = {}) {
    const { client } = options;
    this.parseOptions = {
      ...(options.maxTextChars !== undefined ? { maxTextChars: options.maxTextChars } : {}),
      maxDownloadBytes: options.maxDownloadBytes ?? client?.maxDownloadBytes,
      ...(client ? { fetchFor: (file) => () => client.downloadFile(file.fileId) } : {}),
    };
    this.capacity = options.capacity ?? 1000;
    this.retryAfterS = options.retryAfterS ?? 5;
    this.maxPendingIssues = options.maxPendingIssues ?? 1000;
    this.recent = new RecentIds(options.rememberUpdates ?? 10_000);
    this.albums = new AlbumGrouper((message) => this.enqueue({ message }), options.album);
  }

  /** Messages waiting for the reader, albums being collected included. */
  get buffered(): number {
    return this.queuedMessages + this.albums.openAlbums;
  }

  /** Takes one Update from the webhook. Never throws: a bad update is an issue and still accepted. */
  push(update: unknown): UpdateVerdict {
    if (this.queue.isClosed) return { accepted: false, retryAfterS: this.retryAfterS, reason: 'the source is closed' };
    if (isUpdate(update) && this.recent.has(update.update_id)) return { accepted: true };
    const issues: SourceIssue[] = [];
    const parsed = parseUpdate(update, this.parseOptions, (issue) => issues.push(issue));
    if (parsed && !this.albums.joins(parsed.message, parsed.mediaGroupId) && this.buffered >= this.capacity) {
      return {
        accepted: false,
        retryAfterS: this.retryAfterS,
        reason: `${this.buffered} messages are waiting to be read`,
      };
    }
    if (isUpdate(update)) this.recent.add(update.update_id);
    for (const issue of issues) this.enqueue({ issue });
    if (parsed) this.albums.add(parsed.message, parsed.mediaGroupId);
    return { accepted: true };
  }

  /** One reader at a time; ends after close(), once everything accepted has been yielded. */
  async *messages(onIssue: (issue: SourceIssue) => void = () => {}): AsyncGenerator<NormalizedMessage> {
    if (this.reading) throw new Error('this Telegram Bot API source is already being read');
    this.reading = true;
    try {
      for (;;) {
        const next = await this.queue.next();
        if (next.done) break;
        if ('issue' in next.value) {
          this.queuedIssues--;
          onIssue(next.value.issue);
        } else {
          this.queuedMessages--;
          yield next.value.message;
        }
        this.reportDroppedIssues(onIssue);
      }
    } finally {
      this.reading = false;
    }
  }

  /** Emits the albums being collected and ends messages() after what is queued. */
  close(): void {
    if (this.queue.isClosed) return;
    this.albums.flush();
    this.queue.close();
  }

  private enqueue(item: Item): void {
    if ('issue' in item) {
      if (this.queuedIssues >= this.maxPendingIssues) {
        this.droppedIssues++;
        return;
      }
      this.queuedIssues++;
    } else {
      this.queuedMessages++;
    }
    this.queue.push(item);
  }

  /** After the issues that were kept, so the count comes where the gap is. */
  private reportDroppedIssues(onIssue: (issue: SourceIssue) => void): void {
    if (this.droppedIssues === 0 || this.queuedIssues > 0) return;
    const count = this.droppedIssues;
    this.droppedIssues = 0;
    onIssue({ kind: 'limit', message: `${count} further issues were not kept while the reader was behind` });
  }
}

/** The last `max` ids, in a set with a ring buffer for eviction. */
class RecentIds {
  private readonly set = new Set<number>();
  private readonly ring: number[] = [];
  private next = 0;

  constructor(private readonly max: number) {}

  has(id: number): boolean {
    return this.set.has(id);
  }

  add(id: number): void {
    if (this.max <= 0 || this.set.has(id)) return;
    if (this.ring.length < this.max) this.ring.push(id);
    else {
      this.set.delete(this.ring[this.next]!);
      this.ring[this.next] = id;
      this.next = (this.next + 1) % this.max;
    }
    this.set.add(id);
  }
}

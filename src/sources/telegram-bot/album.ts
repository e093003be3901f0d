/**
 * Albums: Telegram sends each picture of an album as its own message, in its own
 * webhook call, sharing a media_group_id, with no end marker. The parts of one
 * album (same chat, same media_group_id) are held until no part has come for a
 * quiet period, then merged into one message: all media, the caption of whichever
 * part has it, the first part's message id, and `raw` = the original messages.
 *
 * Bounds, because the sender decides what arrives: an album is emitted at
 * `maxParts` parts (Telegram's limit is 10) or `maxWaitMs` after its first part
 * even if parts keep coming; and when `maxOpenAlbums` are open, the oldest is
 * emitted to make room. Edits are not grouped: an edit of one part is its own message.
 */
import type { MediaRef, NormalizedMessage } from '../types.js';

/** setTimeout/clearTimeout, injectable so tests step time without waiting. */
export interface Timers {
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const SYSTEM_TIMERS: Timers = {
  setTimeout: (callback, ms) => setTimeout(callback, ms),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

export interface AlbumOptions {
  /** Emit an album this long after its last part (default 1000 ms). */
  quietMs?: number;
  /** Emit an album this long after its first part, whatever still arrives (default 10 s). */
  maxWaitMs?: number;
  /** Emit an album as soon as it has this many parts (default 10). */
  maxParts?: number;
  /** Albums held at once; the oldest is emitted early beyond this (default 1000). */
  maxOpenAlbums?: number;
  timers?: Timers;
}

interface OpenAlbum {
  parts: NormalizedMessage[];
  quiet: unknown;
  deadline: unknown;
}

export class AlbumGrouper {
  /** In insertion order, so the first key is the oldest album. */
  private readonly open = new Map<string, OpenAlbum>();
  private readonly quietMs: number;
  private readonly maxWaitMs: number;
  private readonly maxParts: number;
  private readonly maxOpenAlbums: number;
  private readonly timers: Timers;

  constructor(
    private readonly emit: (message: NormalizedMessage) => void,
    options: AlbumOptions = {},
  ) {
    this.quietMs = options.quietMs ?? 1000;
    this.maxWaitMs = options.maxWaitMs ?? 10_000;
    this.maxParts = options.maxParts ?? 10;
    this.maxOpenAlbums = options.maxOpenAlbums ?? 1000;
    this.timers = options.timers ?? SYSTEM_TIMERS;
  }

  /** Albums being held. */
  get openAlbums(): number {
    return this.open.size;
  }

  /** True when the message would join an album already held (so it adds no message). */
  joins(message: NormalizedMessage, mediaGroupId: string | null): boolean {
    return grouped(message, mediaGroupId) && this.open.has(albumKey(message.chat.id, mediaGroupId));
  }

  /** Emits the message now, or holds it as part of its album. */
  add(message: NormalizedMessage, mediaGroupId: string | null): void {
    if (!grouped(message, mediaGroupId)) {
      this.emit(message);
      return;
    }
    const key = albumKey(message.chat.id, mediaGroupId);
    let album = this.open.get(key);
    if (!album) {
      if (this.open.size >= this.maxOpenAlbums) this.release(this.open.keys().next().value!);
      album = { parts: [], quiet: null, deadline: this.timers.setTimeout(() => this.release(key), this.maxWaitMs) };
      this.open.set(key, album);
    }
    // Telegram redelivers a call it thinks failed: the same part twice is one part.
    if (!album.parts.some((p) => p.messageId === message.messageId)) album.parts.push(message);
    if (album.parts.length >= this.maxParts) {
      this.release(key);
      return;
    }
    if (album.quiet !== null) this.timers.clearTimeout(album.quiet);
    album.quiet = this.timers.setTimeout(() => this.release(key), this.quietMs);
  }

  /** Emits every held album now (shutdown). */
  flush(): void {
    for (const key of [...this.open.keys()]) this.release(key);
  }

  private release(key: string): void {
    const album = this.open.get(key);
    if (!album) return;
    this.open.delete(key);
    if (album.quiet !== null) this.timers.clearTimeout(album.quiet);
    this.timers.clearTimeout(album.deadline);
    this.emit(mergeAlbum(album.parts));
  }
}

function grouped(message: NormalizedMessage, mediaGroupId: string | null): mediaGroupId is string {
  return mediaGroupId !== null && message.editedAt === undefined;
}

function albumKey(chatId: string, mediaGroupId: string): string {
  return `${chatId}\u0000${mediaGroupId}`;
}

/** One message from an album's parts (at least one), in message id order. */
export function mergeAlbum(parts: readonly NormalizedMessage[]): NormalizedMessage {
  const ordered = [...parts].sort((a, b) => Number(a.messageId) - Number(b.messageId));
  const first = ordered[0]!;
  const captioned = ordered.find((p) => p.text !== '') ?? first;
  return {
    ...first,
    text: captioned.text,
    entities: captioned.entities,
    media: uniqueIds(ordered),
    raw: ordered.map((p) => p.raw),
  };
}

/** Media ids must be unique within a message; ids made up from the type (no file ids) may repeat across parts. */
function uniqueIds(parts: readonly NormalizedMessage[]): MediaRef[] {
  const seen = new Set<string>();
  const media: MediaRef[] = [];
  for (const part of parts) {
    for (const ref of part.media) {
      const id = seen.has(ref.id) ? `${ref.id}@${part.messageId}` : ref.id;
      seen.add(id);
      media.push(id === ref.id ? ref : { ...ref, id });
    }
  }
  return media;
}

/**
 * Every source (Telegram exports, the Bot API, MTProto, WhatsApp exports, a
 * folder of files) yields the same normalized messages, so that everything
 * downstream (hashing, matching, personal-data signals, evidence) is written
 * once.
 */

export type SourceKind =
  | 'telegram-export-json'
  | 'telegram-export-html'
  | 'telegram-bot'
  | 'telegram-mtproto'
  | 'whatsapp-export'
  | 'folder';

export type ChatType = 'private' | 'group' | 'supergroup' | 'channel' | 'saved' | 'bot' | 'unknown';

export interface ChatRef {
  /** Stable id within the source: Telegram's numeric id as a string, a WhatsApp export's chat name, a folder path. */
  id: string;
  name: string | null;
  type: ChatType;
}

export interface TextEntity {
  /** e.g. 'plain', 'link', 'text_link', 'mention', 'mention_name', 'hashtag', 'phone', 'email', 'bold', ... */
  type: string;
  text: string;
  /** Target of text links and mention_name user ids. */
  href?: string;
  userId?: string;
}

export type MediaType =
  | 'photo'
  | 'video'
  | 'animation'
  | 'video_note'
  | 'voice'
  | 'audio'
  | 'sticker'
  | 'document'
  | 'unknown';

export interface MediaRef {
  /** Unique within the message (e.g. "photo", "file", or a Bot API file_unique_id). */
  id: string;
  type: MediaType;
  mime: string | null;
  size: number | null;
  width?: number;
  height?: number;
  durationS?: number;
  fileName?: string | null;
  /** Absolute local path when the file is on disk (exports, folders). */
  path?: string;
  /** For remote media (Bot API, MTProto): fetches the bytes when called. */
  fetch?: () => Promise<Uint8Array>;
  /**
   * Set when the export names the media but does not include it
   * ("(File not included. Change data exporting settings to download.)",
   * "<Media omitted>"): recorded, not an error.
   */
  missing?: string;
}

export interface AuthorRef {
  id: string | null;
  name: string | null;
}

export interface NormalizedMessage {
  source: SourceKind;
  chat: ChatRef;
  /** Message id within the chat (Telegram ids; WhatsApp: 1-based line-record index). */
  messageId: string;
  author: AuthorRef;
  /** UTC instant. */
  date: Date;
  /**
   * How `date` was obtained, when it needed an assumption (e.g. a Telegram
   * export without date_unixtime: local time read as UTC unless a zone is configured).
   */
  dateNote?: string;
  editedAt?: Date;
  /** Service messages (joins, pins, title changes) carry their action here and usually no text. */
  service?: { action: string; actor?: string | null; details?: Record<string, unknown> };
  text: string;
  entities: TextEntity[];
  forwardedFrom?: string | null;
  replyTo?: string | null;
  media: MediaRef[];
  /** The source's own record, untouched, kept for evidence. */
  raw: unknown;
}

/** A per-item problem: reported, counted, and the scan goes on. */
export interface SourceIssue {
  kind: 'malformed' | 'unsupported' | 'missing-media' | 'limit';
  message: string;
  /** Where: file, line, message id. */
  location?: string;
}

export interface Source {
  readonly kind: SourceKind;
  /** Messages in source order. Problems with single records go to `onIssue`; only unusable input throws. */
  messages(onIssue?: (issue: SourceIssue) => void): AsyncIterable<NormalizedMessage>;
}

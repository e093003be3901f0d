/**
 * A Bot API Update (a webhook POST body, or one element of getUpdates' result) →
 * the message it carries. Pure and total: anything unusable becomes a SourceIssue.
 *
 * An Update has an update_id and exactly one payload field. The four message
 * payloads are read; the others (reactions, member changes, callback queries, …)
 * are reported as unsupported and skipped.
 */
import { describe } from '../telegram-export/describe.js';
import type { NormalizedMessage, SourceIssue } from '../types.js';
import { field, isObject, type JsonObject, stringField } from './fields.js';
import { BOT_API_DOWNLOAD_LIMIT, type RemoteFile } from './media.js';
import { DEFAULT_MAX_TEXT_CHARS, parseMessage } from './message.js';

export const MESSAGE_UPDATE_KINDS = ['message', 'edited_message', 'channel_post', 'edited_channel_post'] as const;
export type MessageUpdateKind = (typeof MESSAGE_UPDATE_KINDS)[number];

export interface ParsedUpdate {
  updateId: number;
  kind: MessageUpdateKind;
  message: NormalizedMessage;
  /** Set when the message is one part of an album (parts share it; there is no end marker). */
  mediaGroupId: string | null;
}

export interface ParseOptions {
  /** Text and captions longer than this are cut (default 64 Ki characters). */
  maxTextChars?: number;
  /** Files declared larger are recorded missing (default 20 MiB, the cloud Bot API's limit). */
  maxDownloadBytes?: number;
  /** Gives each downloadable media item its `fetch` (the source sets this when it has a client). */
  fetchFor?: (file: RemoteFile) => () => Promise<Uint8Array>;
}

/** The least a webhook body must be to be an Update: an object with an integer update_id. */
export function isUpdate(body: unknown): body is JsonObject & { update_id: number } {
  return isObject(body) && Number.isSafeInteger(field(body, 'update_id'));
}

export function parseUpdate(
  update: unknown,
  options: ParseOptions = {},
  onIssue: (issue: SourceIssue) => void = () => {},
): ParsedUpdate | null {
  if (!isUpdate(update)) {
    const id = isObject(update) ? field(update, 'update_id') : undefined;
    const what = isObject(update) ? `update_id ${describe(id)}` : describe(update);
    onIssue({ kind: 'malformed', message: `not a Bot API Update (${what}): skipped` });
    return null;
  }
  const updateId = update.update_id;
  const kind = MESSAGE_UPDATE_KINDS.find((k) => field(update, k) !== undefined);
  if (!kind) {
    const payload = Object.keys(update).find((k) => k !== 'update_id') ?? 'nothing';
    onIssue({
      kind: 'unsupported',
      message: `${describe(payload.slice(0, 64))} updates carry no message: skipped`,
      location: `update ${updateId}`,
    });
    return null;
  }
  const body = field(update, kind);
  if (!isObject(body)) {
    onIssue({
      kind: 'malformed',
      message: `${kind} is ${describe(body)}, not a Message: skipped`,
      location: `update ${updateId}`,
    });
    return null;
  }
  return parseBody(updateId, kind, body, options, onIssue);
}

function parseBody(
  updateId: number,
  kind: MessageUpdateKind,
  body: JsonObject,
  options: ParseOptions,
  onIssue: (issue: SourceIssue) => void,
): ParsedUpdate | null {
  const problems: { message: string; kind: 'malformed' | 'limit' }[] = [];
  const message = parseMessage(
    body,
    {
      maxTextChars: options.maxTextChars ?? DEFAULT_MAX_TEXT_CHARS,
      maxDownloadBytes: options.maxDownloadBytes ?? BOT_API_DOWNLOAD_LIMIT,
      ...(options.fetchFor ? { fetchFor: options.fetchFor } : {}),
    },
    (text, problemKind = 'malformed') => problems.push({ message: `${kind}.${text}`, kind: problemKind }),
  );
  const location = message
    ? `update ${updateId}: ${kind} ${message.messageId} in chat ${message.chat.id}`
    : `update ${updateId}`;
  for (const p of problems) onIssue({ kind: p.kind, message: p.message, location });
  if (!message) return null;
  const groupId = stringField(body, 'media_group_id', (text, problemKind = 'malformed') =>
    onIssue({ kind: problemKind, message: `${kind}.${text}`, location }),
  );
  return { updateId, kind, message, mediaGroupId: groupId || null };
}

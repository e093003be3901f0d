/**
 * One Bot API Message object → NormalizedMessage. Pure: no I/O, never throws.
 * A wrong field type is reported and the field read as absent; only a message
 * without a chat id or message id is unusable, because it cannot be located.
 */
import type { AuthorRef, ChatRef, ChatType, NormalizedMessage } from '../types.js';
import { textEntities } from './entities.js';
import {
  capped,
  field,
  idOf,
  intField,
  isObject,
  type JsonObject,
  nameOf,
  objectField,
  type Problem,
  stringField,
  within,
} from './fields.js';
import { largestPhoto, type MediaOptions, messageMedia } from './media.js';

export interface MessageOptions extends MediaOptions {
  /** Longer text or captions are cut (default 64 Ki characters; Telegram's own limit is 4096). */
  maxTextChars: number;
}

export const DEFAULT_MAX_TEXT_CHARS = 64 * 1024;

const CHAT_TYPES: Readonly<Record<string, ChatType>> = {
  private: 'private',
  group: 'group',
  supergroup: 'supergroup',
  channel: 'channel',
};

/** Message fields that make it a service message; the field name is the action. */
const SERVICE_FIELDS = [
  'new_chat_members',
  'left_chat_member',
  'new_chat_title',
  'new_chat_photo',
  'delete_chat_photo',
  'group_chat_created',
  'supergroup_chat_created',
  'channel_chat_created',
  'migrate_to_chat_id',
  'migrate_from_chat_id',
  'pinned_message',
  'forum_topic_created',
  'forum_topic_edited',
  'forum_topic_closed',
  'forum_topic_reopened',
  'message_auto_delete_timer_changed',
] as const;

export function parseMessage(message: JsonObject, options: MessageOptions, problem: Problem): NormalizedMessage | null {
  const chatObject = objectField(message, 'chat', problem);
  const chat = chatObject ? chatRef(chatObject, within(problem, 'chat')) : null;
  const messageId = intField(message, 'message_id', problem);
  if (!chat || messageId === null) {
    problem(`${chat ? 'message_id' : 'chat.id'} is missing or unusable: the message cannot be located, skipped`);
    return null;
  }
  const { text, entities } = textOf(message, options, problem);
  const media = messageMedia(message, options, problem);
  const normalized: NormalizedMessage = {
    source: 'telegram-bot',
    chat,
    messageId: String(messageId),
    author: authorOf(message, chat, problem),
    date: new Date(0),
    text,
    entities,
    media,
    raw: message,
  };
  setDates(normalized, message, problem);
  const service = serviceOf(message, options, problem);
  if (service) {
    normalized.service = service.service;
    normalized.media.push(...service.media);
  }
  const forwardedFrom = forwardOf(message, problem);
  if (forwardedFrom !== undefined) normalized.forwardedFrom = forwardedFrom;
  const replyTo = replyOf(message, problem);
  if (replyTo !== null) normalized.replyTo = replyTo;
  return normalized;
}

function chatRef(chat: JsonObject, problem: Problem): ChatRef | null {
  const id = idOf(chat, problem);
  if (id === null) return null;
  const type = stringField(chat, 'type', problem, 64);
  return { id, name: nameOf(chat, problem), type: (type !== null && CHAT_TYPES[type]) || 'unknown' };
}

/**
 * sender_chat first: a message sent as a channel or by an anonymous admin has a
 * placeholder bot in `from` and the real sender in `sender_chat`. A channel post
 * with neither is the channel's own.
 */
function authorOf(message: JsonObject, chat: ChatRef, problem: Problem): AuthorRef {
  for (const key of ['sender_chat', 'from']) {
    const sender = objectField(message, key, problem);
    if (sender) return { id: idOf(sender, within(problem, key)), name: nameOf(sender, within(problem, key)) };
  }
  if (chat.type === 'channel') return { id: chat.id, name: chat.name };
  return { id: null, name: null };
}

/** Unix seconds; a message without a usable date keeps the epoch, with a note. */
function setDates(normalized: NormalizedMessage, message: JsonObject, problem: Problem): void {
  const date = unixDate(message, 'date', problem);
  if (date) normalized.date = date;
  else {
    problem('date is missing or unusable: the epoch is used');
    normalized.dateNote = 'the update carries no usable date: 1970-01-01 stands in for it';
  }
  const edited = unixDate(message, 'edit_date', problem);
  if (edited) normalized.editedAt = edited;
}

function unixDate(message: JsonObject, key: string, problem: Problem): Date | null {
  const seconds = intField(message, key, problem);
  if (seconds === null) return null;
  // Dates before 2013 (Telegram's launch) or past year 9999 are not Telegram's.
  if (seconds < 1_356_998_400 || seconds > 253_402_300_799) {
    problem(`${key} ${seconds} is not a plausible Unix time: ignored`);
    return null;
  }
  return new Date(seconds * 1000);
}

function textOf(message: JsonObject, options: MessageOptions, problem: Problem) {
  const key = field(message, 'text') !== undefined ? 'text' : 'caption';
  const full = stringField(message, key, problem, Number.MAX_SAFE_INTEGER) ?? '';
  const text = capped(full, key, problem, options.maxTextChars);
  const entitiesKey = key === 'text' ? 'entities' : 'caption_entities';
  return { text, entities: textEntities(field(message, entitiesKey), text, entitiesKey, problem) };
}

/** Bot API 7.0's forward_origin, else the legacy forward_from / forward_from_chat / forward_sender_name. */
function forwardOf(message: JsonObject, problem: Problem): string | null | undefined {
  const origin = objectField(message, 'forward_origin', problem);
  if (origin) return originName(origin, within(problem, 'forward_origin'));
  for (const key of ['forward_from_chat', 'forward_from']) {
    const from = objectField(message, key, problem);
    if (from) return nameOf(from, within(problem, key)) ?? idOf(from, within(problem, key));
  }
  const hidden = stringField(message, 'forward_sender_name', problem);
  return hidden ?? undefined;
}

function originName(origin: JsonObject, problem: Problem): string | null {
  const type = stringField(origin, 'type', problem, 64);
  if (type === 'hidden_user') return stringField(origin, 'sender_user_name', problem);
  const key = type === 'user' ? 'sender_user' : type === 'chat' ? 'sender_chat' : type === 'channel' ? 'chat' : null;
  const sender = key ? objectField(origin, key, problem) : null;
  if (!sender) {
    problem(`type ${type ?? 'missing'} names no sender: the forward's origin is unknown`);
    return null;
  }
  return nameOf(sender, within(problem, key!)) ?? idOf(sender, within(problem, key!));
}

/**
 * In a forum, every message of a topic "replies" to the topic's first message
 * (forum_topic_created): that is the thread, not a reply someone chose.
 */
function replyOf(message: JsonObject, problem: Problem): string | null {
  const reply = objectField(message, 'reply_to_message', problem);
  if (!reply) return null;
  const replyId = intField(reply, 'message_id', within(problem, 'reply_to_message'));
  if (replyId === null) return null;
  const topicRoot = field(reply, 'forum_topic_created') !== undefined;
  const threadId = intField(message, 'message_thread_id', problem);
  if (field(message, 'is_topic_message') === true && (topicRoot || replyId === threadId)) return null;
  return String(replyId);
}

function serviceOf(message: JsonObject, options: MessageOptions, problem: Problem) {
  const action = SERVICE_FIELDS.find((key) => field(message, key) !== undefined);
  if (!action) return null;
  const from = objectField(message, 'from', () => {});
  const actor = from ? nameOf(from, () => {}) : null;
  const details = serviceDetails(message, action, problem);
  // A new group photo is an image posted to the group like any other.
  const photo = action === 'new_chat_photo' ? largestPhoto(field(message, action), within(problem, action)) : null;
  const media = photo ? messageMedia({ photo: [photo] }, options, within(problem, action)) : [];
  return { service: { action, actor, ...(details ? { details } : {}) }, media };
}

function serviceDetails(message: JsonObject, action: string, problem: Problem): Record<string, unknown> | null {
  const value = field(message, action);
  const inner = within(problem, action);
  const person = (v: unknown) => (isObject(v) ? { id: idOf(v, inner), name: nameOf(v, inner) } : null);
  switch (action) {
    case 'new_chat_members':
      return Array.isArray(value) ? { members: value.map(person) } : null;
    case 'left_chat_member':
      return { member: person(value) };
    case 'new_chat_title':
      return { title: stringField(message, action, problem) };
    case 'migrate_to_chat_id':
    case 'migrate_from_chat_id': {
      const chatId = intField(message, action, problem);
      return chatId === null ? null : { chatId: String(chatId) };
    }
    case 'pinned_message':
      return isObject(value) ? { messageId: intField(value, 'message_id', inner) } : null;
    case 'forum_topic_created':
      return isObject(value) ? { name: stringField(value, 'name', inner) } : null;
    default:
      return null;
  }
}

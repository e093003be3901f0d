/**
 * MessageEntity* → TextEntity. Telegram counts offsets and lengths in UTF-16
 * code units, which is what JavaScript strings index by, so `slice` is exact
 * even around emoji (an emoji outside the BMP is two units). Only the typed
 * spans are returned, in offset order; nested spans (bold inside a link) are
 * kept as they are. Type names follow Telegram Desktop's export ('link',
 * 'text_link', 'mention_name', …) so every source speaks the same words.
 */
import type { TextEntity } from '../types.js';
import { arrayOf, classNameOf, count, idString, isObject, snakeCase, text } from './values.js';

const TYPE_BY_CLASS: Readonly<Record<string, string>> = {
  MessageEntityUnknown: 'unknown',
  MessageEntityMention: 'mention',
  MessageEntityHashtag: 'hashtag',
  MessageEntityBotCommand: 'bot_command',
  MessageEntityUrl: 'link',
  MessageEntityEmail: 'email',
  MessageEntityBold: 'bold',
  MessageEntityItalic: 'italic',
  MessageEntityCode: 'code',
  MessageEntityPre: 'pre',
  MessageEntityTextUrl: 'text_link',
  MessageEntityMentionName: 'mention_name',
  InputMessageEntityMentionName: 'mention_name',
  MessageEntityPhone: 'phone',
  MessageEntityCashtag: 'cashtag',
  MessageEntityUnderline: 'underline',
  MessageEntityStrike: 'strikethrough',
  MessageEntityBankCard: 'bank_card',
  MessageEntitySpoiler: 'spoiler',
  MessageEntityCustomEmoji: 'custom_emoji',
  MessageEntityBlockquote: 'blockquote',
};

export function mapEntities(message: string, entities: unknown, issue: (message: string) => void): TextEntity[] {
  if (entities === undefined || entities === null) return [];
  const list = arrayOf(entities);
  if (!list) {
    issue('entities is not a list: ignored');
    return [];
  }
  const spans: { offset: number; entity: TextEntity }[] = [];
  list.forEach((item, i) => {
    const span = spanOf(message, item);
    if (typeof span === 'string') issue(`entities[${i}]: ${span}: ignored`);
    else spans.push(span);
  });
  // A stable sort keeps Telegram's order for spans that start together (outer before inner).
  spans.sort((a, b) => a.offset - b.offset);
  return spans.map((s) => s.entity);
}

/** The span, or why it is unusable. */
function spanOf(message: string, item: unknown): { offset: number; entity: TextEntity } | string {
  const name = classNameOf(item);
  if (!name || !isObject(item)) return 'not a message entity';
  const offset = count(item.offset);
  const length = count(item.length);
  if (offset === null || length === null) return `${name} without a usable offset and length`;
  if (offset + length > message.length) {
    return `${name} at ${offset}+${length} runs past the end of the ${message.length}-unit text`;
  }
  const entity: TextEntity = {
    type: TYPE_BY_CLASS[name] ?? snakeCase(name.replace(/^MessageEntity/, '')),
    text: message.slice(offset, offset + length),
  };
  const url = text(item.url);
  if (name === 'MessageEntityTextUrl' && url !== null) entity.href = url;
  if (name.endsWith('MentionName')) {
    const userId = idString(item.userId);
    if (userId !== null) entity.userId = userId;
  }
  return { offset, entity };
}

/**
 * Bot API MessageEntity[] → TextEntity[]. Offsets and lengths count UTF-16 code
 * units, which is exactly how JavaScript strings index, so a slice of the text is
 * the entity's text (an emoji before a mention counts 2, not 1).
 *
 * Type names follow Telegram Desktop exports ('link', 'mention_name', 'phone'), so
 * that every Telegram source describes the same entity the same way.
 */
import { describe } from '../telegram-export/describe.js';
import type { TextEntity } from '../types.js';
import { field, idOf, isObject, objectField, type Problem, stringField, within } from './fields.js';

const TYPE_NAMES: Readonly<Record<string, string>> = {
  url: 'link',
  text_mention: 'mention_name',
  phone_number: 'phone',
};

/** More than any real message has (4096 characters of text); a flood of them is cut. */
export const MAX_ENTITIES = 10_000;

export function textEntities(value: unknown, text: string, key: string, problem: Problem): TextEntity[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) {
    problem(`${key} is ${describe(value)}, not an array: ignored`);
    return [];
  }
  if (value.length > MAX_ENTITIES)
    problem(`${key} has ${value.length} entries, more than ${MAX_ENTITIES}: cut`, 'limit');
  const entities: TextEntity[] = [];
  let outside = 0;
  for (const [i, item] of value.slice(0, MAX_ENTITIES).entries()) {
    const where = `${key}[${i}]`;
    if (!isObject(item)) {
      problem(`${where} is ${describe(item)}, not an object: ignored`);
      continue;
    }
    const span = spanOf(item, where, problem);
    if (!span) continue;
    if (span.end > text.length) {
      outside++;
      continue;
    }
    entities.push(entityOf(item, text.slice(span.start, span.end), within(problem, where)));
  }
  // One problem for all: a cut text leaves every later entity outside it.
  if (outside > 0) problem(`${key}: ${outside} entities reach past the end of the text (${text.length}): ignored`);
  return entities;
}

function spanOf(item: Record<string, unknown>, where: string, problem: Problem): { start: number; end: number } | null {
  const offset = field(item, 'offset');
  const length = field(item, 'length');
  if (!isCount(offset) || !isCount(length)) {
    problem(`${where}: offset ${describe(offset)} and length ${describe(length)} are not both counts: ignored`);
    return null;
  }
  return { start: offset, end: offset + length };
}

function isCount(v: unknown): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
}

function entityOf(item: Record<string, unknown>, text: string, problem: Problem): TextEntity {
  const type = stringField(item, 'type', problem, 64) ?? 'unknown';
  const entity: TextEntity = { type: TYPE_NAMES[type] ?? type, text };
  const url = stringField(item, 'url', problem);
  if (url !== null) entity.href = url;
  const user = objectField(item, 'user', problem);
  const userId = user ? idOf(user, within(problem, 'user')) : null;
  if (userId !== null) entity.userId = userId;
  return entity;
}

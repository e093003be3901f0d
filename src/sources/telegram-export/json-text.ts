/**
 * `text` (a string, or an array mixing strings and {type, text, href?, user_id?}) and
 * `text_entities` (always an array of typed parts, since Desktop 4.1.2) → plain text +
 * entities. Both describe the same text; `text_entities` is preferred when present
 * because every part, plain ones included, is typed.
 */
import type { TextEntity } from '../types.js';
import { describe } from './describe.js';

export interface JsonText {
  text: string;
  entities: TextEntity[];
}

export function jsonText(r: Record<string, unknown>, issue: (m: string) => void): JsonText {
  const fromText = partsOf(r.text, 'text', issue);
  const fromEntities = partsOf(r.text_entities, 'text_entities', issue);
  const text = fromText ? join(fromText) : fromEntities ? join(fromEntities) : '';
  const entities = fromEntities ?? fromText ?? [];
  return { text, entities: entities.filter((e) => e.text !== '') };
}

function join(parts: TextEntity[]): string {
  let s = '';
  for (const p of parts) s += p.text;
  return s;
}

/** null when the field is absent or unusable. */
function partsOf(value: unknown, field: string, issue: (m: string) => void): TextEntity[] | null {
  if (value === undefined) return null;
  // `text` may be a plain string; `text_entities` is always an array.
  if (typeof value === 'string' && field === 'text') return [{ type: 'plain', text: value }];
  if (field === 'text' && (typeof value === 'number' || typeof value === 'boolean')) {
    issue(`${field} is ${describe(value)}, not a string or an array: read as its string form`);
    return [{ type: 'plain', text: String(value) }];
  }
  if (!Array.isArray(value)) {
    issue(`${field} is ${describe(value)}, not ${field === 'text' ? 'a string or ' : ''}an array: ignored`);
    return null;
  }
  const parts: TextEntity[] = [];
  value.forEach((item, i) => {
    const part = entityOf(item);
    if (part) parts.push(part);
    else issue(`${field}[${i}] is ${describe(item)}, not a string or a {type, text} object: ignored`);
  });
  return parts;
}

function entityOf(item: unknown): TextEntity | null {
  if (typeof item === 'string') return { type: 'plain', text: item };
  if (typeof item !== 'object' || item === null || Array.isArray(item)) return null;
  const o = item as Record<string, unknown>;
  if (typeof o.text !== 'string') return null;
  const entity: TextEntity = { type: typeof o.type === 'string' ? o.type : 'unknown', text: o.text };
  if (typeof o.href === 'string') entity.href = o.href;
  if (typeof o.user_id === 'number' || typeof o.user_id === 'string') entity.userId = String(o.user_id);
  return entity;
}

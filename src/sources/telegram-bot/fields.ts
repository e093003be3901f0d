/**
 * Typed reads from untrusted Bot API JSON. A webhook body is whatever reached the
 * endpoint with the right secret: every field is checked, a wrong type is reported
 * and read as absent, and nothing here throws.
 */
import { describe } from '../telegram-export/describe.js';

export type JsonObject = Record<string, unknown>;

/** Collects per-field problems of one message, with the field's path; 'limit' when something was cut. */
export type Problem = (message: string, kind?: 'malformed' | 'limit') => void;

/** Names, file names, mime types, ids: real ones are short. */
export const MAX_SHORT_CHARS = 1024;

export function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** An own property only: JSON.parse makes "__proto__" an own key, and inherited ones are never data. */
export function field(o: JsonObject, key: string): unknown {
  return Object.hasOwn(o, key) ? o[key] : undefined;
}

/** An object field; absent or null is null without a problem, another type is a problem. */
export function objectField(o: JsonObject, key: string, problem: Problem): JsonObject | null {
  const v = field(o, key);
  if (v === undefined || v === null) return null;
  if (isObject(v)) return v;
  problem(`${key} is ${describe(v)}, not an object: ignored`);
  return null;
}

/** An integer that a JS number holds exactly (Telegram ids have at most 52 significant bits). */
export function intField(o: JsonObject, key: string, problem: Problem): number | null {
  const v = field(o, key);
  if (v === undefined || v === null) return null;
  if (typeof v === 'number' && Number.isSafeInteger(v)) return v;
  problem(`${key} is ${describe(v)}, not an integer: ignored`);
  return null;
}

/** A non-negative integer (sizes, dimensions, durations). */
export function countField(o: JsonObject, key: string, problem: Problem): number | null {
  const v = intField(o, key, problem);
  if (v === null || v >= 0) return v;
  problem(`${key} is negative (${v}): ignored`);
  return null;
}

/** A string cut at `max` characters (with a problem saying so). */
export function stringField(o: JsonObject, key: string, problem: Problem, max = MAX_SHORT_CHARS): string | null {
  const v = field(o, key);
  if (v === undefined || v === null) return null;
  if (typeof v !== 'string') {
    problem(`${key} is ${describe(v)}, not a string: ignored`);
    return null;
  }
  return capped(v, key, problem, max);
}

export function capped(s: string, what: string, problem: Problem, max: number): string {
  if (s.length <= max) return s;
  problem(`${what} has ${s.length} characters, more than ${max}: cut`, 'limit');
  return s.slice(0, max);
}

/** Display name of a User or Chat: first + last name, else title, else @username, else null. */
export function nameOf(entity: JsonObject, problem: Problem): string | null {
  const first = stringField(entity, 'first_name', problem);
  const last = stringField(entity, 'last_name', problem);
  const person = [first, last].filter((s) => s).join(' ');
  if (person) return person;
  const title = stringField(entity, 'title', problem);
  if (title) return title;
  const username = stringField(entity, 'username', problem);
  return username ? `@${username}` : null;
}

/** A Telegram id (user, chat) as a string, or null. */
export function idOf(entity: JsonObject, problem: Problem): string | null {
  const id = intField(entity, 'id', problem);
  return id === null ? null : String(id);
}

/** Problems of a nested object, named by its path ("from.first_name is …"). */
export function within(problem: Problem, path: string): Problem {
  return (message, kind) => problem(`${path}.${message}`, kind);
}

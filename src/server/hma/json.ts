/**
 * Helpers for HMA-shaped replies. Flask's JSON provider sorts object keys, and
 * some HMA clients compare bodies textually, so HMA routes reply with sorted keys.
 */
import type { FastifyRequest } from 'fastify';
import { UnprocessableError } from '../errors.js';

export function sortKeys<T>(value: T): T {
  if (Array.isArray(value)) return value.map(sortKeys) as T;
  if (value === null || typeof value !== 'object' || value instanceof Date) return value;
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value).sort()) out[key] = sortKeys((value as Record<string, unknown>)[key]);
  return out as T;
}

/** One query parameter as a string (the first, if repeated). */
export function queryParam(request: FastifyRequest, name: string): string | undefined {
  const v = (request.query as Record<string, string | string[] | undefined>)[name];
  return Array.isArray(v) ? v[0] : v;
}

/** A required query parameter; HMA answers a missing one with 422 (pydantic's shape). */
export function requiredQueryParams(request: FastifyRequest, names: readonly string[]): string[] {
  const values = names.map((n) => queryParam(request, n));
  const missing = names.filter((_, i) => values[i] === undefined);
  if (missing.length > 0) {
    throw new UnprocessableError(
      missing.map((name) => ({ type: 'missing', loc: ['query', name], msg: 'Field required', input: request.query })),
    );
  }
  return values as string[];
}

const TRUE = new Set(['true', '1', 'yes', 'on', 't', 'y']);
const FALSE = new Set(['false', '0', 'no', 'off', 'f', 'n']);

/** A pydantic bool query parameter: true/false/1/0/yes/no/on/off, else 422. */
export function boolQueryParam(request: FastifyRequest, name: string, fallback: boolean): boolean {
  const raw = queryParam(request, name);
  if (raw === undefined) return fallback;
  const v = raw.toLowerCase();
  if (TRUE.has(v)) return true;
  if (FALSE.has(v)) return false;
  throw new UnprocessableError([
    {
      type: 'bool_parsing',
      loc: ['query', name],
      msg: 'Input should be a valid boolean, unable to interpret input',
      input: raw,
    },
  ]);
}

/** The parsed JSON body as an object, or {} when it is missing or not an object (HMA's request models). */
export function bodyObject(request: FastifyRequest): Record<string, unknown> {
  const body = request.body;
  return body !== null && typeof body === 'object' && !Array.isArray(body) ? (body as Record<string, unknown>) : {};
}

/**
 * Shared set-up of the API tests: an app over a real database with a started
 * index, a read key and a write key, and helpers for requests and uploads.
 */
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { createApiKey } from '../../src/banks/api-keys.js';
import type { Database } from '../../src/db/open.js';
import { FloodDetector, type FloodOptions } from '../../src/matching/flood.js';
import { LiveIndex } from '../../src/matching/live-index.js';
import { Matcher } from '../../src/matching/matcher.js';
import { buildApp } from '../../src/server/app.js';
import { type MatchingServices, type ServerLimits, serverLimitsFromEnv } from '../../src/server/services.js';

export interface Api {
  app: FastifyInstance;
  services: MatchingServices;
  writeKey: string;
  readKey: string;
  /** JSON request with the write key unless `key` says otherwise (null: no key). */
  call(method: string, url: string, body?: unknown, key?: string | null): Promise<LightMyRequestResponse>;
  /** multipart/form-data request with the write key. */
  upload(url: string, parts: Part[], key?: string | null): Promise<LightMyRequestResponse>;
}

export interface Part {
  name: string;
  /** A file part when set. */
  filename?: string;
  data: Buffer | string;
}

export interface ApiOptions {
  limits?: Partial<ServerLimits>;
  flood?: Partial<FloodOptions>;
  /** Leave the index unstarted, as during a long load. */
  indexNotLoaded?: boolean;
  authCacheMs?: number;
}

export async function withApi(database: Database, fn: (api: Api) => Promise<void>, options: ApiOptions = {}) {
  const index = new LiveIndex({ pollIntervalMs: 60_000 });
  const flood = new FloodDetector(options.flood ?? {});
  const services: MatchingServices = { database, index, flood, matcher: new Matcher(database, index, flood) };
  if (!options.indexNotLoaded) await index.start(database);
  const app = await buildApp({
    dataDir: '/nonexistent',
    services,
    limits: { ...serverLimitsFromEnv({}), ...options.limits },
    authCacheMs: options.authCacheMs ?? 0,
  });
  const writeKey = (await createApiKey(database.db, { name: 'test writer', scope: 'write' })).key;
  const readKey = (await createApiKey(database.db, { name: 'test reader', scope: 'read' })).key;
  const auth = (key: string | null | undefined) => (key === null ? {} : { authorization: `Bearer ${key ?? writeKey}` });
  const api: Api = {
    app,
    services,
    writeKey,
    readKey,
    call: (method, url, body, key) =>
      app.inject({
        method: method as 'GET',
        url,
        headers: { ...auth(key), ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
        ...(body !== undefined ? { payload: typeof body === 'string' ? body : JSON.stringify(body) } : {}),
      }),
    upload: (url, parts, key) => {
      const { payload, contentType } = multipart(parts);
      return app.inject({ method: 'POST', url, headers: { ...auth(key), 'content-type': contentType }, payload });
    },
  };
  try {
    await fn(api);
  } finally {
    await app.close();
    await index.stop();
  }
}

export function multipart(parts: Part[]): { payload: Buffer; contentType: string } {
  const boundary = `----perisai-test-${Math.random().toString(16).slice(2)}`;
  const chunks: Buffer[] = [];
  for (const p of parts) {
    const disposition = p.filename
      ? `form-data; name="${p.name}"; filename="${p.filename}"\r\nContent-Type: application/octet-stream`
      : `form-data; name="${p.name}"`;
    chunks.push(Buffer.from(`--${boundary}\r\nContent-Disposition: ${disposition}\r\n\r\n`));
    chunks.push(Buffer.isBuffer(p.data) ? p.data : Buffer.from(p.data));
    chunks.push(Buffer.from('\r\n'));
  }
  chunks.push(Buffer.from(`--${boundary}--\r\n`));
  return { payload: Buffer.concat(chunks), contentType: `multipart/form-data; boundary=${boundary}` };
}

/** A PDQ hash `bits` bits away from `hex` (flips the lowest bits). */
export function flipBits(hex: string, bits: number): string {
  const bytes = Buffer.from(hex, 'hex');
  for (let i = 0; i < bits; i++) bytes[31 - (i >> 3)]! ^= 1 << (i & 7);
  return bytes.toString('hex');
}

export const PDQ_A = 'f8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b22';
/** Every bit of PDQ_A flipped: distance 256, matches nothing near A. */
export const PDQ_B = Buffer.from(Buffer.from(PDQ_A, 'hex').map((b) => ~b & 0xff)).toString('hex');

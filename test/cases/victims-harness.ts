/**
 * Set-up of the case and victim API tests: an app over a real database with a
 * started live index, a cheap argon2id, a hand-moved clock, and helpers that
 * make organisations with logged-in staff.
 */
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { argon2idHasher } from '../../src/accounts/passwords.js';
import { createUser } from '../../src/accounts/users.js';
import type { Database } from '../../src/db/open.js';
import type { UserRole } from '../../src/db/schema.js';
import { FloodDetector } from '../../src/matching/flood.js';
import { LiveIndex } from '../../src/matching/live-index.js';
import { Matcher } from '../../src/matching/matcher.js';
import { buildApp } from '../../src/server/app.js';
import { type MatchingServices, serverLimitsFromEnv } from '../../src/server/services.js';
import {
  type AccountsApi,
  CHEAP_ARGON2,
  countingHasher,
  loginAndEnrol,
  ManualClock,
  MINUTE,
} from '../accounts/harness.js';

export interface CaseApi extends AccountsApi {
  services: MatchingServices;
  /** JSON request with extra headers. */
  request(
    method: string,
    url: string,
    options: { body?: unknown; cookie?: string; headers?: Record<string, string> },
  ): Promise<LightMyRequestResponse>;
}

export async function withCaseApi(database: Database, fn: (api: CaseApi) => Promise<void>): Promise<void> {
  const clock = new ManualClock();
  const { hasher, calls } = countingHasher();
  const logged: AccountsApi['logged'] = [];
  const index = new LiveIndex({ pollIntervalMs: 60_000 });
  await index.start(database);
  const flood = new FloodDetector({});
  const services: MatchingServices = { database, index, flood, matcher: new Matcher(database, index, flood) };
  const app: FastifyInstance = await buildApp({
    dataDir: '/nonexistent',
    services,
    limits: serverLimitsFromEnv({}),
    authCacheMs: 0,
    accounts: {
      clock: clock.now,
      passwords: hasher,
      appendToLog: async (kind, payload) => {
        logged.push({ kind, payload });
      },
      policy: { loginRateLimit: { max: 1000, windowMs: MINUTE } },
    },
  });
  const request: CaseApi['request'] = (method, url, options) =>
    app.inject({
      method: method as 'GET',
      url,
      headers: {
        ...(options.cookie ? { cookie: options.cookie } : {}),
        ...(options.body !== undefined ? { 'content-type': 'application/json' } : {}),
        ...options.headers,
      },
      ...(options.body !== undefined ? { payload: JSON.stringify(options.body) } : {}),
    });
  const api: CaseApi = {
    app,
    db: database.db,
    clock,
    calls,
    logged,
    services,
    request,
    call: (method, url, body, cookie) =>
      request(method, url, { ...(body !== undefined ? { body } : {}), ...(cookie ? { cookie } : {}) }),
  };
  try {
    await fn(api);
  } finally {
    await app.close();
    await index.stop();
  }
}

const PASSWORD = 'a long enough passphrase';

export interface Staff {
  organisationId: number;
  userId: number;
  cookie: string;
}

/** An organisation (made if missing) with one logged-in person of `role` (two-factor enrolled). */
export async function staff(api: CaseApi, organisation: string, email: string, role: UserRole): Promise<Staff> {
  const org =
    (await api.db.selectFrom('organisations').select('id').where('name', '=', organisation).executeTakeFirst()) ??
    (await api.db.insertInto('organisations').values({ name: organisation }).returning('id').executeTakeFirstOrThrow());
  const user = await createUser(api.db, argon2idHasher(CHEAP_ARGON2), {
    organisationId: org.id,
    email,
    displayName: email.split('@')[0]!,
    role,
    password: PASSWORD,
  });
  const needsTotp = role !== 'auditor';
  const cookie = needsTotp ? (await loginAndEnrol(api, email, PASSWORD)).cookie : await passwordSession(api, email);
  return { organisationId: org.id, userId: user.id, cookie };
}

async function passwordSession(api: CaseApi, email: string): Promise<string> {
  const res = await api.call('POST', '/api/v1/auth/login', { email, password: PASSWORD });
  if (res.statusCode !== 200) throw new Error(`login failed: ${res.body}`);
  const header = res.headers['set-cookie'];
  return String(Array.isArray(header) ? header[0] : header).split(';')[0]!;
}

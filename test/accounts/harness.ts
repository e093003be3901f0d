/**
 * Shared set-up of the account tests: a cheap argon2id cost, a clock the test
 * moves by hand, and an app over a real database with helpers to log in.
 */
import assert from 'node:assert/strict';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { URI } from 'otpauth';
import type { AppendToLog } from '../../src/accounts/audit.js';
import type { Clock } from '../../src/accounts/index.js';
import { type Argon2Cost, argon2idHasher, type PasswordHasher } from '../../src/accounts/passwords.js';
import type { AccountPolicy } from '../../src/accounts/policy.js';
import { issueSetupToken } from '../../src/accounts/setup.js';
import { totpCode } from '../../src/accounts/totp.js';
import type { Database } from '../../src/db/open.js';
import type { OpenedEvidence } from '../../src/evidence/open.js';
import { FloodDetector } from '../../src/matching/flood.js';
import { LiveIndex } from '../../src/matching/live-index.js';
import { Matcher } from '../../src/matching/matcher.js';
import { buildApp } from '../../src/server/app.js';
import type { MatchingServices } from '../../src/server/services.js';
import { serverLimitsFromEnv } from '../../src/server/services.js';

/** argon2id at the smallest sensible cost: the algorithm and format are real, the work is not. */
export const CHEAP_ARGON2: Argon2Cost = { memoryCost: 64, timeCost: 1, parallelism: 1 };

/** A clock that only moves when told to. */
export class ManualClock {
  constructor(private ms = Date.parse('2026-03-02T09:00:10Z')) {}
  readonly now: Clock = () => new Date(this.ms);
  advance(ms: number): void {
    this.ms += ms;
  }
}

export const MINUTE = 60_000;

/** A hasher that counts what it is asked to do. */
export function countingHasher(inner: PasswordHasher = argon2idHasher(CHEAP_ARGON2)) {
  const calls = { hash: 0, verify: 0, verifyDummy: 0 };
  const hasher: PasswordHasher = {
    hash(p) {
      calls.hash++;
      return inner.hash(p);
    },
    verify(s, p) {
      calls.verify++;
      return inner.verify(s, p);
    },
    verifyDummy(p) {
      calls.verifyDummy++;
      return inner.verifyDummy(p);
    },
    needsRehash: (s) => inner.needsRehash(s),
  };
  return { hasher, calls };
}

export interface AccountsApi {
  app: FastifyInstance;
  db: Database['db'];
  clock: ManualClock;
  calls: ReturnType<typeof countingHasher>['calls'];
  logged: { kind: string; payload: Record<string, unknown> }[];
  /** JSON request; `cookie` is a session cookie value ("perisai_session=..."). */
  call(method: string, url: string, body?: unknown, cookie?: string): Promise<LightMyRequestResponse>;
}

export interface AccountsApiOptions {
  policy?: Partial<AccountPolicy>;
  /** The evidence vault and log, for routes that need them. */
  evidence?: OpenedEvidence;
}

export async function withAccountsApi(
  database: Database,
  fn: (api: AccountsApi) => Promise<void>,
  options: AccountsApiOptions = {},
): Promise<void> {
  const clock = new ManualClock();
  const { hasher, calls } = countingHasher();
  const logged: AccountsApi['logged'] = [];
  const appendToLog: AppendToLog = async (kind, payload) => logged.push({ kind, payload });
  const index = new LiveIndex({ pollIntervalMs: 60_000 });
  const flood = new FloodDetector({});
  const services: MatchingServices = {
    database,
    index,
    flood,
    matcher: new Matcher(database, index, flood),
    ...(options.evidence ? { evidence: options.evidence, evidenceLog: options.evidence.log } : {}),
  };
  const app = await buildApp({
    dataDir: '/nonexistent',
    services,
    limits: serverLimitsFromEnv({}),
    authCacheMs: 0,
    accounts: {
      clock: clock.now,
      passwords: hasher,
      appendToLog,
      policy: { loginRateLimit: { max: 1000, windowMs: MINUTE }, ...options.policy },
    },
  });
  const api: AccountsApi = {
    app,
    db: database.db,
    clock,
    calls,
    logged,
    call: (method, url, body, cookie) =>
      app.inject({
        method: method as 'GET',
        url,
        headers: {
          ...(cookie ? { cookie } : {}),
          ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
        },
        ...(body !== undefined ? { payload: JSON.stringify(body) } : {}),
      }),
  };
  try {
    await fn(api);
  } finally {
    await app.close();
    await index.stop();
  }
}

/** "perisai_session=..." from a response's Set-Cookie, for the next request's Cookie header. */
export function sessionFrom(res: LightMyRequestResponse): string {
  const header = res.headers['set-cookie'];
  const line = Array.isArray(header) ? header[0] : header;
  assert.ok(line, `no Set-Cookie in a ${res.statusCode} answer: ${res.body}`);
  return line.split(';')[0]!;
}

export const ADMIN = {
  email: 'ana.admin@example.org',
  password: 'correct horse battery staple',
  organisation: 'Helpline A',
};

/** Runs first-start setup and returns the admin's id. */
export async function setupFirstAdmin(api: AccountsApi, who = ADMIN): Promise<number> {
  const issued = await issueSetupToken(api.db, { setupTokenTtlMs: 24 * 60 * MINUTE }, api.clock.now());
  assert.ok(issued, 'no admin yet, so a token is issued');
  const res = await api.call('POST', '/api/v1/setup', {
    token: issued.token,
    organisation: who.organisation,
    email: who.email,
    display_name: 'Ana Admin',
    password: who.password,
  });
  assert.equal(res.statusCode, 201, res.body);
  return res.json().user.id;
}

/** Logs in with a password alone (no TOTP yet) and enrols TOTP; returns the full session and the secret. */
export async function loginAndEnrol(
  api: AccountsApi,
  email: string,
  password: string,
): Promise<{ cookie: string; secret: string }> {
  const login = await api.call('POST', '/api/v1/auth/login', { email, password });
  assert.equal(login.statusCode, 200, login.body);
  assert.equal(login.json().status, 'totp_enrolment_required');
  const cookie = sessionFrom(login);
  const enrol = await api.call('POST', '/api/v1/auth/totp/enrol', undefined, cookie);
  assert.equal(enrol.statusCode, 200, enrol.body);
  const secret = URI.parse(enrol.json().otpauth_uri).secret.base32;
  const confirm = await api.call(
    'POST',
    '/api/v1/auth/totp/confirm',
    { code: totpCode(secret, api.clock.now()) },
    cookie,
  );
  assert.equal(confirm.statusCode, 200, confirm.body);
  return { cookie, secret };
}

/** Logs in with password and the current TOTP code (a later time step than any used before). */
export async function loginWithTotp(
  api: AccountsApi,
  email: string,
  password: string,
  secret: string,
): Promise<string> {
  api.clock.advance(30_000);
  const res = await api.call('POST', '/api/v1/auth/login', {
    email,
    password,
    totp: totpCode(secret, api.clock.now()),
  });
  assert.equal(res.statusCode, 200, res.body);
  return sessionFrom(res);
}

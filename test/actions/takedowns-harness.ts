/**
 * Set-up of the takedown API tests: the app over a real database with a
 * hand-moved clock, a settable evidence gate, an SMTP sink on loopback, and
 * organisations with logged-in staff.
 */
import type { FastifyInstance } from 'fastify';
import { argon2idHasher } from '../../src/accounts/passwords.js';
import { createUser } from '../../src/accounts/users.js';
import { defaultTakedownSettings, type EvidenceGate, smtpMailer } from '../../src/actions/takedowns/index.js';
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
import type { SmtpSink } from './takedowns-smtp.js';

export interface TakedownApi extends AccountsApi {
  /** Takedown ids whose evidence the gate reports as preserved. */
  preserved: Set<number>;
}

export async function withTakedownApi(
  database: Database,
  sink: SmtpSink,
  fn: (api: TakedownApi) => Promise<void>,
): Promise<void> {
  const clock = new ManualClock(Date.parse('2026-03-02T09:00:00Z'));
  const { hasher, calls } = countingHasher();
  const logged: AccountsApi['logged'] = [];
  const preserved = new Set<number>();
  const gate: EvidenceGate = {
    isPreserved: async (t) =>
      preserved.has(t.id) ? { preserved: true, reference: `capture-${t.id}` } : { preserved: false },
  };
  const index = new LiveIndex({ pollIntervalMs: 60_000 });
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
    takedowns: {
      gate,
      mailer: smtpMailer({ url: sink.url, from: 'Helpline A <takedowns@helpline-a.example>' }),
      settings: defaultTakedownSettings({ contact: 'takedowns@helpline-a.example' }),
    },
  });
  const api: TakedownApi = {
    app,
    db: database.db,
    clock,
    calls,
    logged,
    preserved,
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

const PASSWORD = 'a long enough passphrase';

export interface Staff {
  organisationId: number;
  userId: number;
  cookie: string;
}

/** A person of `role` in `organisation` (made if missing), logged in with two-factor enrolled where the role needs it. */
export async function staff(api: TakedownApi, organisation: string, email: string, role: UserRole): Promise<Staff> {
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
  let cookie: string;
  if (role === 'auditor') {
    const res = await api.call('POST', '/api/v1/auth/login', { email, password: PASSWORD });
    cookie = String([res.headers['set-cookie']].flat()[0]).split(';')[0]!;
  } else {
    cookie = (await loginAndEnrol(api, email, PASSWORD)).cookie;
  }
  return { organisationId: org.id, userId: user.id, cookie };
}

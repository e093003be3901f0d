/** The account repositories against PGlite and PostgreSQL. */
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import type { Kysely } from 'kysely';
import { type AppendToLog, AUDIT_ACTIONS, DatabaseAuditLog, listAuditEvents } from '../../src/accounts/audit.js';
import { isAccountError } from '../../src/accounts/errors.js';
import { argon2idHasher } from '../../src/accounts/passwords.js';
import { DEFAULT_ACCOUNT_POLICY } from '../../src/accounts/policy.js';
import { createSession, resolveSession, revokeSession, revokeUserSessions } from '../../src/accounts/sessions.js';
import { completeSetup, issueSetupToken } from '../../src/accounts/setup.js';
import {
  beginTotpEnrolment,
  confirmTotpEnrolment,
  consumeTotpStep,
  matchTotpStep,
  totpCode,
} from '../../src/accounts/totp.js';
import {
  createUser,
  getUser,
  hasActiveAdmin,
  listUsers,
  recordFailedLogin,
  updateUser,
} from '../../src/accounts/users.js';
import type { Schema } from '../../src/db/schema.js';
import { databaseVariants } from '../support/db.js';
import { CHEAP_ARGON2, MINUTE } from './harness.js';

const hasher = argon2idHasher(CHEAP_ARGON2);
const T0 = new Date('2026-03-02T09:00:10Z');
const at = (ms: number) => new Date(T0.getTime() + ms);
const PASSWORD = 'correct horse battery staple';

async function org(db: Kysely<Schema>, name: string): Promise<number> {
  return (await db.insertInto('organisations').values({ name }).returning('id').executeTakeFirstOrThrow()).id;
}

async function rejects(promise: Promise<unknown>, code: string, message: RegExp): Promise<void> {
  await assert.rejects(
    promise,
    (err: unknown) => isAccountError(err) && err.code === code && message.test(err.message),
  );
}

for (const variant of databaseVariants()) {
  describe(`accounts repositories (${variant.name})`, { skip: variant.skip }, () => {
    after(() => variant.dispose());

    test('users: argon2id hash stored, secrets never in the record, e-mail unique and normalised', () =>
      variant.run(async ({ db }) => {
        const a = await org(db, 'Helpline A');
        const user = await createUser(db, hasher, {
          organisationId: a,
          email: ' Siti.Rahma@Example.org',
          displayName: 'Siti Rahma',
          role: 'analyst',
          password: PASSWORD,
        });
        assert.equal(user.email, 'siti.rahma@example.org');
        assert.equal(user.totpEnrolled, false);
        assert.ok(!('passwordHash' in user) && !JSON.stringify(user).includes('argon2'));
        const row = await db.selectFrom('users').select('password_hash').executeTakeFirstOrThrow();
        assert.match(row.password_hash, /^\$argon2id\$/);
        assert.ok(!row.password_hash.includes(PASSWORD));
        await rejects(
          createUser(db, hasher, {
            organisationId: a,
            email: 'SITI.RAHMA@example.org',
            displayName: 'X',
            role: 'auditor',
            password: PASSWORD,
          }),
          'conflict',
          /already exists/,
        );
        await rejects(
          createUser(db, hasher, {
            organisationId: a,
            email: 'b@example.org',
            displayName: 'B',
            role: 'auditor',
            password: 'short',
          }),
          'validation',
          /at least 12/,
        );
        await rejects(
          createUser(db, hasher, {
            organisationId: a,
            email: 'b@example.org',
            displayName: 'B',
            role: 'root' as 'admin',
            password: PASSWORD,
          }),
          'validation',
          /role/,
        );
      }));

    test('users are scoped to their organisation', () =>
      variant.run(async ({ db }) => {
        const [a, b] = [await org(db, 'Helpline A'), await org(db, 'Helpline B')];
        const ua = await createUser(db, hasher, {
          organisationId: a,
          email: 'a@example.org',
          displayName: 'A',
          role: 'admin',
          password: PASSWORD,
        });
        const ub = await createUser(db, hasher, {
          organisationId: b,
          email: 'b@example.org',
          displayName: 'B',
          role: 'admin',
          password: PASSWORD,
        });
        assert.deepEqual(
          (await listUsers(db, a)).map((u) => u.id),
          [ua.id],
        );
        assert.equal(await getUser(db, a, ub.id), null);
        await rejects(updateUser(db, a, ub.id, { disabled: true }, T0), 'not-found', /not found/);
        assert.equal((await getUser(db, b, ub.id))?.disabledAt, null, 'untouched');
      }));

    test('the last enabled admin of an organisation cannot be demoted or disabled', () =>
      variant.run(async ({ db }) => {
        const a = await org(db, 'Helpline A');
        const first = await createUser(db, hasher, {
          organisationId: a,
          email: 'a1@example.org',
          displayName: 'A1',
          role: 'admin',
          password: PASSWORD,
        });
        await rejects(updateUser(db, a, first.id, { role: 'analyst' }, T0), 'conflict', /last enabled admin/);
        await rejects(updateUser(db, a, first.id, { disabled: true }, T0), 'conflict', /last enabled admin/);
        const second = await createUser(db, hasher, {
          organisationId: a,
          email: 'a2@example.org',
          displayName: 'A2',
          role: 'admin',
          password: PASSWORD,
        });
        const { before, after } = await updateUser(db, a, first.id, { role: 'auditor' }, T0);
        assert.equal(before.role, 'admin');
        assert.equal(after.role, 'auditor');
        await rejects(updateUser(db, a, second.id, { disabled: true }, T0), 'conflict', /last enabled admin/);
      }));

    test('failed logins lock the account at the limit and the count starts again', () =>
      variant.run(async ({ db }) => {
        const a = await org(db, 'Helpline A');
        const u = await createUser(db, hasher, {
          organisationId: a,
          email: 'a@example.org',
          displayName: 'A',
          role: 'auditor',
          password: PASSWORD,
        });
        const policy = { maxFailedLogins: 3, lockoutMs: 15 * MINUTE };
        assert.equal(await recordFailedLogin(db, u.id, policy, T0), null);
        assert.equal(await recordFailedLogin(db, u.id, policy, T0), null);
        const locked = await recordFailedLogin(db, u.id, policy, T0);
        assert.deepEqual(locked, at(15 * MINUTE));
        const row = await db.selectFrom('users').select(['failed_logins', 'locked_until']).executeTakeFirstOrThrow();
        assert.equal(row.failed_logins, 0);
        assert.deepEqual(row.locked_until, at(15 * MINUTE));
      }));

    test('sessions: only the SHA-256 is stored; idle timeout, absolute expiry, revocation, disabled users', () =>
      variant.run(async ({ db }) => {
        const a = await org(db, 'Helpline A');
        const u = await createUser(db, hasher, {
          organisationId: a,
          email: 'a@example.org',
          displayName: 'A',
          role: 'auditor',
          password: PASSWORD,
        });
        const policy = { sessionTtlMs: 60 * MINUTE, sessionIdleMs: 30 * MINUTE };
        const s = await createSession(db, u.id, policy, T0);
        assert.match(s.token, /^[A-Za-z0-9_-]{43}$/);
        const stored = await db.selectFrom('sessions').select('token_hash').executeTakeFirstOrThrow();
        assert.equal(stored.token_hash.length, 32);
        assert.ok(!stored.token_hash.equals(Buffer.from(s.token, 'base64url')));

        assert.equal((await resolveSession(db, s.token, policy, at(20 * MINUTE)))?.userId, u.id);
        assert.equal(
          (await resolveSession(db, s.token, policy, at(45 * MINUTE)))?.role,
          'auditor',
          'activity renews idle',
        );
        assert.equal(await resolveSession(db, s.token, policy, at(61 * MINUTE)), null, 'absolute expiry');
        await createSession(db, u.id, policy, at(61 * MINUTE));
        assert.equal(
          (await db.selectFrom('sessions').select('id').where('id', '=', s.sessionId).execute()).length,
          0,
          'the next login deletes the expired row',
        );

        const idle = await createSession(db, u.id, policy, T0);
        assert.equal(await resolveSession(db, idle.token, policy, at(31 * MINUTE)), null, 'idle timeout');

        const revoked = await createSession(db, u.id, policy, T0);
        await revokeSession(db, revoked.sessionId, T0);
        assert.equal(await resolveSession(db, revoked.token, policy, T0), null);

        for (const bad of ['', 'x'.repeat(43), `${s.token}A`, s.token.slice(0, -1)]) {
          assert.equal(await resolveSession(db, bad, policy, T0), null, bad);
        }

        const kept = await createSession(db, u.id, policy, T0);
        const other = await createSession(db, u.id, policy, T0);
        // s and idle have ended by time but were never revoked; other is live.
        assert.equal(await revokeUserSessions(db, u.id, T0, { except: kept.sessionId }), 3);
        assert.equal(await resolveSession(db, other.token, policy, T0), null);
        assert.ok(await resolveSession(db, kept.token, policy, T0));
        await updateUser(db, a, u.id, { disabled: true }, T0);
        assert.equal(await resolveSession(db, kept.token, policy, T0), null, 'a disabled user has no live session');
      }));

    test('setup token: issued only without an admin, stored hashed, usable once, expires', () =>
      variant.run(async ({ db }) => {
        const policy = { setupTokenTtlMs: DEFAULT_ACCOUNT_POLICY.setupTokenTtlMs };
        const first = await issueSetupToken(db, policy, T0);
        const second = await issueSetupToken(db, policy, T0);
        assert.ok(first && second);
        assert.match(second.token, /^pst_[A-Za-z0-9_-]{43}$/);
        const rows = await db.selectFrom('setup_tokens').select('token_hash').execute();
        assert.ok(rows.every((r) => !r.token_hash.equals(Buffer.from(second.token.slice(4), 'base64url'))));
        const input = (token: string) => ({
          token,
          organisation: 'Helpline A',
          email: 'ana@example.org',
          displayName: 'Ana',
          password: PASSWORD,
        });

        await rejects(completeSetup(db, hasher, input(first.token), T0), 'unauthorized', /setup token/);
        await rejects(
          completeSetup(db, hasher, input(second.token), at(24 * 60 * MINUTE + 1)),
          'unauthorized',
          /expired/,
        );
        await rejects(completeSetup(db, hasher, input('pst_guess'), T0), 'unauthorized', /setup token/);

        const { user } = await completeSetup(db, hasher, input(second.token), T0);
        assert.equal(user.role, 'admin');
        assert.equal(await hasActiveAdmin(db), true);
        await rejects(completeSetup(db, hasher, input(second.token), T0), 'conflict', /already complete/);
        assert.equal(await issueSetupToken(db, policy, T0), null, 'no token once an admin exists');
      }));

    test('TOTP: enrolment needs a matching code; each time step is accepted once', () =>
      variant.run(async ({ db }) => {
        const a = await org(db, 'Helpline A');
        const u = await createUser(db, hasher, {
          organisationId: a,
          email: 'a@example.org',
          displayName: 'A',
          role: 'analyst',
          password: PASSWORD,
        });
        await rejects(confirmTotpEnrolment(db, u.id, '123456', T0), 'conflict', /no enrolment/);
        const { secret, uri } = await beginTotpEnrolment(db, u.id, 'Perisai');
        assert.ok(uri.includes(`secret=${secret}`));
        const wrong = totpCode(secret, at(5 * MINUTE));
        assert.equal(await confirmTotpEnrolment(db, u.id, wrong, T0), false);
        assert.equal(await confirmTotpEnrolment(db, u.id, totpCode(secret, T0), T0), true);
        assert.equal((await getUser(db, a, u.id))?.totpEnrolled, true);
        await rejects(beginTotpEnrolment(db, u.id, 'Perisai'), 'conflict', /already enabled/);

        const step = matchTotpStep(secret, totpCode(secret, at(30_000)), at(30_000))!;
        assert.equal(await consumeTotpStep(db, u.id, step), true);
        assert.equal(await consumeTotpStep(db, u.id, step), false, 'replay');
        assert.equal(await consumeTotpStep(db, u.id, step - 1), false, 'older step');
        assert.equal(await consumeTotpStep(db, u.id, step + 1), true);
      }));

    test('audit events are rows and go to the tamper-evident log with the row id', () =>
      variant.run(async ({ db }) => {
        const logged: { kind: string; payload: Record<string, unknown> }[] = [];
        const appendToLog: AppendToLog = async (kind, payload) => logged.push({ kind, payload });
        const audit = new DatabaseAuditLog(() => db, { appendToLog });
        await audit.record({
          actor: { kind: 'user', id: 7, organisationId: 3 },
          action: AUDIT_ACTIONS.mediaUnblur,
          target: 'media:41',
          purpose: 'confirm the match before a takedown',
          at: T0,
          details: { case: 'PRS-0042' },
        });
        const [row] = await listAuditEvents(db, { organisationId: 3 });
        assert.equal(row?.action, 'media.unblur');
        assert.equal(row?.actor_kind, 'user');
        assert.equal(row?.actor_id, 7);
        assert.equal(row?.purpose, 'confirm the match before a takedown');
        assert.deepEqual(row?.at, T0);
        assert.deepEqual(row?.details, { case: 'PRS-0042' });
        assert.equal(logged.length, 1);
        assert.equal(logged[0]?.kind, 'audit');
        assert.deepEqual(logged[0]?.payload, {
          audit_event_id: row?.id,
          at: T0.toISOString(),
          actor: { kind: 'user', id: 7, organisation_id: 3 },
          action: 'media.unblur',
          target: 'media:41',
          purpose: 'confirm the match before a takedown',
          details: { case: 'PRS-0042' },
        });
        await assert.rejects(
          audit.record({
            actor: { kind: 'system', id: null, organisationId: null },
            action: 'Bad Action',
            target: 'x',
            purpose: null,
            at: T0,
          }),
          /noun\.verb/,
        );
      }));
  });
}

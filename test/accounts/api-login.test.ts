/** Setup, login, two-factor, sessions and logout through the HTTP API. */
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { listAuditEvents } from '../../src/accounts/audit.js';
import { issueSetupToken } from '../../src/accounts/setup.js';
import { totpCode } from '../../src/accounts/totp.js';
import { databaseVariants } from '../support/db.js';
import {
  type AccountsApi,
  type AccountsApiOptions,
  ADMIN,
  loginAndEnrol,
  loginWithTotp,
  MINUTE,
  sessionFrom,
  setupFirstAdmin,
  withAccountsApi,
} from './harness.js';

const variants = databaseVariants();
after(() => Promise.all(variants.map((v) => v.dispose())));
const pglite = variants.find((v) => v.name === 'pglite')!;
const run = (fn: (api: AccountsApi) => Promise<void>, options?: AccountsApiOptions) =>
  pglite.run((database) => withAccountsApi(database, fn, options));

const FAILED = { message: 'login failed: wrong e-mail, password or code, or the account is locked for a while' };
const loginBody = (password: string, totp?: string) => ({ email: ADMIN.email, password, ...(totp ? { totp } : {}) });

describe('first start', () => {
  test('the setup token creates the first admin once; never a default password', () =>
    run(async (api) => {
      const issued = (await issueSetupToken(api.db, { setupTokenTtlMs: 24 * 60 * MINUTE }, api.clock.now()))!;
      const body = {
        token: issued.token,
        organisation: 'Helpline A',
        email: ADMIN.email,
        display_name: 'Ana',
        password: ADMIN.password,
      };
      const wrong = await api.call('POST', '/api/v1/setup', { ...body, token: `pst_${'A'.repeat(43)}` });
      assert.equal(wrong.statusCode, 401);
      const weak = await api.call('POST', '/api/v1/setup', { ...body, password: 'admin' });
      assert.equal(weak.statusCode, 400);
      const ok = await api.call('POST', '/api/v1/setup', body);
      assert.equal(ok.statusCode, 201, ok.body);
      assert.equal(ok.json().user.role, 'admin');
      assert.equal(ok.json().user.two_factor_required, true);
      assert.ok(!ok.body.includes('argon2') && !ok.body.includes(ADMIN.password));
      const again = await api.call('POST', '/api/v1/setup', { ...body, email: 'mallory@example.org' });
      assert.equal(again.statusCode, 409);
      assert.match(again.json().message, /already complete/);
      const users = await api.db.selectFrom('users').select(['email', 'password_hash']).execute();
      assert.deepEqual(
        users.map((u) => u.email),
        [ADMIN.email],
      );
      assert.match(users[0]!.password_hash, /^\$argon2id\$/);
      const [event] = await listAuditEvents(api.db, { action: 'setup.first_admin' });
      assert.equal(event?.target, `user:${ok.json().user.id}`);
    }));
});

describe('login', () => {
  test('password login sets a Secure, HttpOnly, SameSite=Strict cookie; the token is never in the body', () =>
    run(async (api) => {
      await setupFirstAdmin(api);
      const res = await api.call('POST', '/api/v1/auth/login', loginBody(ADMIN.password));
      assert.equal(res.statusCode, 200, res.body);
      const cookie = String(res.headers['set-cookie']);
      for (const flag of ['HttpOnly', 'Secure', 'SameSite=Strict', 'Path=/']) assert.ok(cookie.includes(flag), cookie);
      assert.match(cookie, /Max-Age=43200/, '12 h');
      assert.ok(!res.body.includes(sessionFrom(res).split('=')[1]!));
      assert.equal(res.headers['cache-control'], 'no-store');
      const events = await listAuditEvents(api.db, { action: 'auth.login' });
      assert.equal(events.length, 1);
      assert.equal(events[0]?.purpose, 'login');
    }));

  test('wrong password, unknown e-mail and malformed e-mail get the same answer and the same argon2 work', () =>
    run(async (api) => {
      await setupFirstAdmin(api);
      const before = { ...api.calls };
      const wrong = await api.call('POST', '/api/v1/auth/login', loginBody('wrong password here'));
      assert.equal(api.calls.verify - before.verify, 1);
      const unknown = await api.call('POST', '/api/v1/auth/login', {
        email: 'nobody@example.org',
        password: 'wrong password here',
      });
      const malformed = await api.call('POST', '/api/v1/auth/login', {
        email: 'not-an-email',
        password: 'wrong password here',
      });
      assert.equal(api.calls.verifyDummy - before.verifyDummy, 2, 'unknown users verify against a dummy hash');
      for (const res of [wrong, unknown, malformed]) {
        assert.equal(res.statusCode, 401);
        assert.deepEqual(res.json(), FAILED);
        assert.equal(res.headers['set-cookie'], undefined);
      }
    }));

  test('five failures lock the account for 15 minutes, even against the right password', () =>
    run(async (api) => {
      await setupFirstAdmin(api);
      for (let i = 0; i < 5; i++) {
        assert.equal(
          (await api.call('POST', '/api/v1/auth/login', loginBody(`wrong password ${i}...`))).statusCode,
          401,
        );
      }
      const locked = await api.call('POST', '/api/v1/auth/login', loginBody(ADMIN.password));
      assert.equal(locked.statusCode, 401);
      assert.deepEqual(locked.json(), FAILED, 'a locked account looks like a wrong password');
      assert.equal((await listAuditEvents(api.db, { action: 'auth.lockout' })).length, 1);
      api.clock.advance(14 * MINUTE);
      assert.equal((await api.call('POST', '/api/v1/auth/login', loginBody(ADMIN.password))).statusCode, 401);
      api.clock.advance(MINUTE + 1);
      assert.equal((await api.call('POST', '/api/v1/auth/login', loginBody(ADMIN.password))).statusCode, 200);
      const row = await api.db.selectFrom('users').select(['failed_logins', 'locked_until']).executeTakeFirstOrThrow();
      assert.deepEqual(row, { failed_logins: 0, locked_until: null });
    }));

  test('the login route is rate-limited per client address', () =>
    run(
      async (api) => {
        for (let i = 0; i < 3; i++) {
          assert.equal(
            (await api.call('POST', '/api/v1/auth/login', loginBody('wrong password here'))).statusCode,
            401,
          );
        }
        const limited = await api.call('POST', '/api/v1/auth/login', loginBody('wrong password here'));
        assert.equal(limited.statusCode, 429);
        assert.match(limited.json().message, /rate limit/i);
        const other = await api.app.inject({
          method: 'POST',
          url: '/api/v1/auth/login',
          remoteAddress: '192.0.2.7',
          payload: loginBody('wrong password here'),
        });
        assert.equal(other.statusCode, 401, 'another address has its own budget');
      },
      { policy: { loginRateLimit: { max: 3, windowMs: MINUTE } } },
    ));
});

describe('two-factor', () => {
  test('an admin without TOTP gets an enrolment-only session until enrolled', () =>
    run(async (api) => {
      await setupFirstAdmin(api);
      const login = await api.call('POST', '/api/v1/auth/login', loginBody(ADMIN.password));
      assert.equal(login.json().status, 'totp_enrolment_required');
      const cookie = sessionFrom(login);
      const users = await api.call('GET', '/api/v1/users', undefined, cookie);
      assert.equal(users.statusCode, 403);
      assert.match(users.json().message, /two-factor is required.*enrol/);
      const me = await api.call('GET', '/api/v1/auth/me', undefined, cookie);
      assert.equal(me.statusCode, 200);
      assert.deepEqual(me.json().permissions, ['account:self']);
      assert.equal(me.json().enrolment_required, true);

      const enrol = await api.call('POST', '/api/v1/auth/totp/enrol', undefined, cookie);
      assert.match(enrol.json().otpauth_uri, /^otpauth:\/\/totp\/Perisai:ana\.admin%40example\.org\?/);
      assert.equal(enrol.headers['cache-control'], 'no-store');
      const bad = await api.call('POST', '/api/v1/auth/totp/confirm', { code: '000000' }, cookie);
      assert.equal(bad.statusCode, 400);
      const code = totpCode(enrol.json().secret, api.clock.now());
      assert.equal((await api.call('POST', '/api/v1/auth/totp/confirm', { code }, cookie)).statusCode, 200);
      assert.equal(
        (await api.call('GET', '/api/v1/users', undefined, cookie)).statusCode,
        200,
        'the session is now full',
      );
      assert.equal((await api.call('POST', '/api/v1/auth/totp/enrol', undefined, cookie)).statusCode, 409);
      const row = await api.db
        .selectFrom('users')
        .select(['totp_secret', 'totp_pending_secret'])
        .executeTakeFirstOrThrow();
      assert.equal(row.totp_secret, enrol.json().secret);
      assert.equal(row.totp_pending_secret, null);
      assert.ok(!me.body.includes(enrol.json().secret), 'the secret is never shown again');
    }));

  test('once enrolled, login needs a code: none is refused, a valid one accepted, a replayed one refused', () =>
    run(async (api) => {
      await setupFirstAdmin(api);
      const { secret } = await loginAndEnrol(api, ADMIN.email, ADMIN.password);
      api.clock.advance(30_000);
      const none = await api.call('POST', '/api/v1/auth/login', loginBody(ADMIN.password));
      assert.equal(none.statusCode, 401);
      assert.equal(none.json().totp_required, true);
      assert.equal(none.headers['set-cookie'], undefined);
      const code = totpCode(secret, api.clock.now());
      const ok = await api.call('POST', '/api/v1/auth/login', loginBody(ADMIN.password, code));
      assert.equal(ok.statusCode, 200, ok.body);
      assert.equal(ok.json().status, 'ok');
      const replay = await api.call('POST', '/api/v1/auth/login', loginBody(ADMIN.password, code));
      assert.equal(replay.statusCode, 401);
      assert.deepEqual(replay.json(), FAILED);
      const wrongCode = await api.call('POST', '/api/v1/auth/login', loginBody(ADMIN.password, '123456'));
      assert.equal(wrongCode.statusCode, 401);
      const reasons = (await listAuditEvents(api.db, { action: 'auth.login_failed' })).map((e) => e.details.reason);
      assert.ok(reasons.includes('reused-totp') && reasons.includes('wrong-totp'), String(reasons));
      await loginWithTotp(api, ADMIN.email, ADMIN.password, secret);
    }));

  test('a right password with wrong codes counts towards the lockout', () =>
    run(async (api) => {
      await setupFirstAdmin(api);
      const { secret } = await loginAndEnrol(api, ADMIN.email, ADMIN.password);
      for (let i = 0; i < 5; i++) await api.call('POST', '/api/v1/auth/login', loginBody(ADMIN.password, '000000'));
      api.clock.advance(30_000);
      const locked = await api.call(
        'POST',
        '/api/v1/auth/login',
        loginBody(ADMIN.password, totpCode(secret, api.clock.now())),
      );
      assert.equal(locked.statusCode, 401);
    }));
});

describe('sessions', () => {
  test('idle timeout and absolute expiry end a session; the cookie is cleared', () =>
    run(
      async (api) => {
        await setupFirstAdmin(api);
        const { cookie, secret } = await loginAndEnrol(api, ADMIN.email, ADMIN.password);
        for (let i = 0; i < 3; i++) {
          api.clock.advance(19 * MINUTE);
          assert.equal(
            (await api.call('GET', '/api/v1/auth/me', undefined, cookie)).statusCode,
            200,
            `at ${19 * (i + 1)} min`,
          );
        }
        api.clock.advance(4 * MINUTE);
        const expired = await api.call('GET', '/api/v1/auth/me', undefined, cookie);
        assert.equal(expired.statusCode, 401, 'past the 60 min lifetime despite activity');
        assert.match(String(expired.headers['set-cookie']), /Max-Age=0/);

        const fresh = await loginWithTotp(api, ADMIN.email, ADMIN.password, secret);
        api.clock.advance(21 * MINUTE);
        assert.equal((await api.call('GET', '/api/v1/auth/me', undefined, fresh)).statusCode, 401, 'idle for 21 min');
      },
      { policy: { sessionTtlMs: 60 * MINUTE, sessionIdleMs: 20 * MINUTE } },
    ));

  test('logout revokes the session; a forged or garbled cookie is refused', () =>
    run(async (api) => {
      await setupFirstAdmin(api);
      const { cookie } = await loginAndEnrol(api, ADMIN.email, ADMIN.password);
      const out = await api.call('POST', '/api/v1/auth/logout', undefined, cookie);
      assert.equal(out.statusCode, 204);
      assert.match(String(out.headers['set-cookie']), /^perisai_session=; .*Max-Age=0/);
      const after = await api.call('GET', '/api/v1/auth/me', undefined, cookie);
      assert.equal(after.statusCode, 401);
      assert.match(after.json().message, /log in again/);
      for (const forged of [
        'perisai_session=',
        `perisai_session=${'A'.repeat(43)}`,
        'perisai_session=%ZZ',
        'other=1',
      ]) {
        assert.equal((await api.call('GET', '/api/v1/auth/me', undefined, forged)).statusCode, 401, forged);
      }
      assert.equal((await listAuditEvents(api.db, { action: 'auth.logout' })).length, 1);
    }));

  test('changing the password needs the current one and ends the other sessions', () =>
    run(async (api) => {
      await setupFirstAdmin(api);
      const { cookie, secret } = await loginAndEnrol(api, ADMIN.email, ADMIN.password);
      const other = await loginWithTotp(api, ADMIN.email, ADMIN.password, secret);
      const next = 'a different long passphrase';
      const wrong = await api.call(
        'POST',
        '/api/v1/auth/password',
        { current_password: 'not it at all', new_password: next },
        cookie,
      );
      assert.equal(wrong.statusCode, 400);
      const weak = await api.call(
        'POST',
        '/api/v1/auth/password',
        { current_password: ADMIN.password, new_password: 'short' },
        cookie,
      );
      assert.equal(weak.statusCode, 400);
      const ok = await api.call(
        'POST',
        '/api/v1/auth/password',
        { current_password: ADMIN.password, new_password: next },
        cookie,
      );
      assert.equal(ok.statusCode, 204, ok.body);
      assert.equal((await api.call('GET', '/api/v1/auth/me', undefined, cookie)).statusCode, 200, 'this session stays');
      assert.equal((await api.call('GET', '/api/v1/auth/me', undefined, other)).statusCode, 401, 'the other one ends');
      await loginWithTotp(api, ADMIN.email, next, secret);
    }));
});

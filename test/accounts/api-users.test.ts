/** Users, roles, organisation scoping and the audit trail through the HTTP API; the first-start console message. */
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { listAuditEvents } from '../../src/accounts/audit.js';
import { argon2idHasher } from '../../src/accounts/passwords.js';
import { createUser } from '../../src/accounts/users.js';
import { createApiKey } from '../../src/banks/api-keys.js';
import { startServer } from '../../src/server/lifecycle.js';
import { databaseVariants, eventually } from '../support/db.js';
import {
  type AccountsApi,
  ADMIN,
  CHEAP_ARGON2,
  loginAndEnrol,
  sessionFrom,
  setupFirstAdmin,
  withAccountsApi,
} from './harness.js';

const variants = databaseVariants();
after(() => Promise.all(variants.map((v) => v.dispose())));
const pglite = variants.find((v) => v.name === 'pglite')!;
const run = (fn: (api: AccountsApi) => Promise<void>) => pglite.run((database) => withAccountsApi(database, fn));

const PASSWORD = 'a long enough passphrase';

/** The first admin with a full session. */
async function admin(api: AccountsApi): Promise<{ id: number; cookie: string }> {
  const id = await setupFirstAdmin(api);
  const { cookie } = await loginAndEnrol(api, ADMIN.email, ADMIN.password);
  return { id, cookie };
}

async function addUser(api: AccountsApi, cookie: string, email: string, role: string) {
  const res = await api.call(
    'POST',
    '/api/v1/users',
    { email, display_name: email.split('@')[0], role, password: PASSWORD, purpose: 'new staff' },
    cookie,
  );
  assert.equal(res.statusCode, 201, res.body);
  return res.json() as { id: number; role: string; organisation_id: number };
}

async function passwordLogin(api: AccountsApi, email: string): Promise<string> {
  const res = await api.call('POST', '/api/v1/auth/login', { email, password: PASSWORD });
  assert.equal(res.statusCode, 200, res.body);
  return sessionFrom(res);
}

describe('roles at the service boundary', () => {
  test('an auditor reads users but cannot manage them or write banks; an API key cannot manage users', () =>
    run(async (api) => {
      const { cookie } = await admin(api);
      await addUser(api, cookie, 'audrey@example.org', 'auditor');
      const auditor = await passwordLogin(api, 'audrey@example.org');
      assert.equal((await api.call('GET', '/api/v1/users', undefined, auditor)).statusCode, 200);
      assert.equal((await api.call('GET', '/api/v1/banks', undefined, auditor)).statusCode, 200, 'bank:read');
      const create = await api.call(
        'POST',
        '/api/v1/users',
        { email: 'x@example.org', display_name: 'X', role: 'admin', password: PASSWORD },
        auditor,
      );
      assert.equal(create.statusCode, 403);
      assert.equal(create.json().message, "your role 'auditor' does not grant 'user:manage'");
      const bank = await api.call('POST', '/api/v1/banks', { name: 'ncii', category: 'ncii' }, auditor);
      assert.equal(bank.statusCode, 403);
      assert.match(bank.json().message, /bank:write/);

      const { key } = await createApiKey(api.db, { name: 'writer', scope: 'write' });
      const byKey = await api.app.inject({
        method: 'GET',
        url: '/api/v1/users',
        headers: { authorization: `Bearer ${key}` },
      });
      assert.equal(byKey.statusCode, 403);
      assert.match(byKey.json().message, /scope 'write'.*user:read/);
      const me = await api.app.inject({
        method: 'GET',
        url: '/api/v1/auth/me',
        headers: { authorization: `Bearer ${key}` },
      });
      assert.equal(me.statusCode, 403, 'a key is not a person');
    }));

  test('an analyst must enrol TOTP before anything but their own account', () =>
    run(async (api) => {
      const { cookie } = await admin(api);
      await addUser(api, cookie, 'budi@example.org', 'analyst');
      const analyst = await passwordLogin(api, 'budi@example.org');
      const banks = await api.call('GET', '/api/v1/banks', undefined, analyst);
      assert.equal(banks.statusCode, 403);
      assert.match(banks.json().message, /two-factor/);
      await loginAndEnrol(api, 'budi@example.org', PASSWORD);
    }));

  test('a role change takes effect on the next request, and is audited with actor, purpose and before/after', () =>
    run(async (api) => {
      const { id: adminId, cookie } = await admin(api);
      const user = await addUser(api, cookie, 'citra@example.org', 'auditor');
      const session = await passwordLogin(api, 'citra@example.org');
      assert.equal((await api.call('GET', '/api/v1/users', undefined, session)).statusCode, 200, 'as auditor');
      const patch = await api.call(
        'PATCH',
        `/api/v1/users/${user.id}`,
        { role: 'analyst', purpose: 'joins the review team' },
        cookie,
      );
      assert.equal(patch.statusCode, 200, patch.body);
      assert.equal(patch.json().role, 'analyst');
      // The same session now carries the analyst role, which needs TOTP: enrolment only.
      const me = (await api.call('GET', '/api/v1/auth/me', undefined, session)).json();
      assert.equal(me.user.role, 'analyst');
      assert.deepEqual(me.permissions, ['account:self']);
      assert.equal((await api.call('GET', '/api/v1/users', undefined, session)).statusCode, 403);

      const [change] = await listAuditEvents(api.db, { action: 'user.role_change' });
      assert.equal(change?.actor_kind, 'user');
      assert.equal(change?.actor_id, adminId);
      assert.equal(change?.target, `user:${user.id}`);
      assert.equal(change?.purpose, 'joins the review team');
      assert.deepEqual(change?.details, { from: 'auditor', to: 'analyst' });
      assert.deepEqual(change?.at, api.clock.now());
      const [created] = await listAuditEvents(api.db, { action: 'user.create' });
      assert.equal(created?.purpose, 'new staff');
      const logged = api.logged.filter((l) => l.payload.action === 'user.role_change');
      assert.equal(logged.length, 1, 'also appended to the tamper-evident log');
      assert.equal(logged[0]?.kind, 'audit');
    }));

  test('disabling a user ends their sessions and refuses their login; the last admin stays', () =>
    run(async (api) => {
      const { id: adminId, cookie } = await admin(api);
      const user = await addUser(api, cookie, 'dewi@example.org', 'auditor');
      const session = await passwordLogin(api, 'dewi@example.org');
      const off = await api.call('PATCH', `/api/v1/users/${user.id}`, { disabled: true }, cookie);
      assert.equal(off.json().disabled, true);
      assert.equal((await api.call('GET', '/api/v1/users', undefined, session)).statusCode, 401);
      const login = await api.call('POST', '/api/v1/auth/login', { email: 'dewi@example.org', password: PASSWORD });
      assert.equal(login.statusCode, 401);
      assert.equal((await listAuditEvents(api.db, { action: 'user.disable' })).length, 1);

      const self = await api.call('PATCH', `/api/v1/users/${adminId}`, { role: 'analyst' }, cookie);
      assert.equal(self.statusCode, 409);
      assert.match(self.json().message, /last enabled admin/);
      const empty = await api.call('PATCH', `/api/v1/users/${user.id}`, { purpose: 'nothing' }, cookie);
      assert.equal(empty.statusCode, 400);
    }));
});

describe('organisations are isolated (IDOR)', () => {
  test("an admin of organisation A can neither see nor change organisation B's users", () =>
    run(async (api) => {
      const a = await admin(api);
      const orgB = (
        await api.db
          .insertInto('organisations')
          .values({ name: 'Helpline B' })
          .returning('id')
          .executeTakeFirstOrThrow()
      ).id;
      const hasher = argon2idHasher(CHEAP_ARGON2);
      const adminB = await createUser(api.db, hasher, {
        organisationId: orgB,
        email: 'bima@example.org',
        displayName: 'Bima',
        role: 'admin',
        password: PASSWORD,
      });
      const staffB = await createUser(api.db, hasher, {
        organisationId: orgB,
        email: 'eka@example.org',
        displayName: 'Eka',
        role: 'analyst',
        password: PASSWORD,
      });
      const b = await loginAndEnrol(api, 'bima@example.org', PASSWORD);

      const listA = (await api.call('GET', '/api/v1/users', undefined, a.cookie)).json();
      assert.deepEqual(
        listA.users.map((u: { email: string }) => u.email),
        [ADMIN.email],
      );
      const listB = (await api.call('GET', '/api/v1/users', undefined, b.cookie)).json();
      assert.deepEqual(listB.users.map((u: { id: number }) => u.id).sort(), [adminB.id, staffB.id].sort());

      for (const [method, body] of [
        ['GET', undefined],
        ['PATCH', { role: 'auditor' }],
        ['PATCH', { disabled: true }],
        ['PATCH', { reset_totp: true }],
      ] as const) {
        const res = await api.call(method, `/api/v1/users/${staffB.id}`, body, a.cookie);
        assert.equal(res.statusCode, 404, `${method} ${JSON.stringify(body)}`);
        assert.deepEqual(
          res.json(),
          { message: `user ${staffB.id} not found` },
          'same answer as a user that does not exist',
        );
      }
      const row = await api.db
        .selectFrom('users')
        .select(['role', 'disabled_at'])
        .where('id', '=', staffB.id)
        .executeTakeFirstOrThrow();
      assert.deepEqual(row, { role: 'analyst', disabled_at: null });
      assert.equal((await api.call('GET', `/api/v1/users/${a.id}`, undefined, b.cookie)).statusCode, 404);

      const created = await addUser(api, a.cookie, 'fajar@example.org', 'auditor');
      assert.equal(
        created.organisation_id,
        listA.users[0].organisation_id,
        'new users land in the creator’s organisation',
      );
    }));
});

describe('first start on the console', () => {
  test('the server prints a one-time setup token that creates the first admin', { timeout: 60_000 }, async () => {
    const store = await pglite.newStore();
    const announced: string[] = [];
    const server = await startServer({
      host: '127.0.0.1',
      port: 0,
      dataDir: store.options.dataDir!,
      log: () => {},
      announce: (m) => announced.push(m),
    });
    try {
      await server.databaseOpen;
      await eventually(() => announced.length > 0, 30_000, 'the setup message');
      const message = announced.join('\n');
      assert.match(message, /First start: create the first admin with POST \/api\/v1\/setup/);
      assert.match(message, /valid 24 h/);
      assert.match(message, /no default password/);
      const token = /setup token: (pst_[A-Za-z0-9_-]{43})/.exec(message)?.[1];
      assert.ok(token, message);
      const example = JSON.parse(/-d '(\{.*?\})'/.exec(message)![1]!);
      assert.equal(example.token, token);
      const pasted = await server.app.inject({ method: 'POST', url: '/api/v1/setup', payload: example });
      assert.equal(pasted.statusCode, 400, 'the example password is a placeholder that setup refuses');
      assert.match(pasted.json().message, /at least 12/);
      const res = await server.app.inject({
        method: 'POST',
        url: '/api/v1/setup',
        payload: {
          token,
          organisation: 'Helpline A',
          email: ADMIN.email,
          display_name: 'Ana',
          password: ADMIN.password,
        },
      });
      assert.equal(res.statusCode, 201, res.body);
    } finally {
      await server.stop();
      await store.cleanup();
    }
  });
});

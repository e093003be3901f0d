/**
 * The permission matrix: every route the server registers, called by every role,
 * by both API key scopes and by nobody. The route list comes from the app itself
 * (app.routeTable), so a new route is in the matrix the moment it exists, and a
 * route that declares neither a permission nor `public` fails here.
 *
 * Allowed means "got past authorization": any answer but 401/403 (a 400 for an
 * empty body or a 404 for a made-up id is fine). Denied means 401 without a
 * credential and 403 with one.
 */
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { createApiKey } from '../../src/banks/api-keys.js';
import { type Permission, ROLE_PERMISSIONS, SCOPE_PERMISSIONS } from '../../src/server/permissions.js';
import {
  type AccountsApi,
  ADMIN,
  loginAndEnrol,
  loginWithTotp,
  setupFirstAdmin,
  withAccountsApi,
} from '../accounts/harness.js';
import { databaseVariants } from '../support/db.js';

const pglite = databaseVariants().find((v) => v.name === 'pglite')!;
after(() => pglite.dispose());

type Caller = { name: string; permissions: ReadonlySet<Permission> | null; headers: Record<string, string> };

const ROLES = ['admin', 'analyst', 'case_manager', 'police_liaison', 'auditor'] as const;
const PASSWORD = 'a long enough fictional password';
/** Routes that end the caller's own session: called last for each caller, logout very last. */
const SESSION_ENDING: Record<string, number> = { 'POST /api/v1/auth/password': 1, 'POST /api/v1/auth/logout': 2 };
const lastness = (r: { method: string; url: string }) => SESSION_ENDING[`${r.method} ${r.url}`] ?? 0;

async function callers(api: AccountsApi): Promise<Caller[]> {
  await setupFirstAdmin(api);
  const admin = await loginAndEnrol(api, ADMIN.email, ADMIN.password);
  const list: Caller[] = [{ name: 'nobody', permissions: null, headers: {} }];
  for (const role of ROLES) {
    let cookie = admin.cookie;
    if (role !== 'admin') {
      const email = `${role}@example.org`;
      const created = await api.call(
        'POST',
        '/api/v1/users',
        { email, display_name: `Fictional ${role}`, role, password: PASSWORD },
        admin.cookie,
      );
      assert.equal(created.statusCode, 201, created.body);
      const login = await api.call('POST', '/api/v1/auth/login', { email, password: PASSWORD });
      cookie =
        login.json().status === 'totp_enrolment_required'
          ? await loginWithTotp(api, email, PASSWORD, (await loginAndEnrol(api, email, PASSWORD)).secret)
          : (login.headers['set-cookie'] as string).split(';')[0]!;
    }
    list.push({ name: role, permissions: ROLE_PERMISSIONS[role], headers: { cookie } });
  }
  for (const scope of ['read', 'write'] as const) {
    const { key } = await createApiKey(api.db, { name: `matrix ${scope}`, scope });
    list.push({
      name: `key:${scope}`,
      permissions: SCOPE_PERMISSIONS[scope],
      headers: { authorization: `Bearer ${key}` },
    });
  }
  return list;
}

test('every route, every role: allowed exactly when the role holds the route’s permission', () =>
  pglite.run((database) =>
    withAccountsApi(database, async (api) => {
      const routes = api.app.routeTable.filter((r) => r.method !== 'HEAD' && !r.url.startsWith('/docs'));
      assert.ok(routes.length >= 40, `only ${routes.length} routes registered`);
      const undeclared = routes.filter((r) => !r.config.public && !r.config.permission);
      assert.deepEqual(
        undeclared.map((r) => `${r.method} ${r.url}`),
        [],
        'routes without a declared permission',
      );
      const ordered = [...routes].sort((a, b) => lastness(a) - lastness(b));
      const wrong: string[] = [];
      let calls = 0;
      for (const caller of await callers(api)) {
        for (const route of ordered) {
          const url = route.url.replace(/:[A-Za-z_]+/g, '1').replace(/\*$/, '');
          const body = ['POST', 'PUT', 'PATCH'].includes(route.method) ? {} : undefined;
          const res = await api.app.inject({
            method: route.method as 'GET',
            url,
            headers: { ...caller.headers, ...(body ? { 'content-type': 'application/json' } : {}) },
            ...(body ? { payload: '{}' } : {}),
          });
          calls++;
          const allowed =
            route.config.public === true || caller.permissions?.has(route.config.permission as Permission);
          const denied = res.statusCode === 401 || res.statusCode === 403;
          const expected = allowed ? 'allowed' : caller.permissions === null ? '401' : '403';
          const got = denied ? String(res.statusCode) : 'allowed';
          if (got !== expected)
            wrong.push(
              `${caller.name} ${route.method} ${route.url}: expected ${expected}, got ${res.statusCode} ${res.body.slice(0, 120)}`,
            );
        }
      }
      assert.deepEqual(wrong, [], `${wrong.length} of ${calls} calls disagree with the matrix`);
    }),
  ));

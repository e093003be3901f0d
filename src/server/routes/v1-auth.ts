/**
 * /api/v1/setup and /api/v1/auth: first-start setup, login and logout, who am
 * I, password change, and TOTP enrolment.
 *
 * Login answers with a session cookie (Secure, HttpOnly, SameSite=Strict) and
 * never with the token in the body. Setup, login, TOTP confirmation and
 * password change are rate-limited per client address, on top of the
 * per-account lockout.
 */
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { AUDIT_ACTIONS } from '../../accounts/audit.js';
import { clearedSessionCookie, sessionCookie } from '../../accounts/cookies.js';
import { type AccountsConfig, accountDeps } from '../../accounts/index.js';
import { changePassword, login } from '../../accounts/login.js';
import { revokeSession } from '../../accounts/sessions.js';
import { completeSetup } from '../../accounts/setup.js';
import { beginTotpEnrolment, confirmTotpEnrolment } from '../../accounts/totp.js';
import { getUser } from '../../accounts/users.js';
import { HttpError } from '../errors.js';
import { Permission, type Principal } from '../permissions.js';
import type { RouteContext } from '../services.js';
import { errorBody, errorResponses as errors } from './v1-schemas.js';
import { accountHttpError, passwordField, toUserOut, userOut } from './v1-users.js';

const AUTH = ['Accounts'];
const limited = { ...errors, 429: errorBody };

const setupBody = z.strictObject({
  token: z.string().max(100).describe('the setup token printed on the server console at first start'),
  organisation: z.string().trim().min(1).max(200),
  email: z.string().max(320),
  display_name: z.string().trim().min(1).max(200),
  password: passwordField.describe('at least 12 characters, not the e-mail address'),
});

const loginBody = z.strictObject({
  email: z.string().max(320),
  password: passwordField,
  totp: z.string().max(16).optional().describe('current code from the authenticator app, when two-factor is on'),
});

const loginOut = z.object({
  status: z
    .enum(['ok', 'totp_enrolment_required'])
    .describe('totp_enrolment_required: the session may only enrol two-factor until it has'),
  user: userOut,
  expires_at: z.string().describe('ISO 8601 time the session ends at the latest'),
});

const meOut = z.object({
  user: userOut,
  permissions: z.array(z.string()),
  enrolment_required: z.boolean(),
});

export function v1AuthRoutes(root: FastifyInstance, ctx: RouteContext, accounts: AccountsConfig): void {
  const app = root.withTypeProvider<ZodTypeProvider>();
  const { services } = ctx;
  const deps = () => accountDeps(accounts, services.database.db, root.auditLog);
  const { max, windowMs } = accounts.policy.loginRateLimit;
  const rateLimit = { max, timeWindow: windowMs };

  app.post(
    '/api/v1/setup',
    {
      config: { public: true, rateLimit },
      schema: {
        tags: AUTH,
        summary: 'First start: create the first admin with the one-time setup token printed on the console',
        security: [],
        body: setupBody,
        response: { 201: z.object({ user: userOut }), ...limited },
      },
    },
    async (request, reply) => {
      const d = deps();
      const b = request.body;
      const { user } = await completeSetup(
        d.db,
        d.passwords,
        {
          token: b.token,
          organisation: b.organisation,
          email: b.email,
          displayName: b.display_name,
          password: b.password,
        },
        d.clock(),
      ).catch((err: unknown) => {
        throw accountHttpError(err);
      });
      await d.audit.record({
        actor: { kind: 'user', id: user.id, organisationId: user.organisationId },
        action: AUDIT_ACTIONS.setupAdmin,
        target: `user:${user.id}`,
        purpose: 'first start setup',
        at: d.clock(),
        details: { ip: request.ip, role: user.role },
      });
      return reply.code(201).send({ user: toUserOut(user) });
    },
  );

  app.post(
    '/api/v1/auth/login',
    {
      config: { public: true, rateLimit },
      schema: {
        tags: AUTH,
        summary: 'Log in with e-mail, password and (when enrolled) a TOTP code; sets the session cookie',
        security: [],
        body: loginBody,
        response: { 200: loginOut, ...limited },
      },
    },
    async (request, reply) => {
      const d = deps();
      const b = request.body;
      const outcome = await login(d, { email: b.email, password: b.password, totp: b.totp, ip: request.ip });
      noStore(reply);
      if (outcome.kind === 'totp-required') {
        throw new HttpError(401, 'a two-factor code is required: send "totp" with the current code', {
          totp_required: true,
        });
      }
      if (outcome.kind === 'failed') {
        throw new HttpError(401, 'login failed: wrong e-mail, password or code, or the account is locked for a while');
      }
      const user = await getUser(d.db, outcome.organisationId, outcome.userId);
      reply.header('set-cookie', sessionCookie(outcome.token, outcome.expiresAt.getTime() - d.clock().getTime()));
      return {
        status: outcome.enrolmentRequired ? ('totp_enrolment_required' as const) : ('ok' as const),
        user: toUserOut(user!),
        expires_at: outcome.expiresAt.toISOString(),
      };
    },
  );

  app.post(
    '/api/v1/auth/logout',
    {
      config: { permission: Permission.OwnAccount },
      schema: { tags: AUTH, summary: 'End this session', response: { 204: z.undefined(), ...errors } },
    },
    async (request, reply) => {
      const principal = request.principal!;
      const d = deps();
      await revokeSession(d.db, principal.sessionId!, d.clock());
      await request.audit({ action: AUDIT_ACTIONS.logout, target: `user:${principal.id}`, purpose: 'logout' });
      return reply.header('set-cookie', clearedSessionCookie()).code(204).send();
    },
  );

  app.get(
    '/api/v1/auth/me',
    {
      config: { permission: Permission.OwnAccount },
      schema: { tags: AUTH, summary: 'The logged-in user and what they may do', response: { 200: meOut, ...errors } },
    },
    async (request) => {
      const principal = request.principal!;
      return {
        user: toUserOut(await currentUser(principal)),
        permissions: [...principal.permissions].sort(),
        enrolment_required: principal.enrolmentOnly === true,
      };
    },
  );

  app.post(
    '/api/v1/auth/password',
    {
      config: { permission: Permission.OwnAccount, rateLimit },
      schema: {
        tags: AUTH,
        summary: 'Change your password; your other sessions end',
        body: z.strictObject({ current_password: passwordField, new_password: passwordField }),
        response: { 204: z.undefined(), ...limited },
      },
    },
    async (request, reply) => {
      const principal = request.principal!;
      const user = await currentUser(principal);
      const changed = await changePassword(deps(), {
        userId: user.id,
        organisationId: user.organisationId,
        email: user.email,
        currentPassword: request.body.current_password,
        newPassword: request.body.new_password,
        sessionId: principal.sessionId,
      }).catch((err: unknown) => {
        throw accountHttpError(err);
      });
      if (!changed) throw new HttpError(400, 'current_password is wrong');
      return reply.code(204).send();
    },
  );

  app.post(
    '/api/v1/auth/totp/enrol',
    {
      config: { permission: Permission.OwnAccount },
      schema: {
        tags: AUTH,
        summary: 'Start two-factor enrolment: returns the otpauth URI (shown once; scan it, then confirm a code)',
        response: {
          200: z.object({
            otpauth_uri: z.string(),
            secret: z.string().describe('the same secret in base32, for typing in by hand'),
          }),
          ...errors,
        },
      },
    },
    async (request, reply) => {
      const { uri, secret } = await beginTotpEnrolment(
        services.database.db,
        ownUserId(request.principal!),
        accounts.policy.totpIssuer,
      ).catch((err: unknown) => {
        throw accountHttpError(err);
      });
      noStore(reply);
      return { otpauth_uri: uri, secret };
    },
  );

  app.post(
    '/api/v1/auth/totp/confirm',
    {
      config: { permission: Permission.OwnAccount, rateLimit },
      schema: {
        tags: AUTH,
        summary: 'Finish enrolment with a code from the authenticator app; two-factor is then required at login',
        body: z.strictObject({ code: z.string().max(16) }),
        response: { 200: z.object({ two_factor: z.literal(true) }), ...limited },
      },
    },
    async (request) => {
      const d = deps();
      const userId = ownUserId(request.principal!);
      const ok = await confirmTotpEnrolment(d.db, userId, request.body.code, d.clock()).catch((err: unknown) => {
        throw accountHttpError(err);
      });
      if (!ok) throw new HttpError(400, 'the code does not match: check the code and the device clock, and try again');
      await request.audit({
        action: AUDIT_ACTIONS.totpEnrolled,
        target: `user:${userId}`,
        purpose: 'two-factor enrolment',
      });
      return { two_factor: true as const };
    },
  );

  async function currentUser(principal: Principal) {
    const user = await getUser(services.database.db, principal.organisationId!, ownUserId(principal));
    if (!user) throw new HttpError(401, 'session expired or ended: log in again');
    return user;
  }
}

function ownUserId(principal: Principal): number {
  if (principal.kind !== 'user') throw new HttpError(403, 'only a logged-in person has an account');
  return principal.id;
}

function noStore(reply: FastifyReply): void {
  reply.header('cache-control', 'no-store');
}

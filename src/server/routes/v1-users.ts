/**
 * /api/v1/users: the people of the caller's organisation. Every query is
 * filtered by the caller's organisation, so another organisation's user is
 * "not found" (never "forbidden", which would confirm it exists). Every change
 * is an audited permission change.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { AUDIT_ACTIONS } from '../../accounts/audit.js';
import { isAccountError } from '../../accounts/errors.js';
import { type AccountsConfig, accountDeps } from '../../accounts/index.js';
import { MAX_PASSWORD_LENGTH } from '../../accounts/policy.js';
import { revokeUserSessions } from '../../accounts/sessions.js';
import { createUser, getUser, listUsers, type User, type UserPatch, updateUser } from '../../accounts/users.js';
import { USER_ROLES } from '../../db/schema.js';
import { HttpError } from '../errors.js';
import { canGrantRole, Permission, requiresTotp } from '../permissions.js';
import type { RouteContext } from '../services.js';
import { errorResponses as errors } from './v1-schemas.js';

const USERS = ['Users'];
const isoTime = z.string().describe('ISO 8601 time');

export const userOut = z.object({
  id: z.number().int(),
  organisation_id: z.number().int(),
  email: z.string(),
  display_name: z.string(),
  role: z.enum(USER_ROLES),
  two_factor: z.boolean().describe('TOTP is enrolled'),
  two_factor_required: z.boolean().describe('the role needs TOTP: admin, or can unblur media or export evidence'),
  disabled: z.boolean(),
  locked_until: isoTime.nullable().describe('set while locked after too many failed logins'),
  created_at: isoTime,
  updated_at: isoTime,
});

export function toUserOut(u: User): z.infer<typeof userOut> {
  return {
    id: u.id,
    organisation_id: u.organisationId,
    email: u.email,
    display_name: u.displayName,
    role: u.role,
    two_factor: u.totpEnrolled,
    two_factor_required: requiresTotp(u.role),
    disabled: u.disabledAt !== null,
    locked_until: u.lockedUntil?.toISOString() ?? null,
    created_at: u.createdAt.toISOString(),
    updated_at: u.updatedAt.toISOString(),
  };
}

export const passwordField = z
  .string()
  .max(MAX_PASSWORD_LENGTH, `password must be at most ${MAX_PASSWORD_LENGTH} characters`);
const purpose = z.string().trim().min(1).max(1000).optional().describe('why: kept in the audit trail');

const userCreateBody = z.strictObject({
  email: z.string().max(320),
  display_name: z.string().trim().min(1).max(200),
  role: z.enum(USER_ROLES),
  password: passwordField.describe('initial password, at least 12 characters; the user should change it'),
  purpose,
});

const userPatchBody = z
  .strictObject({
    role: z.enum(USER_ROLES).optional(),
    display_name: z.string().trim().min(1).max(200).optional(),
    disabled: z.boolean().optional().describe('true ends all their sessions'),
    reset_totp: z.literal(true).optional().describe('forget their two-factor (lost phone); they enrol again'),
    purpose,
  })
  .refine((b) => Object.keys(b).some((k) => k !== 'purpose'), 'give at least one change');

const userIdParams = z.object({ id: z.coerce.number().int().positive() });

/** AccountError → the HTTP status it stands for; anything else passes through. */
export function accountHttpError(err: unknown): unknown {
  if (!isAccountError(err)) return err;
  const status = { validation: 400, unauthorized: 401, 'not-found': 404, conflict: 409 }[err.code];
  return new HttpError(status, err.message);
}

/** The caller's organisation; people-facing routes need one (a global API key has none). */
export function callerOrganisation(request: FastifyRequest): number {
  const org = request.principal?.organisationId;
  if (org === null || org === undefined) throw new HttpError(403, 'this credential belongs to no organisation');
  return org;
}

export function v1UserRoutes(root: FastifyInstance, ctx: RouteContext, accounts: AccountsConfig): void {
  const app = root.withTypeProvider<ZodTypeProvider>();
  const { services } = ctx;
  const deps = () => accountDeps(accounts, services.database.db, root.auditLog);

  app.get(
    '/api/v1/users',
    {
      config: { permission: Permission.UserRead },
      schema: {
        tags: USERS,
        summary: "The users of the caller's organisation",
        response: { 200: z.object({ users: z.array(userOut) }), ...errors },
      },
    },
    async (request) => ({ users: (await listUsers(services.database.db, callerOrganisation(request))).map(toUserOut) }),
  );

  app.get(
    '/api/v1/users/:id',
    {
      config: { permission: Permission.UserRead },
      schema: { tags: USERS, summary: 'One user', params: userIdParams, response: { 200: userOut, ...errors } },
    },
    async (request) => {
      const user = await getUser(services.database.db, callerOrganisation(request), request.params.id);
      if (!user) throw new HttpError(404, `user ${request.params.id} not found`);
      return toUserOut(user);
    },
  );

  app.post(
    '/api/v1/users',
    {
      config: { permission: Permission.UserManage },
      schema: {
        tags: USERS,
        summary: "Create a user in the caller's organisation (audited)",
        body: userCreateBody,
        response: { 201: userOut, ...errors },
      },
    },
    async (request, reply) => {
      const b = request.body;
      if (!canGrantRole(request.principal!, b.role)) throw new HttpError(403, `you cannot grant the role '${b.role}'`);
      const d = deps();
      const user = await createUser(d.db, d.passwords, {
        organisationId: callerOrganisation(request),
        email: b.email,
        displayName: b.display_name,
        role: b.role,
        password: b.password,
      }).catch((err: unknown) => {
        throw accountHttpError(err);
      });
      await request.audit({
        action: AUDIT_ACTIONS.userCreate,
        target: `user:${user.id}`,
        purpose: b.purpose ?? 'user administration',
        details: { role: user.role, email: user.email },
      });
      return reply.code(201).send(toUserOut(user));
    },
  );

  app.patch(
    '/api/v1/users/:id',
    {
      config: { permission: Permission.UserManage },
      schema: {
        tags: USERS,
        summary: 'Change role or name, disable or enable, or reset two-factor (audited)',
        params: userIdParams,
        body: userPatchBody,
        response: { 200: userOut, ...errors },
      },
    },
    async (request) => {
      const b = request.body;
      if (b.role && !canGrantRole(request.principal!, b.role)) {
        throw new HttpError(403, `you cannot grant the role '${b.role}'`);
      }
      const patch: UserPatch = {
        ...(b.role ? { role: b.role } : {}),
        ...(b.display_name !== undefined ? { displayName: b.display_name } : {}),
        ...(b.disabled !== undefined ? { disabled: b.disabled } : {}),
        ...(b.reset_totp ? { resetTotp: true } : {}),
      };
      const d = deps();
      const now = d.clock();
      const { before, after } = await updateUser(
        d.db,
        callerOrganisation(request),
        request.params.id,
        patch,
        now,
      ).catch((err: unknown) => {
        throw accountHttpError(err);
      });
      // Role changes need no session to end: permissions are looked up from the role on every request.
      if ((patch.disabled && !before.disabledAt) || patch.resetTotp) await revokeUserSessions(d.db, after.id, now);
      for (const event of permissionChanges(before, after, patch)) {
        await request.audit({ ...event, target: `user:${after.id}`, purpose: b.purpose ?? 'user administration' });
      }
      return toUserOut(after);
    },
  );
}

/** One audit event per permission-relevant change. */
function permissionChanges(before: User, after: User, patch: UserPatch) {
  const events: { action: string; details: Record<string, unknown> }[] = [];
  if (before.role !== after.role) {
    events.push({ action: AUDIT_ACTIONS.userRoleChange, details: { from: before.role, to: after.role } });
  }
  if (!before.disabledAt && after.disabledAt) events.push({ action: AUDIT_ACTIONS.userDisable, details: {} });
  if (before.disabledAt && !after.disabledAt) events.push({ action: AUDIT_ACTIONS.userEnable, details: {} });
  if (patch.resetTotp)
    events.push({ action: AUDIT_ACTIONS.userTotpReset, details: { was_enrolled: before.totpEnrolled } });
  return events;
}

/**
 * Logging in and changing one's password.
 *
 * Every failure looks the same to the caller ("wrong e-mail or password, or the
 * account is locked"), and every attempt costs one argon2 verification, also
 * for an unknown e-mail (against a dummy hash), so neither the answer nor its
 * timing tells which e-mail addresses have accounts. Wrong passwords and wrong
 * or replayed TOTP codes count towards the lockout; a missing TOTP code does
 * not (it guesses nothing). While locked or disabled, nothing is counted and
 * even the right password is refused.
 */
import { requiresTotp } from '../server/permissions.js';
import { ANONYMOUS_ACTOR, AUDIT_ACTIONS, type AuditActor } from './audit.js';
import { AccountError } from './errors.js';
import type { AccountDeps } from './index.js';
import { normaliseEmail, passwordProblem } from './policy.js';
import { createSession, revokeUserSessions } from './sessions.js';
import { consumeTotpStep, matchTotpStep } from './totp.js';
import {
  findLoginRecord,
  getPasswordHash,
  type LoginRecord,
  recordFailedLogin,
  recordSuccessfulLogin,
  setPasswordHash,
} from './users.js';

export interface LoginInput {
  email: string;
  password: string;
  /** The current code from the authenticator app, when two-factor is on. */
  totp?: string | undefined;
  /** The client's address, for the audit trail. */
  ip?: string | undefined;
}

export type LoginOutcome =
  | {
      kind: 'ok';
      token: string;
      expiresAt: Date;
      userId: number;
      organisationId: number;
      /** Two-factor is required but not set up: the session may only enrol it. */
      enrolmentRequired: boolean;
    }
  | { kind: 'totp-required' }
  | { kind: 'failed' };

type Refusal = 'unknown-user' | 'disabled' | 'locked' | 'wrong-password' | 'wrong-totp' | 'reused-totp';

export async function login(deps: AccountDeps, input: LoginInput): Promise<LoginOutcome> {
  const now = deps.clock();
  const email = normaliseEmail(input.email);
  const record = email ? await findLoginRecord(deps.db, email) : null;
  if (!record) {
    await deps.passwords.verifyDummy(input.password);
    return refuse(deps, null, 'unknown-user', input, now);
  }
  const passwordOk = await deps.passwords.verify(record.passwordHash, input.password);
  if (record.disabled) return refuse(deps, record, 'disabled', input, now);
  if (record.lockedUntil && record.lockedUntil > now) return refuse(deps, record, 'locked', input, now);
  if (!passwordOk) return countFailure(deps, record, 'wrong-password', input, now);
  if (record.totpSecret) {
    if (!input.totp) return { kind: 'totp-required' };
    const step = matchTotpStep(record.totpSecret, input.totp, now);
    if (step === null) return countFailure(deps, record, 'wrong-totp', input, now);
    if (!(await consumeTotpStep(deps.db, record.id, step)))
      return countFailure(deps, record, 'reused-totp', input, now);
  }
  return succeed(deps, record, input, now);
}

async function succeed(deps: AccountDeps, record: LoginRecord, input: LoginInput, now: Date): Promise<LoginOutcome> {
  await recordSuccessfulLogin(deps.db, record.id);
  // Hashes made under an older, cheaper cost are upgraded while the password is at hand.
  if (deps.passwords.needsRehash(record.passwordHash)) {
    await setPasswordHash(deps.db, record.id, await deps.passwords.hash(input.password), now);
  }
  const session = await createSession(deps.db, record.id, deps.policy, now);
  const enrolmentRequired = requiresTotp(record.role) && !record.totpSecret;
  await deps.audit.record({
    actor: userActor(record),
    action: AUDIT_ACTIONS.login,
    target: `user:${record.id}`,
    purpose: 'login',
    at: now,
    details: { ip: input.ip ?? null, two_factor: record.totpSecret !== null, enrolment_only: enrolmentRequired },
  });
  return {
    kind: 'ok',
    token: session.token,
    expiresAt: session.expiresAt,
    userId: record.id,
    organisationId: record.organisationId,
    enrolmentRequired,
  };
}

async function countFailure(
  deps: AccountDeps,
  record: LoginRecord,
  reason: Refusal,
  input: LoginInput,
  now: Date,
): Promise<LoginOutcome> {
  const lockedUntil = await recordFailedLogin(deps.db, record.id, deps.policy, now);
  const outcome = await refuse(deps, record, reason, input, now);
  if (lockedUntil) {
    await deps.audit.record({
      actor: ANONYMOUS_ACTOR,
      action: AUDIT_ACTIONS.lockout,
      target: `user:${record.id}`,
      purpose: 'too many failed logins',
      at: now,
      details: { ip: input.ip ?? null, locked_until: lockedUntil.toISOString() },
    });
  }
  return outcome;
}

async function refuse(
  deps: AccountDeps,
  record: LoginRecord | null,
  reason: Refusal,
  input: LoginInput,
  now: Date,
): Promise<LoginOutcome> {
  await deps.audit.record({
    // The caller is not authenticated; the organisation is the account's, so its admins see the attempt.
    actor: { ...ANONYMOUS_ACTOR, organisationId: record?.organisationId ?? null },
    action: AUDIT_ACTIONS.loginFailed,
    target: record ? `user:${record.id}` : 'user:unknown',
    purpose: 'login',
    at: now,
    details: { ip: input.ip ?? null, reason },
  });
  return { kind: 'failed' };
}

function userActor(record: { id: number; organisationId: number }): AuditActor {
  return { kind: 'user', id: record.id, organisationId: record.organisationId };
}

export interface PasswordChange {
  userId: number;
  organisationId: number;
  email: string;
  currentPassword: string;
  newPassword: string;
  /** This session stays; the user's other sessions end. */
  sessionId?: number | undefined;
}

/** Changes one's own password after checking the current one. False when the current one is wrong. */
export async function changePassword(deps: AccountDeps, change: PasswordChange): Promise<boolean> {
  const now = deps.clock();
  const stored = await getPasswordHash(deps.db, change.userId);
  if (!stored || !(await deps.passwords.verify(stored, change.currentPassword))) return false;
  const problem = passwordProblem(change.newPassword, change.email);
  if (problem) throw new AccountError('validation', problem);
  await setPasswordHash(deps.db, change.userId, await deps.passwords.hash(change.newPassword), now);
  const ended = await revokeUserSessions(
    deps.db,
    change.userId,
    now,
    change.sessionId !== undefined ? { except: change.sessionId } : {},
  );
  await deps.audit.record({
    actor: userActor({ id: change.userId, organisationId: change.organisationId }),
    action: AUDIT_ACTIONS.passwordChange,
    target: `user:${change.userId}`,
    purpose: 'password change',
    at: now,
    details: { other_sessions_ended: ended },
  });
  return true;
}

/**
 * Login sessions. The cookie carries 32 random bytes (base64url); the database
 * keeps only their SHA-256, so a leaked database or backup holds no usable
 * session. A session ends at its absolute expiry, after the idle timeout, at
 * logout, or when its user is disabled.
 *
 * Times come from the caller's clock rather than the database's now(), so the
 * expiry rules are testable without waiting.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Schema, UserRole } from '../db/schema.js';
import type { AccountPolicy } from './policy.js';

const TOKEN_FORMAT = /^[A-Za-z0-9_-]{43}$/;

export interface SessionUser {
  sessionId: number;
  userId: number;
  organisationId: number;
  role: UserRole;
  totpEnrolled: boolean;
  expiresAt: Date;
}

type Lifetimes = Pick<AccountPolicy, 'sessionTtlMs' | 'sessionIdleMs'>;

/** Starts a session; `token` goes into the cookie and nowhere else. */
export async function createSession(
  db: Kysely<Schema>,
  userId: number,
  policy: Lifetimes,
  now: Date,
): Promise<{ token: string; sessionId: number; expiresAt: Date }> {
  // Housekeeping at login: this user's sessions that can no longer be used (bounded by logins per lifetime).
  await db.deleteFrom('sessions').where('user_id', '=', userId).where('expires_at', '<=', now).execute();
  const secret = randomBytes(32);
  const expiresAt = new Date(now.getTime() + policy.sessionTtlMs);
  const row = await db
    .insertInto('sessions')
    .values({ user_id: userId, token_hash: sha256(secret), created_at: now, last_seen_at: now, expires_at: expiresAt })
    .returning('id')
    .executeTakeFirstOrThrow();
  return { token: secret.toString('base64url'), sessionId: row.id, expiresAt };
}

/** The live session behind a cookie value and its user, or null. Notes the activity. */
export async function resolveSession(
  db: Kysely<Schema>,
  token: string,
  policy: Lifetimes,
  now: Date,
): Promise<SessionUser | null> {
  if (!TOKEN_FORMAT.test(token)) return null;
  const secret = Buffer.from(token, 'base64url');
  // Base64url's last character carries spare bits; only the canonical spelling is the token.
  if (secret.length !== 32 || secret.toString('base64url') !== token) return null;
  const idleSince = new Date(now.getTime() - policy.sessionIdleMs);
  const row = await db
    .selectFrom('sessions as s')
    .innerJoin('users as u', 'u.id', 's.user_id')
    .select(['s.id', 's.user_id', 's.expires_at', 's.last_seen_at', 'u.org_id', 'u.role', 'u.totp_secret'])
    .where('s.token_hash', '=', sha256(secret))
    .where('s.revoked_at', 'is', null)
    .where('s.expires_at', '>', now)
    .where('s.last_seen_at', '>', idleSince)
    .where('u.disabled_at', 'is', null)
    .executeTakeFirst();
  if (!row) return null;
  // Writing on every request would turn reads into writes; a fraction of the idle timeout is precise enough.
  if (now.getTime() - row.last_seen_at.getTime() > Math.min(60_000, policy.sessionIdleMs / 10)) {
    await db.updateTable('sessions').set({ last_seen_at: now }).where('id', '=', row.id).execute();
  }
  return {
    sessionId: row.id,
    userId: row.user_id,
    organisationId: row.org_id,
    role: row.role,
    totpEnrolled: row.totp_secret !== null,
    expiresAt: row.expires_at,
  };
}

export async function revokeSession(db: Kysely<Schema>, sessionId: number, now: Date): Promise<void> {
  await db
    .updateTable('sessions')
    .set({ revoked_at: now })
    .where('id', '=', sessionId)
    .where('revoked_at', 'is', null)
    .execute();
}

/** Ends every session of a user (disabled, password changed, two-factor reset), optionally but one. */
export async function revokeUserSessions(
  db: Kysely<Schema>,
  userId: number,
  now: Date,
  options: { except?: number } = {},
): Promise<number> {
  let query = db
    .updateTable('sessions')
    .set({ revoked_at: now })
    .where('user_id', '=', userId)
    .where('revoked_at', 'is', null);
  if (options.except !== undefined) query = query.where('id', '!=', options.except);
  const result = await query.executeTakeFirst();
  return Number(result.numUpdatedRows);
}

function sha256(data: Uint8Array): Buffer {
  return createHash('sha256').update(data).digest();
}

/**
 * TOTP two-factor (RFC 6238: HMAC-SHA1, 6 digits, 30 s steps, as every
 * authenticator app expects), with otpauth for the arithmetic.
 *
 * A code is accepted one step early or late (clock drift), and each time step
 * is accepted at most once per user: the last accepted step is stored, and a
 * code is only taken for a later step, in one conditional UPDATE, so a code
 * seen over someone's shoulder or replayed from a log cannot be used again.
 *
 * Enrolment is two calls: `beginTotpEnrolment` hands out a new secret (kept as
 * pending), `confirmTotpEnrolment` makes it active once a code from it matches,
 * which proves the authenticator holds it.
 */
import type { Kysely } from 'kysely';
import { Secret, TOTP } from 'otpauth';
import type { Schema } from '../db/schema.js';
import { AccountError } from './errors.js';

const PERIOD_S = 30;
const DIGITS = 6;
/** Steps accepted either side of now. */
const WINDOW = 1;

/** 160 random bits, base32: RFC 4226's recommended secret length for SHA-1. */
export function newTotpSecret(): string {
  return new Secret({ size: 20 }).base32;
}

/** The otpauth:// URI an authenticator app scans (as a QR code) or imports. */
export function totpUri(secret: string, issuer: string, account: string): string {
  return totp(secret, issuer, account).toString();
}

/** The time step a code belongs to, if it is valid within the window around `now`; else null. */
export function matchTotpStep(secret: string, code: string, now: Date): number | null {
  const token = code.replace(/\s+/g, '');
  if (!new RegExp(`^\\d{${DIGITS}}$`).test(token)) return null;
  const timestamp = now.getTime();
  const delta = totp(secret).validate({ token, timestamp, window: WINDOW });
  return delta === null ? null : TOTP.counter({ period: PERIOD_S, timestamp }) + delta;
}

/** The code for `now`, for tests and tools; the server never needs it. */
export function totpCode(secret: string, now: Date): string {
  return totp(secret).generate({ timestamp: now.getTime() });
}

/**
 * Accepts `step` for the user if it is later than every step accepted before.
 * False means the code was already used (or an older one): refuse it.
 */
export async function consumeTotpStep(db: Kysely<Schema>, userId: number, step: number): Promise<boolean> {
  const result = await db
    .updateTable('users')
    .set({ totp_last_step: step })
    .where('id', '=', userId)
    .where((eb) => eb.or([eb('totp_last_step', 'is', null), eb('totp_last_step', '<', step)]))
    .executeTakeFirst();
  return result.numUpdatedRows > 0n;
}

/** Starts (or restarts) enrolment; the URI is shown once. Refused when two-factor is already on. */
export async function beginTotpEnrolment(
  db: Kysely<Schema>,
  userId: number,
  issuer: string,
): Promise<{ uri: string; secret: string }> {
  const secret = newTotpSecret();
  const row = await db
    .updateTable('users')
    .set({ totp_pending_secret: secret })
    .where('id', '=', userId)
    .where('totp_secret', 'is', null)
    .returning('email')
    .executeTakeFirst();
  if (!row) throw new AccountError('conflict', 'two-factor is already enabled; an admin can reset it');
  return { uri: totpUri(secret, issuer, row.email), secret };
}

/**
 * Turns the pending secret on when `code` matches it. False when the code does
 * not match; AccountError when there is nothing to confirm.
 */
export async function confirmTotpEnrolment(
  db: Kysely<Schema>,
  userId: number,
  code: string,
  now: Date,
): Promise<boolean> {
  const row = await db
    .selectFrom('users')
    .select(['totp_pending_secret', 'totp_secret'])
    .where('id', '=', userId)
    .executeTakeFirst();
  if (row?.totp_secret) throw new AccountError('conflict', 'two-factor is already enabled');
  const pending = row?.totp_pending_secret;
  if (!pending)
    throw new AccountError('conflict', 'no enrolment in progress: start one with POST /api/v1/auth/totp/enrol');
  const step = matchTotpStep(pending, code, now);
  if (step === null) return false;
  const result = await db
    .updateTable('users')
    .set({ totp_secret: pending, totp_pending_secret: null, totp_last_step: step, updated_at: now })
    .where('id', '=', userId)
    .where('totp_pending_secret', '=', pending)
    .where('totp_secret', 'is', null)
    .executeTakeFirst();
  return result.numUpdatedRows > 0n;
}

function totp(secret: string, issuer = '', label = 'Perisai'): TOTP {
  return new TOTP({
    issuer,
    label,
    algorithm: 'SHA1',
    digits: DIGITS,
    period: PERIOD_S,
    secret: Secret.fromBase32(secret),
  });
}

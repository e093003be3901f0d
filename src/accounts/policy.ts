/**
 * The rules accounts follow: password policy, lockout, session lifetimes, and
 * e-mail normalisation. Pure: no I/O, so the rules are easy to test and read.
 */

export interface AccountPolicy {
  /** Failed logins in a row before the account locks. */
  readonly maxFailedLogins: number;
  /** How long a locked account stays locked. */
  readonly lockoutMs: number;
  /** A session ends this long after login, however active. */
  readonly sessionTtlMs: number;
  /** A session ends after this long without a request. */
  readonly sessionIdleMs: number;
  /** A printed setup token is valid this long. */
  readonly setupTokenTtlMs: number;
  /** Login (and setup, TOTP confirm) requests per client address and window. */
  readonly loginRateLimit: { readonly max: number; readonly windowMs: number };
  /** Shown in authenticator apps next to the account. */
  readonly totpIssuer: string;
}

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

export const DEFAULT_ACCOUNT_POLICY: AccountPolicy = {
  maxFailedLogins: 5,
  lockoutMs: 15 * MINUTE,
  sessionTtlMs: 12 * HOUR,
  sessionIdleMs: 30 * MINUTE,
  setupTokenTtlMs: 24 * HOUR,
  loginRateLimit: { max: 10, windowMs: MINUTE },
  totpIssuer: 'Perisai',
};

export const MIN_PASSWORD_LENGTH = 12;
/** argon2 cost grows with input; a megabyte "password" would be a cheap way to burn CPU. */
export const MAX_PASSWORD_LENGTH = 1024;
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/** Trimmed and lower-cased, the form stored and looked up; null when it is not an e-mail address. */
export function normaliseEmail(email: string): string | null {
  const normalised = email.normalize('NFC').trim().toLowerCase();
  return normalised.length <= 254 && EMAIL.test(normalised) ? normalised : null;
}

/** Why a new password is refused, or null when it is acceptable. */
export function passwordProblem(password: string, email: string): string | null {
  const length = [...password].length;
  if (length < MIN_PASSWORD_LENGTH) return `password must be at least ${MIN_PASSWORD_LENGTH} characters`;
  if (length > MAX_PASSWORD_LENGTH) return `password must be at most ${MAX_PASSWORD_LENGTH} characters`;
  const lowered = password.trim().toLowerCase();
  const address = email.trim().toLowerCase();
  if (lowered === address || lowered === address.split('@')[0]) return 'password must not be the e-mail address';
  if (new Set(password).size < 4) return 'password must not repeat a few characters';
  return null;
}

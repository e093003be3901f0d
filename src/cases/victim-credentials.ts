/**
 * A victim's credentials: a case number (the case reference), a PIN and a
 * recovery code. Pure: generation, normalisation and digests, no I/O.
 *
 * PIN: 10 random digits. Digits, because they read and type the same on any
 * phone keyboard and in any language (word lists would need one per language).
 * Ten, because the PIN guards hashes of someone's intimate images: with the
 * per-case lockout (10 wrong PINs → locked for an hour) a guesser gets at most
 * 240 tries a day on a case, one in 40 million of the space per day; and a guesser
 * spraying many case numbers still needs ~10^10 tries per hit, while first having
 * to find a case number that exists (random, see cases.ts). Six digits, as
 * StopNCII uses, would be 10,000 times weaker.
 *
 * Recovery code: 140 random bits (28 Crockford base32 symbols in groups of four),
 * shown once. It is what lets Perisai recover a lost PIN without storing anything
 * about the person: whoever holds the code may set a new PIN. Stored as SHA-256
 * only (a slow hash adds nothing to a secret that cannot be guessed).
 */
import { createHash, randomBytes, randomInt, timingSafeEqual } from 'node:crypto';

export const PIN_DIGITS = 10;
const RECOVERY_SYMBOLS = 28;
const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

export interface VictimCredentialPolicy {
  /** Wrong PINs in a row before the case locks. */
  readonly maxFailedPins: number;
  /** How long a locked case refuses every PIN (the recovery code still works). */
  readonly lockoutMs: number;
}

export const DEFAULT_VICTIM_CREDENTIAL_POLICY: VictimCredentialPolicy = {
  maxFailedPins: 10,
  lockoutMs: 60 * 60_000,
};

/** Ten digits, leading zeros kept. */
export function generatePin(): string {
  let pin = '';
  for (let i = 0; i < PIN_DIGITS; i++) pin += String(randomInt(0, 10));
  return pin;
}

/** "ABCD-EFGH-..." (7 groups of 4). */
export function generateRecoveryCode(): string {
  const bytes = randomBytes(RECOVERY_SYMBOLS);
  const symbols = [...bytes].map((b) => CROCKFORD[b & 31]!).join('');
  return symbols.match(/.{4}/g)!.join('-');
}

/** The PIN's digits without spaces or dashes; null when it cannot be a PIN. */
export function normalisePin(text: string): string | null {
  const pin = text.replace(/[\s-]/g, '');
  return /^\d{10}$/.test(pin) ? pin : null;
}

/**
 * Upper case, no separators, and the letters people confuse read as Crockford
 * does (O → 0, I and L → 1); null when it cannot be a recovery code.
 */
export function normaliseRecoveryCode(text: string): string | null {
  const code = text.replace(/[\s-]/g, '').toUpperCase().replace(/O/g, '0').replace(/[IL]/g, '1');
  return code.length === RECOVERY_SYMBOLS && [...code].every((c) => CROCKFORD.includes(c)) ? code : null;
}

/** SHA-256 of the normalised code: what is stored. */
export function recoveryDigest(normalisedCode: string): Buffer {
  return createHash('sha256').update(`perisai-victim-recovery:${normalisedCode}`).digest();
}

/** Constant-time comparison of a presented code with a stored digest. */
export function recoveryMatches(presented: string, stored: Buffer): boolean {
  const code = normaliseRecoveryCode(presented);
  const digest = recoveryDigest(code ?? '');
  return code !== null && stored.length === digest.length && timingSafeEqual(digest, stored);
}

/** Whether a lock set at some point still holds at `now`. */
export function isLocked(lockedUntil: Date | null, now: Date): boolean {
  return lockedUntil !== null && lockedUntil > now;
}

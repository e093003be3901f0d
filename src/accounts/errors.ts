/**
 * Errors the account repositories throw for bad input, missing rows and
 * conflicts. The HTTP layer maps the code to a status (routes/v1-users.ts).
 */
import type { ZodError } from 'zod';

/** validation → 400, unauthorized → 401 (a bad setup token), not-found → 404, conflict → 409. */
export type AccountErrorCode = 'validation' | 'unauthorized' | 'not-found' | 'conflict';

export class AccountError extends Error {
  readonly code: AccountErrorCode;

  constructor(code: AccountErrorCode, message: string, options: { cause?: unknown } = {}) {
    super(message, { cause: options.cause });
    this.name = 'AccountError';
    this.code = code;
  }
}

export function isAccountError(err: unknown): err is AccountError {
  return err instanceof AccountError;
}

export function invalid(what: string, err: ZodError): AccountError {
  const summary = err.issues.map((i) => (i.path.length ? `${i.path.join('.')}: ${i.message}` : i.message)).join('; ');
  return new AccountError('validation', `invalid ${what}: ${summary}`, { cause: err });
}

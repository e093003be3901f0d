/**
 * Errors the bank repositories throw on bad input or missing rows, with a code the
 * HTTP layer can map (validation → 400, not-found → 404, conflict → 409).
 */
import type { ZodError } from 'zod';

export type BankErrorCode = 'validation' | 'not-found' | 'conflict';

export class BankError extends Error {
  readonly code: BankErrorCode;
  /** Field-level problems for validation errors: path → message. */
  readonly issues: readonly { path: string; message: string }[];

  constructor(
    code: BankErrorCode,
    message: string,
    options: { cause?: unknown; issues?: readonly { path: string; message: string }[] } = {},
  ) {
    super(message, { cause: options.cause });
    this.name = 'BankError';
    this.code = code;
    this.issues = options.issues ?? [];
  }
}

export function isBankError(err: unknown, code?: BankErrorCode): err is BankError {
  return err instanceof BankError && (code === undefined || err.code === code);
}

export function validationError(what: string, err: ZodError): BankError {
  const issues = err.issues.map((i) => ({ path: i.path.join('.'), message: i.message }));
  const summary = issues.map((i) => (i.path ? `${i.path}: ${i.message}` : i.message)).join('; ');
  return new BankError('validation', `invalid ${what}: ${summary}`, { cause: err, issues });
}

export function notFound(what: string): BankError {
  return new BankError('not-found', `${what} not found`);
}

/** Postgres unique_violation, from either driver. */
export function isUniqueViolation(err: unknown): boolean {
  return typeof err === 'object' && err !== null && (err as { code?: unknown }).code === '23505';
}

/**
 * Errors the case and victim repositories throw for bad input, missing rows,
 * refused credentials and conflicts. The HTTP layer maps the code to a status.
 */
import type { ZodError } from 'zod';

/** validation → 400, unauthorized → 401, not-found → 404, conflict → 409. */
export type CaseErrorCode = 'validation' | 'unauthorized' | 'not-found' | 'conflict';

export class CaseError extends Error {
  readonly code: CaseErrorCode;

  constructor(code: CaseErrorCode, message: string, options: { cause?: unknown } = {}) {
    super(message, { cause: options.cause });
    this.name = 'CaseError';
    this.code = code;
  }
}

export function isCaseError(err: unknown): err is CaseError {
  return err instanceof CaseError;
}

export function invalidInput(what: string, err: ZodError): CaseError {
  const summary = err.issues.map((i) => (i.path.length ? `${i.path.join('.')}: ${i.message}` : i.message)).join('; ');
  return new CaseError('validation', `invalid ${what}: ${summary}`, { cause: err });
}

export const CASE_ERROR_STATUS = { validation: 400, unauthorized: 401, 'not-found': 404, conflict: 409 } as const;

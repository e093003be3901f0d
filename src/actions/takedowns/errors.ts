/**
 * Errors of the takedown module, with a code the HTTP layer maps:
 * validation 400, not-found 404, conflict 409 (a transition the state machine
 * refuses, or a concurrent change), evidence-not-preserved 409 (preserve before
 * takedown), delivery 502 (the SMTP server refused or was unreachable),
 * not-configured 503 (no SMTP settings).
 */
export type TakedownErrorCode =
  | 'validation'
  | 'not-found'
  | 'conflict'
  | 'evidence-not-preserved'
  | 'delivery'
  | 'not-configured';

export class TakedownError extends Error {
  constructor(
    readonly code: TakedownErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'TakedownError';
  }
}

export function isTakedownError(err: unknown, code?: TakedownErrorCode): err is TakedownError {
  return err instanceof TakedownError && (code === undefined || err.code === code);
}

export const TAKEDOWN_ERROR_STATUS: Readonly<Record<TakedownErrorCode, number>> = {
  validation: 400,
  'not-found': 404,
  conflict: 409,
  'evidence-not-preserved': 409,
  delivery: 502,
  'not-configured': 503,
};

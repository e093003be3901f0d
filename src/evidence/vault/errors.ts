/** Errors of the evidence vault. Messages name the item and the problem, never key material or content. */

export class VaultError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'VaultError';
  }
}

/** Bad input to capture (one item): reported to the caller, the process goes on. */
export class InvalidCaptureError extends VaultError {
  constructor(message: string) {
    super(message);
    this.name = 'InvalidCaptureError';
  }
}

export class CaptureNotFoundError extends VaultError {
  constructor(readonly captureId: string) {
    super(`no evidence capture ${captureId}`);
    this.name = 'CaptureNotFoundError';
  }
}

/** Stored bytes or rows do not decrypt or do not hash to what was recorded: tampering or corruption. */
export class IntegrityError extends VaultError {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'IntegrityError';
  }
}

/** A data key cannot be unwrapped with the loaded master key. */
export class KeyUnwrapError extends IntegrityError {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'KeyUnwrapError';
  }
}

/** Child sexual abuse material is never handed out in clear. */
export class CsamClearAccessError extends VaultError {
  constructor(readonly captureId: string) {
    super(
      `capture ${captureId} is in the csam category: its media is never opened in clear; ` +
        'request an encrypted export (exportSealed with the recipient public key), or open it without media',
    );
    this.name = 'CsamClearAccessError';
  }
}

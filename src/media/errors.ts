/** Why a media item was refused. Each item fails on its own; batches go on. */
export type MediaErrorCode =
  | 'empty'
  | 'file-too-large'
  | 'too-many-pixels'
  | 'unsupported-format'
  | 'corrupt'
  | 'unreadable';

export class MediaError extends Error {
  readonly code: MediaErrorCode;
  constructor(code: MediaErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'MediaError';
    this.code = code;
  }
}

export function isMediaError(err: unknown): err is MediaError {
  return err instanceof MediaError;
}

/** Why a media item was refused. Each item fails on its own; batches go on. */
export type MediaErrorCode =
  | 'empty'
  | 'file-too-large'
  | 'too-many-pixels'
  | 'unsupported-format'
  | 'corrupt'
  | 'unreadable'
  /** A media file with no (non-cover-art) video stream, e.g. audio only. */
  | 'no-video-stream'
  /** The system ffmpeg/ffprobe could not be found or started. */
  | 'ffmpeg-missing'
  /** A decoder ran past its time budget and was killed. */
  | 'timeout'
  /** Longer than the configured maximum duration. */
  | 'too-long'
  /** The caller aborted (AbortSignal). */
  | 'aborted';

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

/** Hashes a file into bank signals: PDQ (with quality), MD5 and SHA-256 for images. */
import type { SignalInput } from '../banks/hashes.js';
import { hashPhotoFile } from '../hashing/photo.js';
import { mediaLimitsFromEnv } from '../media/limits.js';

export async function signalsForFile(path: string): Promise<SignalInput[]> {
  const r = await hashPhotoFile(path, { limits: mediaLimitsFromEnv() });
  return [
    { type: 'pdq', hash: r.pdq, quality: r.quality },
    { type: 'md5', hash: r.md5 },
    { type: 'sha256', hash: r.sha256 },
  ];
}

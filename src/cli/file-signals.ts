/** Hashes a file into bank signals: PDQ for images, vPDQ for videos, MD5 and SHA-256 for both. */
import type { SignalInput } from '../banks/hashes.js';
import { hashMediaFile, signalsOf } from '../hashing/media.js';

export async function signalsForFile(path: string): Promise<SignalInput[]> {
  return signalsOf(await hashMediaFile(path));
}

/**
 * The "fetch media" step for remote sources (Bot API, MTProto): bytes are fetched
 * once, before the message is stored, and kept in a spool folder named by their
 * SHA-256, so the durable work queue only ever points at local files. A fetcher is
 * a closure and cannot survive a restart; a file can.
 *
 * A download that fails marks that media item missing, with the reason: the
 * message and its other media are stored and assessed regardless.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { MediaRef, NormalizedMessage } from '../sources/types.js';

export interface SpoolOptions {
  /** Larger downloads are refused (default 200 MB). */
  maxBytes?: number;
}

/** Fetches every remote media item of the messages into `dir`; returns how many failed. */
export async function spoolRemoteMedia(
  messages: readonly NormalizedMessage[],
  dir: string,
  options: SpoolOptions = {},
): Promise<number> {
  let failed = 0;
  await mkdir(dir, { recursive: true, mode: 0o700 });
  for (const message of messages) {
    for (const [i, ref] of message.media.entries()) {
      if (ref.path || ref.missing !== undefined || !ref.fetch) continue;
      const outcome = await spoolOne(ref, dir, options.maxBytes ?? 200 * 1024 * 1024);
      if (outcome.missing !== undefined) failed++;
      message.media[i] = outcome;
    }
  }
  return failed;
}

async function spoolOne(ref: MediaRef, dir: string, maxBytes: number): Promise<MediaRef> {
  const { fetch, ...rest } = ref;
  let bytes: Uint8Array;
  try {
    bytes = await fetch!();
  } catch (err) {
    return { ...rest, missing: `download failed: ${(err as Error).message}` };
  }
  if (bytes.byteLength > maxBytes)
    return { ...rest, missing: `download of ${bytes.byteLength} bytes is over the ${maxBytes}-byte limit` };
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  const path = join(dir, sha256);
  // Write beside and rename: a crash never leaves a half file under the final name.
  const temp = `${path}.${randomBytes(6).toString('hex')}.part`;
  try {
    await writeFile(temp, bytes, { mode: 0o600 });
    await rename(temp, path);
  } catch (err) {
    await rm(temp, { force: true });
    return { ...rest, missing: `could not keep the download: ${(err as Error).message}` };
  }
  return { ...rest, path, size: bytes.byteLength };
}

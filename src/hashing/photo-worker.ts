/**
 * The thread side of PhotoHashPool: decodes and hashes photos sent by the main
 * thread. Each request carries the file's bytes (transferred, not copied) and
 * its digests; the answer is the PhotoHash or the MediaError's code and message.
 */
import { parentPort } from 'node:worker_threads';
import type { ReadResult } from '../media/digest.js';
import { isMediaError } from '../media/errors.js';
import { hashPhotoRead, type PhotoHashOptions } from './photo.js';

export interface PhotoJob {
  id: number;
  data: ArrayBuffer;
  md5: string;
  sha256: string;
  options: Omit<PhotoHashOptions, 'workspace'>;
}

export type PhotoJobResult =
  | { id: number; ok: true; hash: Awaited<ReturnType<typeof hashPhotoRead>> }
  | { id: number; ok: false; code: string | null; message: string };

parentPort?.on('message', (job: PhotoJob) => {
  const data = Buffer.from(job.data);
  const file: ReadResult = { data, md5: job.md5, sha256: job.sha256, bytes: data.length };
  hashPhotoRead(file, job.options).then(
    (hash) => parentPort!.postMessage({ id: job.id, ok: true, hash } satisfies PhotoJobResult),
    (err: unknown) =>
      parentPort!.postMessage({
        id: job.id,
        ok: false,
        code: isMediaError(err) ? err.code : null,
        message: (err as Error)?.message ?? String(err),
      } satisfies PhotoJobResult),
  );
});

/** Streaming file digests: MD5 (what StopNCII shares for video) and SHA-256. */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { MediaError } from './errors.js';

export interface FileDigests {
  readonly md5: string;
  readonly sha256: string;
  readonly bytes: number;
}

export interface ReadResult extends FileDigests {
  /** The whole file, when it was kept (see readFileWithDigests). */
  readonly data: Buffer;
}

/** MD5 and SHA-256 of a file in one streaming pass, without holding it in memory. */
export async function digestFile(path: string): Promise<FileDigests> {
  const md5 = createHash('md5');
  const sha256 = createHash('sha256');
  let bytes = 0;
  try {
    for await (const chunk of createReadStream(path) as AsyncIterable<Buffer>) {
      md5.update(chunk);
      sha256.update(chunk);
      bytes += chunk.length;
    }
  } catch (err) {
    throw unreadable(path, err);
  }
  return { md5: md5.digest('hex'), sha256: sha256.digest('hex'), bytes };
}

/**
 * Reads a file whole (images must be in memory to decode) while digesting it
 * as it streams in. Refuses files over `maxBytes` before reading them.
 */
export async function readFileWithDigests(path: string, maxBytes: number): Promise<ReadResult> {
  let size: number;
  try {
    const st = await stat(path);
    if (!st.isFile()) throw new MediaError('unreadable', 'not a regular file');
    size = st.size;
  } catch (err) {
    throw err instanceof MediaError ? err : unreadable(path, err);
  }
  if (size > maxBytes) {
    throw new MediaError('file-too-large', `file is ${size} bytes, over the ${maxBytes}-byte limit`);
  }
  const md5 = createHash('md5');
  const sha256 = createHash('sha256');
  const chunks: Buffer[] = [];
  let bytes = 0;
  try {
    for await (const chunk of createReadStream(path) as AsyncIterable<Buffer>) {
      bytes += chunk.length;
      // The file may grow between stat and read; keep the limit honest.
      if (bytes > maxBytes)
        throw new MediaError('file-too-large', `file grew past the ${maxBytes}-byte limit while reading`);
      md5.update(chunk);
      sha256.update(chunk);
      chunks.push(chunk);
    }
  } catch (err) {
    throw err instanceof MediaError ? err : unreadable(path, err);
  }
  return { data: Buffer.concat(chunks, bytes), md5: md5.digest('hex'), sha256: sha256.digest('hex'), bytes };
}

/** Digests of an in-memory buffer (uploads). */
export function digestBuffer(data: Uint8Array): FileDigests {
  return {
    md5: createHash('md5').update(data).digest('hex'),
    sha256: createHash('sha256').update(data).digest('hex'),
    bytes: data.length,
  };
}

function unreadable(path: string, err: unknown): MediaError {
  const code = (err as NodeJS.ErrnoException)?.code;
  const reason =
    code === 'ENOENT'
      ? 'no such file'
      : code === 'EACCES'
        ? 'permission denied'
        : code === 'EISDIR'
          ? 'is a directory'
          : String((err as Error)?.message ?? err);
  return new MediaError('unreadable', `cannot read ${path}: ${reason}`, { cause: err });
}

/**
 * Uploaded media: reading a multipart form, and hashing photos and videos.
 *
 * Photos are hashed from memory and never touch the disk: uploads may be
 * intimate images, and a temp file can outlive a crash. Videos must go to
 * ffmpeg as a file, so they are written to a private (0700) temp folder that
 * is removed as soon as hashing ends.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyRequest } from 'fastify';
import type { VpdqFeature } from '../core/vpdq/feature.js';
import { hashPhotoBytes, type PhotoHash } from '../hashing/photo.js';
import { digestBuffer } from '../media/digest.js';
import { MediaError } from '../media/errors.js';
import { type MediaLimits, videoLimitsFromEnv } from '../media/limits.js';
import { sniffFormat } from '../media/sniff.js';
import { HttpError } from './errors.js';

export interface UploadedFile {
  /** The form field the file came in (HMA uses it as the content type). */
  field: string;
  data: Buffer;
}

export interface UploadForm {
  files: UploadedFile[];
  fields: Record<string, string>;
}

/**
 * Reads the whole form. The size limit is enforced by @fastify/multipart while
 * streaming (413); a second file is refused before it is read.
 */
export async function readUploadForm(request: FastifyRequest, maxUploadBytes: number): Promise<UploadForm> {
  if (!request.isMultipart()) throw new HttpError(400, 'Missing multipart/form-data file upload');
  const form: UploadForm = { files: [], fields: {} };
  for await (const part of request.parts({ limits: { fileSize: maxUploadBytes, fields: 20, fieldSize: 256 * 1024 } })) {
    if (part.type === 'file') {
      if (form.files.length > 0) {
        part.file.resume();
        throw new HttpError(400, 'Only one file allowed per request');
      }
      form.files.push({ field: part.fieldname, data: await part.toBuffer() });
    } else if (typeof part.value === 'string') {
      form.fields[part.fieldname] = part.value;
    }
  }
  return form;
}

export type MediaKind = 'photo' | 'video';

/** What the bytes look like, by magic numbers: the client's file name and MIME type are not trusted. */
export function sniffKind(data: Uint8Array): MediaKind | 'unknown' {
  const format = sniffFormat(data.subarray(0, 4096));
  if (format === 'video') return 'video';
  return format === 'unknown' ? 'unknown' : 'photo';
}

export function hashPhoto(data: Uint8Array, limits: MediaLimits, dihedral = false): Promise<PhotoHash> {
  if (data.length === 0) throw new MediaError('empty', 'the uploaded file is empty');
  return hashPhotoBytes(data, { limits, dihedral });
}

export interface VideoHashes {
  md5: string;
  sha256: string;
  bytes: number;
  /** Absent when only digests were asked for. */
  frames?: VpdqFeature[];
  durationS?: number;
  width?: number;
  height?: number;
}

export const VIDEO_UNAVAILABLE = 'video hashing is not available in this build';

/** Digests always; vPDQ frames when `vpdq` is set (needs ffmpeg). */
export async function hashVideo(data: Buffer, vpdq: boolean): Promise<VideoHashes> {
  if (data.length === 0) throw new MediaError('empty', 'the uploaded file is empty');
  const digests = digestBuffer(data);
  if (!vpdq) return digests;
  const hashVideoFile = await loadVideoHasher();
  const dir = await mkdtemp(join(tmpdir(), 'perisai-upload-'));
  try {
    const path = join(dir, 'upload');
    await writeFile(path, data, { mode: 0o600 });
    const r = await hashVideoFile(path, { limits: videoLimitsFromEnv() });
    return { ...digests, frames: r.frames, durationS: r.durationS, width: r.width, height: r.height };
  } catch (err) {
    // ffmpeg's messages name the temp file; the client knows it only as its upload.
    if (err instanceof MediaError) throw new MediaError(err.code, err.message.replaceAll(dir, '<upload>'));
    throw err;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

type VideoHasher = (
  path: string,
  options: { limits: ReturnType<typeof videoLimitsFromEnv> },
) => Promise<{
  frames: VpdqFeature[];
  durationS: number;
  width: number;
  height: number;
}>;

/** The video hasher is optional in a build; without it, video uploads get a clear 415. */
async function loadVideoHasher(): Promise<VideoHasher> {
  const mod = (await import('../media/vpdq.js').catch(() => null)) as { hashVideoFile?: unknown } | null;
  if (typeof mod?.hashVideoFile !== 'function') throw new HttpError(415, VIDEO_UNAVAILABLE);
  return mod.hashVideoFile as VideoHasher;
}

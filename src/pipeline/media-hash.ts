/**
 * Hashing one media file for the pipeline, with SHA-256 dedupe: the file is read
 * once, its digests decide whether it was hashed before (by this or any run),
 * and only new content is decoded and hashed.
 */

import type { Selectable } from 'kysely';
import { vpdqFeatureFromHex } from '../core/vpdq/feature.js';
import type { MediaHashesTable } from '../db/schema-pipeline.js';
import { sniffFile } from '../hashing/media.js';
import { hashPhotoRead, type PhotoHash, type PhotoHashOptions } from '../hashing/photo.js';
import type { MatchQuery } from '../matching/matcher.js';
import { digestFile, type ReadResult, readFileWithDigests } from '../media/digest.js';
import { MediaError } from '../media/errors.js';
import { mediaLimitsFromEnv, videoLimitsFromEnv } from '../media/limits.js';
import { isImageFormat } from '../media/sniff.js';
import { hashVideoFile } from '../media/vpdq.js';

/** The hashes of one piece of content, as stored in media_hashes. */
export interface ContentHashes {
  sha256: string;
  md5: string;
  kind: 'image' | 'video' | 'other';
  bytes: number;
  pdq: string | null;
  pdqQuality: number | null;
  width: number | null;
  height: number | null;
  vpdq: [number, number, string, number][] | null;
}

/** Looks up hashes by SHA-256 (the database, usually). */
export type KnownHashes = (sha256: string) => Promise<ContentHashes | undefined>;

export interface MediaHashOptions {
  photo?: PhotoHashOptions;
  /** Hashes a photo already read (default: on this thread); a PhotoHashPool's hash() moves it off. */
  photoHasher?: (file: ReadResult, options: PhotoHashOptions) => Promise<PhotoHash>;
}

const VIDEO_TYPES = new Set(['video', 'animation', 'video_note']);
const AUDIO_TYPES = new Set(['voice', 'audio']);

/**
 * Hashes the file at `path` unless its SHA-256 is known. `type` is the source's
 * media type: it only decides whether unknown bytes are worth trying as video.
 */
export async function hashMediaItem(
  path: string,
  type: string,
  known: KnownHashes,
  options: MediaHashOptions = {},
): Promise<{ hashes: ContentHashes; reused: boolean }> {
  const format = AUDIO_TYPES.has(type) ? 'unknown' : await sniffFile(path);
  if (isImageFormat(format)) {
    const limits = options.photo?.limits ?? mediaLimitsFromEnv();
    const file = await readFileWithDigests(path, limits.maxFileBytes);
    const seen = await known(file.sha256);
    if (seen) return { hashes: seen, reused: true };
    const photo = await (options.photoHasher ?? hashPhotoRead)(file, { ...options.photo, limits });
    return {
      reused: false,
      hashes: {
        sha256: file.sha256,
        md5: file.md5,
        kind: 'image',
        bytes: file.bytes,
        pdq: photo.pdq,
        pdqQuality: photo.quality,
        width: photo.width,
        height: photo.height,
        vpdq: null,
      },
    };
  }
  const digests = await digestFile(path);
  const seen = await known(digests.sha256);
  if (seen) return { hashes: seen, reused: true };
  const other: ContentHashes = {
    ...digests,
    kind: 'other',
    pdq: null,
    pdqQuality: null,
    width: null,
    height: null,
    vpdq: null,
  };
  if (format !== 'video' && !VIDEO_TYPES.has(type)) return { hashes: other, reused: false };
  try {
    const video = await hashVideoFile(path, { limits: videoLimitsFromEnv() });
    return {
      reused: false,
      hashes: {
        ...other,
        kind: 'video',
        width: video.width,
        height: video.height,
        vpdq: video.frames.map((f) => [f.frameNumber, f.quality, f.hex, f.timestamp]),
      },
    };
  } catch (err) {
    // Bytes that are neither image nor video (a PDF sent as a document) still match by digest.
    if (format === 'unknown' && err instanceof MediaError && err.code === 'unsupported-format') {
      return { hashes: other, reused: false };
    }
    throw err;
  }
}

/** The match query of stored hashes. */
export function queryOfHashes(h: ContentHashes): MatchQuery {
  const query: MatchQuery = { md5: h.md5, sha256: h.sha256, details: true };
  if (h.pdq) {
    query.pdq = h.pdq;
    if (h.pdqQuality !== null) query.quality = h.pdqQuality;
  }
  if (h.vpdq) query.vpdq = h.vpdq.map(([n, q, hex, t]) => vpdqFeatureFromHex(n, q, hex, t));
  return query;
}

export function hashesToRow(h: ContentHashes) {
  return {
    sha256: Buffer.from(h.sha256, 'hex'),
    md5: Buffer.from(h.md5, 'hex'),
    kind: h.kind,
    bytes: h.bytes,
    pdq: h.pdq ? Buffer.from(h.pdq, 'hex') : null,
    pdq_quality: h.pdqQuality,
    width: h.width,
    height: h.height,
    vpdq: h.vpdq ? JSON.stringify(h.vpdq) : null,
  };
}

export function hashesFromRow(r: Selectable<MediaHashesTable>): ContentHashes {
  return {
    sha256: r.sha256.toString('hex'),
    md5: r.md5.toString('hex'),
    kind: r.kind,
    bytes: r.bytes,
    pdq: r.pdq ? r.pdq.toString('hex') : null,
    pdqQuality: r.pdq_quality,
    width: r.width,
    height: r.height,
    vpdq: r.vpdq,
  };
}

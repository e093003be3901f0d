/**
 * Hashing any media file: images with PDQ, videos with vPDQ, both with MD5 and
 * SHA-256. The kind is decided by the file's content (magic bytes), never by
 * its name.
 */
import { open } from 'node:fs/promises';
import type { SignalInput } from '../banks/hashes.js';
import type { VpdqFeature } from '../core/vpdq/feature.js';
import type { MatchQuery } from '../matching/matcher.js';
import { MediaError } from '../media/errors.js';
import { mediaLimitsFromEnv, videoLimitsFromEnv } from '../media/limits.js';
import { isImageFormat, type SniffedFormat, sniffFormat } from '../media/sniff.js';
import { hashVideoFile, type VideoHashResult } from '../media/vpdq.js';
import { hashPhotoFile, type PhotoHash, type PhotoHashOptions } from './photo.js';

export type MediaHash = { kind: 'image'; image: PhotoHash } | { kind: 'video'; video: VideoHashResult };

/** Reads the first bytes of a file and sniffs them. */
export async function sniffFile(path: string): Promise<SniffedFormat> {
  let handle: Awaited<ReturnType<typeof open>> | undefined;
  try {
    handle = await open(path, 'r');
    const head = Buffer.alloc(512);
    const { bytesRead } = await handle.read(head, 0, head.length, 0);
    return sniffFormat(head.subarray(0, bytesRead));
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new MediaError('unreadable', 'no such file or directory', { cause: err });
    if (code === 'EISDIR') throw new MediaError('unreadable', 'not a regular file', { cause: err });
    throw new MediaError('unreadable', `cannot read: ${(err as Error).message}`, { cause: err });
  } finally {
    await handle?.close();
  }
}

/**
 * Hashes an image or a video. Files whose header is neither a known image nor
 * a known video container are tried as video (ffprobe knows many more formats),
 * and refused with ffprobe's verdict if it cannot read them either.
 */
export async function hashMediaFile(path: string, photoOptions: PhotoHashOptions = {}): Promise<MediaHash> {
  const format = await sniffFile(path);
  if (isImageFormat(format)) {
    return { kind: 'image', image: await hashPhotoFile(path, { limits: mediaLimitsFromEnv(), ...photoOptions }) };
  }
  try {
    return { kind: 'video', video: await hashVideoFile(path, { limits: videoLimitsFromEnv() }) };
  } catch (err) {
    if (format === 'unknown' && err instanceof MediaError && err.code === 'unsupported-format') {
      throw new MediaError('unsupported-format', 'not a recognised image or video format', { cause: err });
    }
    throw err;
  }
}

/** The bank signals of a hashed file. */
export function signalsOf(media: MediaHash): SignalInput[] {
  if (media.kind === 'image') {
    const r = media.image;
    return [
      { type: 'pdq', hash: r.pdq, quality: r.quality },
      { type: 'md5', hash: r.md5 },
      { type: 'sha256', hash: r.sha256 },
    ];
  }
  const v = media.video;
  return [
    {
      type: 'vpdq',
      frames: v.frames.map((f) => ({
        frameNumber: f.frameNumber,
        quality: f.quality,
        hash: f.hex,
        timestampS: f.timestamp,
      })),
    },
    { type: 'md5', hash: v.md5 },
    { type: 'sha256', hash: v.sha256 },
  ];
}

/** The match query of a hashed file. */
export function queryOf(media: MediaHash, dihedral = false): MatchQuery {
  if (media.kind === 'image') {
    const r = media.image;
    return {
      pdq: r.pdq,
      quality: r.quality,
      md5: r.md5,
      sha256: r.sha256,
      ...(dihedral && r.dihedral ? { pdqDihedral: Object.values(r.dihedral) } : {}),
    };
  }
  const v = media.video;
  return { vpdq: v.frames as VpdqFeature[], md5: v.md5, sha256: v.sha256 };
}

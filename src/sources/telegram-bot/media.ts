/**
 * A Bot API Message's media fields → MediaRef[].
 *
 * - photo is a PhotoSize[] of one picture at several sizes, not sorted (a real update
 *   lists 240x320, 720x960, 600x800): the largest by width*height, then file_size, is
 *   the one kept.
 * - An animation also comes as `document` (same file, for old clients): counted once.
 * - The media id is file_unique_id (stable across bots and time); updates from before
 *   Bot API 4.5 have none and use file_id.
 * - The cloud Bot API serves files up to 20 MB. A larger one is recorded as missing
 *   with the reason, and its thumbnail, which is small, is offered in its place.
 */
import { describe } from '../telegram-export/describe.js';
import type { MediaRef, MediaType } from '../types.js';
import {
  countField,
  field,
  isObject,
  type JsonObject,
  objectField,
  type Problem,
  stringField,
  within,
} from './fields.js';

/** A file the Bot API can serve, as getFile needs it. */
export interface RemoteFile {
  fileId: string;
  fileUniqueId: string | null;
  /** Declared size; the download enforces its own limit when this is absent. */
  size: number | null;
}

export interface MediaOptions {
  /** Files declared larger are recorded missing (default 20 MiB, the cloud Bot API's limit). */
  maxDownloadBytes: number;
  /** Gives each downloadable file its `fetch`; without it media carry no fetch. */
  fetchFor?: (file: RemoteFile) => () => Promise<Uint8Array>;
}

export const BOT_API_DOWNLOAD_LIMIT = 20 * 1024 * 1024;

/** Message fields holding one file each, in the order they are read. */
const SINGLE_FILE_FIELDS: readonly MediaType[] = [
  'video',
  'animation',
  'video_note',
  'voice',
  'audio',
  'sticker',
  'document',
];

export function messageMedia(message: JsonObject, options: MediaOptions, problem: Problem): MediaRef[] {
  const media: MediaRef[] = [];
  const photo = largestPhoto(field(message, 'photo'), problem);
  if (photo) media.push(...fileRefs(photo, 'photo', options, within(problem, 'photo')));
  const seen = new Set<string>();
  for (const type of SINGLE_FILE_FIELDS) {
    const file = objectField(message, type, problem);
    if (!file) continue;
    const key = stringField(file, 'file_unique_id', () => {}) ?? stringField(file, 'file_id', () => {});
    if (key !== null && seen.has(key)) continue; // the animation's `document` twin
    if (key !== null) seen.add(key);
    media.push(...fileRefs(file, type, options, within(problem, type)));
  }
  return media;
}

/** The largest PhotoSize, or null when there is none. */
export function largestPhoto(value: unknown, problem: Problem): JsonObject | null {
  if (value === undefined || value === null) return null;
  if (!Array.isArray(value)) {
    problem(`photo is ${describe(value)}, not an array of sizes: ignored`);
    return null;
  }
  let best: JsonObject | null = null;
  let bestArea = -1;
  let bestSize = -1;
  for (const [i, size] of value.entries()) {
    if (!isObject(size)) {
      problem(`photo[${i}] is ${describe(size)}, not a PhotoSize: ignored`);
      continue;
    }
    const quiet = () => {};
    const area = (countField(size, 'width', quiet) ?? 0) * (countField(size, 'height', quiet) ?? 0);
    const bytes = countField(size, 'file_size', quiet) ?? 0;
    if (area > bestArea || (area === bestArea && bytes > bestSize)) {
      best = size;
      bestArea = area;
      bestSize = bytes;
    }
  }
  return best;
}

/** The file's ref, plus its thumbnail's when the file itself is too large to download. */
function fileRefs(file: JsonObject, type: MediaType, options: MediaOptions, problem: Problem): MediaRef[] {
  const ref = fileRef(file, type, options, problem);
  if (ref.missing === undefined || ref.size === null || ref.size <= options.maxDownloadBytes) return [ref];
  const thumb = objectField(file, 'thumbnail', problem) ?? objectField(file, 'thumb', problem);
  if (!thumb) return [ref];
  const thumbRef = fileRef(thumb, 'photo', options, within(problem, 'thumbnail'));
  return thumbRef.missing === undefined ? [ref, thumbRef] : [ref];
}

function fileRef(file: JsonObject, type: MediaType, options: MediaOptions, problem: Problem): MediaRef {
  const fileId = stringField(file, 'file_id', problem);
  const fileUniqueId = stringField(file, 'file_unique_id', problem);
  const size = countField(file, 'file_size', problem);
  const ref: MediaRef = { id: fileUniqueId ?? fileId ?? type, type, mime: mimeOf(file, type, problem), size };
  describeFile(ref, file, type, problem);
  if (fileId === null) {
    problem('file_id is missing: the file cannot be downloaded');
    ref.missing = 'the update names no file_id, so the file cannot be downloaded';
  } else if (size !== null && size > options.maxDownloadBytes) {
    ref.missing = `${size} bytes: larger than the Bot API download limit of ${options.maxDownloadBytes} bytes, not downloaded`;
  } else if (options.fetchFor) {
    ref.fetch = options.fetchFor({ fileId, fileUniqueId, size });
  }
  return ref;
}

function describeFile(ref: MediaRef, file: JsonObject, type: MediaType, problem: Problem): void {
  // A video note is round: one `length` is both sides.
  const side = type === 'video_note' ? countField(file, 'length', problem) : null;
  const width = side ?? countField(file, 'width', problem);
  const height = side ?? countField(file, 'height', problem);
  const duration = countField(file, 'duration', problem);
  const fileName = stringField(file, 'file_name', problem);
  if (width !== null) ref.width = width;
  if (height !== null) ref.height = height;
  if (duration !== null) ref.durationS = duration;
  if (fileName !== null) ref.fileName = fileName;
}

function mimeOf(file: JsonObject, type: MediaType, problem: Problem): string | null {
  const declared = stringField(file, 'mime_type', problem, 256);
  if (declared) return declared;
  // Types the Bot API sends without mime_type have one fixed format.
  if (type === 'photo') return 'image/jpeg';
  if (type === 'video_note') return 'video/mp4';
  if (type === 'sticker') {
    if (field(file, 'is_animated') === true) return 'application/x-tgsticker';
    return field(file, 'is_video') === true ? 'video/webm' : 'image/webp';
  }
  return null;
}

/**
 * Media fields of a result.json message → MediaRef[]:
 *   photo (+ photo_file_size, width, height)
 *   file (+ media_type, mime_type, file_name, file_size, duration_seconds, width, height)
 *   thumbnail (+ thumbnail_file_size): the preview of a video, animation, sticker or
 *     document. Kept as its own media because it often survives when the file itself was
 *     not exported (size limit), and an image of abuse is still one in a thumbnail.
 *   contact_vcard: a shared contact card (names and phone numbers: personal data).
 */
import type { MediaRef, MediaType, SourceIssue } from '../types.js';
import { describe } from './describe.js';
import { attachFile, imageMimeFromPath, JSON_MEDIA_TYPES } from './media.js';

export interface MediaPlace {
  root: string;
  baseDir: string;
  location: string;
}

export function jsonMedia(r: Record<string, unknown>, where: MediaPlace, report: (i: SourceIssue) => void): MediaRef[] {
  const issue = (message: string) => report({ kind: 'malformed', message, location: where.location });
  const out: MediaRef[] = [];
  const photo = pathField(r, 'photo', issue);
  if (photo !== null) {
    const m: MediaRef = {
      id: 'photo',
      type: 'photo',
      mime: imageMimeFromPath(photo),
      size: num(r, 'photo_file_size', issue),
    };
    dimensions(m, r, issue);
    out.push(attachFile(m, photo, where, report));
  }
  const file = pathField(r, 'file', issue);
  if (file !== null) out.push(attachFile(fileMedia(r, file, issue), file, where, report));
  const thumb = pathField(r, 'thumbnail', issue);
  if (thumb !== null) {
    const size = num(r, 'thumbnail_file_size', issue);
    out.push(
      attachFile({ id: 'thumbnail', type: 'photo', mime: imageMimeFromPath(thumb), size }, thumb, where, report),
    );
  }
  const vcard = pathField(r, 'contact_vcard', issue);
  if (vcard !== null) {
    out.push(
      attachFile({ id: 'contact_vcard', type: 'document', mime: 'text/vcard', size: null }, vcard, where, report),
    );
  }
  return out;
}

function fileMedia(r: Record<string, unknown>, file: string, issue: (m: string) => void): MediaRef {
  const m: MediaRef = {
    id: 'file',
    type: mediaType(r.media_type, issue),
    mime: str(r, 'mime_type', issue),
    size: num(r, 'file_size', issue),
  };
  const name = str(r, 'file_name', issue);
  if (name !== null) m.fileName = name;
  const duration = num(r, 'duration_seconds', issue);
  if (duration !== null) m.durationS = duration;
  dimensions(m, r, issue);
  if (m.mime === null && m.type === 'sticker') m.mime = imageMimeFromPath(file);
  return m;
}

function mediaType(value: unknown, issue: (m: string) => void): MediaType {
  if (value === undefined) return 'document';
  if (typeof value === 'string') return JSON_MEDIA_TYPES[value] ?? 'unknown';
  issue(`media_type is ${describe(value)}`);
  return 'unknown';
}

function dimensions(m: MediaRef, r: Record<string, unknown>, issue: (m: string) => void): void {
  const w = num(r, 'width', issue);
  const h = num(r, 'height', issue);
  if (w !== null) m.width = w;
  if (h !== null) m.height = h;
}

/** A path or placeholder string; null when absent, reported when of the wrong type. */
function pathField(r: Record<string, unknown>, key: string, issue: (m: string) => void): string | null {
  const v = r[key];
  if (v === undefined) return null;
  if (typeof v === 'string') return v;
  issue(`${key} is ${describe(v)}, not a path: media ignored`);
  return null;
}

function num(r: Record<string, unknown>, key: string, issue: (m: string) => void): number | null {
  const v = r[key];
  if (v === undefined) return null;
  if (typeof v === 'number' && Number.isFinite(v) && v >= 0) return v;
  issue(`${key} is ${describe(v)}, not a non-negative number: ignored`);
  return null;
}

function str(r: Record<string, unknown>, key: string, issue: (m: string) => void): string | null {
  const v = r[key];
  if (v === undefined || v === null) return null;
  if (typeof v === 'string') return v;
  issue(`${key} is ${describe(v)}, not a string: ignored`);
  return null;
}

/**
 * MessageMedia → MediaRef, plus where the file lives (FileLocation), from which
 * the source builds the download. Photos take their largest size; documents
 * are typed by their attributes (sticker, round video, animation, video, voice,
 * audio), then by mime type. Other media (locations, polls, contacts, link
 * previews, …) carry no file and stay in `raw`.
 */
import { Api, helpers } from 'telegram';
import type { MediaRef, MediaType, SourceIssue } from '../types.js';
import { arrayOf, classNameOf, count, idString, isObject, nonEmpty, seconds } from './values.js';

/** Everything needed to ask Telegram for a file's bytes. */
export interface FileLocation {
  kind: 'photo' | 'document';
  /** Photo or document id (decimal). */
  fileId: string;
  /** Decimal; may be negative (a signed 64-bit value). */
  accessHash: string;
  fileReference: Uint8Array;
  /** Photos: the size type ("y", "w", …); documents: "". */
  thumbSize: string;
  dcId: number;
  size: number | null;
}

export type MediaIssue = (kind: SourceIssue['kind'], message: string) => void;

export interface MappedMedia {
  ref: MediaRef;
  /** Null when nothing can be downloaded (an empty or unreadable photo or document). */
  location: FileLocation | null;
}

export function mapMedia(media: unknown, issue: MediaIssue): MappedMedia[] {
  if (media === undefined || media === null) return [];
  const name = classNameOf(media);
  if (!name || !isObject(media)) {
    issue('malformed', 'media is not a MessageMedia object: ignored');
    return [];
  }
  if (name === 'MessageMediaPhoto') return photoMedia(media.photo, issue);
  if (name === 'MessageMediaDocument') return documentMedia(media, issue);
  if (name === 'MessageMediaUnsupported') issue('unsupported', 'media unsupported by this API layer: not read');
  return [];
}

function photoMedia(photo: unknown, issue: MediaIssue): MappedMedia[] {
  if (photo === undefined || photo === null) return []; // a self-destructing photo that has expired
  const name = classNameOf(photo);
  const photoId = isObject(photo) ? idString(photo.id) : null;
  const ref: MediaRef = { id: photoId ? `photo:${photoId}` : 'photo', type: 'photo', mime: 'image/jpeg', size: null };
  if (name === 'PhotoEmpty')
    return [{ ref: { ...ref, missing: 'photo no longer available (PhotoEmpty)' }, location: null }];
  if (name !== 'Photo' || !isObject(photo) || photoId === null) {
    issue('malformed', 'photo without a usable id: not downloadable');
    return [{ ref: { ...ref, missing: 'unreadable photo' }, location: null }];
  }
  const best = largestSize(photo.sizes);
  if (!best) {
    issue('malformed', `photo ${photoId} lists no downloadable size`);
    return [{ ref: { ...ref, missing: 'no downloadable size' }, location: null }];
  }
  Object.assign(ref, { size: best.size, width: best.w, height: best.h });
  const location = locationOf('photo', photo, photoId, best.type, best.size, issue);
  return [{ ref: location ? ref : { ...ref, missing: 'unreadable photo location' }, location }];
}

interface SizeChoice {
  type: string;
  w: number;
  h: number;
  size: number | null;
}

/** The largest full size: PhotoSize and PhotoSizeProgressive (cached and stripped previews are thumbnails). */
export function largestSize(sizes: unknown): SizeChoice | null {
  let best: SizeChoice | null = null;
  for (const s of arrayOf(sizes) ?? []) {
    const name = classNameOf(s);
    if (!isObject(s) || (name !== 'PhotoSize' && name !== 'PhotoSizeProgressive')) continue;
    const type = nonEmpty(s.type);
    const w = count(s.w);
    const h = count(s.h);
    if (type === null || w === null || h === null) continue;
    const size =
      name === 'PhotoSize' ? count(s.size) : Math.max(0, ...(arrayOf(s.sizes) ?? []).map((n) => count(n) ?? 0));
    const choice = { type, w, h, size: size || null };
    if (!best || w * h > best.w * best.h || (w * h === best.w * best.h && (size ?? 0) > (best.size ?? 0)))
      best = choice;
  }
  return best;
}

function documentMedia(media: Record<string, unknown>, issue: MediaIssue): MappedMedia[] {
  const doc = media.document;
  if (doc === undefined || doc === null) return [];
  const docId = isObject(doc) ? idString(doc.id) : null;
  const base: MediaRef = { id: docId ? `document:${docId}` : 'document', type: 'document', mime: null, size: null };
  if (classNameOf(doc) === 'DocumentEmpty') {
    return [{ ref: { ...base, missing: 'document no longer available (DocumentEmpty)' }, location: null }];
  }
  if (classNameOf(doc) !== 'Document' || !isObject(doc) || docId === null) {
    issue('malformed', 'document without a usable id: not downloadable');
    return [{ ref: { ...base, missing: 'unreadable document' }, location: null }];
  }
  const ref = { ...base, ...describeDocument(doc, media) };
  const location = locationOf('document', doc, docId, '', ref.size, issue);
  return [{ ref: location ? ref : { ...ref, missing: 'unreadable document location' }, location }];
}

function describeDocument(doc: Record<string, unknown>, media: Record<string, unknown>): Omit<MediaRef, 'id'> {
  const mime = nonEmpty(doc.mimeType);
  const ref: Omit<MediaRef, 'id'> = { type: 'document', mime, size: count(doc.size) };
  let video: Record<string, unknown> | null = null;
  let audio: Record<string, unknown> | null = null;
  let sticker = false;
  let animated = false;
  for (const attr of arrayOf(doc.attributes) ?? []) {
    if (!isObject(attr)) continue;
    switch (classNameOf(attr)) {
      case 'DocumentAttributeVideo':
        video = attr;
        break;
      case 'DocumentAttributeAudio':
        audio = attr;
        break;
      case 'DocumentAttributeSticker':
        sticker = true;
        break;
      case 'DocumentAttributeAnimated':
        animated = true;
        break;
      case 'DocumentAttributeFilename':
        ref.fileName = nonEmpty(attr.fileName);
        break;
      case 'DocumentAttributeImageSize':
        setDims(ref, attr);
        break;
    }
  }
  if (video) {
    setDims(ref, video);
    const d = seconds(video.duration);
    if (d !== null) ref.durationS = d;
  } else if (audio) {
    const d = seconds(audio.duration);
    if (d !== null) ref.durationS = d;
  }
  ref.type = documentType({
    mime,
    video,
    audio,
    sticker,
    animated,
    round: media.round === true,
    voice: media.voice === true,
  });
  return ref;
}

function setDims(ref: Omit<MediaRef, 'id'>, attr: Record<string, unknown>): void {
  const w = count(attr.w);
  const h = count(attr.h);
  if (w !== null && h !== null && w > 0 && h > 0) Object.assign(ref, { width: w, height: h });
}

interface DocumentTraits {
  mime: string | null;
  video: Record<string, unknown> | null;
  audio: Record<string, unknown> | null;
  sticker: boolean;
  animated: boolean;
  round: boolean;
  voice: boolean;
}

/** Attributes first (they say what the client will show), then the mime type. */
export function documentType(t: DocumentTraits): MediaType {
  if (t.sticker) return 'sticker';
  if (t.round || t.video?.roundMessage === true) return 'video_note';
  if (t.animated) return 'animation';
  if (t.video) return 'video';
  if (t.voice || t.audio?.voice === true) return 'voice';
  if (t.audio) return 'audio';
  const mime = t.mime?.toLowerCase() ?? '';
  if (mime === 'image/gif') return 'animation';
  if (mime.startsWith('video/')) return 'video';
  if (mime.startsWith('audio/')) return 'audio';
  return 'document';
}

function locationOf(
  kind: FileLocation['kind'],
  file: Record<string, unknown>,
  fileId: string,
  thumbSize: string,
  size: number | null,
  issue: MediaIssue,
): FileLocation | null {
  const dcId = count(file.dcId);
  const accessHash = idString(file.accessHash);
  const reference = file.fileReference;
  if (accessHash === null || dcId === null || !(reference instanceof Uint8Array)) {
    issue('malformed', `${kind} ${fileId} lacks its access hash, data centre or file reference: not downloadable`);
    return null;
  }
  return { kind, fileId, accessHash, fileReference: reference, thumbSize, dcId, size };
}

/** The request-side location of a file. */
export function inputLocation(location: FileLocation): Api.TypeInputFileLocation {
  const args = {
    id: helpers.returnBigInt(location.fileId),
    accessHash: helpers.returnBigInt(location.accessHash),
    fileReference: Buffer.from(location.fileReference),
    thumbSize: location.thumbSize,
  };
  return location.kind === 'photo' ? new Api.InputPhotoFileLocation(args) : new Api.InputDocumentFileLocation(args);
}

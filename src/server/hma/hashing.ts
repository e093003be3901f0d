/**
 * HMA hashing semantics shared by /h/hash, /m/lookup and /c/bank/<n>/content:
 * which signal types a request asks for, where the media comes from (upload
 * field name = content type, or a URL), and the `{type: hash}` map it yields.
 */
import type { FastifyRequest } from 'fastify';
import { vpdqToSignal } from '../../core/vpdq/format.js';
import { HttpError } from '../errors.js';
import { hashPhoto, hashVideo, readUploadForm, type UploadForm } from '../media.js';
import type { ServerLimits } from '../services.js';
import { fetchMedia } from '../url-fetch.js';
import { type HmaContentType, type HmaSignalType, isHmaContentType, SIGNALS_FOR_CONTENT } from './signals.js';

/** PDQ hashes below this quality are reported as "" (python-threatexchange's QUALITY_THRESHOLD). */
export const HMA_PDQ_QUALITY_THRESHOLD = 50;

export interface MediaInput {
  data: Buffer;
  contentType: HmaContentType;
}

export function contentTypeNamed(name: string): HmaContentType {
  if (!isHmaContentType(name)) throw new HttpError(400, `no such content_type: '${name}'`);
  return name;
}

/** The `types` query parameter: every type of the content type when absent. */
export function selectSignalTypes(contentType: HmaContentType, types: string | undefined): HmaSignalType[] {
  const available = SIGNALS_FOR_CONTENT[contentType];
  if (types === undefined) return [...available];
  const names = types
    .split(',')
    .map((t) => t.trim())
    .filter(Boolean);
  if (names.length === 0) throw new HttpError(400, 'empty signal type selection');
  for (const name of names) {
    if (!(available as readonly string[]).includes(name)) {
      throw new HttpError(400, `signal type '${name}' doesn't exist or is disabled`);
    }
  }
  return names as HmaSignalType[];
}

/** The single uploaded file of an HMA multipart request, and the rest of the form. */
export async function hmaUpload(
  request: FastifyRequest,
  limits: ServerLimits,
): Promise<MediaInput & { form: UploadForm }> {
  const form = await readUploadForm(request, limits.maxUploadBytes);
  const file = form.files[0];
  if (!file) throw new HttpError(400, 'Missing multipart/form-data file upload');
  return { data: file.data, contentType: contentTypeNamed(file.field), form };
}

/** Media named by `url` (and optionally `content_type`), if URL fetching is allowed. */
export async function hmaUrlMedia(
  url: string,
  contentType: string | undefined,
  limits: ServerLimits,
): Promise<MediaInput> {
  const declared = contentType === undefined ? undefined : contentTypeNamed(contentType);
  return fetchMedia(url, {
    allow: limits.allowUrlFetch,
    maxBytes: limits.maxUploadBytes,
    ...(declared ? { contentType: declared } : {}),
  });
}

/** Hashes media into HMA's flat `{signal_type: value}` map. */
export async function hashForHma(
  media: MediaInput,
  types: readonly HmaSignalType[],
  limits: ServerLimits,
): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  if (media.contentType === 'photo') {
    if (types.includes('pdq')) {
      const photo = await hashPhoto(media.data, limits.media);
      out.pdq = photo.quality < HMA_PDQ_QUALITY_THRESHOLD ? '' : photo.pdq;
    }
    return out;
  }
  const video = await hashVideo(media.data, types.includes('vpdq'));
  if (types.includes('video_md5')) out.video_md5 = video.md5;
  if (video.frames) out.vpdq = vpdqToSignal(video.frames);
  return out;
}

/**
 * Media of an HTML export message. Telegram writes either a rich block
 *   a.photo_wrap / a.video_file_wrap / a.animated_wrap / a.sticker_wrap  (href = the file)
 * or a generic block `.media.media_<kind>` with a title, description and status, which is
 * an <a href> when the file was exported and a <div> when it was not; the description
 * then says why ("Not included, change data exporting settings to download.").
 * Hrefs are relative to the page (a full-account export prefixes "../../").
 */
import type { MediaRef, MediaType, SourceIssue } from '../types.js';
import type { HtmlNode } from './html-parse.js';
import { blockText, child, cls, find, findAll } from './html-text.js';
import { attachFile, imageMimeFromPath } from './media.js';

export interface HtmlMediaPlace {
  root: string;
  /** Folder of the page: hrefs are relative to it. */
  baseDir: string;
  location: string;
}

const WRAPS: ReadonlyArray<[string, MediaType, string | null]> = [
  ['photo_wrap', 'photo', null],
  ['video_file_wrap', 'video', 'video_file'],
  ['animated_wrap', 'animation', 'animated'],
  ['sticker_wrap', 'sticker', null],
];

/** Generic block kinds that stand for a file; calls, locations, venues, games, invoices and polls do not. */
const GENERIC: Readonly<Record<string, MediaType>> = {
  media_photo: 'photo',
  media_video: 'video',
  media_voice_message: 'voice',
  media_audio_file: 'audio',
  media_file: 'document',
  media_contact: 'document',
};

export function htmlMedia(body: HtmlNode, where: HtmlMediaPlace, report: (i: SourceIssue) => void): MediaRef[] {
  const out: MediaRef[] = [];
  const blocks = findAll(body, (n) => WRAPS.some(([c]) => n.classes.includes(c)) || n.classes.includes('media'));
  for (const block of blocks) {
    const wrap = WRAPS.find(([c]) => block.classes.includes(c));
    if (wrap) richMedia(block, wrap, where, report, out);
    else genericMedia(block, where, report, out);
  }
  out.forEach((m, i) => {
    if (out.findIndex((o) => o.id === m.id) !== i) m.id = `${m.id}${i + 1}`;
  });
  return out;
}

function richMedia(
  a: HtmlNode,
  [, type, thumbClass]: [string, MediaType, string | null],
  where: HtmlMediaPlace,
  report: (i: SourceIssue) => void,
  out: MediaRef[],
): void {
  const href = a.attrs.href ?? '';
  const m: MediaRef = { id: type === 'photo' ? 'photo' : 'file', type, mime: null, size: null };
  if (type === 'photo' || type === 'sticker') m.mime = imageMimeFromPath(href);
  const duration = find(a, cls('video_duration'));
  if (duration) setDuration(m, blockText(duration));
  out.push(attachFile(m, href, where, report));
  // The preview Telegram exported with the video (the <img> of a photo or sticker is a
  // thumbnail Desktop generated for the page, not export data, so it is left out).
  const img = thumbClass ? find(a, (n) => n.name === 'img' && n.classes.includes(thumbClass)) : null;
  const src = img?.attrs.src;
  if (src)
    out.push(
      attachFile({ id: 'thumbnail', type: 'photo', mime: imageMimeFromPath(src), size: null }, src, where, report),
    );
}

function genericMedia(block: HtmlNode, where: HtmlMediaPlace, report: (i: SourceIssue) => void, out: MediaRef[]): void {
  const kind = block.classes.find((c) => c in GENERIC);
  if (!kind) return;
  const inner = child(block, cls('body')) ?? block;
  const title = textIn(inner, 'title');
  const description = textIn(inner, 'description');
  const status = textIn(inner, 'status');
  const m: MediaRef = { id: 'file', type: genericType(kind, title), mime: null, size: null };
  if (m.type === 'photo') m.id = 'photo';
  if (kind === 'media_file' && title && title !== 'File') m.fileName = title;
  if (kind === 'media_contact') m.mime = 'text/vcard';
  readStatus(m, status);
  const href = block.name === 'a' ? block.attrs.href : undefined;
  if (href) {
    out.push(attachFile(m, href, where, report));
  } else if (kind !== 'media_contact') {
    m.missing = description || 'file not included in the export';
    out.push(m);
  }
  const img = child(block, (n) => n.name === 'img' && n.classes.includes('thumb'));
  const src = img?.attrs.src;
  if (src)
    out.push(
      attachFile({ id: 'thumbnail', type: 'photo', mime: imageMimeFromPath(src), size: null }, src, where, report),
    );
}

function genericType(kind: string, title: string): MediaType {
  if (kind === 'media_photo') return title === 'Sticker' ? 'sticker' : 'photo';
  if (kind === 'media_video') {
    if (title === 'Video message') return 'video_note';
    if (title === 'Animation') return 'animation';
    return 'video';
  }
  return GENERIC[kind] ?? 'unknown';
}

function textIn(node: HtmlNode, className: string): string {
  const n = find(node, cls(className));
  return n ? blockText(n) : '';
}

/** Status lines: "800x600, 32.1 KB" (photos), "00:02, 18.5 KB" (voice), "01:02:03" (videos). Sizes are rounded: not kept. */
function readStatus(m: MediaRef, status: string): void {
  const dims = /(\d+)x(\d+)/.exec(status);
  if (dims && m.type === 'photo') {
    m.width = Number(dims[1]);
    m.height = Number(dims[2]);
  }
  setDuration(m, status);
}

function setDuration(m: MediaRef, s: string): void {
  const t = /^(?:(\d+):)?(\d{1,2}):(\d{2})\b/.exec(s.trim());
  if (t) m.durationS = Number(t[1] ?? 0) * 3600 + Number(t[2]) * 60 + Number(t[3]);
}

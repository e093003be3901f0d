/**
 * Attachments named by a chat: their type from WhatsApp's file naming, and the stores that
 * find them (a folder next to the chat text, or the export zip; see zip.ts).
 *
 * The chat text is untrusted: a line "../../etc/passwd (file attached)" must not make us
 * read outside the export, so a name is only ever looked up as a plain file name.
 */
import { lstat, realpath } from 'node:fs/promises';
import { extname, join, relative, sep } from 'node:path';
import type { MediaRef, MediaType, SourceIssue } from '../types.js';

/** Android "IMG-20231231-WA0012.jpg", iOS "00000007-PHOTO-2024-02-14-09-18-22.jpg". */
const BY_TAG: Readonly<Record<string, MediaType>> = {
  IMG: 'photo',
  PHOTO: 'photo',
  VID: 'video',
  VIDEO: 'video',
  PTT: 'voice',
  AUDIO: 'voice',
  AUD: 'audio',
  STK: 'sticker',
  STICKER: 'sticker',
  GIF: 'animation',
  DOC: 'document',
  CONTACT: 'document',
};

const BY_EXT: Readonly<Record<string, readonly [MediaType, string]>> = {
  '.jpg': ['photo', 'image/jpeg'],
  '.jpeg': ['photo', 'image/jpeg'],
  '.png': ['photo', 'image/png'],
  '.heic': ['photo', 'image/heic'],
  '.webp': ['sticker', 'image/webp'],
  '.gif': ['animation', 'image/gif'],
  '.mp4': ['video', 'video/mp4'],
  '.3gp': ['video', 'video/3gpp'],
  '.mov': ['video', 'video/quicktime'],
  '.opus': ['voice', 'audio/ogg'],
  '.ogg': ['audio', 'audio/ogg'],
  '.m4a': ['audio', 'audio/mp4'],
  '.mp3': ['audio', 'audio/mpeg'],
  '.aac': ['audio', 'audio/aac'],
  '.amr': ['audio', 'audio/amr'],
  '.pdf': ['document', 'application/pdf'],
  '.vcf': ['document', 'text/vcard'],
  '.txt': ['document', 'text/plain'],
  '.zip': ['document', 'application/zip'],
};

/** Archives inside an export are never opened (depth limit 1): they are noted as such. */
export const ARCHIVE_EXTENSIONS = new Set([
  '.zip',
  '.7z',
  '.rar',
  '.tar',
  '.gz',
  '.tgz',
  '.bz2',
  '.xz',
  '.jar',
  '.apk',
]);

export function mediaTypeOf(fileName: string | null, hint: MediaType | null): { type: MediaType; mime: string | null } {
  if (!fileName) return { type: hint ?? 'unknown', mime: null };
  const byExt = BY_EXT[extname(fileName).toLowerCase()];
  const tag = /^(?:\d{8}-)?([A-Z]{3,7})-/.exec(fileName)?.[1];
  const type = (tag ? BY_TAG[tag] : undefined) ?? hint ?? byExt?.[0] ?? 'document';
  return { type, mime: byExt?.[1] ?? null };
}

/** A name the chat gives is usable only as a plain file name in the export's top level. */
export function plainFileName(name: string): string | null {
  if (name === '' || name === '.' || name === '..' || name.length > 255) return null;
  if (/[/\\\0]/.test(name) || /^[a-zA-Z]:/.test(name)) return null;
  return name;
}

export type Report = (issue: SourceIssue) => void;

/** Where a chat's attachments are: completes each MediaRef with a path or fetch, or marks it missing. */
export interface MediaStore {
  complete(ref: MediaRef, location: string, report: Report): Promise<void>;
  /** Called once the scan has ended (reports files no message named, for instance). */
  finish(report: Report): void;
  close(): Promise<void>;
}

/** Files next to the chat text (an unzipped export, or a .txt in a folder of media). */
export function folderMedia(dir: string): MediaStore {
  return {
    async complete(ref, location, report) {
      const missing = (why: string) => {
        ref.missing = why;
        report({ kind: 'missing-media', message: `${ref.fileName}: ${why}`, location });
      };
      const name = plainFileName(ref.fileName ?? '');
      if (!name) return missing('not a plain file name: not looked up');
      const path = join(dir, name);
      const st = await lstat(path).catch(() => null);
      if (!st) return missing('not in the export folder');
      let target = st;
      if (st.isSymbolicLink()) {
        // A link is followed only when it stays inside the export folder.
        const real = await realpath(path).catch(() => null);
        const root = await realpath(dir).catch(() => dir);
        if (!real || !isInside(root, real)) return missing('symbolic link leading out of the export folder: refused');
        target = await lstat(real);
      }
      if (!target.isFile()) return missing('not a regular file');
      ref.path = path;
      ref.size = target.size;
    },
    finish() {},
    async close() {},
  };
}

function isInside(root: string, path: string): boolean {
  const rel = relative(root, path);
  return rel !== '' && !rel.startsWith(`..${sep}`) && rel !== '..' && !rel.startsWith(sep);
}

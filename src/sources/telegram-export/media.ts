/**
 * Media references of Telegram Desktop exports: relative paths, "(File not included…)"
 * placeholders, and the check that every path stays inside the export folder. An export
 * is untrusted input: a crafted `"photo": "../../../etc/shadow"` (or a symlink inside the
 * folder) must not make Perisai read, hash or package files from elsewhere.
 */
import { lstat, realpath } from 'node:fs/promises';
import { extname, isAbsolute, relative, resolve, sep } from 'node:path';
import type { MediaRef, MediaType, SourceIssue } from '../types.js';
import { clip } from './describe.js';

/** JSON `media_type` → our type; a `file` without `media_type` is a plain document. */
export const JSON_MEDIA_TYPES: Readonly<Record<string, MediaType>> = {
  video_file: 'video',
  animation: 'animation',
  voice_message: 'voice',
  video_message: 'video_note',
  audio_file: 'audio',
  sticker: 'sticker',
};

const IMAGE_MIME: Readonly<Record<string, string>> = {
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.png': 'image/png',
  '.webp': 'image/webp',
  '.gif': 'image/gif',
};

/** Telegram writes the file as JPEG for photos and thumbnails; the extension is enough for a hint. */
export function imageMimeFromPath(path: string): string | null {
  return IMAGE_MIME[extname(path).toLowerCase()] ?? null;
}

/**
 * "(File not included. Change data exporting settings to download.)", "(File exceeds
 * maximum size. …)", "(File unavailable, please try again later)": a parenthesised
 * sentence instead of a path. Real paths always start with a folder ("photos/…").
 */
export function isPlaceholder(value: string): boolean {
  return value.startsWith('(') && value.endsWith(')') && !value.includes('/');
}

export type Resolved = { path: string } | { refused: string };

/**
 * Resolves `rel` against `baseDir` (the folder of the file naming it) and refuses
 * anything that does not end up inside `root`.
 */
export function resolveInside(root: string, baseDir: string, rel: string): Resolved {
  if (rel === '') return { refused: 'empty media path' };
  if (rel.includes('\0')) return { refused: 'media path contains a NUL character' };
  if (isAbsolute(rel) || /^[a-z][a-z0-9+.-]*:/i.test(rel)) {
    return { refused: `absolute media path or URL refused: ${clip(rel)}` };
  }
  const path = resolve(baseDir, rel);
  if (!isInside(root, path)) return { refused: `media path escapes the export folder: ${clip(rel)}` };
  return { path };
}

export function isInside(root: string, path: string): boolean {
  const r = relative(root, path);
  return r === '' || !(r === '..' || r.startsWith(`..${sep}`) || isAbsolute(r));
}

/** Fills `path`, or `missing` for placeholders and refused paths (the latter reported). */
export function attachFile(
  media: MediaRef,
  value: string,
  where: { root: string; baseDir: string; location: string },
  report: (issue: SourceIssue) => void,
): MediaRef {
  if (isPlaceholder(value)) {
    media.missing = value;
    return media;
  }
  const resolved = resolveInside(where.root, where.baseDir, value);
  if ('path' in resolved) {
    media.path = resolved.path;
  } else {
    media.missing = `refused: ${resolved.refused}`;
    report({ kind: 'malformed', message: resolved.refused, location: where.location });
  }
  return media;
}

/**
 * Checks one media file on disk. Returns null when it is usable, else why not. `realRoot`
 * is the export folder with its own symlinks resolved.
 */
export async function checkOnDisk(path: string, realRoot: string): Promise<string | null> {
  try {
    const st = await lstat(path);
    if (st.isSymbolicLink()) {
      const target = await realpath(path);
      if (!isInside(realRoot, target)) return 'symlink leads out of the export folder';
      return null;
    }
    if (!st.isFile()) return 'not a regular file';
    return null;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return 'file not found in the export folder';
    return `unreadable (${code ?? String(e)})`;
  }
}

/** Runs `checkOnDisk` on every media with a path; an unusable file becomes `missing`, with an issue. */
export async function checkMediaFiles(
  media: MediaRef[],
  realRoot: string,
  location: string,
  report: (issue: SourceIssue) => void,
): Promise<void> {
  for (const m of media) {
    if (!m.path) continue;
    const problem = await checkOnDisk(m.path, realRoot);
    if (!problem) continue;
    const kind = problem.startsWith('symlink') ? 'malformed' : 'missing-media';
    report({ kind, message: `${m.id}: ${problem}: ${m.path}`, location });
    // `path` means "on disk": a consumer must never open the expected path of an absent file.
    m.missing = `${problem}: ${m.path}`;
    delete m.path;
  }
}

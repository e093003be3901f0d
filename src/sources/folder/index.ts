/**
 * A folder of files (uploads, seized media) as a source: every regular file is
 * one message carrying one media item. Folders are walked depth-first in name
 * order, so message ids (relative paths) and their order are stable across runs.
 * Symbolic links are not followed: a seized folder must not lead the scan
 * elsewhere on the machine.
 */
import type { Dirent } from 'node:fs';
import { lstat, readdir } from 'node:fs/promises';
import { basename, extname, join, relative, resolve, sep } from 'node:path';
import type { MediaType, NormalizedMessage, Source, SourceIssue } from '../types.js';

export interface FolderSourceOptions {
  /** Skip names starting with "." (default true). */
  skipHidden?: boolean;
  /** Deepest folder level read below the root (default 32). */
  maxDepth?: number;
}

const TYPE_BY_EXTENSION: Readonly<Record<string, MediaType>> = {
  '.jpg': 'photo',
  '.jpeg': 'photo',
  '.png': 'photo',
  '.webp': 'photo',
  '.heic': 'photo',
  '.heif': 'photo',
  '.avif': 'photo',
  '.bmp': 'photo',
  '.tif': 'photo',
  '.tiff': 'photo',
  '.gif': 'animation',
  '.mp4': 'video',
  '.mov': 'video',
  '.m4v': 'video',
  '.mkv': 'video',
  '.webm': 'video',
  '.avi': 'video',
  '.3gp': 'video',
  '.ogg': 'voice',
  '.opus': 'voice',
  '.mp3': 'audio',
  '.m4a': 'audio',
};

export class FolderSource implements Source {
  readonly kind = 'folder' as const;
  readonly root: string;

  constructor(
    root: string,
    private readonly options: FolderSourceOptions = {},
  ) {
    this.root = resolve(root);
  }

  async *messages(onIssue: (issue: SourceIssue) => void = () => {}): AsyncGenerator<NormalizedMessage> {
    const st = await lstat(this.root);
    if (!st.isDirectory()) throw new Error(`${this.root}: not a folder`);
    yield* this.walk(this.root, 0, onIssue);
  }

  private async *walk(
    dir: string,
    depth: number,
    onIssue: (issue: SourceIssue) => void,
  ): AsyncGenerator<NormalizedMessage> {
    let entries: Dirent[];
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch (err) {
      onIssue({ kind: 'malformed', message: `cannot read folder: ${(err as Error).message}`, location: dir });
      return;
    }
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const entry of entries) {
      if ((this.options.skipHidden ?? true) && entry.name.startsWith('.')) continue;
      const path = join(dir, entry.name);
      if (entry.isSymbolicLink()) {
        onIssue({ kind: 'unsupported', message: 'symbolic link: not followed', location: path });
      } else if (entry.isDirectory()) {
        if (depth + 1 > (this.options.maxDepth ?? 32)) {
          onIssue({ kind: 'limit', message: 'folder nested too deep: skipped', location: path });
        } else {
          yield* this.walk(path, depth + 1, onIssue);
        }
      } else if (entry.isFile()) {
        const message = await this.fileMessage(path, onIssue);
        if (message) yield message;
      }
    }
  }

  private async fileMessage(path: string, onIssue: (issue: SourceIssue) => void): Promise<NormalizedMessage | null> {
    let size: number;
    let mtime: Date;
    try {
      const st = await lstat(path);
      size = st.size;
      mtime = st.mtime;
    } catch (err) {
      onIssue({ kind: 'malformed', message: `cannot read file: ${(err as Error).message}`, location: path });
      return null;
    }
    const rel = relative(this.root, path).split(sep).join('/');
    return {
      source: 'folder',
      chat: { id: this.root, name: basename(this.root), type: 'unknown' },
      messageId: rel,
      author: { id: null, name: null },
      date: mtime,
      dateNote: 'the file modification time',
      text: '',
      entities: [],
      media: [
        {
          id: 'file',
          type: TYPE_BY_EXTENSION[extname(path).toLowerCase()] ?? 'document',
          mime: null,
          size,
          fileName: basename(path),
          path,
        },
      ],
      raw: { path: rel, size, mtime: mtime.toISOString() },
    };
  }
}

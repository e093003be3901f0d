/**
 * Where sealed evidence blobs live. Names are 64 lowercase hex digits (see crypto.ts
 * blobName); the bytes are always ciphertext: the vault encrypts in memory before any
 * write, so no backend ever sees clear media, not even in a temp file.
 *
 * Two backends: a folder (the default) and PostgreSQL (blob-store-postgres.ts), for
 * deployments where several machines share one database.
 */
import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { lstat, lutimes, mkdir, open, readdir, rename, unlink } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { VaultError } from './errors.js';

export interface BlobInfo {
  readonly name: string;
  /** When the blob was last written or re-put; the orphan sweep's grace period counts from here. */
  readonly touchedAt: Date;
}

export interface BlobStore {
  /**
   * Stores `bytes` under `name`. Idempotent: an existing blob is kept (and its time
   * touched). Durable on return. Must not hold on to `bytes` after it returns: the
   * vault reuses the buffer.
   */
  put(name: string, bytes: Uint8Array): Promise<void>;
  /** The bytes, or null when there is no such blob. */
  get(name: string): Promise<Uint8Array | null>;
  has(name: string): Promise<boolean>;
  /** Marks an existing blob as just used (the orphan sweep spares it); false when there is none. */
  touch(name: string): Promise<boolean>;
  list(): AsyncIterable<BlobInfo>;
  /** Deletes the blob only if it was not touched since `notTouchedSince`; returns whether it did. */
  deleteIfUntouched(name: string, notTouchedSince: Date): Promise<boolean>;
  /** Removes leftovers of interrupted writes older than `olderThan`; returns how many. */
  removeStaleTemporaries?(olderThan: Date): Promise<number>;
}

const NAME = /^[0-9a-f]{64}$/;

export function assertBlobName(name: string): void {
  if (typeof name !== 'string' || !NAME.test(name)) throw new VaultError('invalid blob name: expected 64 hex digits');
}

const TEMP_MARK = '.tmp-';
const TRASH_MARK = '.sweep-';

/**
 * `<root>/ab/cd/<name>`, root normally `<dataDir>/evidence`. Writes go to a temp file in
 * the same folder, fsync, rename, fsync of the folder: a crash leaves either the whole
 * blob or a temp file (ciphertext, swept later). Symlinks are refused everywhere below
 * the root, so a planted link cannot redirect reads or writes.
 */
export class FolderBlobStore implements BlobStore {
  readonly root: string;
  private readonly checkedDirs = new Set<string>();

  constructor(root: string) {
    this.root = resolve(root);
  }

  static forDataDir(dataDir: string): FolderBlobStore {
    return new FolderBlobStore(join(dataDir, 'evidence'));
  }

  private pathOf(name: string): { dir: string; file: string } {
    assertBlobName(name);
    const dir = join(this.root, name.slice(0, 2), name.slice(2, 4));
    return { dir, file: join(dir, name) };
  }

  async put(name: string, bytes: Uint8Array): Promise<void> {
    const { dir, file } = this.pathOf(name);
    const created = await this.ensureDir(dir);
    if (created.length === 0 && (await this.touchFile(file))) return;
    const temp = `${file}${TEMP_MARK}${randomBytes(6).toString('hex')}`;
    const flags = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW;
    const handle = await open(temp, flags, 0o600);
    try {
      await handle.writeFile(bytes);
      await handle.sync();
    } catch (err) {
      await handle.close();
      await unlink(temp).catch(() => {});
      throw err;
    }
    await handle.close();
    await rename(temp, file);
    // The new name must survive a crash, and so must any folder just made for it.
    await Promise.all([dir, ...created.map((d) => join(d, '..'))].map(syncDir));
  }

  async get(name: string): Promise<Uint8Array | null> {
    const { dir, file } = this.pathOf(name);
    if (!(await this.dirIsReal(dir))) return null;
    let handle: Awaited<ReturnType<typeof open>>;
    try {
      handle = await open(file, constants.O_RDONLY | constants.O_NOFOLLOW);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') return null;
      if (code === 'ELOOP') throw new VaultError(`refusing blob ${name}: it is a symlink`);
      throw err;
    }
    try {
      return await handle.readFile();
    } finally {
      await handle.close();
    }
  }

  async has(name: string): Promise<boolean> {
    const { dir, file } = this.pathOf(name);
    if (!(await this.dirIsReal(dir))) return false;
    const info = await lstat(file).catch(() => null);
    return info?.isFile() ?? false;
  }

  async *list(): AsyncIterable<BlobInfo> {
    for (const a of await listDirs(this.root)) {
      for (const b of await listDirs(join(this.root, a))) {
        const dir = join(this.root, a, b);
        for (const entry of await readdir(dir, { withFileTypes: true })) {
          if (!entry.isFile() || !NAME.test(entry.name)) continue;
          const info = await lstat(join(dir, entry.name)).catch(() => null);
          if (info) yield { name: entry.name, touchedAt: info.mtime };
        }
      }
    }
  }

  /**
   * Moves the blob aside first, then looks at its time: a concurrent put either touched
   * it before the move (seen here, so it is moved back) or finds it gone and writes it anew.
   */
  async deleteIfUntouched(name: string, notTouchedSince: Date): Promise<boolean> {
    const { dir, file } = this.pathOf(name);
    if (!(await this.dirIsReal(dir))) return false;
    const trash = `${file}${TRASH_MARK}${randomBytes(6).toString('hex')}`;
    try {
      await rename(file, trash);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
      throw err;
    }
    const info = await lstat(trash);
    if (info.mtime >= notTouchedSince) {
      await rename(trash, file); // touched meanwhile: put it back (same content if rewritten)
      return false;
    }
    await unlink(trash);
    await syncDir(dir);
    return true;
  }

  /** Removes temp files a crash left behind (ciphertext only), older than `olderThan`. */
  async removeStaleTemporaries(olderThan: Date): Promise<number> {
    let removed = 0;
    for (const a of await listDirs(this.root)) {
      for (const b of await listDirs(join(this.root, a))) {
        const dir = join(this.root, a, b);
        for (const entry of await readdir(dir)) {
          if (!entry.includes(TEMP_MARK) && !entry.includes(TRASH_MARK)) continue;
          const info = await lstat(join(dir, entry)).catch(() => null);
          if (info?.isFile() && info.mtime < olderThan) {
            await unlink(join(dir, entry)).catch(() => {});
            removed++;
          }
        }
      }
    }
    return removed;
  }

  async touch(name: string): Promise<boolean> {
    const { dir, file } = this.pathOf(name);
    if (!(await this.dirIsReal(dir))) return false;
    return this.touchFile(file);
  }

  /** Updates an existing blob's time; false when there is none. */
  private async touchFile(file: string): Promise<boolean> {
    const info = await lstat(file).catch(() => null);
    if (!info) return false;
    if (!info.isFile()) throw new VaultError(`refusing ${file}: not a regular file`);
    const now = new Date();
    try {
      await lutimes(file, now, now); // never follows a link
      return true;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false; // swept meanwhile
      throw err;
    }
  }

  /** Creates the fan-out folders when missing; returns the folders it created. */
  private async ensureDir(dir: string): Promise<string[]> {
    if (this.checkedDirs.has(dir)) return [];
    const first = await mkdir(dir, { recursive: true, mode: 0o700 });
    if (!(await this.dirIsReal(dir))) throw new VaultError(`refusing ${dir}: not a real directory (symlink?)`);
    if (!first) return [];
    const made: string[] = [];
    for (let d = dir; d.length >= first.length; d = join(d, '..')) made.push(d);
    return made;
  }

  /** The root and the two fan-out levels are real directories, not symlinks. */
  private async dirIsReal(dir: string): Promise<boolean> {
    if (this.checkedDirs.has(dir)) return true;
    for (const path of [this.root, join(dir, '..'), dir]) {
      const info = await lstat(path).catch(() => null);
      if (!info) return false;
      if (info.isSymbolicLink() || !info.isDirectory()) {
        throw new VaultError(`refusing ${path}: not a real directory (symlink?)`);
      }
    }
    this.checkedDirs.add(dir);
    return true;
  }
}

async function listDirs(dir: string): Promise<string[]> {
  try {
    const entries = await readdir(dir, { withFileTypes: true });
    return entries.filter((e) => e.isDirectory() && /^[0-9a-f]{2}$/.test(e.name)).map((e) => e.name);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
}

async function syncDir(dir: string): Promise<void> {
  const handle = await open(dir, constants.O_RDONLY | constants.O_DIRECTORY);
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

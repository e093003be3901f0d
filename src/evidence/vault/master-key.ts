/**
 * The master key: the one secret that wraps every evidence data key (and, later, the
 * MTProto session store). This module is its single source for the whole app.
 *
 * Where it comes from, in order:
 * 1. PERISAI_MASTER_KEY: 64 hex digits or the base64 of 32 bytes.
 * 2. `<dataDir>/keys/master.key`: 64 hex digits and a newline, created at first start
 *    with mode 0600 in a 0700 folder. A file that group or others can read is refused.
 *
 * Creation is atomic and exclusive: the key is written to a private temp file, synced,
 * then hard-linked to its final name. link() never replaces an existing file, so two
 * processes starting at once both end up using the key of whichever linked first, and a
 * crash never leaves a half-written master.key behind.
 *
 * Error messages never contain the key or the text it was parsed from.
 */
import { createHash, randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { chmod, link, lstat, mkdir, open, unlink } from 'node:fs/promises';
import { join, resolve } from 'node:path';

export const MASTER_KEY_ENV = 'PERISAI_MASTER_KEY';
export const MASTER_KEY_BYTES = 32;

export interface MasterKey {
  /** Non-secret fingerprint (16 hex digits): tells which master key wrapped a data key. */
  readonly id: string;
  readonly key: Uint8Array;
  readonly source: 'env' | 'file';
  /** The key file's path when `source` is 'file'. */
  readonly path?: string;
}

export class MasterKeyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MasterKeyError';
  }
}

export interface LoadMasterKeyOptions {
  env?: NodeJS.ProcessEnv;
  /** The data folder; the key file lives in `<dataDir>/keys/master.key`. Default `./data`. */
  dataDir?: string;
}

export function masterKeyPath(dataDir: string): string {
  return join(resolve(dataDir), 'keys', 'master.key');
}

/** Loads the master key from the environment, else from the key file (creating it at first start). */
export async function loadMasterKey(options: LoadMasterKeyOptions = {}): Promise<MasterKey> {
  const env = options.env ?? process.env;
  const fromEnv = env[MASTER_KEY_ENV];
  if (fromEnv !== undefined && fromEnv.trim() !== '') {
    return masterKeyFromBytes(parseMasterKey(fromEnv, MASTER_KEY_ENV), 'env');
  }
  const path = masterKeyPath(options.dataDir ?? './data');
  const existing = await readKeyFile(path);
  if (existing) return masterKeyFromBytes(existing, 'file', path);
  return masterKeyFromBytes(await createKeyFile(path), 'file', path);
}

/** A master key from raw bytes (tests, rotation tooling). */
export function masterKeyFromBytes(key: Uint8Array, source: MasterKey['source'] = 'env', path?: string): MasterKey {
  if (key.length !== MASTER_KEY_BYTES) throw new MasterKeyError(`a master key must be ${MASTER_KEY_BYTES} bytes`);
  return { id: masterKeyId(key), key: Uint8Array.from(key), source, ...(path ? { path } : {}) };
}

/** SHA-256 of a domain tag and the key, first 8 bytes: safe to store and print. */
export function masterKeyId(key: Uint8Array): string {
  return createHash('sha256').update('perisai:master-key-id:v1\0').update(key).digest('hex').slice(0, 16);
}

const HEX_KEY = /^[0-9a-fA-F]{64}$/;
const BASE64_KEY = /^[A-Za-z0-9+/]{43}=?$/;
const BASE64URL_KEY = /^[A-Za-z0-9_-]{43}=?$/;

/** Parses 64 hex digits or base64 (standard or URL-safe) of 32 bytes. `what` names the origin in errors. */
export function parseMasterKey(text: string, what: string): Uint8Array {
  const value = text.trim();
  if (HEX_KEY.test(value)) return Uint8Array.from(Buffer.from(value, 'hex'));
  if (BASE64_KEY.test(value) || BASE64URL_KEY.test(value)) {
    const bytes = Buffer.from(value, BASE64_KEY.test(value) ? 'base64' : 'base64url');
    if (bytes.length === MASTER_KEY_BYTES) return Uint8Array.from(bytes);
  }
  throw new MasterKeyError(
    `${what} is not a valid master key: expected 64 hex digits or the base64 of 32 bytes ` +
      '(generate one with: openssl rand -hex 32)',
  );
}

async function readKeyFile(path: string): Promise<Uint8Array | null> {
  let info: Awaited<ReturnType<typeof lstat>>;
  try {
    info = await lstat(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new MasterKeyError(`cannot read the master key file ${path}: ${(err as Error).message}`);
  }
  if (info.isSymbolicLink() || !info.isFile()) {
    throw new MasterKeyError(`refusing the master key file ${path}: it is not a regular file (symlinks are refused)`);
  }
  checkPrivate(path, info.mode);
  let text: string;
  try {
    const handle = await open(path, constants.O_RDONLY | constants.O_NOFOLLOW);
    try {
      text = await handle.readFile('utf8');
    } finally {
      await handle.close();
    }
  } catch (err) {
    throw new MasterKeyError(`cannot read the master key file ${path}: ${(err as Error).message}`);
  }
  return parseMasterKey(text, `the master key file ${path}`);
}

/** Refuses a key file that group or others may read or write. */
function checkPrivate(path: string, mode: number): void {
  if ((mode & 0o077) === 0) return;
  const octal = (mode & 0o777).toString(8).padStart(4, '0');
  throw new MasterKeyError(
    `refusing the master key file ${path}: its mode ${octal} lets group or others access it; ` +
      `fix it with: chmod 600 ${path} (and check nobody else copied the key)`,
  );
}

async function createKeyFile(path: string): Promise<Uint8Array> {
  const dir = join(path, '..');
  await ensurePrivateDir(dir);
  const key = randomBytes(MASTER_KEY_BYTES);
  const temp = `${path}.tmp-${process.pid}-${randomBytes(6).toString('hex')}`;
  const flags = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW;
  const handle = await open(temp, flags, 0o600);
  try {
    await handle.writeFile(`${key.toString('hex')}\n`);
    await handle.sync();
  } finally {
    await handle.close();
  }
  try {
    await link(temp, path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    // Another process created the key first: everyone uses that one.
  } finally {
    await unlink(temp).catch(() => {});
    key.fill(0);
  }
  await syncDir(dir);
  const created = await readKeyFile(path);
  if (!created) throw new MasterKeyError(`the master key file ${path} vanished while it was being created`);
  return created;
}

async function ensurePrivateDir(dir: string): Promise<void> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const info = await lstat(dir);
  if (info.isSymbolicLink() || !info.isDirectory()) {
    throw new MasterKeyError(`refusing the key folder ${dir}: it is not a directory (symlinks are refused)`);
  }
  // mkdir's mode is filtered by the umask, and an older folder may be wider: narrow it.
  if ((info.mode & 0o077) !== 0) await chmod(dir, 0o700);
}

async function syncDir(dir: string): Promise<void> {
  const handle = await open(dir, constants.O_RDONLY | constants.O_DIRECTORY);
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

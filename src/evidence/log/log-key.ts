/**
 * The log's Ed25519 signing key. Generated at first start and kept as PKCS#8 PEM in
 * `<dataDir>/keys/log-ed25519.pem` (file 0600, folder 0700). Its public key is what a
 * verifier needs; export it with `exportPublicKey` (SPKI PEM, or the raw 32 bytes in hex).
 *
 * The log id is SHA-256 of the public key's DER SubjectPublicKeyInfo, as in RFC 6962
 * §3.2, so it can be recomputed from either export.
 *
 * Several processes sharing one PostgreSQL each sign tree heads with the key in their
 * own data folder: give them the same key file, or run the signer in one of them only.
 */
import {
  createHash,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  type KeyObject,
  randomBytes,
} from 'node:crypto';
import { link, mkdir, open, readFile, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { fromHex, toHex } from './bytes.js';

export const LOG_KEY_PATH = join('keys', 'log-ed25519.pem');

/** DER SubjectPublicKeyInfo of an Ed25519 key, up to the 32 key bytes (RFC 8410). */
const ED25519_SPKI_PREFIX = fromHex('302a300506032b6570032100');

export interface LogKey {
  readonly privateKey: KeyObject;
  readonly publicKey: KeyObject;
  /** SHA-256 of the public key's DER SPKI, hex. */
  readonly logId: string;
}

export interface ExportedPublicKey {
  /** SPKI PEM ("-----BEGIN PUBLIC KEY-----"). */
  pem: string;
  /** The 32 raw public key bytes, hex. */
  raw: string;
  logId: string;
}

/** A fresh key held in memory only (tests, tools); the server uses loadOrCreateLogKey. */
export function generateLogKey(): LogKey {
  return logKeyFrom(generateKeyPairSync('ed25519').privateKey);
}

export function logKeyFromPrivatePem(pem: string): LogKey {
  return logKeyFrom(createPrivateKey(pem));
}

function logKeyFrom(privateKey: KeyObject): LogKey {
  if (privateKey.asymmetricKeyType !== 'ed25519') {
    throw new Error(`the evidence log key must be Ed25519, not ${privateKey.asymmetricKeyType}`);
  }
  const publicKey = createPublicKey(privateKey);
  return { privateKey, publicKey, logId: logIdOf(publicKey) };
}

export function logIdOf(publicKey: KeyObject): string {
  return toHex(
    createHash('sha256')
      .update(publicKey.export({ format: 'der', type: 'spki' }))
      .digest(),
  );
}

export function exportPublicKey(key: LogKey | KeyObject): ExportedPublicKey {
  const publicKey = 'publicKey' in key ? key.publicKey : key;
  const spki = publicKey.export({ format: 'der', type: 'spki' });
  return {
    pem: publicKey.export({ format: 'pem', type: 'spki' }).toString(),
    raw: toHex(spki.subarray(ED25519_SPKI_PREFIX.length)),
    logId: logIdOf(publicKey),
  };
}

/** A public key from an export: SPKI PEM, 64 hex digits, or 32 raw bytes. */
export function importPublicKey(input: string | Uint8Array | KeyObject): KeyObject {
  let key: KeyObject;
  if (typeof input === 'string' && input.includes('-----BEGIN')) {
    key = createPublicKey(input);
  } else if (typeof input === 'string' || input instanceof Uint8Array) {
    const raw = typeof input === 'string' ? fromHex(input.trim().toLowerCase(), 32) : input;
    if (raw.length !== 32) throw new TypeError(`a raw Ed25519 public key is 32 bytes, not ${raw.length}`);
    key = createPublicKey({ key: Buffer.concat([ED25519_SPKI_PREFIX, raw]), format: 'der', type: 'spki' });
  } else {
    key = input.type === 'private' ? createPublicKey(input) : input;
  }
  if (key.asymmetricKeyType !== 'ed25519') throw new TypeError('the evidence log public key must be Ed25519');
  return key;
}

/**
 * Loads the log key from `<dataDir>/keys/log-ed25519.pem`, creating it on first start.
 * Creation is atomic and first-wins: the key is written to a private temporary file and
 * hard-linked into place, so two processes starting together end up with the same key
 * and nobody ever reads a half-written file.
 */
export async function loadOrCreateLogKey(dataDir: string): Promise<LogKey> {
  const path = join(dataDir, LOG_KEY_PATH);
  const existing = await readKeyFile(path);
  if (existing) return existing;
  await mkdir(join(dataDir, 'keys'), { recursive: true, mode: 0o700 });
  const pem = generateKeyPairSync('ed25519').privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
  const temporary = `${path}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
  const file = await open(temporary, 'wx', 0o600);
  try {
    await file.writeFile(pem);
    await file.sync();
  } finally {
    await file.close();
  }
  try {
    await link(temporary, path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  } finally {
    await unlink(temporary).catch(() => {});
  }
  await syncFolder(join(dataDir, 'keys'));
  const key = await readKeyFile(path);
  if (!key) throw new Error(`could not create the evidence log key at ${path}`);
  return key;
}

async function readKeyFile(path: string): Promise<LogKey | null> {
  let pem: string;
  try {
    pem = await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
  if (process.platform !== 'win32') {
    const mode = (await stat(path)).mode & 0o777;
    // Like ssh: a signing key others can read is refused, not silently used.
    if (mode & 0o077) {
      throw new Error(
        `the evidence log key ${path} is accessible to other users (mode ${mode.toString(8)}); run: chmod 600 ${path}`,
      );
    }
  }
  try {
    return logKeyFromPrivatePem(pem);
  } catch (err) {
    throw new Error(`the evidence log key ${path} is not a usable Ed25519 private key: ${(err as Error).message}`);
  }
}

/** Makes the new directory entry durable; best effort where folders cannot be opened. */
async function syncFolder(dir: string): Promise<void> {
  try {
    const handle = await open(dir, 'r');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch {
    // Not supported on this platform: the file itself is already synced.
  }
}

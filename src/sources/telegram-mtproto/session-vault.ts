/**
 * The GramJS session string is a full login to a Telegram account: whoever
 * reads it can act as that account. It is stored encrypted, with
 * XChaCha20-Poly1305 (libsodium), under a 32-byte key the caller holds, with a
 * fresh random 24-byte nonce per write and a label as associated data, so a
 * ciphertext made for another purpose does not open as a session. The file
 * also records a key fingerprint (a keyed BLAKE2b hash, which reveals nothing
 * about the key) so that a wrong key and an altered file give different,
 * clear errors. Writes are atomic (temporary file, fsync, rename) and the file
 * is created with mode 0600. Neither the session nor the key ever appear in an
 * error message.
 */
import { randomBytes } from 'node:crypto';
import { open, readFile, rename, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import sodium from 'libsodium-wrappers';

export const SESSION_LABEL = 'perisai:mtproto-session:v1';
const FORMAT = 'perisai-mtproto-session';
const CIPHER = 'xchacha20poly1305-ietf';

export type SessionVaultFailure =
  | 'invalid-key'
  | 'empty-session'
  | 'wrong-key'
  | 'tampered'
  | 'not-a-session-file'
  | 'io';

export class SessionVaultError extends Error {
  override name = 'SessionVaultError';
  constructor(
    readonly reason: SessionVaultFailure,
    message: string,
  ) {
    super(message);
  }
}

interface SessionFile {
  format: typeof FORMAT;
  version: 1;
  cipher: typeof CIPHER;
  label: string;
  keyId: string;
  nonce: string;
  ciphertext: string;
}

export class SessionVault {
  private readonly key: Uint8Array;

  /**
   * @param path where the encrypted session lives
   * @param key 32 bytes, e.g. derived from the deployment's master key; copied
   */
  constructor(
    readonly path: string,
    key: Uint8Array,
    private readonly label = SESSION_LABEL,
  ) {
    if (!(key instanceof Uint8Array) || key.length !== 32) {
      throw new SessionVaultError('invalid-key', 'the session key must be 32 bytes');
    }
    this.key = Uint8Array.from(key);
  }

  /** Encrypts and writes the session, replacing any previous one atomically. */
  async save(session: string): Promise<void> {
    if (typeof session !== 'string' || session === '') {
      throw new SessionVaultError('empty-session', 'refusing to store an empty session');
    }
    await sodium.ready;
    const nonce = sodium.randombytes_buf(sodium.crypto_aead_xchacha20poly1305_ietf_NPUBBYTES);
    const plain = sodium.from_string(session);
    const ciphertext = sodium.crypto_aead_xchacha20poly1305_ietf_encrypt(plain, this.label, null, nonce, this.key);
    sodium.memzero(plain);
    const file: SessionFile = {
      format: FORMAT,
      version: 1,
      cipher: CIPHER,
      label: this.label,
      keyId: this.keyId(),
      nonce: sodium.to_base64(nonce, sodium.base64_variants.ORIGINAL),
      ciphertext: sodium.to_base64(ciphertext, sodium.base64_variants.ORIGINAL),
    };
    await writeAtomically(this.path, `${JSON.stringify(file, null, 2)}\n`);
  }

  /** The stored session, or null when there is no file yet. */
  async load(): Promise<string | null> {
    let text: string;
    try {
      text = await readFile(this.path, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw new SessionVaultError('io', `cannot read the session file ${this.path}: ${(err as Error).message}`);
    }
    await sodium.ready;
    const file = this.parse(text);
    if (file.keyId !== this.keyId()) {
      throw new SessionVaultError('wrong-key', `the session file ${this.path} was written under a different key`);
    }
    const nonce = decode(file.nonce, this.path, 'nonce');
    const ciphertext = decode(file.ciphertext, this.path, 'ciphertext');
    if (nonce.length !== sodium.crypto_aead_xchacha20poly1305_ietf_NPUBBYTES) {
      throw new SessionVaultError('tampered', `the session file ${this.path} has a nonce of the wrong length`);
    }
    let plain: Uint8Array;
    try {
      plain = sodium.crypto_aead_xchacha20poly1305_ietf_decrypt(null, ciphertext, this.label, nonce, this.key);
    } catch {
      throw new SessionVaultError(
        'tampered',
        `the session file ${this.path} failed authentication: it was altered, corrupted, or made for another purpose`,
      );
    }
    const session = sodium.to_string(plain);
    sodium.memzero(plain);
    return session;
  }

  private parse(text: string): SessionFile {
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      throw new SessionVaultError('not-a-session-file', `${this.path} is not a Perisai session file (not JSON)`);
    }
    const f = value as Partial<SessionFile> | null;
    if (!f || typeof f !== 'object' || f.format !== FORMAT) {
      throw new SessionVaultError('not-a-session-file', `${this.path} is not a Perisai session file`);
    }
    if (f.version !== 1 || f.cipher !== CIPHER) {
      throw new SessionVaultError('not-a-session-file', `${this.path}: unsupported session file version or cipher`);
    }
    if (typeof f.keyId !== 'string' || typeof f.nonce !== 'string' || typeof f.ciphertext !== 'string') {
      throw new SessionVaultError('tampered', `the session file ${this.path} lacks its key id, nonce or ciphertext`);
    }
    return f as SessionFile;
  }

  /** A fingerprint of the key: BLAKE2b keyed with the key over the label. One-way; 128 bits. */
  private keyId(): string {
    return sodium.to_hex(sodium.crypto_generichash(16, `${this.label}:key-id`, this.key));
  }
}

function decode(value: string, path: string, field: string): Uint8Array {
  try {
    return sodium.from_base64(value, sodium.base64_variants.ORIGINAL);
  } catch {
    throw new SessionVaultError('tampered', `the session file ${path} has an unreadable ${field}`);
  }
}

/** Writes a new file beside `path` (mode 0600, fsynced) and renames it over `path`. */
async function writeAtomically(path: string, content: string): Promise<void> {
  const temp = join(dirname(path), `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`);
  try {
    const handle = await open(temp, 'wx', 0o600);
    try {
      await handle.chmod(0o600); // whatever the umask
      await handle.writeFile(content, 'utf8');
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, path);
  } catch (err) {
    await unlink(temp).catch(() => {});
    throw new SessionVaultError('io', `cannot write the session file ${path}: ${(err as Error).message}`);
  }
  await syncDirectory(dirname(path));
}

/** Makes the rename durable; not every platform can open a directory, which is fine. */
async function syncDirectory(dir: string): Promise<void> {
  try {
    const handle = await open(dir, 'r');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch {
    // best effort
  }
}

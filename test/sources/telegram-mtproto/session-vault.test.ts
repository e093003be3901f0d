/**
 * The encrypted session file: round trip, wrong key, tampering, file mode,
 * atomic replacement, and the plaintext never on disk or in an error.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { SessionVault, SessionVaultError } from '../../../src/sources/telegram-mtproto/session-vault.js';

// Shaped like a GramJS StringSession ("1" + base64 of dc, address, port, auth key); random, not a real login.
const SESSION = `1${randomBytes(263).toString('base64')}`;
const KEY = randomBytes(32);

let dir: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'perisai-session-'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

function failsWith(reason: string, secret = SESSION) {
  return (err: unknown) => {
    assert.ok(err instanceof SessionVaultError, String(err));
    assert.equal(err.reason, reason);
    assert.ok(!err.message.includes(secret), 'the session never appears in an error');
    assert.ok(!err.message.includes(KEY.toString('hex')) && !err.message.includes(KEY.toString('base64')));
    return true;
  };
}

describe('SessionVault', () => {
  it('round-trips the session', async () => {
    const vault = new SessionVault(join(dir, 'roundtrip.json'), KEY);
    await vault.save(SESSION);
    assert.equal(await vault.load(), SESSION);
    assert.equal(await new SessionVault(vault.path, Uint8Array.from(KEY)).load(), SESSION);
  });

  it('returns null when nothing is stored yet', async () => {
    assert.equal(await new SessionVault(join(dir, 'absent.json'), KEY).load(), null);
  });

  it('writes mode 0600 and never the plaintext', async () => {
    const path = join(dir, 'mode.json');
    await new SessionVault(path, KEY).save(SESSION);
    assert.equal((await stat(path)).mode & 0o777, 0o600);
    const text = await readFile(path, 'utf8');
    assert.ok(!text.includes(SESSION));
    assert.ok(!text.includes(SESSION.slice(1, 40)), 'no recognisable part of it either');
    assert.ok(!text.includes(Buffer.from(SESSION).toString('base64').slice(0, 40)));
    const file = JSON.parse(text);
    assert.equal(file.cipher, 'xchacha20poly1305-ietf');
    assert.equal(file.label, 'perisai:mtproto-session:v1');
    assert.equal(Buffer.from(file.nonce, 'base64').length, 24);
  });

  it('uses a fresh nonce on every save', async () => {
    const path = join(dir, 'nonce.json');
    const vault = new SessionVault(path, KEY);
    await vault.save(SESSION);
    const first = JSON.parse(await readFile(path, 'utf8'));
    await vault.save(SESSION);
    const second = JSON.parse(await readFile(path, 'utf8'));
    assert.notEqual(first.nonce, second.nonce);
    assert.notEqual(first.ciphertext, second.ciphertext);
  });

  it('replaces an existing file atomically, fixing a loose mode, and leaves no temporary file', async () => {
    const path = join(dir, 'replace.json');
    await writeFile(path, 'old', { mode: 0o644 });
    await new SessionVault(path, KEY).save(SESSION);
    assert.equal((await stat(path)).mode & 0o777, 0o600);
    assert.deepEqual(
      (await readdir(dir)).filter((n) => n.includes('replace')),
      ['replace.json'],
    );
  });

  it('fails clearly with the wrong key', async () => {
    const path = join(dir, 'wrongkey.json');
    await new SessionVault(path, KEY).save(SESSION);
    await assert.rejects(new SessionVault(path, randomBytes(32)).load(), (err: unknown) => {
      failsWith('wrong-key')(err);
      assert.match((err as Error).message, /written under a different key/);
      return true;
    });
  });

  it('fails clearly when the ciphertext, nonce or key id was altered', async () => {
    const path = join(dir, 'tampered.json');
    const vault = new SessionVault(path, KEY);
    await vault.save(SESSION);
    const original = JSON.parse(await readFile(path, 'utf8'));

    const ciphertext = Buffer.from(original.ciphertext, 'base64');
    ciphertext[5] = (ciphertext[5] ?? 0) ^ 0x01;
    await writeFile(path, JSON.stringify({ ...original, ciphertext: ciphertext.toString('base64') }));
    await assert.rejects(vault.load(), (err: unknown) => {
      failsWith('tampered')(err);
      assert.match((err as Error).message, /failed authentication: it was altered/);
      return true;
    });

    const nonce = Buffer.from(original.nonce, 'base64');
    nonce[0] = (nonce[0] ?? 0) ^ 0x80;
    await writeFile(path, JSON.stringify({ ...original, nonce: nonce.toString('base64') }));
    await assert.rejects(vault.load(), failsWith('tampered'));

    await writeFile(path, JSON.stringify({ ...original, keyId: '00'.repeat(16) }));
    await assert.rejects(vault.load(), failsWith('wrong-key'));

    await writeFile(path, JSON.stringify({ ...original, nonce: 'AAAA' }));
    await assert.rejects(vault.load(), failsWith('tampered'));
  });

  it('does not open a ciphertext made under another label', async () => {
    const path = join(dir, 'label.json');
    await new SessionVault(path, KEY, 'perisai:other-purpose:v1').save(SESSION);
    const file = JSON.parse(await readFile(path, 'utf8'));
    // Relabel the file as a session: the key id still matches only if the labels match, so forge that too.
    const genuine = new SessionVault(join(dir, 'label-ref.json'), KEY);
    await genuine.save('x');
    const keyId = JSON.parse(await readFile(genuine.path, 'utf8')).keyId;
    await writeFile(path, JSON.stringify({ ...file, label: 'perisai:mtproto-session:v1', keyId }));
    await assert.rejects(new SessionVault(path, KEY).load(), failsWith('tampered'));
  });

  it('refuses files that are not session files', async () => {
    const path = join(dir, 'junk.json');
    await writeFile(path, 'not json');
    await assert.rejects(new SessionVault(path, KEY).load(), failsWith('not-a-session-file'));
    await writeFile(path, JSON.stringify({ format: 'something-else' }));
    await assert.rejects(new SessionVault(path, KEY).load(), failsWith('not-a-session-file'));
  });

  it('refuses keys that are not 32 bytes and empty sessions', async () => {
    assert.throws(() => new SessionVault(join(dir, 'k.json'), randomBytes(16)), failsWith('invalid-key'));
    await assert.rejects(new SessionVault(join(dir, 'k.json'), KEY).save(''), failsWith('empty-session'));
  });

  it('keeps its own copy of the key', async () => {
    const key = Uint8Array.from(KEY);
    const vault = new SessionVault(join(dir, 'copy.json'), key);
    key.fill(0); // the caller wipes its buffer
    await vault.save(SESSION);
    assert.equal(await new SessionVault(vault.path, KEY).load(), SESSION);
  });
});

import assert from 'node:assert/strict';
import { createHash, createPublicKey, generateKeyPairSync, verify } from 'node:crypto';
import { chmod, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { toHex } from '../../../src/evidence/log/bytes.js';
import {
  exportPublicKey,
  generateLogKey,
  importPublicKey,
  LOG_KEY_PATH,
  loadOrCreateLogKey,
} from '../../../src/evidence/log/log-key.js';
import {
  decodeTreeHead,
  encodeTreeHead,
  type SignedTreeHead,
  signTreeHead,
  TREE_HEAD_BYTES,
  verifyTreeHead,
} from '../../../src/evidence/log/tree-head.js';

const ROOT = '5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328';
const TIMESTAMP = Date.UTC(2025, 0, 2, 3, 4, 5, 678);

const posix = process.platform !== 'win32';

describe('signed tree heads', () => {
  test('the signed bytes follow the documented layout', () => {
    const head = { treeSize: 8, rootHash: ROOT, timestamp: TIMESTAMP, logId: 'ab'.repeat(32) };
    const bytes = Buffer.from(encodeTreeHead(head));
    assert.equal(bytes.length, TREE_HEAD_BYTES);
    assert.equal(bytes.length, 114);
    assert.equal(bytes.subarray(0, 34).toString('latin1'), 'perisai/evidence-log/tree-head/v1\0');
    assert.equal(bytes.subarray(34, 66).toString('hex'), 'ab'.repeat(32));
    assert.equal(bytes.readBigUInt64BE(66), BigInt(TIMESTAMP));
    assert.equal(bytes.readBigUInt64BE(74), 8n);
    assert.equal(bytes.subarray(82).toString('hex'), ROOT);
    assert.deepEqual(decodeTreeHead(bytes), head);
    assert.throws(() => decodeTreeHead(bytes.subarray(1)), /not an encoded/);
    assert.throws(() => encodeTreeHead({ ...head, treeSize: -1 }), /treeSize/);
    assert.throws(() => encodeTreeHead({ ...head, timestamp: 1.5 }), /timestamp/);
    assert.throws(() => encodeTreeHead({ ...head, rootHash: ROOT.toUpperCase() }), /hex/);
  });

  test('a head verifies with the exported public key alone (PEM or raw hex), and tampering fails', () => {
    const key = generateLogKey();
    const head = signTreeHead(key, { treeSize: 8, rootHash: ROOT, timestamp: TIMESTAMP });
    assert.equal(head.logId, key.logId);
    const exported = exportPublicKey(key);
    assert.match(exported.pem, /^-----BEGIN PUBLIC KEY-----\n/);
    assert.match(exported.raw, /^[0-9a-f]{64}$/);
    assert.equal(exported.logId, key.logId);
    // The log id is SHA-256 of the DER SPKI (RFC 6962 §3.2), recomputable from the PEM.
    const spki = createPublicKey(exported.pem).export({ format: 'der', type: 'spki' });
    assert.equal(createHash('sha256').update(spki).digest('hex'), head.logId);
    // Plain Ed25519 over the documented bytes: any Ed25519 implementation can check it.
    assert.ok(verify(null, encodeTreeHead(head), createPublicKey(exported.pem), Buffer.from(head.signature, 'hex')));

    for (const publicKey of [exported.pem, exported.raw, exported.raw.toUpperCase(), key.publicKey, key.privateKey]) {
      assert.ok(verifyTreeHead(head, publicKey));
    }
    assert.ok(verifyTreeHead(head, Buffer.from(exported.raw, 'hex')));

    const tampered: SignedTreeHead[] = [
      { ...head, treeSize: 9 },
      { ...head, timestamp: head.timestamp + 1 },
      { ...head, rootHash: `${ROOT.slice(0, 63)}9` },
      { ...head, signature: `${head.signature.slice(0, 127)}${head.signature.endsWith('0') ? '1' : '0'}` },
      { ...head, signature: head.signature.slice(2) },
      { ...head, logId: 'cd'.repeat(32) },
    ];
    for (const bad of tampered) assert.equal(verifyTreeHead(bad, exported.pem), false, JSON.stringify(bad));
    const other = generateLogKey();
    assert.equal(verifyTreeHead(head, exportPublicKey(other).pem), false);
    // Another key's signature under this log's id is refused too.
    const forged = { ...signTreeHead(other, head), logId: key.logId };
    assert.equal(verifyTreeHead(forged, exported.pem), false);
    assert.equal(verifyTreeHead(head, 'not a key'), false);
    assert.equal(verifyTreeHead(head, 'ab'.repeat(31)), false);
  });

  test('importPublicKey refuses keys that are not Ed25519', () => {
    const publicKey = createPublicKey(generateEcPem());
    assert.throws(() => importPublicKey(publicKey.export({ format: 'pem', type: 'spki' }).toString()), /Ed25519/);
    assert.throws(() => importPublicKey(new Uint8Array(31)), /32 bytes/);
  });
});

/** A throwaway key of another type (P-256). */
function generateEcPem(): string {
  return generateKeyPairSync('ec', { namedCurve: 'P-256' })
    .privateKey.export({ format: 'pem', type: 'pkcs8' })
    .toString();
}

describe('the log key on disk', () => {
  const dirs: string[] = [];
  const tempDir = async () => {
    const dir = await mkdtemp(join(tmpdir(), 'perisai-logkey-'));
    dirs.push(dir);
    return dir;
  };
  after(async () => {
    for (const dir of dirs) await rm(dir, { recursive: true, force: true });
  });

  test('is created at first start with private permissions, then loaded unchanged', async () => {
    const dataDir = await tempDir();
    const created = await loadOrCreateLogKey(dataDir);
    const path = join(dataDir, LOG_KEY_PATH);
    assert.match(await readFile(path, 'utf8'), /^-----BEGIN PRIVATE KEY-----\n/);
    if (posix) {
      assert.equal((await stat(path)).mode & 0o777, 0o600);
      assert.equal((await stat(join(dataDir, 'keys'))).mode & 0o777, 0o700);
    }
    assert.deepEqual(await readdir(join(dataDir, 'keys')), ['log-ed25519.pem']); // no temporary left
    const loaded = await loadOrCreateLogKey(dataDir);
    assert.equal(loaded.logId, created.logId);
    const head = signTreeHead(created, { treeSize: 1, rootHash: ROOT, timestamp: TIMESTAMP });
    assert.ok(verifyTreeHead(head, exportPublicKey(loaded).raw));
  });

  test('processes starting together all get the same key', async () => {
    const dataDir = await tempDir();
    const keys = await Promise.all(Array.from({ length: 8 }, () => loadOrCreateLogKey(dataDir)));
    assert.equal(new Set(keys.map((k) => k.logId)).size, 1);
    assert.deepEqual(await readdir(join(dataDir, 'keys')), ['log-ed25519.pem']);
  });

  test('a key file others can read, or one that is not an Ed25519 key, is refused with the fix', async (t) => {
    const dataDir = await tempDir();
    await loadOrCreateLogKey(dataDir);
    const path = join(dataDir, LOG_KEY_PATH);
    if (posix) {
      await chmod(path, 0o644);
      await assert.rejects(loadOrCreateLogKey(dataDir), /accessible to other users \(mode 644\); run: chmod 600/);
      await chmod(path, 0o600);
    } else {
      t.diagnostic('permission check is POSIX only');
    }
    await writeFile(path, generateEcPem(), { mode: 0o600 });
    await assert.rejects(loadOrCreateLogKey(dataDir), /must be Ed25519/);
    await writeFile(path, 'garbage', { mode: 0o600 });
    await assert.rejects(loadOrCreateLogKey(dataDir), /not a usable Ed25519 private key/);
  });

  test('the key never appears in its own export', () => {
    const key = generateLogKey();
    const pkcs8 = key.privateKey.export({ format: 'der', type: 'pkcs8' });
    const seed = toHex(pkcs8.subarray(pkcs8.length - 32));
    assert.ok(!JSON.stringify(exportPublicKey(key)).includes(seed));
  });
});

import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { before, describe, test } from 'node:test';
import sodium from 'libsodium-wrappers';
import {
  type BlobBinding,
  blobName,
  openBlob,
  sealBlob,
  sealedKeyVersion,
  sealToRecipient,
  unwrapDataKey,
  wrapDataKey,
} from '../../../src/evidence/vault/crypto.js';
import { IntegrityError, KeyUnwrapError } from '../../../src/evidence/vault/errors.js';
import { masterKeyFromBytes } from '../../../src/evidence/vault/master-key.js';
import {
  type CipherEngine,
  hchacha20,
  sodiumReady,
  xchachaDecrypt,
  xchachaEncrypt,
} from '../../../src/evidence/vault/xchacha.js';

const ENGINES: CipherEngine[] = ['sodium', 'openssl'];

function binding(caseId: string, role: 'media' | 'record', plain: Uint8Array): BlobBinding {
  return { caseId, role, sha256: createHash('sha256').update(plain).digest() };
}

describe('vault crypto', () => {
  before(() => sodiumReady());

  test('HChaCha20 matches the test vector of draft-irtf-cfrg-xchacha §2.2.1', () => {
    const key = Uint8Array.from({ length: 32 }, (_, i) => i);
    const nonce = Buffer.from('000000090000004a0000000031415927', 'hex');
    assert.equal(
      Buffer.from(hchacha20(key, nonce)).toString('hex'),
      '82413b4227b27bfed30e42508a877d73a0f9e4d58a74a853c12ec41326d3ecdc',
    );
  });

  test('the OpenSSL engine gives libsodium XChaCha20-Poly1305 bytes, and each decrypts the other', () => {
    for (const length of [0, 1, 15, 16, 63, 64, 65, 4096, 100_003]) {
      const key = randomBytes(32);
      const nonce = randomBytes(24);
      const ad = randomBytes(length % 50);
      const plain = randomBytes(length);
      const bySodium = xchachaEncrypt(key, nonce, ad, plain, 'sodium');
      const byOpenssl = xchachaEncrypt(key, nonce, ad, plain, 'openssl');
      assert.deepEqual(Buffer.from(byOpenssl), Buffer.from(bySodium), `length ${length}`);
      assert.deepEqual(Buffer.from(xchachaDecrypt(key, nonce, ad, bySodium, 'openssl')!), plain);
      assert.deepEqual(Buffer.from(xchachaDecrypt(key, nonce, ad, byOpenssl, 'sodium')!), plain);
      const reference = sodium.crypto_aead_xchacha20poly1305_ietf_decrypt(null, byOpenssl, ad, nonce, key);
      assert.deepEqual(Buffer.from(reference), plain);
    }
  });

  test('data keys wrap and unwrap; another case, version or master key cannot unwrap them', () => {
    const master = masterKeyFromBytes(randomBytes(32));
    const dek = randomBytes(32);
    const wrapped = wrapDataKey(master, 'PRS-1', 1, dek);
    assert.equal(wrapped.masterKeyId, master.id);
    assert.deepEqual(Buffer.from(unwrapDataKey(master, wrapped)), dek);
    assert.throws(() => unwrapDataKey(master, { ...wrapped, caseId: 'PRS-2' }), KeyUnwrapError);
    assert.throws(() => unwrapDataKey(master, { ...wrapped, keyVersion: 2 }), KeyUnwrapError);
    const other = masterKeyFromBytes(randomBytes(32));
    assert.throws(() => unwrapDataKey(other, wrapped), /wrapped by master key .* but the loaded master key is/);
    assert.throws(() => unwrapDataKey({ ...other, id: master.id }, wrapped), /does not unwrap: altered/);
  });

  for (const engine of ENGINES) {
    test(`blobs (${engine}): round trip; bound to case, role and content hash`, () => {
      const dek = randomBytes(32);
      const plain = randomBytes(10_000);
      const b = binding('PRS-1', 'media', plain);
      const sealed = sealBlob(dek, 3, b, plain, engine);
      assert.equal(sealedKeyVersion(sealed), 3);
      assert.deepEqual(Buffer.from(openBlob(dek, b, sealed, engine)), plain);
      assert.ok(!Buffer.from(sealed).includes(plain.subarray(0, 32)), 'ciphertext does not contain the plaintext');
      for (const swapped of [
        { ...b, caseId: 'PRS-2' },
        { ...b, role: 'record' as const },
        { ...b, sha256: createHash('sha256').update('other').digest() },
      ]) {
        assert.throws(() => openBlob(dek, swapped, sealed, engine), IntegrityError);
      }
      assert.throws(() => openBlob(randomBytes(32), b, sealed, engine), IntegrityError);
    });
  }

  test('every single-byte change of a sealed blob is detected (each position, both engines)', () => {
    const dek = randomBytes(32);
    const plain = randomBytes(300);
    const b = binding('PRS-9', 'record', plain);
    for (const engine of ENGINES) {
      const sealed = Buffer.from(sealBlob(dek, 1, b, plain, engine));
      for (let i = 0; i < sealed.length; i++) {
        const tampered = Buffer.from(sealed);
        tampered[i] = tampered[i]! ^ (1 + (i % 255));
        assert.throws(() => openBlob(dek, b, tampered, engine), IntegrityError, `byte ${i}`);
      }
      assert.throws(() => openBlob(dek, b, sealed.subarray(0, sealed.length - 1), engine), IntegrityError);
    }
  });

  test('blob names depend on case, role and content, and are 64 hex digits', () => {
    const plain = Buffer.from('same bytes');
    const names = new Set([
      blobName(binding('PRS-1', 'media', plain)),
      blobName(binding('PRS-2', 'media', plain)),
      blobName(binding('PRS-1', 'record', plain)),
    ]);
    assert.equal(names.size, 3);
    for (const name of names) assert.match(name, /^[0-9a-f]{64}$/);
    assert.equal(blobName(binding('PRS-1', 'media', plain)), blobName(binding('PRS-1', 'media', Buffer.from(plain))));
  });

  test('sealed exports open only with the recipient secret key', () => {
    const recipient = sodium.crypto_box_keypair();
    const plain = randomBytes(1000);
    const sealed = sealToRecipient(recipient.publicKey, plain);
    const opened = sodium.crypto_box_seal_open(sealed, recipient.publicKey, recipient.privateKey);
    assert.deepEqual(Buffer.from(opened), plain);
    const stranger = sodium.crypto_box_keypair();
    assert.throws(() => sodium.crypto_box_seal_open(sealed, stranger.publicKey, stranger.privateKey));
    assert.throws(() => sealToRecipient(randomBytes(31), plain), /32 bytes/);
  });
});

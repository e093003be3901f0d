/**
 * The offline verifier of evidence packages: no server, no database, only the zip
 * (and, optionally, a log key the checker trusts, a later signed tree head with its
 * consistency proof, and the recipient's secret key to check the sealed items).
 *
 * Checks: the manifest's signature; every file's SHA-256; the container's canonical
 * form; the tree head's signature (and its RFC 3161 token, when there is one); for
 * every item, that its record gives the logged entry, the entry the leaf hash, and
 * the leaf is in the signed tree, the same for every custody event, and that its
 * media and evidence document hash to what the record says; and, when given,
 * consistency with the later tree head.
 */
import { type KeyObject, verify as verifySignature } from 'node:crypto';
import libsodium from 'libsodium-wrappers';
import { fromHex } from '../log/bytes.js';
import { importPublicKey } from '../log/log-key.js';
import { verifyConsistency } from '../log/merkle.js';
import { sha256, sha256Hex } from '../log/node-sha256.js';
import { checkTimestampToken } from '../log/timestamp.js';
import { encodeTreeHead, type SignedTreeHead, verifyTreeHead } from '../log/tree-head.js';
import { MANIFEST_FILE, type Manifest, PACKAGE_FORMAT, SIGNATURE_FILE } from './manifest.js';
import { type CheckFn, checkItemContent, checkItemFiles, checkItemLog, type RecipientKeys } from './verify-items.js';
import { readZip, writeZip } from './zip.js';

export interface LaterTreeHead {
  tree_head: SignedTreeHead;
  /** From the package's tree size to this head's, hex. */
  consistency_proof: string[];
}

export interface VerifyOptions {
  /** A log public key the checker trusts (PEM or raw hex); without it the package's own key is used. */
  trustedLogKey?: string;
  laterTreeHead?: LaterTreeHead;
  /** The recipient's X25519 secret key (the public key is derived), to open sealed items and check their hashes. */
  recipientSecretKey?: Uint8Array;
}

export interface Check {
  ok: boolean;
  what: string;
}

export interface Verdict {
  valid: boolean;
  checks: Check[];
  warnings: string[];
}

export async function verifyPackage(zip: Buffer, options: VerifyOptions = {}): Promise<Verdict> {
  const checks: Check[] = [];
  const warnings: string[] = [];
  const check: CheckFn = (ok, what) => checks.push({ ok, what });
  let files: Map<string, Buffer>;
  let manifest: Manifest;
  try {
    files = await readZip(zip);
    const raw = files.get(MANIFEST_FILE);
    if (!raw) throw new Error('no manifest.json');
    manifest = JSON.parse(raw.toString('utf8')) as Manifest;
    if (manifest?.format !== PACKAGE_FORMAT)
      throw new Error(`unknown package format ${JSON.stringify(manifest?.format)}`);
  } catch (err) {
    return { valid: false, checks: [{ ok: false, what: `package readable: ${(err as Error).message}` }], warnings };
  }
  try {
    const key = importPublicKey(options.trustedLogKey ?? manifest.log.public_key_pem);
    checkContainer(zip, files, manifest, { key, trusted: options.trustedLogKey !== undefined }, check, warnings);
    const head = manifest.log.tree_head;
    checkHead(head, key, check, warnings);
    const recipient = await recipientOf(options.recipientSecretKey, manifest, check, warnings);
    const root = fromHex(head.rootHash, 32);
    for (const item of manifest.items) {
      checkItemFiles(item, manifest, check);
      checkItemLog(item, head.treeSize, root, check);
      if (!item.files.encrypted || recipient) await checkItemContent(item, files, recipient, check);
    }
    if (options.laterTreeHead) checkLater(options.laterTreeHead, head, key, check);
  } catch (err) {
    check(false, `package well-formed: ${(err as Error).message}`);
  }
  return { valid: checks.length > 0 && checks.every((c) => c.ok), checks, warnings };
}

/** The signature over the manifest, every file's hash, and the zip's own bytes. */
function checkContainer(
  zip: Buffer,
  files: Map<string, Buffer>,
  manifest: Manifest,
  { key, trusted }: { key: KeyObject; trusted: boolean },
  check: CheckFn,
  warnings: string[],
): void {
  if (!trusted) {
    warnings.push(
      `the log key was taken from the package itself (log id ${manifest.log.log_id}): give --log-key with the key the operator publishes`,
    );
  } else {
    check(importPublicKey(manifest.log.public_key_pem).equals(key), 'the package names the trusted log key');
  }
  const sig = files.get(SIGNATURE_FILE)?.toString('utf8') ?? '';
  check(
    /^[0-9a-f]{128}$/.test(sig) && verifySignature(null, files.get(MANIFEST_FILE)!, key, Buffer.from(sig, 'hex')),
    'manifest signature (Ed25519)',
  );
  const listed = new Set(Object.keys(manifest.files));
  for (const [name, hash] of Object.entries(manifest.files)) {
    const data = files.get(name);
    check(data !== undefined && sha256Hex(data) === hash, `file ${name}: SHA-256`);
  }
  const extra = [...files.keys()].filter((n) => n !== MANIFEST_FILE && n !== SIGNATURE_FILE && !listed.has(n));
  check(extra.length === 0, `no files beyond the manifest${extra.length ? ` (extra: ${extra.join(', ')})` : ''}`);
  // Packages are written byte for byte deterministically, so rewriting the files read
  // must give the same bytes: headers, dates, comments and padding cannot change either.
  const rewritten = writeZip([...files].map(([name, data]) => ({ name, data })));
  check(rewritten.equals(zip), 'zip container unaltered (canonical form)');
}

function checkHead(head: Manifest['log']['tree_head'], key: KeyObject, check: CheckFn, warnings: string[]): void {
  check(verifyTreeHead(head, key), `tree head signature (size ${head.treeSize}, log id ${head.logId})`);
  if (!head.timestampToken) return;
  try {
    const info = checkTimestampToken(Buffer.from(head.timestampToken, 'base64'), sha256(encodeTreeHead(head)));
    check(true, `RFC 3161 timestamp of the tree head: ${info.genTime.toISOString()}, serial ${info.serialNumber}`);
    warnings.push("the timestamp's TSA signature is not checked here: use openssl ts -verify with the TSA's CA");
  } catch (err) {
    check(false, `RFC 3161 timestamp of the tree head: ${(err as Error).message}`);
  }
}

async function recipientOf(
  secretKey: Uint8Array | undefined,
  manifest: Manifest,
  check: CheckFn,
  warnings: string[],
): Promise<RecipientKeys | null> {
  if (!manifest.recipient.sealed) return null;
  if (!secretKey) {
    warnings.push('sealed items were not opened: give --recipient-secret to check their content against the records');
    return null;
  }
  await libsodium.ready;
  const publicKey = libsodium.crypto_scalarmult_base(secretKey);
  check(sha256Hex(publicKey) === manifest.recipient.public_key_sha256, 'the recipient key is the one sealed to');
  return { publicKey, secretKey };
}

function checkLater(later: LaterTreeHead, head: SignedTreeHead, key: KeyObject, check: CheckFn): void {
  const next = later.tree_head;
  check(verifyTreeHead(next, key), `later tree head signature (size ${next.treeSize})`);
  const proof = later.consistency_proof.map((h) => fromHex(h, 32));
  const consistent =
    next.treeSize >= head.treeSize &&
    verifyConsistency(
      sha256,
      head.treeSize,
      next.treeSize,
      fromHex(head.rootHash, 32),
      fromHex(next.rootHash, 32),
      proof,
    );
  check(consistent, `later tree head is consistent with the package's (${head.treeSize} -> ${next.treeSize})`);
}

/** A later tree head file (perisai evidence tree-head), checked for shape; throws a clear error. */
export function parseLaterTreeHead(text: string): LaterTreeHead {
  let value: Partial<LaterTreeHead>;
  try {
    value = JSON.parse(text) as Partial<LaterTreeHead>;
  } catch (err) {
    throw new Error(`not JSON: ${(err as Error).message}`);
  }
  const h = value?.tree_head;
  const proofOk =
    Array.isArray(value?.consistency_proof) && value.consistency_proof.every((p) => typeof p === 'string');
  if (!h || typeof h.treeSize !== 'number' || typeof h.rootHash !== 'string' || typeof h.signature !== 'string') {
    throw new Error(
      'no tree_head {treeSize, rootHash, timestamp, logId, signature}: make it with perisai evidence tree-head',
    );
  }
  if (!proofOk) throw new Error('no consistency_proof list: make it with perisai evidence tree-head --since N');
  return value as LaterTreeHead;
}

/**
 * The offline verifier of evidence packages: no server, no database, only the zip
 * (and, optionally, a log key the checker trusts, a later signed tree head with its
 * consistency proof, and the recipient's secret key to check the sealed items).
 *
 * Checks: the manifest's signature; every file's SHA-256; for every item, that the
 * record's digest gives the logged entry, that the entry gives the leaf hash, and
 * that the leaf is in the signed tree; the same for every custody event; the tree
 * head's signature; and, when given, consistency with the later tree head.
 */
import { createHash, verify as verifySignature } from 'node:crypto';
import libsodium from 'libsodium-wrappers';
import { fromHex, toHex } from '../log/bytes.js';
import { evidenceLeafHash } from '../log/leaf.js';
import { importPublicKey } from '../log/log-key.js';
import { verifyConsistency, verifyInclusion } from '../log/merkle.js';
import { sha256 } from '../log/node-sha256.js';
import { type SignedTreeHead, verifyTreeHead } from '../log/tree-head.js';
import { captureEntry, custodyEntry } from './export.js';
import { MANIFEST_FILE, type Manifest, type ManifestItem, PACKAGE_FORMAT, SIGNATURE_FILE } from './manifest.js';
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
  /** The recipient's X25519 key pair, to open sealed items and check their hashes. */
  recipient?: { publicKey: Uint8Array; secretKey: Uint8Array };
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
  const check = (ok: boolean, what: string) => checks.push({ ok, what });
  let files: Map<string, Buffer>;
  let manifest: Manifest;
  try {
    files = await readZip(zip);
    const raw = files.get(MANIFEST_FILE);
    if (!raw) throw new Error('no manifest.json');
    manifest = JSON.parse(raw.toString('utf8')) as Manifest;
    if (manifest.format !== PACKAGE_FORMAT)
      throw new Error(`unknown package format ${JSON.stringify(manifest.format)}`);
  } catch (err) {
    return { valid: false, checks: [{ ok: false, what: `package readable: ${(err as Error).message}` }], warnings };
  }
  try {
    const key = importPublicKey(options.trustedLogKey ?? manifest.log.public_key_pem);
    if (!options.trustedLogKey)
      warnings.push('log key taken from the package itself: compare its log id with the one the operator publishes');
    else check(importPublicKey(manifest.log.public_key_pem).equals(key), 'the package names the trusted log key');
    const sig = files.get(SIGNATURE_FILE)?.toString('utf8') ?? '';
    check(
      /^[0-9a-f]{128}$/.test(sig) && verifySignature(null, files.get(MANIFEST_FILE)!, key, Buffer.from(sig, 'hex')),
      'manifest signature (Ed25519)',
    );
    checkFiles(files, manifest, check);
    // The container itself: packages are written byte for byte deterministically, so
    // rewriting the files read must give the same bytes (headers, dates, comments included).
    const rewritten = writeZip([...files].map(([name, data]) => ({ name, data })));
    check(rewritten.equals(zip), 'zip container unaltered (canonical form)');
    const head = manifest.log.tree_head;
    check(verifyTreeHead(head, key), `tree head signature (size ${head.treeSize})`);
    const root = fromHex(head.rootHash, 32);
    for (const item of manifest.items) checkItem(item, head.treeSize, root, check);
    if (options.laterTreeHead) checkLater(options.laterTreeHead, head, key, check);
    if (options.recipient) await checkSealed(files, manifest, options.recipient, check);
  } catch (err) {
    check(false, `package well-formed: ${(err as Error).message}`);
  }
  return { valid: checks.length > 0 && checks.every((c) => c.ok), checks, warnings };
}

function checkFiles(files: Map<string, Buffer>, manifest: Manifest, check: (ok: boolean, what: string) => void): void {
  const listed = new Set(Object.keys(manifest.files));
  for (const [name, hash] of Object.entries(manifest.files)) {
    const data = files.get(name);
    check(data !== undefined && sha256Hex(data) === hash, `file ${name}: SHA-256`);
  }
  const extra = [...files.keys()].filter((n) => n !== MANIFEST_FILE && n !== SIGNATURE_FILE && !listed.has(n));
  check(extra.length === 0, `no files beyond the manifest${extra.length ? ` (extra: ${extra.join(', ')})` : ''}`);
}

function checkItem(
  item: ManifestItem,
  treeSize: number,
  root: Uint8Array,
  check: (ok: boolean, what: string) => void,
): void {
  const r = item.record;
  const entry = captureEntry(r);
  const leaf = evidenceLeafHash(sha256, entry.kind, entry.payload);
  check(
    toHex(leaf) === r.logLeafHash &&
      item.inclusion.leaf_hash === r.logLeafHash &&
      item.inclusion.leaf_index === r.logSeq,
    `item ${r.id}: record digest matches its log entry`,
  );
  check(proves(leaf, item.inclusion.leaf_index, treeSize, item.inclusion.proof, root), `item ${r.id}: inclusion proof`);
  for (const c of item.custody) {
    const ce = custodyEntry(c.event, r);
    const cleaf = evidenceLeafHash(sha256, ce.kind, ce.payload);
    const ok = toHex(cleaf) === c.event.logLeafHash && proves(cleaf, c.event.logSeq, treeSize, c.inclusion.proof, root);
    check(ok, `item ${r.id}: custody ${c.event.action} at ${c.event.at} logged and included`);
  }
}

function proves(leaf: Uint8Array, index: number, size: number, proof: string[], root: Uint8Array): boolean {
  return verifyInclusion(
    sha256,
    leaf,
    index,
    size,
    proof.map((h) => fromHex(h, 32)),
    root,
  );
}

function checkLater(
  later: LaterTreeHead,
  head: SignedTreeHead,
  key: ReturnType<typeof importPublicKey>,
  check: (ok: boolean, what: string) => void,
) {
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

async function checkSealed(
  files: Map<string, Buffer>,
  manifest: Manifest,
  recipient: { publicKey: Uint8Array; secretKey: Uint8Array },
  check: (ok: boolean, what: string) => void,
): Promise<void> {
  await libsodium.ready;
  for (const item of manifest.items) {
    if (!item.files.media || !item.record.sha256) continue;
    const data = files.get(item.files.media);
    let opened: Uint8Array | null = data ?? null;
    if (data && manifest.recipient.sealed) {
      try {
        opened = libsodium.crypto_box_seal_open(data, recipient.publicKey, recipient.secretKey);
      } catch {
        opened = null;
      }
    }
    check(
      opened !== null && sha256Hex(opened) === item.record.sha256,
      `item ${item.record.id}: media opens and matches its SHA-256`,
    );
  }
}

function sha256Hex(data: Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

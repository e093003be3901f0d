/**
 * The per-item checks of the offline verifier: each capture record against the log
 * (record → digest → logged entry → leaf hash → inclusion proof against the signed
 * root), each custody event the same way, and the item's content against the hashes
 * in its record (opening sealed files when the recipient's secret key is given).
 * Pure: no database, no server, no vault keys.
 */
import { createHash } from 'node:crypto';
import libsodium from 'libsodium-wrappers';
import { fromHex, toHex } from '../log/bytes.js';
import { evidenceLeafHash } from '../log/leaf.js';
import { verifyInclusion } from '../log/merkle.js';
import { sha256 } from '../log/node-sha256.js';
import { captureEntry, custodyEntry } from './log-entries.js';
import type { Manifest, ManifestItem } from './manifest.js';

export type CheckFn = (ok: boolean, what: string) => void;

export interface RecipientKeys {
  publicKey: Uint8Array;
  secretKey: Uint8Array;
}

/** Record and custody events against the signed root of `treeSize`. */
export function checkItemLog(item: ManifestItem, treeSize: number, root: Uint8Array, check: CheckFn): void {
  const r = item.record;
  const entry = captureEntry(r);
  const leaf = evidenceLeafHash(sha256, entry.kind, entry.payload);
  check(
    toHex(leaf) === r.logLeafHash &&
      item.inclusion.leaf_hash === r.logLeafHash &&
      item.inclusion.leaf_index === r.logSeq,
    `item ${r.id}: record digest matches its log entry #${r.logSeq}`,
  );
  check(proves(leaf, r.logSeq, treeSize, item.inclusion.proof, root), `item ${r.id}: inclusion proof`);
  for (const c of item.custody) {
    const ce = custodyEntry(c.event, r);
    const cleaf = evidenceLeafHash(sha256, ce.kind, ce.payload);
    const ok =
      c.event.captureId === r.id &&
      (c.event.logSeq !== r.logSeq || isCaptureEvent(c.event, r)) &&
      toHex(cleaf) === c.event.logLeafHash &&
      proves(cleaf, c.event.logSeq, treeSize, c.inclusion.proof, root);
    check(ok, `item ${r.id}: custody ${c.event.action} (${c.event.outcome}) at ${c.event.at} logged and included`);
  }
}

/**
 * The capture's own custody event shares the capture's log entry, so the log does not
 * commit to its fields: they must be exactly what the (logged) record says.
 */
function isCaptureEvent(e: ManifestItem['custody'][number]['event'], r: ManifestItem['record']): boolean {
  return (
    e.action === 'capture' &&
    e.outcome === 'ok' &&
    e.at === r.capturedAt &&
    e.actor?.kind === r.capturedBy.kind &&
    e.actor?.id === r.capturedBy.id &&
    e.purpose === 'capture' &&
    e.details !== null &&
    typeof e.details === 'object' &&
    Object.keys(e.details).length === 0
  );
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

/** The item's files are listed, sealed as the package says, and child material is never in clear. */
export function checkItemFiles(item: ManifestItem, manifest: Manifest, check: CheckFn): void {
  const r = item.record;
  const names = [item.files.evidence, ...(item.files.media ? [item.files.media] : [])];
  const listed = names.every((n) => typeof n === 'string' && n in manifest.files);
  const hasMedia = (item.files.media !== null) === (r.sha256 !== null);
  check(listed && hasMedia, `item ${r.id}: its files are in the manifest`);
  check(item.files.encrypted === manifest.recipient.sealed, `item ${r.id}: sealed as the package says`);
  if (r.category === 'csam') check(manifest.recipient.sealed, `item ${r.id}: child material is sealed, never in clear`);
}

/**
 * The item's media and evidence document against its record's SHA-256 (and the media's
 * MD5 and size). Sealed files are opened in memory with the recipient key and wiped
 * after hashing; nothing is written anywhere.
 */
export async function checkItemContent(
  item: ManifestItem,
  files: Map<string, Buffer>,
  recipient: RecipientKeys | null,
  check: CheckFn,
): Promise<void> {
  const r = item.record;
  const open = async (name: string | null): Promise<Uint8Array | null> => {
    const data = name ? files.get(name) : undefined;
    if (!data) return null;
    if (!item.files.encrypted) return data;
    await libsodium.ready;
    try {
      return libsodium.crypto_box_seal_open(data, recipient!.publicKey, recipient!.secretKey);
    } catch {
      return null;
    }
  };
  const what = item.files.encrypted ? 'opens with the recipient key and matches' : 'matches';
  if (item.files.media) {
    const media = await open(item.files.media);
    const ok =
      media !== null &&
      media.length === r.bytes &&
      hashHex('sha256', media) === r.sha256 &&
      hashHex('md5', media) === r.md5;
    if (media && item.files.encrypted) media.fill(0);
    check(ok, `item ${r.id}: media ${what} its SHA-256, MD5 and size`);
  }
  const evidence = await open(item.files.evidence);
  const ok = evidence !== null && hashHex('sha256', evidence) === r.recordSha256;
  if (evidence && item.files.encrypted) evidence.fill(0);
  check(ok, `item ${r.id}: evidence document ${what} its SHA-256`);
}

function hashHex(algorithm: 'sha256' | 'md5', data: Uint8Array): string {
  return createHash(algorithm).update(data).digest('hex');
}

/**
 * Builds a sealed evidence package for police and courts: the items (sealed to a
 * recipient's X25519 key, or in clear where allowed), their capture records,
 * custody chains and inclusion proofs, a freshly signed tree head with the log's
 * public key, a human-readable index.html, and a signed manifest over all of it.
 *
 * Order matters: exporting appends 'export' custody events to the log, so the tree
 * head is signed after the items are read, and every proof is against that head.
 */
import { randomUUID, sign } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Schema } from '../../db/schema.js';
import { VERSION } from '../../version.js';
import { exportPublicKey, type LogKey } from '../log/log-key.js';
import type { EvidenceLog } from '../log/log-store.js';
import { sha256Hex } from '../log/node-sha256.js';
import type { EvidenceVault } from '../vault/vault.js';
import { renderPackageIndex } from './index-html.js';
import { captureEntry, custodyEntry } from './log-entries.js';
import {
  MANIFEST_FILE,
  type Manifest,
  type ManifestItem,
  PACKAGE_FORMAT,
  SEALED_SCHEME,
  SIGNATURE_FILE,
} from './manifest.js';
import { writeZip, type ZipEntry } from './zip.js';

export interface ExportPackageOptions {
  db: Kysely<Schema>;
  vault: EvidenceVault;
  log: EvidenceLog;
  logKey: LogKey;
  /** Cases to export; null: every case. */
  caseIds: readonly string[] | null;
  /** The recipient's X25519 public key; null exports in clear (refused when any item is csam). */
  recipientPublicKey: Uint8Array | null;
  actor: { kind: 'user' | 'rule' | 'system'; id: string };
  purpose: string;
}

export class PackageRefusedError extends Error {}

interface OpenedItem {
  id: string;
  record: ManifestItem['record'];
  media: string | null;
  evidence: string;
  /** Clear packages only: the bytes index.html previews. */
  mediaBytes: Uint8Array | null;
}

export async function exportPackage(options: ExportPackageOptions): Promise<{ zip: Buffer; manifest: Manifest }> {
  const ids = await captureIds(options.db, options.caseIds);
  if (ids.length === 0) throw new PackageRefusedError('no preserved items to export for the given case(s)');
  if (!options.recipientPublicKey && (await hasCsam(options.db, ids))) {
    throw new PackageRefusedError(
      'child sexual abuse material is exported only sealed to a recipient key, never in clear',
    );
  }
  if (options.recipientPublicKey && options.recipientPublicKey.length !== 32) {
    throw new PackageRefusedError('the recipient public key must be 32 bytes (X25519, from perisai evidence keygen)');
  }
  const files: ZipEntry[] = [];
  const opened: OpenedItem[] = [];
  for (const id of ids) opened.push(await readItem(options, id, files));
  const head = await options.log.signTreeHead();
  const items: ManifestItem[] = [];
  for (const o of opened) {
    const chain = await options.vault.custodyChain(o.id);
    items.push({
      record: o.record,
      log_entry: captureEntry(o.record),
      inclusion: await inclusion(options.log, o.record.logSeq, head.treeSize),
      custody: await Promise.all(
        chain
          .filter((e) => e.logSeq < head.treeSize)
          .map(async (event) => ({
            event,
            log_entry: custodyEntry(event, o.record),
            inclusion: await inclusion(options.log, event.logSeq, head.treeSize),
          })),
      ),
      files: { media: o.media, evidence: o.evidence, encrypted: options.recipientPublicKey !== null },
    });
  }
  const key = exportPublicKey(options.logKey);
  const { timestampedAt: _t, ...treeHead } = head;
  const manifest: Manifest = {
    format: PACKAGE_FORMAT,
    package_id: randomUUID(),
    created_at: new Date().toISOString(),
    tool_version: VERSION,
    cases: [...new Set(items.map((i) => i.record.caseId))].sort(),
    recipient: options.recipientPublicKey
      ? { sealed: true, scheme: SEALED_SCHEME, public_key_sha256: sha256Hex(options.recipientPublicKey) }
      : { sealed: false },
    log: { public_key_pem: key.pem, log_id: key.logId, tree_head: treeHead },
    items,
    files: {},
  };
  const index = await renderPackageIndex(manifest, opened);
  files.push({ name: 'index.html', data: Buffer.from(index) });
  for (const f of files) manifest.files[f.name] = sha256Hex(f.data);
  const manifestBytes = Buffer.from(JSON.stringify(manifest, null, 2));
  const signature = sign(null, manifestBytes, options.logKey.privateKey).toString('hex');
  const zip = writeZip([
    { name: MANIFEST_FILE, data: manifestBytes },
    { name: SIGNATURE_FILE, data: Buffer.from(signature) },
    ...files,
  ]);
  return { zip, manifest };
}

/** One item's files, sealed or clear, appended to `files`; every read is a custody event. */
async function readItem(options: ExportPackageOptions, id: string, files: ZipEntry[]): Promise<OpenedItem> {
  const dir = `items/${id}`;
  const access = { actor: options.actor, purpose: options.purpose };
  if (options.recipientPublicKey) {
    const sealed = await options.vault.exportSealed(id, { ...access, recipientPublicKey: options.recipientPublicKey });
    const media = sealed.sealedMedia ? `${dir}/media.sealed` : null;
    if (media && sealed.sealedMedia) files.push({ name: media, data: sealed.sealedMedia });
    files.push({ name: `${dir}/evidence.json.sealed`, data: sealed.sealedEvidence });
    return { id, record: sealed.record, media, evidence: `${dir}/evidence.json.sealed`, mediaBytes: null };
  }
  // The vault has no clear-export action: a clear read is a 'decrypt' whose purpose says so.
  const item = await options.vault.open(id, {
    ...access,
    action: 'decrypt',
    purpose: `clear export: ${options.purpose}`,
  });
  const media = item.media ? `${dir}/media.bin` : null;
  if (media && item.media) files.push({ name: media, data: item.media });
  files.push({ name: `${dir}/evidence.json`, data: evidenceBytes(item.record, item.evidence) });
  return { id, record: item.record, media, evidence: `${dir}/evidence.json`, mediaBytes: item.media };
}

/**
 * The evidence document as the vault hashed it: compact JSON of what open() parsed.
 * JSON.stringify of JSON.parse of JSON.stringify output gives the same bytes, so the
 * record's recordSha256 (logged through the capture digest) covers this file.
 */
function evidenceBytes(record: ManifestItem['record'], evidence: unknown): Buffer {
  const bytes = Buffer.from(JSON.stringify(evidence), 'utf8');
  if (sha256Hex(bytes) !== record.recordSha256) {
    throw new Error(`capture ${record.id}: its evidence document does not re-serialise to its recorded SHA-256`);
  }
  return bytes;
}

async function inclusion(log: EvidenceLog, seq: number, treeSize: number) {
  const p = await log.inclusionProof(seq, treeSize);
  return { leaf_index: p.leafIndex, leaf_hash: p.leafHash, proof: p.proof };
}

async function captureIds(db: Kysely<Schema>, caseIds: readonly string[] | null): Promise<string[]> {
  let query = db.selectFrom('evidence_captures').select('id').orderBy('captured_at').orderBy('id');
  if (caseIds) query = query.where('case_id', 'in', [...caseIds]);
  return (await query.execute()).map((r) => r.id);
}

async function hasCsam(db: Kysely<Schema>, ids: string[]): Promise<boolean> {
  const row = await db
    .selectFrom('evidence_captures')
    .select('id')
    .where('id', 'in', ids)
    .where('category', '=', 'csam')
    .executeTakeFirst();
  return row !== undefined;
}

export { MANIFEST_FILE, SIGNATURE_FILE };

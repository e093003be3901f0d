/**
 * Reading preserved items: open (view/decrypt), sealed export, verification and the
 * chain of custody. Every access is recorded (custody row + evidence-log entry) before
 * anything is returned, including refused and failed attempts.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Schema } from '../../db/schema.js';
import type { BlobStore } from './blob-store.js';
import {
  type BlobBinding,
  blobName,
  type CipherEngine,
  openBlob,
  rowMacKey,
  rowMacMatches,
  sealToRecipient,
} from './crypto.js';
import {
  appendCustody,
  type CustodyAction,
  type CustodyEvent,
  type CustodyOutcome,
  custodyProblems,
  readCustody,
} from './custody.js';
import { CaptureNotFoundError, CsamClearAccessError, IntegrityError } from './errors.js';
import type { EvidenceLog } from './evidence-log.js';
import type { DataKeyRing } from './keys.js';
import { type Actor, type CaptureRecord, canonicalRecord, type EvidenceDocument, validateActor } from './record.js';
import { type CaptureRow, rowToRecord } from './rows.js';

export interface AccessContext {
  readonly db: Kysely<Schema>;
  readonly store: BlobStore;
  readonly log: EvidenceLog;
  readonly keys: DataKeyRing;
  readonly engine: CipherEngine;
  readonly clock: () => Date;
}

export interface Access {
  readonly actor: Actor;
  /** Why, recorded in the chain of custody (e.g. "review of report 17", "hotline referral"). */
  readonly purpose: string;
}

export interface OpenOptions extends Access {
  /** 'view' for a person looking at it, 'decrypt' for processing. Default 'view'. */
  readonly action?: 'view' | 'decrypt';
  /** Default true. False returns only the record and the evidence document (allowed for csam). */
  readonly includeMedia?: boolean;
}

export interface OpenedItem {
  readonly record: CaptureRecord;
  readonly media: Uint8Array | null;
  readonly evidence: EvidenceDocument;
}

export interface ExportOptions extends Access {
  /** The recipient's X25519 public key (32 bytes); only its secret key opens the export. */
  readonly recipientPublicKey: Uint8Array;
}

export interface SealedExport {
  readonly record: CaptureRecord;
  /** SHA-256 of the recipient public key, first 16 hex digits (recorded in the custody event). */
  readonly recipient: string;
  /** crypto_box_seal of the media bytes; null when the item has no media. */
  readonly sealedMedia: Uint8Array | null;
  /** crypto_box_seal of the evidence document (UTF-8 JSON: rawRecord, context, channel). */
  readonly sealedEvidence: Uint8Array;
}

export interface VerifyResult {
  readonly captureId: string;
  readonly ok: boolean;
  readonly problems: readonly string[];
}

async function loadRow(ctx: AccessContext, captureId: string): Promise<CaptureRow> {
  const row = await ctx.db.selectFrom('evidence_captures').selectAll().where('id', '=', captureId).executeTakeFirst();
  if (!row) throw new CaptureNotFoundError(captureId);
  return row;
}

export async function getRecord(ctx: AccessContext, captureId: string): Promise<CaptureRecord> {
  return rowToRecord(await loadRow(ctx, captureId));
}

export async function custodyChain(ctx: AccessContext, captureId: string): Promise<CustodyEvent[]> {
  await loadRow(ctx, captureId);
  return (await readCustody(ctx.db, captureId)).map((c) => c.event);
}

async function recordAccess(
  ctx: AccessContext,
  row: CaptureRow,
  access: Access,
  action: CustodyAction,
  outcome: CustodyOutcome,
  details: Record<string, unknown>,
): Promise<void> {
  let macKey: Uint8Array | null = null;
  try {
    macKey = rowMacKey((await ctx.keys.get(row.case_id, row.key_version)).key);
  } catch {
    // The key does not unwrap: record the access anyway, unauthenticated (custody.ts).
  }
  const event = {
    captureId: row.id,
    caseId: row.case_id,
    at: ctx.clock().toISOString(),
    action,
    outcome,
    actor: { kind: access.actor.kind, id: access.actor.id },
    purpose: access.purpose,
    details,
  };
  await ctx.db.transaction().execute((trx) => appendCustody(trx, ctx.log, macKey, event));
}

interface Decrypted {
  readonly record: CaptureRecord;
  readonly media: Uint8Array | null;
  readonly document: Uint8Array;
}

/** Checks the row's MAC, then decrypts and re-hashes its blobs; throws IntegrityError on any mismatch. */
async function decrypt(
  ctx: AccessContext,
  row: CaptureRow,
  includeMedia: boolean,
  key: Uint8Array,
): Promise<Decrypted> {
  const record = rowToRecord(row);
  if (!rowMacMatches(rowMacKey(key), canonicalRecord(record), row.mac)) {
    throw new IntegrityError(`capture ${row.id}: its record was altered (MAC mismatch)`);
  }
  const document = await readBlob(
    ctx,
    row,
    key,
    { caseId: row.case_id, role: 'record', sha256: row.record_sha256 },
    row.record_blob,
  );
  let media: Uint8Array | null = null;
  if (includeMedia && row.media_blob !== null && row.media_sha256 !== null) {
    const binding: BlobBinding = { caseId: row.case_id, role: 'media', sha256: row.media_sha256 };
    media = await readBlob(ctx, row, key, binding, row.media_blob);
    const md5 = createHash('md5').update(media).digest();
    if (media.length !== row.media_bytes || !row.media_md5 || !timingSafeEqual(md5, row.media_md5)) {
      media.fill(0);
      throw new IntegrityError(`capture ${row.id}: media does not match its recorded MD5 or size`);
    }
  }
  return { record, media, document };
}

async function readBlob(
  ctx: AccessContext,
  row: CaptureRow,
  key: Uint8Array,
  binding: BlobBinding,
  name: string,
): Promise<Uint8Array> {
  if (blobName(binding) !== name) throw new IntegrityError(`capture ${row.id}: ${binding.role} blob name was altered`);
  const sealed = await ctx.store.get(name);
  if (!sealed) throw new IntegrityError(`capture ${row.id}: ${binding.role} blob ${name} is missing`);
  return openBlob(key, binding, sealed, ctx.engine);
}

/** Decrypts with the (cached) case key; an integrity failure is recorded before it is thrown. */
async function decryptRecorded(
  ctx: AccessContext,
  row: CaptureRow,
  access: Access,
  action: CustodyAction,
  includeMedia: boolean,
): Promise<Decrypted> {
  try {
    const key = (await ctx.keys.get(row.case_id, row.key_version)).key;
    return await decrypt(ctx, row, includeMedia, key);
  } catch (err) {
    if (err instanceof IntegrityError) {
      await recordAccess(ctx, row, access, action, 'failed', { includeMedia, error: err.message });
    }
    throw err;
  }
}

export async function openItem(ctx: AccessContext, captureId: string, options: OpenOptions): Promise<OpenedItem> {
  validateActor(options.actor, options.purpose);
  const row = await loadRow(ctx, captureId);
  const action = options.action ?? 'view';
  const includeMedia = options.includeMedia ?? true;
  if (row.category === 'csam' && includeMedia && row.media_blob !== null) {
    const reason = 'csam media is never opened in clear';
    await recordAccess(ctx, row, options, action, 'refused', { includeMedia, reason });
    throw new CsamClearAccessError(captureId);
  }
  const item = await decryptRecorded(ctx, row, options, action, includeMedia);
  const evidence = JSON.parse(Buffer.from(item.document).toString('utf8')) as EvidenceDocument;
  item.document.fill(0);
  await recordAccess(ctx, row, options, action, 'ok', { includeMedia });
  return { record: item.record, media: item.media, evidence };
}

export async function exportSealed(
  ctx: AccessContext,
  captureId: string,
  options: ExportOptions,
): Promise<SealedExport> {
  validateActor(options.actor, options.purpose);
  const recipient = createHash('sha256').update(options.recipientPublicKey).digest('hex').slice(0, 16);
  const row = await loadRow(ctx, captureId);
  const item = await decryptRecorded(ctx, row, options, 'export', true);
  try {
    const sealedMedia = item.media ? sealToRecipient(options.recipientPublicKey, item.media) : null;
    const sealedEvidence = sealToRecipient(options.recipientPublicKey, item.document);
    await recordAccess(ctx, row, options, 'export', 'ok', { recipient, sealed: true });
    return { record: item.record, recipient, sealedMedia, sealedEvidence };
  } finally {
    item.media?.fill(0);
    item.document.fill(0);
  }
}

export async function verifyItem(ctx: AccessContext, captureId: string, access: Access): Promise<VerifyResult> {
  validateActor(access.actor, access.purpose);
  const row = await loadRow(ctx, captureId);
  const problems: string[] = [];
  let key: Uint8Array | null = null;
  try {
    // From the stored row, never the cache: an altered wrapped key must show up here.
    key = await ctx.keys.unwrapStored(row.case_id, row.key_version);
  } catch (err) {
    problems.push((err as Error).message);
  }
  if (key) {
    try {
      const item = await decrypt(ctx, row, true, key);
      item.media?.fill(0);
      item.document.fill(0);
    } catch (err) {
      if (!(err instanceof IntegrityError)) throw err;
      problems.push(err.message);
    }
    problems.push(...custodyProblems(await readCustody(ctx.db, captureId), row.case_id, rowMacKey(key)));
    key.fill(0);
  }
  await recordAccess(ctx, row, access, 'verify', problems.length === 0 ? 'ok' : 'failed', {
    problems: problems.length,
  });
  return { captureId, ok: problems.length === 0, problems };
}

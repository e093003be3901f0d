/**
 * The evidence vault: preserves an item (media, raw source record, surrounding messages,
 * channel metadata) encrypted under its case's data key, with a capture record and a
 * chain of custody.
 *
 * Capture order, for crash safety:
 * 1. hash and encrypt in memory (clear bytes are never written anywhere);
 * 2. write the sealed blobs (idempotent, durable on return);
 * 3. in ONE transaction: the evidence-log leaf, the capture row, its first custody row.
 * A crash before 3 commits leaves only unreferenced ciphertext (sweepOrphans removes it);
 * after, a complete, logged item. Nothing in between is visible.
 *
 * Reading (open, exportSealed, verifyItem, custodyChain) is in vault-access.ts.
 */
import { createHash, randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Schema } from '../../db/schema.js';
import { VERSION } from '../../version.js';
import type { BlobStore } from './blob-store.js';
import { BufferPool } from './buffer-pool.js';
import {
  assertCaseId,
  type BlobBinding,
  blobName,
  type CipherEngine,
  defaultEngine,
  rowMac,
  rowMacKey,
  SEAL_OVERHEAD,
  sealBlob,
  sodiumReady,
} from './crypto.js';
import { appendCustody, type CustodyEvent } from './custody.js';
import { type EvidenceLog, leafHashHex, VAULT_LOG_KINDS } from './evidence-log.js';
import { toJsonSafe } from './json-safe.js';
import { type DataKey, DataKeyRing, type RewrapResult } from './keys.js';
import type { MasterKey } from './master-key.js';
import {
  type CaptureInput,
  type CaptureRecord,
  canonicalRecord,
  captureDigest,
  recordBody,
  validateCaptureInput,
} from './record.js';
import { recordToRow } from './rows.js';
import { type SweepResult, sweepOrphans } from './sweep.js';
import {
  type Access,
  type AccessContext,
  custodyChain,
  type ExportOptions,
  exportSealed,
  getRecord,
  type OpenedItem,
  type OpenOptions,
  openItem,
  type SealedExport,
  type VerifyResult,
  verifyItem,
} from './vault-access.js';

/** Points between capture steps where a test can inject a crash. */
export type CaptureStep = 'blobs-written' | 'log-appended' | 'row-inserted';

/** Where capture time goes, in nanoseconds, summed over captures (for the benchmark). */
export interface CaptureTimings {
  hash: number;
  encrypt: number;
  write: number;
  /** The transaction: log append, capture and custody rows, commit. */
  log: number;
}

export interface EvidenceVaultOptions {
  readonly db: Kysely<Schema>;
  readonly store: BlobStore;
  readonly log: EvidenceLog;
  readonly masterKey: MasterKey;
  /** Bulk encryption engine; both give libsodium's XChaCha20-Poly1305 bytes (xchacha.ts). */
  readonly engine?: CipherEngine;
  readonly clock?: () => Date;
  readonly newId?: () => string;
  readonly toolVersion?: string;
  /** Test hook called between capture steps: throwing there simulates a crash. */
  readonly faults?: (step: CaptureStep) => void | Promise<void>;
  readonly timings?: CaptureTimings;
}

const DEFAULT_GRACE_MS = 60 * 60 * 1000;

export class EvidenceVault {
  readonly db: Kysely<Schema>;
  readonly store: BlobStore;
  readonly log: EvidenceLog;
  readonly engine: CipherEngine;
  readonly keys: DataKeyRing;
  readonly clock: () => Date;
  private readonly newId: () => string;
  private readonly toolVersion: string;
  private readonly faults: (step: CaptureStep) => void | Promise<void>;
  private readonly timings: CaptureTimings | undefined;
  private readonly buffers = new BufferPool();

  private constructor(options: EvidenceVaultOptions) {
    this.db = options.db;
    this.store = options.store;
    this.log = options.log;
    this.engine = options.engine ?? defaultEngine();
    this.keys = new DataKeyRing(options.db, options.masterKey);
    this.clock = options.clock ?? (() => new Date());
    this.newId = options.newId ?? randomUUID;
    this.toolVersion = options.toolVersion ?? VERSION;
    this.faults = options.faults ?? (() => {});
    this.timings = options.timings;
  }

  /** Opens a vault; libsodium's WebAssembly is loaded first. */
  static async open(options: EvidenceVaultOptions): Promise<EvidenceVault> {
    await sodiumReady();
    return new EvidenceVault(options);
  }

  private get access(): AccessContext {
    return { db: this.db, store: this.store, log: this.log, keys: this.keys, engine: this.engine, clock: this.clock };
  }

  /** The capture record, as stored (not verified: see verifyItem). */
  getRecord(captureId: string): Promise<CaptureRecord> {
    return getRecord(this.access, captureId);
  }

  /**
   * Decrypts an item for a person or rule and records the access (view or decrypt) first.
   * csam media is refused (CsamClearAccessError, the refusal recorded); open it with
   * includeMedia: false, or export it sealed.
   */
  open(captureId: string, options: OpenOptions): Promise<OpenedItem> {
    return openItem(this.access, captureId, options);
  }

  /** The item sealed to a recipient's X25519 public key (any category, csam included); recorded as an export. */
  exportSealed(captureId: string, options: ExportOptions): Promise<SealedExport> {
    return exportSealed(this.access, captureId, options);
  }

  /** Every recorded access, oldest first, starting with the capture. */
  custodyChain(captureId: string): Promise<CustodyEvent[]> {
    return custodyChain(this.access, captureId);
  }

  /** Re-reads, re-unwraps, re-decrypts and re-hashes everything stored for the item; records a verify event. */
  verifyItem(captureId: string, access: Access): Promise<VerifyResult> {
    return verifyItem(this.access, captureId, access);
  }

  /** Preserves one item; returns its capture record once it is committed and logged. */
  async capture(input: CaptureInput): Promise<CaptureRecord> {
    validateCaptureInput(input);
    assertCaseId(input.caseId);
    const capturedAt = this.clock().toISOString();
    const id = this.newId();
    const dataKey = await this.keys.current(input.caseId);

    let t = process.hrtime.bigint();
    const mediaHashes = input.media ? hashMedia(input.media) : null;
    const document = Buffer.from(
      JSON.stringify(toJsonSafe({ rawRecord: input.rawRecord, context: input.context ?? [], channel: input.channel })),
      'utf8',
    );
    const recordSha256 = createHash('sha256').update(document).digest();
    t = this.lap('hash', t);

    // Both blobs at once: their fsyncs overlap.
    const spent = { encrypt: 0 };
    const [mediaName, recordName] = await Promise.all([
      input.media && mediaHashes
        ? this.storeBlob(
            dataKey,
            { caseId: input.caseId, role: 'media', sha256: mediaHashes.sha256 },
            input.media,
            spent,
          )
        : null,
      this.storeBlob(dataKey, { caseId: input.caseId, role: 'record', sha256: recordSha256 }, document, spent),
    ]);
    document.fill(0);
    this.add('encrypt', spent.encrypt);
    this.add('write', Number(process.hrtime.bigint() - t) - spent.encrypt);
    await this.faults('blobs-written');

    t = process.hrtime.bigint();
    const body = recordBody(input, {
      id,
      capturedAt,
      media: mediaHashes,
      recordSha256,
      toolVersion: this.toolVersion,
      keyVersion: dataKey.version,
    });
    const record = await this.db.transaction().execute(async (trx) => {
      const entry = await this.log.append(
        VAULT_LOG_KINDS.capture,
        { captureId: id, caseId: input.caseId, digest: captureDigest(body) },
        trx,
      );
      await this.faults('log-appended');
      const done: CaptureRecord = {
        ...body,
        logSeq: entry.seq,
        logLeafHash: leafHashHex(entry),
      };
      const macKey = rowMacKey(dataKey.key);
      const mac = rowMac(macKey, canonicalRecord(done));
      await trx
        .insertInto('evidence_captures')
        .values(recordToRow(done, { media: mediaName, record: recordName }, mac))
        .execute();
      const custody = {
        captureId: id,
        caseId: input.caseId,
        at: capturedAt,
        action: 'capture' as const,
        outcome: 'ok' as const,
        actor: done.capturedBy,
        purpose: 'capture',
        details: {},
      };
      await appendCustody(trx, this.log, macKey, custody, entry);
      await this.faults('row-inserted');
      return done;
    });
    this.lap('log', t);
    return record;
  }

  /** Encrypts in memory and writes the sealed blob, unless the case already holds this content. */
  private async storeBlob(
    dataKey: DataKey,
    binding: BlobBinding,
    plaintext: Uint8Array,
    spent: { encrypt: number },
  ): Promise<string> {
    const name = blobName(binding);
    if (await this.store.touch(name)) return name;
    const t = process.hrtime.bigint();
    const scratch = this.buffers.take(plaintext.length + SEAL_OVERHEAD);
    const sealed = sealBlob(dataKey.key, dataKey.version, binding, plaintext, this.engine, scratch);
    spent.encrypt += Number(process.hrtime.bigint() - t);
    try {
      await this.store.put(name, sealed);
    } finally {
      this.buffers.give(sealed);
    }
    return name;
  }

  private lap(phase: keyof CaptureTimings, since: bigint): bigint {
    const now = process.hrtime.bigint();
    this.add(phase, Number(now - since));
    return now;
  }

  private add(phase: keyof CaptureTimings, ns: number): void {
    if (this.timings) this.timings[phase] += ns;
  }

  /**
   * Deletes blobs no capture references once untouched for `olderThanMs` (default one
   * hour): a capture in progress has written its blobs but not yet committed its row.
   */
  sweepOrphans(options: { olderThanMs?: number } = {}): Promise<SweepResult> {
    const cutoff = new Date(this.clock().getTime() - (options.olderThanMs ?? DEFAULT_GRACE_MS));
    return sweepOrphans(this.db, this.store, cutoff);
  }

  /** Re-wraps every case's data key under `next` (blobs untouched); use `next` from now on. */
  rotateMasterKey(next: MasterKey): Promise<RewrapResult> {
    return this.keys.rotateMaster(next);
  }

  /** Overwrites the data keys held in memory. */
  close(): void {
    this.keys.clear();
  }
}

function hashMedia(media: Uint8Array): { sha256: Buffer; md5: Buffer } {
  return {
    sha256: createHash('sha256').update(media).digest(),
    md5: createHash('md5').update(media).digest(),
  };
}

/**
 * Helpers for the vault tests: the evidence log's append (in the same database, so the
 * one-transaction guarantee is really exercised), vault construction over either blob
 * store, synthetic capture input, and a seeded generator.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Kysely } from 'kysely';
import type { Database } from '../../../src/db/open.js';
import type { Schema } from '../../../src/db/schema.js';
import { appendLeaf } from '../../../src/evidence/log/log-append.js';
import { type BlobStore, FolderBlobStore } from '../../../src/evidence/vault/blob-store.js';
import { PostgresBlobStore } from '../../../src/evidence/vault/blob-store-postgres.js';
import type { EvidenceLog, LogAppendResult } from '../../../src/evidence/vault/evidence-log.js';
import { type MasterKey, masterKeyFromBytes } from '../../../src/evidence/vault/master-key.js';
import type { CaptureInput } from '../../../src/evidence/vault/record.js';
import { EvidenceVault, type EvidenceVaultOptions } from '../../../src/evidence/vault/vault.js';

/**
 * The evidence log's own append (src/evidence/log), without the tree-head signer these
 * tests do not need. It joins the vault's transaction, so rollbacks are real.
 */
export class LogUnderTest implements EvidenceLog {
  constructor(private readonly db: Kysely<Schema>) {}

  append(kind: string, payload: unknown, tx?: Kysely<Schema>): Promise<LogAppendResult> {
    return appendLeaf(tx ?? this.db, kind, payload as Record<string, unknown>);
  }

  async entries(): Promise<{ seq: number; kind: string; payload: Record<string, unknown>; leafHash: string }[]> {
    const rows = await this.db.selectFrom('evidence_log_leaves').selectAll().orderBy('seq').execute();
    return rows.map((r) => ({
      seq: r.seq,
      kind: r.kind,
      payload: r.payload as Record<string, unknown>,
      leafHash: r.leaf_hash.toString('hex'),
    }));
  }
}

export type StoreKind = 'folder' | 'postgres';
export const STORE_KINDS: readonly StoreKind[] = ['folder', 'postgres'];

export interface VaultFixture {
  vault: EvidenceVault;
  log: LogUnderTest;
  store: BlobStore;
  master: MasterKey;
  dir: string;
  cleanup(): Promise<void>;
}

export async function makeVault(
  database: Database,
  storeKind: StoreKind,
  extra: Partial<EvidenceVaultOptions> = {},
): Promise<VaultFixture> {
  const dir = await mkdtemp(join(tmpdir(), 'perisai-vault-'));
  const log = new LogUnderTest(database.db);
  const store = storeKind === 'folder' ? FolderBlobStore.forDataDir(dir) : new PostgresBlobStore(database.db);
  const master = extra.masterKey ?? masterKeyFromBytes(randomBytes(32));
  const vault = await EvidenceVault.open({ db: database.db, store, log, masterKey: master, ...extra });
  return {
    vault,
    log,
    store,
    master,
    dir,
    async cleanup() {
      vault.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** A fictional channel post with a synthetic "image" and the messages around it. */
export function sampleInput(overrides: Partial<CaptureInput> = {}): CaptureInput {
  const date = new Date('2024-03-01T10:00:00Z');
  return {
    caseId: 'PRS-2024-0001',
    category: 'ncii',
    media: Buffer.from(`synthetic media ${randomBytes(8).toString('hex')} `.repeat(64)),
    rawRecord: { id: 1042, type: 'message', date_unixtime: '1709287200', photo: 'photos/photo_1.jpg', big: 2n ** 63n },
    context: [
      {
        messageId: '1041',
        date,
        text: 'Fictional person posts: who has more of her?',
        author: { id: 'user7', name: 'A' },
      },
      { messageId: '1043', date, text: 'call her +44 7700 900123', author: { id: 'user8', name: 'B' } },
    ],
    channel: {
      title: 'Fictional Channel',
      memberCount: 1234,
      admins: [{ id: 'user1', name: 'Admin' }],
      inviteLink: 'https://t.me/+AbCdEf',
    },
    capturedBy: { kind: 'user', id: 'analyst-3' },
    source: {
      kind: 'telegram-export-json',
      chatId: '-1001234567890',
      messageId: '1042',
      url: 'https://t.me/c/1234567890/1042',
    },
    hashes: { pdq: { hex: 'f'.repeat(64), quality: 100 } },
    ...overrides,
  };
}

/** mulberry32: a small seeded generator, so a failing tamper case can be replayed. */
export function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export const ANALYST = { actor: { kind: 'user' as const, id: 'analyst-3' }, purpose: 'review of report 17' };
export const AUDITOR = { actor: { kind: 'system' as const, id: 'verifier' }, purpose: 'scheduled verification' };

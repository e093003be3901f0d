/**
 * The evidence vault and log of a data folder, as the CLI opens them: the log's
 * Ed25519 key and the master key live in <data>/keys (or PERISAI_MASTER_KEY), the
 * sealed blobs in <data>/evidence.
 */
import type { Database } from '../db/open.js';
import { type LogKey, loadOrCreateLogKey } from './log/log-key.js';
import { EvidenceLog, type EvidenceLogOptions } from './log/log-store.js';
import { FolderBlobStore } from './vault/blob-store.js';
import { loadMasterKey } from './vault/master-key.js';
import { EvidenceVault } from './vault/vault.js';

export interface OpenedEvidence {
  vault: EvidenceVault;
  log: EvidenceLog;
  logKey: LogKey;
  close(): void;
}

export async function openEvidence(
  database: Database,
  dataDir: string,
  logOptions: Omit<EvidenceLogOptions, 'key'> = {},
): Promise<OpenedEvidence> {
  const logKey = await loadOrCreateLogKey(dataDir);
  const log = new EvidenceLog(database.db, { ...logOptions, key: logKey });
  const vault = await EvidenceVault.open({
    db: database.db,
    store: FolderBlobStore.forDataDir(dataDir),
    log,
    masterKey: await loadMasterKey({ dataDir }),
  });
  return { vault, log, logKey, close: () => vault.close() };
}

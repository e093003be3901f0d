/** The evidence vault: preservation of items, encrypted at rest, with capture records and custody. */
export { type BlobInfo, type BlobStore, FolderBlobStore } from './blob-store.js';
export { PostgresBlobStore } from './blob-store-postgres.js';
export { type CipherEngine, defaultEngine, sodiumReady } from './crypto.js';
export type { CustodyAction, CustodyEvent, CustodyOutcome } from './custody.js';
export {
  CaptureNotFoundError,
  CsamClearAccessError,
  IntegrityError,
  InvalidCaptureError,
  KeyUnwrapError,
  VaultError,
} from './errors.js';
export { type EvidenceLog, type LogAppendResult, VAULT_LOG_KINDS } from './evidence-log.js';
export { type RewrapResult, rewrapDataKeys } from './keys.js';
export {
  type LoadMasterKeyOptions,
  loadMasterKey,
  MASTER_KEY_ENV,
  type MasterKey,
  MasterKeyError,
  masterKeyFromBytes,
  masterKeyPath,
} from './master-key.js';
export type {
  Actor,
  CaptureCategory,
  CapturedBy,
  CaptureInput,
  CaptureRecord,
  CaptureSource,
  ChannelMetadata,
  ContextMessage,
  EvidenceDocument,
  PerceptualHashes,
} from './record.js';
export { captureDigest } from './record.js';
export type { SweepResult } from './sweep.js';
export {
  type CaptureStep,
  type CaptureTimings,
  EvidenceVault,
  type EvidenceVaultOptions,
} from './vault.js';
export type { Access, ExportOptions, OpenedItem, OpenOptions, SealedExport, VerifyResult } from './vault-access.js';

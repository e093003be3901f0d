/**
 * The evidence-log entries behind a package's records, rebuilt from the records
 * alone. The vault logs digests, not content (vault/record.ts, vault/custody.ts):
 *
 *   capture: {kind: 'evidence.capture', payload: {captureId, caseId, digest}}
 *            digest = SHA-256 hex of canonicalBody(record)
 *   custody: {kind: 'evidence.custody', payload: {captureId, caseId, action, outcome, digest}}
 *            digest = SHA-256 hex of canonicalCustodyBody(event + the record's caseId)
 *
 * A capture's own 'capture' custody event shares the capture's entry. The leaf hash
 * is SHA-256(0x00 || canonical JSON of {kind, payload}) (log/leaf.ts). Pure: the
 * offline verifier uses this module with no database and no vault keys.
 */
import { createHash } from 'node:crypto';
import { canonicalCustodyBody } from '../vault/custody.js';
import { captureDigest } from '../vault/record.js';
import type { LoggedEntry, ManifestItem } from './manifest.js';

/** What the vault logged for a capture: ids and a digest of the record, never the content. */
export function captureEntry(record: ManifestItem['record']): LoggedEntry {
  return {
    kind: 'evidence.capture',
    payload: { captureId: record.id, caseId: record.caseId, digest: captureDigest(record) },
  };
}

/** What the vault logged for a custody event; the capture's own event shares the capture's entry. */
export function custodyEntry(
  event: ManifestItem['custody'][number]['event'],
  record: ManifestItem['record'],
): LoggedEntry {
  if (event.logSeq === record.logSeq) return captureEntry(record);
  const digest = createHash('sha256')
    .update(canonicalCustodyBody({ ...event, caseId: record.caseId }))
    .digest('hex');
  return {
    kind: 'evidence.custody',
    payload: {
      captureId: event.captureId,
      caseId: record.caseId,
      action: event.action,
      outcome: event.outcome,
      digest,
    },
  };
}

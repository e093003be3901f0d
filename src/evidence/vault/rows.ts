/** Capture records to and from evidence_captures rows. */
import type { Insertable, Selectable } from 'kysely';
import type { Schema } from '../../db/schema.js';
import type { CaptureRecord, PdqHash, PerceptualHashes, VpdqFrameHash } from './record.js';

export type CaptureRow = Selectable<Schema['evidence_captures']>;

export interface BlobNames {
  readonly media: string | null;
  readonly record: string;
}

const hexToBuffer = (hex: string | null): Buffer | null => (hex === null ? null : Buffer.from(hex, 'hex'));
const bufferToHex = (buf: Buffer | null): string | null => (buf === null ? null : buf.toString('hex'));

export function recordToRow(
  record: CaptureRecord,
  names: BlobNames,
  mac: Uint8Array,
): Insertable<Schema['evidence_captures']> {
  return {
    id: record.id,
    case_id: record.caseId,
    category: record.category,
    key_version: record.keyVersion,
    media_blob: names.media,
    media_sha256: hexToBuffer(record.sha256),
    media_md5: hexToBuffer(record.md5),
    media_bytes: record.bytes,
    record_blob: names.record,
    record_sha256: Buffer.from(record.recordSha256, 'hex'),
    perceptual: JSON.stringify(hashesToStored(record.hashes)),
    captured_by_kind: record.capturedBy.kind,
    captured_by_id: record.capturedBy.id,
    captured_at: new Date(record.capturedAt),
    source_kind: record.source.kind,
    chat_id: record.source.chatId,
    message_id: record.source.messageId,
    source_url: record.source.url,
    tool_version: record.toolVersion,
    log_seq: record.logSeq,
    log_leaf_hash: Buffer.from(record.logLeafHash, 'hex'),
    mac: Buffer.from(mac),
  };
}

export function rowToRecord(row: CaptureRow): CaptureRecord {
  return {
    id: row.id,
    caseId: row.case_id,
    category: row.category,
    sha256: bufferToHex(row.media_sha256),
    md5: bufferToHex(row.media_md5),
    bytes: row.media_bytes,
    recordSha256: row.record_sha256.toString('hex'),
    hashes: hashesFromStored(row.perceptual),
    capturedBy: { kind: row.captured_by_kind, id: row.captured_by_id },
    capturedAt: row.captured_at.toISOString(),
    source: { kind: row.source_kind, chatId: row.chat_id, messageId: row.message_id, url: row.source_url },
    toolVersion: row.tool_version,
    keyVersion: row.key_version,
    logSeq: row.log_seq,
    logLeafHash: row.log_leaf_hash.toString('hex'),
  };
}

/** vPDQ frames as [frameNumber, quality, hex, timestamp] tuples: compact, and key order cannot drift. */
function hashesToStored(h: PerceptualHashes): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (h.pdq) out.pdq = [h.pdq.hex, h.pdq.quality];
  if (h.vpdq) out.vpdq = h.vpdq.map((f) => [f.frameNumber, f.quality, f.hex, f.timestamp]);
  return out;
}

function hashesFromStored(stored: Record<string, unknown>): PerceptualHashes {
  const out: { pdq?: PdqHash; vpdq?: VpdqFrameHash[] } = {};
  const pdq = stored.pdq;
  if (Array.isArray(pdq)) out.pdq = { hex: String(pdq[0]), quality: Number(pdq[1]) };
  const vpdq = stored.vpdq;
  if (Array.isArray(vpdq)) {
    out.vpdq = vpdq.map((t: unknown) => {
      const [frameNumber, quality, hex, timestamp] = Array.isArray(t) ? t : [];
      return {
        frameNumber: Number(frameNumber),
        quality: Number(quality),
        hex: String(hex),
        timestamp: Number(timestamp),
      };
    });
  }
  return out;
}

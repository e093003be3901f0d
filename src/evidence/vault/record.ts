/**
 * The capture record: who or what preserved an item, when (UTC), from where, with which
 * tool version, and its hashes. Pure: validation of capture input, and the canonical
 * forms that the row MAC and the evidence-log digest are computed over.
 */
import { createHash } from 'node:crypto';
import { BANK_CATEGORIES, type BankCategory } from '../../db/schema.js';
import type { NormalizedMessage } from '../../sources/types.js';
import { InvalidCaptureError } from './errors.js';

export type CaptureCategory = BankCategory;

export interface CapturedBy {
  readonly kind: 'user' | 'rule';
  /** A user id or a rule name. */
  readonly id: string;
}

/** Who accessed an item: a person, a rule, or the system itself (scheduled verification). */
export interface Actor {
  readonly kind: 'user' | 'rule' | 'system';
  readonly id: string;
}

export interface CaptureSource {
  /** The source kind, e.g. 'telegram-export-json', 'telegram-mtproto', 'whatsapp-export'. */
  readonly kind: string;
  readonly chatId: string;
  readonly messageId: string;
  readonly url?: string | null;
}

export interface ChannelAdmin {
  readonly id?: string | null;
  readonly name?: string | null;
  readonly username?: string | null;
}

export interface ChannelMetadata {
  readonly title: string | null;
  readonly memberCount?: number | null;
  readonly admins?: readonly ChannelAdmin[] | null;
  readonly inviteLink?: string | null;
}

/** A message around the captured one: a NormalizedMessage or the parts of one a source has. */
export type ContextMessage = Pick<NormalizedMessage, 'messageId'> & Partial<Omit<NormalizedMessage, 'messageId'>>;

export interface PdqHash {
  readonly hex: string;
  readonly quality: number;
}

export interface VpdqFrameHash {
  readonly frameNumber: number;
  readonly quality: number;
  readonly hex: string;
  readonly timestamp: number;
}

export interface PerceptualHashes {
  readonly pdq?: PdqHash | null;
  readonly vpdq?: readonly VpdqFrameHash[] | null;
}

export interface CaptureInput {
  readonly caseId: string;
  readonly category: CaptureCategory;
  /** The original media bytes; null for an item without media (a text post, a channel). */
  readonly media: Uint8Array | null;
  /** The source's own record, untouched: Telegram JSON, the MTProto object, WhatsApp lines. */
  readonly rawRecord: unknown;
  /** N messages before and after the captured one, in source order. */
  readonly context?: readonly ContextMessage[];
  readonly channel: ChannelMetadata;
  readonly capturedBy: CapturedBy;
  readonly source: CaptureSource;
  readonly hashes?: PerceptualHashes;
}

export interface CaptureRecord {
  readonly id: string;
  readonly caseId: string;
  readonly category: CaptureCategory;
  /** Media SHA-256, MD5 (hex) and size; null when the item has no media. */
  readonly sha256: string | null;
  readonly md5: string | null;
  readonly bytes: number | null;
  /** SHA-256 of the encrypted evidence document (raw record, context, channel). */
  readonly recordSha256: string;
  readonly hashes: PerceptualHashes;
  readonly capturedBy: CapturedBy;
  /** UTC, ISO 8601 with milliseconds. */
  readonly capturedAt: string;
  readonly source: Required<CaptureSource>;
  readonly toolVersion: string;
  readonly keyVersion: number;
  /** The evidence-log entry that commits to this record (see captureDigest). */
  readonly logSeq: number;
  readonly logLeafHash: string;
}

/** What the evidence document blob holds (decrypted by open). */
export interface EvidenceDocument {
  readonly rawRecord: unknown;
  readonly context: readonly unknown[];
  readonly channel: ChannelMetadata;
}

const HEX64 = /^[0-9a-f]{64}$/;
const MAX_TEXT = 2048;

export function validateCaptureInput(input: CaptureInput): void {
  if (!BANK_CATEGORIES.includes(input.category)) {
    throw new InvalidCaptureError(`category must be one of ${BANK_CATEGORIES.join(', ')}`);
  }
  if (input.media !== null && !(input.media instanceof Uint8Array)) {
    throw new InvalidCaptureError('media must be bytes (Uint8Array) or null');
  }
  if (input.capturedBy?.kind !== 'user' && input.capturedBy?.kind !== 'rule') {
    throw new InvalidCaptureError("capturedBy.kind must be 'user' or 'rule'");
  }
  checkText('capturedBy.id', input.capturedBy.id);
  checkText('source.kind', input.source?.kind);
  checkText('source.chatId', input.source.chatId);
  checkText('source.messageId', input.source.messageId);
  if (input.source.url != null) checkText('source.url', input.source.url);
  if (!input.channel || typeof input.channel !== 'object')
    throw new InvalidCaptureError('channel metadata is required');
  if (input.context !== undefined && !Array.isArray(input.context)) {
    throw new InvalidCaptureError('context must be a list of messages');
  }
  const { pdq, vpdq } = input.hashes ?? {};
  if (pdq && !HEX64.test(pdq.hex)) throw new InvalidCaptureError('hashes.pdq.hex must be 64 lowercase hex digits');
  if (vpdq?.some((f) => !HEX64.test(f.hex) || !Number.isInteger(f.frameNumber))) {
    throw new InvalidCaptureError('hashes.vpdq frames need an integer frameNumber and 64 lowercase hex digits');
  }
}

export function validateActor(actor: Actor, purpose: string): void {
  if (actor?.kind !== 'user' && actor?.kind !== 'rule' && actor?.kind !== 'system') {
    throw new InvalidCaptureError("actor.kind must be 'user', 'rule' or 'system'");
  }
  checkText('actor.id', actor.id);
  checkText('purpose', purpose);
}

function checkText(what: string, value: unknown): void {
  if (typeof value !== 'string' || value.length === 0 || value.length > MAX_TEXT) {
    throw new InvalidCaptureError(`${what} must be a non-empty string of at most ${MAX_TEXT} characters`);
  }
}

/** Perceptual hashes in a fixed shape (and key order), as stored and as MAC'd. */
export function normalizeHashes(hashes: PerceptualHashes | undefined): PerceptualHashes {
  const out: { pdq?: PdqHash; vpdq?: VpdqFrameHash[] } = {};
  if (hashes?.pdq) out.pdq = { hex: hashes.pdq.hex, quality: hashes.pdq.quality };
  if (hashes?.vpdq) {
    out.vpdq = hashes.vpdq.map((f) => ({
      frameNumber: f.frameNumber,
      quality: f.quality,
      hex: f.hex,
      timestamp: f.timestamp,
    }));
  }
  return out;
}

type RecordBody = Omit<CaptureRecord, 'logSeq' | 'logLeafHash'>;

export interface BodyParts {
  readonly id: string;
  readonly capturedAt: string;
  readonly media: { sha256: Buffer; md5: Buffer } | null;
  readonly recordSha256: Buffer;
  readonly toolVersion: string;
  readonly keyVersion: number;
}

/** The capture record before it has a log position. */
export function recordBody(input: CaptureInput, p: BodyParts): RecordBody {
  return {
    id: p.id,
    caseId: input.caseId,
    category: input.category,
    sha256: p.media ? p.media.sha256.toString('hex') : null,
    md5: p.media ? p.media.md5.toString('hex') : null,
    bytes: input.media ? input.media.length : null,
    recordSha256: p.recordSha256.toString('hex'),
    hashes: normalizeHashes(input.hashes),
    capturedBy: { kind: input.capturedBy.kind, id: input.capturedBy.id },
    capturedAt: p.capturedAt,
    source: {
      kind: input.source.kind,
      chatId: input.source.chatId,
      messageId: input.source.messageId,
      url: input.source.url ?? null,
    },
    toolVersion: p.toolVersion,
    keyVersion: p.keyVersion,
  };
}

/** The record without its log position, as one JSON array: field order is fixed by construction. */
export function canonicalBody(r: RecordBody): string {
  const h = normalizeHashes(r.hashes);
  return JSON.stringify([
    'perisai:capture:v1',
    r.id,
    r.caseId,
    r.category,
    r.keyVersion,
    r.sha256,
    r.md5,
    r.bytes,
    r.recordSha256,
    h.pdq ? [h.pdq.hex, h.pdq.quality] : null,
    h.vpdq ? h.vpdq.map((f) => [f.frameNumber, f.quality, f.hex, f.timestamp]) : null,
    r.capturedBy.kind,
    r.capturedBy.id,
    r.capturedAt,
    r.source.kind,
    r.source.chatId,
    r.source.messageId,
    r.source.url,
    r.toolVersion,
  ]);
}

/**
 * What the evidence log stores for a capture: a digest, not the record. The log commits
 * to every field while revealing none (the log may be shown to outside auditors, and a
 * media hash or chat id can itself be sensitive).
 */
export function captureDigest(r: RecordBody): string {
  return createHash('sha256').update(canonicalBody(r)).digest('hex');
}

/** The string the capture row's MAC covers: the body and its log position. */
export function canonicalRecord(r: CaptureRecord): string {
  return JSON.stringify([canonicalBody(r), r.logSeq, r.logLeafHash]);
}

/**
 * Signal hash input: hex text in, raw bytes in the database, lowercase hex out.
 * vPDQ signals are stored as per-frame PDQ hashes plus one digest over the frames,
 * so identical videos share a digest that the (type, hash) index can find.
 */
import { createHash } from 'node:crypto';
import { z } from 'zod';
import type { SignalType } from '../db/schema.js';

/** Hex digits per hash type. vPDQ's digest is a SHA-256, computed here. */
export const HEX_LENGTH: Readonly<Record<SignalType, number>> = { pdq: 64, md5: 32, sha256: 64, vpdq: 64 };

const hex = (length: number, label: string) =>
  z
    .string()
    .trim()
    .regex(new RegExp(`^[0-9a-fA-F]{${length}}$`), `${label} must be ${length} hex digits`)
    .transform((s) => s.toLowerCase());

export const pdqHex = hex(64, 'a PDQ hash');

const quality = z.number().int().min(0).max(100);

export const vpdqFrameInput = z.object({
  frameNumber: z.number().int().min(0),
  quality,
  hash: pdqHex,
  timestampS: z.number().finite().min(0),
});
export type VpdqFrameInput = z.input<typeof vpdqFrameInput>;

export const signalInput = z.discriminatedUnion('type', [
  z.object({ type: z.literal('pdq'), hash: pdqHex, quality: quality.optional() }),
  z.object({ type: z.literal('md5'), hash: hex(32, 'an MD5 hash') }),
  z.object({ type: z.literal('sha256'), hash: hex(64, 'a SHA-256 hash') }),
  z.object({
    type: z.literal('vpdq'),
    frames: z
      .array(vpdqFrameInput)
      .min(1)
      .max(200_000)
      .refine((frames) => new Set(frames.map((f) => f.frameNumber)).size === frames.length, {
        message: 'frame numbers must be unique',
      }),
    quality: quality.optional(),
  }),
]);
export type SignalInput = z.input<typeof signalInput>;
export type ParsedSignal = z.output<typeof signalInput>;

/** A validated signal ready to insert. */
export interface StoredSignalValues {
  type: SignalType;
  hash: Buffer;
  quality: number | null;
  frames: { frame_number: number; quality: number; hash: Buffer; timestamp_s: number }[];
}

export function toStoredSignal(signal: ParsedSignal): StoredSignalValues {
  if (signal.type !== 'vpdq') {
    const q = signal.type === 'pdq' ? (signal.quality ?? null) : null;
    return { type: signal.type, hash: Buffer.from(signal.hash, 'hex'), quality: q, frames: [] };
  }
  const frames = [...signal.frames]
    .sort((a, b) => a.frameNumber - b.frameNumber)
    .map((f) => ({
      frame_number: f.frameNumber,
      quality: f.quality,
      hash: Buffer.from(f.hash, 'hex'),
      timestamp_s: f.timestampS,
    }));
  return { type: 'vpdq', hash: vpdqDigest(frames), quality: signal.quality ?? null, frames };
}

/**
 * SHA-256 over the frames in frame order: frame number (u32 BE), quality (u8), and
 * the 32 hash bytes. Timestamps are left out: the same frames decoded at a different
 * frame rate still describe the same video.
 */
export function vpdqDigest(frames: readonly { frame_number: number; quality: number; hash: Buffer }[]): Buffer {
  const digest = createHash('sha256');
  const head = Buffer.alloc(5);
  for (const f of frames) {
    head.writeUInt32BE(f.frame_number, 0);
    head.writeUInt8(f.quality, 4);
    digest.update(head).update(f.hash);
  }
  return digest.digest();
}

/** Parses one hex hash of a known type; throws a ZodError on bad input. */
export function parseHashHex(type: SignalType, text: string): Buffer {
  return Buffer.from(hex(HEX_LENGTH[type], `a ${type} hash`).parse(text), 'hex');
}

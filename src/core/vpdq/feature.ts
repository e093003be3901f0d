/**
 * vPDQ features: one PDQ hash per sampled video frame, with the frame number,
 * quality and timestamp the reference (Meta's vpdq) attaches to it.
 * Pure: no Node APIs, so the browser can match with the same code.
 */
import { hash256ToHex, hexToHash256 } from '../hash256.js';

export interface VpdqFeature {
  /** 0-based index of the frame among all decoded frames of the video. */
  readonly frameNumber: number;
  /** PDQ quality, 0..100. Frames under 50 are usually ignored when matching. */
  readonly quality: number;
  /** 32 bytes, big-endian: the bytes of `hex`. */
  readonly hash: Uint8Array;
  /** 64 lowercase hex digits. */
  readonly hex: string;
  /** Seconds from the start: frameNumber / fps, computed in float32 like the reference. */
  readonly timestamp: number;
}

export class InvalidVpdqError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InvalidVpdqError';
  }
}

/**
 * The reference keeps frame n when n % interval == 0, where
 * interval = int(secondsPerHash * fps) (truncated), and 1 when that is 0, so
 * secondsPerHash = 0 hashes every frame.
 */
export function vpdqFrameInterval(fps: number, secondsPerHash: number): number {
  if (!(fps > 0) || !Number.isFinite(fps)) throw new RangeError(`invalid frame rate ${fps}`);
  if (!(secondsPerHash >= 0) || !Number.isFinite(secondsPerHash)) {
    throw new RangeError(`secondsPerHash must be a non-negative number, got ${secondsPerHash}`);
  }
  const interval = Math.trunc(secondsPerHash * fps);
  return Math.max(interval, 1);
}

/**
 * Timestamp of a frame as the reference computes it: float(frameNumber) /
 * float(fps), both operands and the quotient in float32. Printing it with
 * three decimals then matches the reference files digit for digit.
 */
export function vpdqTimestamp(frameNumber: number, fps: number): number {
  const f = Math.fround;
  return f(f(frameNumber) / f(fps));
}

/** Builds a feature from a 32-byte hash (copied, so callers may reuse their buffer). */
export function makeVpdqFeature(
  frameNumber: number,
  quality: number,
  hash: Uint8Array,
  timestamp: number,
): VpdqFeature {
  const bytes = Uint8Array.from(hash);
  return { frameNumber, quality, hash: bytes, hex: hash256ToHex(bytes), timestamp };
}

/** Builds a feature from hex, validating every field the way python-threatexchange does. */
export function vpdqFeatureFromHex(frameNumber: number, quality: number, hex: string, timestamp: number): VpdqFeature {
  let hash: Uint8Array;
  try {
    hash = hexToHash256(hex);
  } catch (err) {
    throw new InvalidVpdqError(`malformed PDQ hash: ${(err as Error).message}`);
  }
  if (!Number.isInteger(quality) || quality < 0 || quality > 100) {
    throw new InvalidVpdqError(`invalid vPDQ quality ${quality} (expected an integer 0..100)`);
  }
  if (!Number.isFinite(timestamp) || timestamp < 0) throw new InvalidVpdqError(`invalid vPDQ timestamp ${timestamp}`);
  if (!Number.isSafeInteger(frameNumber) || frameNumber < 0) {
    throw new InvalidVpdqError(`invalid frame number ${frameNumber}`);
  }
  return { frameNumber, quality, hash, hex: hash256ToHex(hash), timestamp };
}

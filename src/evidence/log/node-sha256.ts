/** Node's SHA-256 in the shape the pure Merkle code takes (merkle.ts `Sha256`). */
import { createHash } from 'node:crypto';
import type { Sha256 } from './merkle.js';

export const sha256: Sha256 = (data) => createHash('sha256').update(data).digest();

/** SHA-256 as 64 lowercase hex digits (file and key fingerprints). */
export const sha256Hex = (data: Uint8Array): string => createHash('sha256').update(data).digest('hex');

/** Node's SHA-256 in the shape the pure Merkle code takes (merkle.ts `Sha256`). */
import { createHash } from 'node:crypto';
import type { Sha256 } from './merkle.js';

export const sha256: Sha256 = (data) => createHash('sha256').update(data).digest();

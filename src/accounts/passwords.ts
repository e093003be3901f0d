/**
 * Password hashing with argon2id (@node-rs/argon2, native, off the main thread).
 *
 * Production cost is OWASP's minimum for argon2id: 19 MiB, 2 passes, 1 lane;
 * tests pass a tiny cost so each hash takes microseconds. Verification reads the
 * cost from the stored PHC string, so raising the cost later keeps old hashes
 * working; `needsRehash` tells the login flow to upgrade them.
 */
import { Algorithm, hash, parseOptions, verify } from '@node-rs/argon2';

export interface Argon2Cost {
  /** KiB of memory. */
  readonly memoryCost: number;
  /** Passes over memory. */
  readonly timeCost: number;
  readonly parallelism: number;
}

export const PRODUCTION_ARGON2: Argon2Cost = { memoryCost: 19_456, timeCost: 2, parallelism: 1 };

export interface PasswordHasher {
  /** A `$argon2id$...` PHC string. */
  hash(password: string): Promise<string>;
  /** False also for a malformed stored hash. */
  verify(stored: string, password: string): Promise<boolean>;
  /** Verifies against a fixed hash of nothing, so an unknown user costs as much as a known one. */
  verifyDummy(password: string): Promise<void>;
  /** True when `stored` was made with a weaker cost than the current one. */
  needsRehash(stored: string): boolean;
}

export function argon2idHasher(cost: Argon2Cost = PRODUCTION_ARGON2): PasswordHasher {
  const options = { algorithm: Algorithm.Argon2id, ...cost };
  let dummy: Promise<string> | undefined;
  const check = async (stored: string, password: string) => {
    try {
      return await verify(stored, password);
    } catch {
      return false;
    }
  };
  return {
    hash: (password) => hash(password, options),
    verify: check,
    async verifyDummy(password) {
      dummy ??= hash('perisai: no such user', options);
      await check(await dummy, password);
    },
    needsRehash(stored) {
      try {
        const used = parseOptions(stored);
        return (
          used.algorithm !== Algorithm.Argon2id ||
          used.memoryCost < cost.memoryCost ||
          used.timeCost < cost.timeCost ||
          used.parallelism < cost.parallelism
        );
      } catch {
        return true;
      }
    },
  };
}

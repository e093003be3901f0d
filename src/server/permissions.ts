/**
 * What an authenticated caller may do. Every route names exactly one permission
 * (or is explicitly public); the auth hook compares it with what the caller's
 * credential grants. Keeping the list in one enum means a new route cannot
 * invent its own check: it has to pick one of these.
 */
import type { ApiKeyScope } from '../db/schema.js';

export enum Permission {
  /** Hash uploaded media (CPU only, nothing stored). */
  Hash = 'hash',
  /** Look hashes up against the banks, compare hashes, read index state. */
  MatchRead = 'match:read',
  /** Read banks and their content. */
  BankRead = 'bank:read',
  /** Create, change and delete banks; add, disable and withdraw content. */
  BankWrite = 'bank:write',
  /** See which signals are held for flooding. */
  QuarantineRead = 'quarantine:read',
  /** Release a held signal so its matches count again. */
  QuarantineRelease = 'quarantine:release',
  /** Manage API keys. No key scope grants it: keys are made with `perisai apikey` on the host. */
  AdminKeys = 'admin:keys',
}

const READ: readonly Permission[] = [
  Permission.Hash,
  Permission.MatchRead,
  Permission.BankRead,
  Permission.QuarantineRead,
];

/** What each API key scope grants. A write key can do everything a read key can. */
export const SCOPE_PERMISSIONS: Readonly<Record<ApiKeyScope, ReadonlySet<Permission>>> = {
  read: new Set(READ),
  write: new Set([...READ, Permission.BankWrite, Permission.QuarantineRelease]),
};

export function scopeAllows(scope: ApiKeyScope, permission: Permission): boolean {
  return SCOPE_PERMISSIONS[scope].has(permission);
}

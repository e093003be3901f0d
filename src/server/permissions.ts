/**
 * What an authenticated caller may do. Every route names exactly one permission
 * (or is explicitly public); the auth hook compares it with what the caller's
 * credential grants. Keeping the list in one enum means a new route cannot
 * invent its own check: it has to pick one of these.
 *
 * Two kinds of credential resolve to the same Principal: a person's session
 * (permissions from their role) and an API key (permissions from its scope).
 */
import type { ApiKeyScope, UserRole } from '../db/schema.js';

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
  /** Manage API keys. No key scope grants it; of the roles, only admin. */
  AdminKeys = 'admin:keys',
  /** One's own account: who am I, log out, change password, enrol two-factor. Sessions only. */
  OwnAccount = 'account:self',
  /** See the users of one's organisation and their roles. */
  UserRead = 'user:read',
  /** Create users, change their role, disable them, reset their two-factor. */
  UserManage = 'user:manage',
  /** Read cases (every read is audited). */
  CaseRead = 'case:read',
  /** Open, update and close cases. */
  CaseWrite = 'case:write',
  /** See media unblurred and in colour (a deliberate, audited action; reviewer wellness). */
  MediaUnblur = 'media:unblur',
  /** Read evidence records and their metadata. */
  EvidenceRead = 'evidence:read',
  /** Preserve evidence into the vault. */
  EvidencePreserve = 'evidence:preserve',
  /** Export sealed evidence packages (audited). */
  EvidenceExport = 'evidence:export',
  /** See takedown requests and their state. */
  TakedownRead = 'takedown:read',
  /** Draft and send takedown notices. */
  TakedownWrite = 'takedown:write',
  /** Read tips from the public. */
  TipRead = 'tip:read',
  /** Triage tips: assign, dismiss, link to cases. */
  TipTriage = 'tip:triage',
  /** Add, change and remove sources (exports, bots, accounts to watch). */
  SourceManage = 'source:manage',
  /** Read the audit trail. */
  AuditRead = 'audit:read',
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

const ANALYST: readonly Permission[] = [
  ...READ,
  Permission.BankWrite,
  Permission.QuarantineRelease,
  Permission.CaseRead,
  Permission.CaseWrite,
  Permission.MediaUnblur,
  Permission.EvidenceRead,
  Permission.EvidencePreserve,
  Permission.TakedownRead,
  Permission.TakedownWrite,
  Permission.TipRead,
  Permission.TipTriage,
];

/**
 * What each role grants, besides OwnAccount which every person has.
 *
 * - admin: everything in its organisation (users, keys, sources, banks, and the
 *   analyst's work). Keep admins few; each needs two-factor.
 * - analyst: reviews matches and tips, preserves evidence, sends takedowns.
 * - case_manager: runs cases and exports sealed evidence; no unblurring.
 * - police_liaison: reads cases and evidence and exports packages, nothing else.
 * - auditor: read-only over metadata and the audit trail; never unblurred media.
 */
export const ROLE_PERMISSIONS: Readonly<Record<UserRole, ReadonlySet<Permission>>> = {
  admin: new Set(Object.values(Permission)),
  analyst: new Set([Permission.OwnAccount, ...ANALYST]),
  case_manager: new Set([
    Permission.OwnAccount,
    ...READ,
    Permission.CaseRead,
    Permission.CaseWrite,
    Permission.EvidenceRead,
    Permission.EvidenceExport,
    Permission.TakedownRead,
    Permission.TipRead,
  ]),
  police_liaison: new Set([
    Permission.OwnAccount,
    Permission.CaseRead,
    Permission.EvidenceRead,
    Permission.EvidenceExport,
  ]),
  auditor: new Set([
    Permission.OwnAccount,
    Permission.MatchRead,
    Permission.BankRead,
    Permission.QuarantineRead,
    Permission.UserRead,
    Permission.CaseRead,
    Permission.EvidenceRead,
    Permission.TakedownRead,
    Permission.TipRead,
    Permission.AuditRead,
  ]),
};

/** Admins, and anyone who can unblur media or export evidence, must use TOTP two-factor. */
export function requiresTotp(role: UserRole): boolean {
  const granted = ROLE_PERMISSIONS[role];
  return role === 'admin' || granted.has(Permission.MediaUnblur) || granted.has(Permission.EvidenceExport);
}

/** A session that may only enrol two-factor (and see itself, log out) until it has. */
export const ENROLMENT_ONLY: ReadonlySet<Permission> = new Set([Permission.OwnAccount]);

/** Who is calling, resolved once by the auth hook from an API key or a session cookie. */
export interface Principal {
  readonly kind: 'user' | 'apiKey';
  /** users.id or api_keys.id. */
  readonly id: number;
  /** Every user belongs to one organisation; an API key made without --org has none. */
  readonly organisationId: number | null;
  readonly permissions: ReadonlySet<Permission>;
  /** Users only. */
  readonly role?: UserRole;
  /** Users only: the session behind this request (logout revokes it). */
  readonly sessionId?: number;
  /** Users only: two-factor is required but not yet enrolled; only OwnAccount is granted. */
  readonly enrolmentOnly?: boolean;
}

/** The permissions a user's session carries: their role's, or only OwnAccount until TOTP is enrolled. */
export function userPermissions(role: UserRole, totpEnrolled: boolean): ReadonlySet<Permission> {
  return requiresTotp(role) && !totpEnrolled ? ENROLMENT_ONLY : ROLE_PERMISSIONS[role];
}

/** Whether one principal may hand `role` to someone: only with every permission the role carries. */
export function canGrantRole(principal: Principal, role: UserRole): boolean {
  for (const p of ROLE_PERMISSIONS[role]) if (!principal.permissions.has(p)) return false;
  return true;
}

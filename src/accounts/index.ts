/**
 * Accounts: people, roles, sessions, two-factor, first-start setup, and the
 * audit trail. `AccountsConfig` holds what does not depend on the database
 * (policy, clock, password hasher, the audit log's sink); `accountDeps` adds the
 * database for one operation.
 */
import type { Kysely } from 'kysely';
import type { Schema } from '../db/schema.js';
import { type AppendToLog, type AuditLog, DatabaseAuditLog } from './audit.js';
import { type Argon2Cost, argon2idHasher, type PasswordHasher } from './passwords.js';
import { type AccountPolicy, DEFAULT_ACCOUNT_POLICY } from './policy.js';

export type Clock = () => Date;

export interface AccountsOptions {
  policy?: Partial<AccountPolicy>;
  /** argon2id cost; default OWASP's 19 MiB, t=2, p=1. Tests pass a tiny one. */
  argon2?: Argon2Cost;
  clock?: Clock;
  /** Where audit events also go: the tamper-evident evidence log's append. */
  appendToLog?: AppendToLog;
  /** Replaces the database audit log altogether (tests). */
  audit?: AuditLog;
  /** Replaces the hasher (tests that count calls). */
  passwords?: PasswordHasher;
}

export interface AccountsConfig {
  readonly policy: AccountPolicy;
  readonly clock: Clock;
  readonly passwords: PasswordHasher;
  /** The audit log over a database that may open later. */
  auditLog(database: () => Kysely<Schema>): AuditLog;
}

export interface AccountDeps {
  readonly db: Kysely<Schema>;
  readonly policy: AccountPolicy;
  readonly clock: Clock;
  readonly passwords: PasswordHasher;
  readonly audit: AuditLog;
}

export function accountsConfig(options: AccountsOptions = {}): AccountsConfig {
  const { audit, appendToLog } = options;
  return {
    policy: { ...DEFAULT_ACCOUNT_POLICY, ...options.policy },
    clock: options.clock ?? (() => new Date()),
    passwords: options.passwords ?? argon2idHasher(options.argon2),
    auditLog: (database) => audit ?? new DatabaseAuditLog(database, appendToLog ? { appendToLog } : {}),
  };
}

export function accountDeps(config: AccountsConfig, db: Kysely<Schema>, audit?: AuditLog): AccountDeps {
  return {
    db,
    policy: config.policy,
    clock: config.clock,
    passwords: config.passwords,
    audit: audit ?? config.auditLog(() => db),
  };
}

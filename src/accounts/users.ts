/**
 * People who log in: each belongs to one organisation and has one role.
 *
 * Every read and write here takes the caller's organisation and filters by it,
 * so an admin of one organisation can neither see nor change another's users:
 * a user of another organisation is simply "not found".
 */
import { type Kysely, sql } from 'kysely';
import { z } from 'zod';
import { isUniqueViolation } from '../banks/errors.js';
import { type Schema, USER_ROLES, type UserRole, type UserRow } from '../db/schema.js';
import { AccountError, invalid } from './errors.js';
import type { PasswordHasher } from './passwords.js';
import { type AccountPolicy, normaliseEmail, passwordProblem } from './policy.js';

export interface User {
  id: number;
  organisationId: number;
  email: string;
  displayName: string;
  role: UserRole;
  totpEnrolled: boolean;
  disabledAt: Date | null;
  lockedUntil: Date | null;
  createdAt: Date;
  updatedAt: Date;
}

export const newUserInput = z.strictObject({
  organisationId: z.number().int().positive(),
  email: z.string().max(320),
  displayName: z.string().trim().min(1).max(200),
  role: z.enum(USER_ROLES),
  password: z.string(),
});
export type NewUserInput = z.input<typeof newUserInput>;

/** The columns a User is made of; never the password hash or TOTP secrets. */
const PUBLIC_COLUMNS = [
  'id',
  'org_id',
  'email',
  'display_name',
  'role',
  'disabled_at',
  'locked_until',
  'created_at',
  'updated_at',
] as const satisfies readonly (keyof UserRow)[];
type PublicRow = Pick<UserRow, (typeof PUBLIC_COLUMNS)[number]> & { totp_enrolled: boolean };

const totpEnrolled = sql<boolean>`(totp_secret is not null)`.as('totp_enrolled');

/** Checks the e-mail and password policy and hashes the password; throws AccountError('validation'). */
export async function validNewUser(hasher: PasswordHasher, input: NewUserInput) {
  const parsed = newUserInput.safeParse(input);
  if (!parsed.success) throw invalid('user', parsed.error);
  const email = normaliseEmail(parsed.data.email);
  if (!email) throw new AccountError('validation', 'invalid user: email is not an e-mail address');
  const problem = passwordProblem(parsed.data.password, email);
  if (problem) throw new AccountError('validation', `invalid user: ${problem}`);
  return {
    org_id: parsed.data.organisationId,
    email,
    display_name: parsed.data.displayName,
    role: parsed.data.role,
    password_hash: await hasher.hash(parsed.data.password),
  };
}

export async function createUser(db: Kysely<Schema>, hasher: PasswordHasher, input: NewUserInput): Promise<User> {
  const values = await validNewUser(hasher, input);
  try {
    const row = await db
      .insertInto('users')
      .values(values)
      .returning([...PUBLIC_COLUMNS, totpEnrolled])
      .executeTakeFirstOrThrow();
    return toUser(row);
  } catch (err) {
    if (isUniqueViolation(err)) throw new AccountError('conflict', `a user with e-mail ${values.email} already exists`);
    throw err;
  }
}

export async function getUser(db: Kysely<Schema>, organisationId: number, id: number): Promise<User | null> {
  const row = await db
    .selectFrom('users')
    .select([...PUBLIC_COLUMNS, totpEnrolled])
    .where('id', '=', id)
    .where('org_id', '=', organisationId)
    .executeTakeFirst();
  return row ? toUser(row) : null;
}

export async function listUsers(db: Kysely<Schema>, organisationId: number): Promise<User[]> {
  const rows = await db
    .selectFrom('users')
    .select([...PUBLIC_COLUMNS, totpEnrolled])
    .where('org_id', '=', organisationId)
    .orderBy('id')
    .execute();
  return rows.map(toUser);
}

/** Whether any enabled admin exists anywhere: if not, the server offers a setup token. */
export async function hasActiveAdmin(db: Kysely<Schema>): Promise<boolean> {
  const row = await db
    .selectFrom('users')
    .select('id')
    .where('role', '=', 'admin')
    .where('disabled_at', 'is', null)
    .limit(1)
    .executeTakeFirst();
  return row !== undefined;
}

export interface UserPatch {
  role?: UserRole;
  displayName?: string;
  disabled?: boolean;
  /** Forget the TOTP secret (lost phone); the user enrols again at next login. */
  resetTotp?: boolean;
}

/**
 * Changes a user of `organisationId`; returns the user before and after. Refuses
 * (conflict) to demote or disable the organisation's last enabled admin, which
 * would leave nobody able to manage it.
 */
export async function updateUser(
  db: Kysely<Schema>,
  organisationId: number,
  id: number,
  patch: UserPatch,
  now: Date,
): Promise<{ before: User; after: User }> {
  return db.transaction().execute(async (trx) => {
    // Lock the organisation's admins: two concurrent demotions cannot both pass the check.
    const admins = await trx
      .selectFrom('users')
      .select('id')
      .where('org_id', '=', organisationId)
      .where('role', '=', 'admin')
      .where('disabled_at', 'is', null)
      .forUpdate()
      .execute();
    const before = await getUser(trx, organisationId, id);
    if (!before) throw new AccountError('not-found', `user ${id} not found`);
    const losesAdmin =
      before.role === 'admin' && before.disabledAt === null && (patch.disabled || (patch.role ?? 'admin') !== 'admin');
    if (losesAdmin && admins.every((a) => a.id === id)) {
      throw new AccountError('conflict', 'this is the last enabled admin of the organisation; appoint another first');
    }
    const row = await trx
      .updateTable('users')
      .set({
        updated_at: now,
        ...(patch.role ? { role: patch.role } : {}),
        ...(patch.displayName !== undefined ? { display_name: patch.displayName } : {}),
        ...(patch.disabled === true && before.disabledAt === null ? { disabled_at: now } : {}),
        ...(patch.disabled === false ? { disabled_at: null, failed_logins: 0, locked_until: null } : {}),
        ...(patch.resetTotp ? { totp_secret: null, totp_pending_secret: null, totp_last_step: null } : {}),
      })
      .where('id', '=', id)
      .where('org_id', '=', organisationId)
      .returning([...PUBLIC_COLUMNS, totpEnrolled])
      .executeTakeFirstOrThrow();
    return { before, after: toUser(row) };
  });
}

/** What the login flow needs; never leaves src/accounts. */
export interface LoginRecord {
  id: number;
  organisationId: number;
  role: UserRole;
  passwordHash: string;
  totpSecret: string | null;
  failedLogins: number;
  lockedUntil: Date | null;
  disabled: boolean;
}

export async function findLoginRecord(db: Kysely<Schema>, email: string): Promise<LoginRecord | null> {
  const row = await db
    .selectFrom('users')
    .select(['id', 'org_id', 'role', 'password_hash', 'totp_secret', 'failed_logins', 'locked_until', 'disabled_at'])
    .where('email', '=', email)
    .executeTakeFirst();
  if (!row) return null;
  return {
    id: row.id,
    organisationId: row.org_id,
    role: row.role,
    passwordHash: row.password_hash,
    totpSecret: row.totp_secret,
    failedLogins: row.failed_logins,
    lockedUntil: row.locked_until,
    disabled: row.disabled_at !== null,
  };
}

/**
 * Counts a failed login in one statement (concurrent failures all count). The
 * failure that reaches the limit locks the account and starts the count again.
 * Returns the lock's end when this failure locked it.
 */
export async function recordFailedLogin(
  db: Kysely<Schema>,
  id: number,
  policy: Pick<AccountPolicy, 'maxFailedLogins' | 'lockoutMs'>,
  now: Date,
): Promise<Date | null> {
  const until = new Date(now.getTime() + policy.lockoutMs);
  const reaches = sql<boolean>`failed_logins + 1 >= ${policy.maxFailedLogins}`;
  const row = await db
    .updateTable('users')
    .set({
      failed_logins: sql<number>`case when ${reaches} then 0 else failed_logins + 1 end`,
      locked_until: sql<Date | null>`case when ${reaches} then ${until}::timestamptz else locked_until end`,
    })
    .where('id', '=', id)
    .returning('locked_until')
    .executeTakeFirst();
  return row?.locked_until && row.locked_until.getTime() === until.getTime() ? row.locked_until : null;
}

export async function recordSuccessfulLogin(db: Kysely<Schema>, id: number): Promise<void> {
  await db.updateTable('users').set({ failed_logins: 0, locked_until: null }).where('id', '=', id).execute();
}

export async function setPasswordHash(db: Kysely<Schema>, id: number, passwordHash: string, now: Date): Promise<void> {
  await db.updateTable('users').set({ password_hash: passwordHash, updated_at: now }).where('id', '=', id).execute();
}

export async function getPasswordHash(db: Kysely<Schema>, id: number): Promise<string | null> {
  const row = await db.selectFrom('users').select('password_hash').where('id', '=', id).executeTakeFirst();
  return row?.password_hash ?? null;
}

function toUser(row: PublicRow): User {
  return {
    id: row.id,
    organisationId: row.org_id,
    email: row.email,
    displayName: row.display_name,
    role: row.role,
    totpEnrolled: row.totp_enrolled,
    disabledAt: row.disabled_at,
    lockedUntil: row.locked_until,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

/**
 * First start: the first admin is created with a one-time setup token that the
 * server prints on its console. There is never a default password.
 *
 * While no enabled admin exists, every server start issues a fresh token (valid
 * 24 h; earlier unused tokens stop working) and prints it. The token is stored
 * only as its SHA-256. POST /api/v1/setup spends it: in one transaction, under
 * an advisory lock so two setups cannot race, it checks that there is still no
 * admin, consumes the token, creates the organisation and the admin, and voids
 * every other token. Reading the console is the proof of owning the host.
 */
import { createHash, randomBytes } from 'node:crypto';
import { type Kysely, sql } from 'kysely';
import { z } from 'zod';
import { isUniqueViolation } from '../banks/errors.js';
import type { Schema } from '../db/schema.js';
import { AccountError, invalid } from './errors.js';
import type { PasswordHasher } from './passwords.js';
import type { AccountPolicy } from './policy.js';
import { hasActiveAdmin, type User, validNewUser } from './users.js';

export const SETUP_TOKEN_PREFIX = 'pst_';
const TOKEN_FORMAT = /^pst_[A-Za-z0-9_-]{43}$/;
/** Advisory lock key for setup: "PRSU". */
const SETUP_LOCK = 0x50525355;

/** Issues and stores a new token when no enabled admin exists; null when setup is done. */
export async function issueSetupToken(
  db: Kysely<Schema>,
  policy: Pick<AccountPolicy, 'setupTokenTtlMs'>,
  now: Date,
): Promise<{ token: string; expiresAt: Date } | null> {
  if (await hasActiveAdmin(db)) return null;
  const secret = randomBytes(32);
  const token = SETUP_TOKEN_PREFIX + secret.toString('base64url');
  const expiresAt = new Date(now.getTime() + policy.setupTokenTtlMs);
  await db.transaction().execute(async (trx) => {
    await trx.updateTable('setup_tokens').set({ consumed_at: now }).where('consumed_at', 'is', null).execute();
    await trx
      .insertInto('setup_tokens')
      .values({ token_hash: sha256(secret), created_at: now, expires_at: expiresAt })
      .execute();
  });
  return { token, expiresAt };
}

/** What the console shows at first start. */
export function firstStartMessage(baseUrl: string, token: string, validMs: number): string {
  const hours = Math.round(validMs / 3_600_000);
  const body = JSON.stringify({
    token,
    organisation: 'Your organisation',
    email: 'you@example.org',
    display_name: 'Your Name',
    // Too short on purpose: pasted unchanged, setup refuses it rather than adopting a known password.
    password: 'CHANGE-ME',
  });
  return [
    `First start: create the first admin with POST /api/v1/setup {token,...} — setup token: ${token} (valid ${hours} h, usable once)`,
    `  curl -X POST ${baseUrl}/api/v1/setup -H 'content-type: application/json' \\`,
    `       -d '${body}'      (choose your own password: 12 characters or more)`,
    `  Then log in with POST ${baseUrl}/api/v1/auth/login {email,password} and enrol two-factor`,
    '  (POST /api/v1/auth/totp/enrol, then /api/v1/auth/totp/confirm {code}). There is no default password.',
  ].join('\n');
}

export const setupInput = z.strictObject({
  token: z.string().max(100),
  organisation: z.string().trim().min(1).max(200),
  email: z.string().max(320),
  displayName: z.string().trim().min(1).max(200),
  password: z.string(),
});
export type SetupInput = z.input<typeof setupInput>;

/** Creates the first admin (and its organisation, or reuses one of that name). */
export async function completeSetup(
  db: Kysely<Schema>,
  hasher: PasswordHasher,
  input: SetupInput,
  now: Date,
): Promise<{ user: User; organisationId: number }> {
  const parsed = setupInput.safeParse(input);
  if (!parsed.success) throw invalid('setup', parsed.error);
  const { token, organisation, email, displayName, password } = parsed.data;
  if (!TOKEN_FORMAT.test(token)) throw badToken();
  // Hash before the transaction: argon2 takes a while and the transaction holds a lock.
  const draft = await validNewUser(hasher, { organisationId: 1, email, displayName, role: 'admin', password });
  return db.transaction().execute(async (trx) => {
    await sql`select pg_advisory_xact_lock(${SETUP_LOCK}::int, 0)`.execute(trx);
    if (await hasActiveAdmin(trx)) throw new AccountError('conflict', 'setup is already complete: an admin exists');
    const spent = await trx
      .updateTable('setup_tokens')
      .set({ consumed_at: now })
      .where('token_hash', '=', sha256(Buffer.from(token.slice(SETUP_TOKEN_PREFIX.length), 'base64url')))
      .where('consumed_at', 'is', null)
      .where('expires_at', '>', now)
      .executeTakeFirst();
    if (spent.numUpdatedRows === 0n) throw badToken();
    await trx.updateTable('setup_tokens').set({ consumed_at: now }).where('consumed_at', 'is', null).execute();
    const org = await trx
      .insertInto('organisations')
      .values({ name: organisation })
      .onConflict((oc) => oc.column('name').doUpdateSet({ name: organisation }))
      .returning('id')
      .executeTakeFirstOrThrow();
    const row = await trx
      .insertInto('users')
      .values({ ...draft, org_id: org.id, created_at: now, updated_at: now })
      .returning('id')
      .executeTakeFirstOrThrow()
      .catch((err: unknown) => {
        throw isUniqueViolation(err)
          ? new AccountError('conflict', `a user with e-mail ${draft.email} already exists`)
          : err;
      });
    const user: User = {
      id: row.id,
      organisationId: org.id,
      email: draft.email,
      displayName: draft.display_name,
      role: 'admin',
      totpEnrolled: false,
      disabledAt: null,
      lockedUntil: null,
      createdAt: now,
      updatedAt: now,
    };
    return { user, organisationId: org.id };
  });
}

function badToken(): AccountError {
  return new AccountError('unauthorized', 'invalid, expired or already used setup token');
}

function sha256(data: Uint8Array): Buffer {
  return createHash('sha256').update(data).digest();
}

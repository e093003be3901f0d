/**
 * API keys for HMA-compatible clients and integrations.
 *
 * A key is "psk_" + base64url(32 random bytes), shown once at creation. The database
 * keeps only SHA-256 of the 32 bytes. A slow password hash (argon2) would add nothing:
 * it protects low-entropy secrets against guessing, and a 256-bit random key cannot be
 * guessed; it would only cost CPU on every API request. Lookup goes by the key's
 * public prefix, then the hashes are compared in constant time.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { type Kysely, sql } from 'kysely';
import { z } from 'zod';
import { API_KEY_SCOPES, type ApiKeyRow, type ApiKeyScope, type Schema } from '../db/schema.js';
import { isUniqueViolation, validationError } from './errors.js';

export const API_KEY_PREFIX = 'psk_';
const KEY_FORMAT = /^psk_[A-Za-z0-9_-]{43}$/;
/** "psk_" + the first 8 characters of the secret: 48 random bits, unique in practice, safe to show. */
const DISPLAY_PREFIX_LENGTH = API_KEY_PREFIX.length + 8;
/** Writing last_used_at on every request would turn reads into writes; once a minute is enough. */
const LAST_USED_RESOLUTION = '60 seconds';

export interface ApiKey {
  id: number;
  orgId: number | null;
  name: string;
  /** Shown to humans to tell keys apart, e.g. "psk_Xa81_kq0". Not a secret. */
  prefix: string;
  scope: ApiKeyScope;
  createdAt: Date;
  lastUsedAt: Date | null;
  revokedAt: Date | null;
}

export const newApiKeyInput = z.strictObject({
  name: z.string().trim().min(1).max(200),
  orgId: z.number().int().positive().nullable().optional(),
  scope: z.enum(API_KEY_SCOPES),
});
export type NewApiKeyInput = z.input<typeof newApiKeyInput>;

const PUBLIC_COLUMNS = [
  'id',
  'org_id',
  'name',
  'prefix',
  'scope',
  'created_at',
  'last_used_at',
  'revoked_at',
] as const satisfies readonly (keyof ApiKeyRow)[];

/** Creates a key. `key` is the only copy of the secret: show it once, never log it. */
export async function createApiKey(
  db: Kysely<Schema>,
  input: NewApiKeyInput,
): Promise<{ key: string; record: ApiKey }> {
  const parsed = newApiKeyInput.safeParse(input);
  if (!parsed.success) throw validationError('API key', parsed.error);
  // A prefix collision (48 bits) is astronomically unlikely; retry rather than fail anyway.
  for (let attempt = 0; ; attempt++) {
    const secret = randomBytes(32);
    const key = API_KEY_PREFIX + secret.toString('base64url');
    try {
      const row = await db
        .insertInto('api_keys')
        .values({
          org_id: parsed.data.orgId ?? null,
          name: parsed.data.name,
          prefix: key.slice(0, DISPLAY_PREFIX_LENGTH),
          key_hash: sha256(secret),
          scope: parsed.data.scope,
        })
        .returning(PUBLIC_COLUMNS)
        .executeTakeFirstOrThrow();
      return { key, record: toApiKey(row) };
    } catch (err) {
      if (!isUniqueViolation(err) || attempt >= 2) throw err;
    }
  }
}

/** The key's record if the key is valid and not revoked, else null. Notes the use. */
export async function verifyApiKey(db: Kysely<Schema>, key: string): Promise<ApiKey | null> {
  if (!KEY_FORMAT.test(key)) return null;
  const secret = Buffer.from(key.slice(API_KEY_PREFIX.length), 'base64url');
  // Base64url's last character carries spare bits; accept only the canonical spelling.
  if (secret.length !== 32 || secret.toString('base64url') !== key.slice(API_KEY_PREFIX.length)) return null;
  const row = await db
    .selectFrom('api_keys')
    .select([...PUBLIC_COLUMNS, 'key_hash'])
    .where('prefix', '=', key.slice(0, DISPLAY_PREFIX_LENGTH))
    .executeTakeFirst();
  // Hash even when no row matched, so timing does not reveal which prefixes exist.
  const presented = sha256(secret);
  const expected = row?.key_hash ?? Buffer.alloc(32);
  if (!row || !timingSafeEqual(presented, expected) || row.revoked_at !== null) return null;
  const touched = await db
    .updateTable('api_keys')
    .set({ last_used_at: sql<Date>`now()` })
    .where('id', '=', row.id)
    .where((eb) =>
      eb.or([
        eb('last_used_at', 'is', null),
        eb('last_used_at', '<', sql<Date>`now() - ${sql.lit(LAST_USED_RESOLUTION)}::interval`),
      ]),
    )
    .returning('last_used_at')
    .executeTakeFirst();
  return toApiKey({ ...row, last_used_at: touched?.last_used_at ?? row.last_used_at });
}

/** Revokes a key; false if it does not exist or was already revoked. */
export async function revokeApiKey(db: Kysely<Schema>, id: number): Promise<boolean> {
  const result = await db
    .updateTable('api_keys')
    .set({ revoked_at: sql<Date>`now()` })
    .where('id', '=', id)
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
  return result.numUpdatedRows > 0n;
}

/** Keys without their hashes, newest first; `orgId` narrows to one organisation. */
export async function listApiKeys(
  db: Kysely<Schema>,
  options: { orgId?: number | null; includeRevoked?: boolean } = {},
): Promise<ApiKey[]> {
  let query = db.selectFrom('api_keys').select(PUBLIC_COLUMNS).orderBy('id', 'desc');
  if (options.orgId !== undefined) {
    query = options.orgId === null ? query.where('org_id', 'is', null) : query.where('org_id', '=', options.orgId);
  }
  if (!options.includeRevoked) query = query.where('revoked_at', 'is', null);
  return (await query.execute()).map(toApiKey);
}

function sha256(data: Uint8Array): Buffer {
  return createHash('sha256').update(data).digest();
}

function toApiKey(row: Pick<ApiKeyRow, (typeof PUBLIC_COLUMNS)[number]>): ApiKey {
  return {
    id: row.id,
    orgId: row.org_id,
    name: row.name,
    prefix: row.prefix,
    scope: row.scope,
    createdAt: row.created_at,
    lastUsedAt: row.last_used_at,
    revokedAt: row.revoked_at,
  };
}

/**
 * Hash banks: named collections of content (HMA's "banks"). Turning a bank off or
 * deleting it makes all its signals unmatchable, so those writes go through the
 * change feed like any content change.
 */
import { type Kysely, sql } from 'kysely';
import { z } from 'zod';
import {
  BANK_CATEGORIES,
  BANK_KINDS,
  type BankCategory,
  type BankKind,
  type BankRow,
  type Schema,
} from '../db/schema.js';
import { withFeed } from './changes.js';
import { BankError, isUniqueViolation, notFound, validationError } from './errors.js';

/** HMA bank names are upper-snake like NCII_VICTIM_HASHES; dots and dashes are allowed after the first character. */
export const BANK_NAME = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,99}$/;

export interface Bank {
  id: number;
  name: string;
  category: BankCategory;
  orgId: number | null;
  kind: BankKind;
  /** Largest PDQ Hamming distance that counts as a match (0..31). */
  pdqThreshold: number;
  /** Smallest PDQ quality (0..100) the matcher should trust for this bank. */
  minQuality: number;
  enabled: boolean;
  createdAt: Date;
  updatedAt: Date;
}

const bankName = z.string().regex(BANK_NAME, 'bank name must match ^[A-Za-z0-9_][A-Za-z0-9_.-]{0,99}$');
const settings = {
  category: z.enum(BANK_CATEGORIES),
  kind: z.enum(BANK_KINDS),
  pdqThreshold: z.number().int().min(0).max(31),
  minQuality: z.number().int().min(0).max(100),
  enabled: z.boolean(),
};

export const newBankInput = z.strictObject({
  name: bankName,
  category: settings.category,
  orgId: z.number().int().positive().nullable().optional(),
  kind: settings.kind.optional(),
  pdqThreshold: settings.pdqThreshold.optional(),
  minQuality: settings.minQuality.optional(),
  enabled: settings.enabled.optional(),
});
export type NewBankInput = z.input<typeof newBankInput>;

export const bankPatchInput = z.strictObject({
  category: settings.category.optional(),
  kind: settings.kind.optional(),
  pdqThreshold: settings.pdqThreshold.optional(),
  minQuality: settings.minQuality.optional(),
  enabled: settings.enabled.optional(),
});
export type BankPatchInput = z.input<typeof bankPatchInput>;

export function toBank(row: BankRow): Bank {
  return {
    id: row.id,
    name: row.name,
    category: row.category,
    orgId: row.org_id,
    kind: row.kind,
    pdqThreshold: row.pdq_threshold,
    minQuality: row.min_quality,
    enabled: row.enabled,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

export async function createBank(db: Kysely<Schema>, input: NewBankInput): Promise<Bank> {
  const parsed = newBankInput.safeParse(input);
  if (!parsed.success) throw validationError('bank', parsed.error);
  const b = parsed.data;
  try {
    const row = await db
      .insertInto('banks')
      .values({
        name: b.name,
        category: b.category,
        org_id: b.orgId ?? null,
        kind: b.kind,
        pdq_threshold: b.pdqThreshold,
        min_quality: b.minQuality,
        enabled: b.enabled,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    return toBank(row);
  } catch (err) {
    if (isUniqueViolation(err)) throw new BankError('conflict', `bank ${b.name} already exists`, { cause: err });
    throw err;
  }
}

export async function listBanks(db: Kysely<Schema>): Promise<Bank[]> {
  const rows = await db.selectFrom('banks').selectAll().orderBy('name').execute();
  return rows.map(toBank);
}

export async function getBank(db: Kysely<Schema>, name: string): Promise<Bank | null> {
  const row = await db.selectFrom('banks').selectAll().where('name', '=', name).executeTakeFirst();
  return row ? toBank(row) : null;
}

export async function getBankById(db: Kysely<Schema>, id: number): Promise<Bank | null> {
  const row = await db.selectFrom('banks').selectAll().where('id', '=', id).executeTakeFirst();
  return row ? toBank(row) : null;
}

/**
 * Changes a bank's settings. Flipping `enabled` writes 'remove' or 'add' rows for the
 * bank's matchable signals. Threshold and quality changes are not in the signal feed:
 * matchers read bank settings from the banks table (compare `updatedAt`).
 */
export async function updateBank(db: Kysely<Schema>, name: string, patch: BankPatchInput): Promise<Bank> {
  const parsed = bankPatchInput.safeParse(patch);
  if (!parsed.success) throw validationError('bank settings', parsed.error);
  const p = parsed.data;
  return withFeed(db, async (trx, feed) => {
    const before = await trx.selectFrom('banks').selectAll().where('name', '=', name).forUpdate().executeTakeFirst();
    if (!before) throw notFound(`bank ${name}`);
    const row = await trx
      .updateTable('banks')
      .set({
        category: p.category,
        kind: p.kind,
        pdq_threshold: p.pdqThreshold,
        min_quality: p.minQuality,
        enabled: p.enabled,
        updated_at: sql<Date>`now()`,
      })
      .where('id', '=', before.id)
      .returningAll()
      .executeTakeFirstOrThrow();
    if (before.enabled !== row.enabled) await feed.matchableInBank(row.id, row.enabled ? 'add' : 'remove');
    return toBank(row);
  });
}

/** Deletes a bank with all its content and signals; false if there was no such bank. */
export async function deleteBank(db: Kysely<Schema>, name: string): Promise<boolean> {
  return withFeed(db, async (trx, feed) => {
    const bank = await trx
      .selectFrom('banks')
      .select(['id', 'enabled'])
      .where('name', '=', name)
      .forUpdate()
      .executeTakeFirst();
    if (!bank) return false;
    if (bank.enabled) await feed.matchableInBank(bank.id, 'remove');
    try {
      await trx.deleteFrom('banks').where('id', '=', bank.id).execute();
    } catch (err) {
      // 23503: rows elsewhere (victims' registrations) still point at this bank's content.
      if ((err as { code?: string }).code === '23503') {
        throw new BankError(
          'conflict',
          `bank ${name} holds content other records depend on (victims' registrations); withdraw it instead`,
          { cause: err },
        );
      }
      throw err;
    }
    return true;
  });
}

/** The bank row for a write, locked against concurrent setting changes; throws if missing. */
export async function requireBankForWrite(db: Kysely<Schema>, name: string): Promise<Bank> {
  const row = await db.selectFrom('banks').selectAll().where('name', '=', name).forShare().executeTakeFirst();
  if (!row) throw notFound(`bank ${name}`);
  return toBank(row);
}

/**
 * Which organisations take victims' registrations from the public.
 *
 * A victim chooses a hotline by its public slug ("helpline-a"), never by an
 * internal organisation id: an organisation takes registrations only after one
 * of its admins opens a hotline, and can close it again. A closed or unknown
 * slug is "not found" to the public.
 */
import type { Kysely } from 'kysely';
import { z } from 'zod';
import { isUniqueViolation } from '../banks/errors.js';
import type { Schema } from '../db/schema.js';
import { CaseError, invalidInput } from './errors.js';

export interface Hotline {
  organisationId: number;
  slug: string;
  publicName: string;
  open: boolean;
  createdAt: Date;
  updatedAt: Date;
}

export const HOTLINE_SLUG = /^[a-z0-9][a-z0-9-]{1,62}$/;

export const hotlineInput = z.strictObject({
  slug: z.string().trim().toLowerCase().regex(HOTLINE_SLUG, 'slug must be 2-63 of a-z 0-9 - (not starting with -)'),
  publicName: z.string().trim().min(1).max(200),
  open: z.boolean().optional(),
});
export type HotlineInput = z.input<typeof hotlineInput>;

/** Opens (or changes) the hotline of an organisation. */
export async function setHotline(
  db: Kysely<Schema>,
  organisationId: number,
  input: HotlineInput,
  now: Date = new Date(),
): Promise<Hotline> {
  const parsed = hotlineInput.safeParse(input);
  if (!parsed.success) throw invalidInput('hotline', parsed.error);
  const h = parsed.data;
  try {
    const row = await db
      .insertInto('victim_hotlines')
      .values({ org_id: organisationId, slug: h.slug, public_name: h.publicName, open: h.open ?? true })
      .onConflict((oc) =>
        oc.column('org_id').doUpdateSet({
          slug: h.slug,
          public_name: h.publicName,
          ...(h.open !== undefined ? { open: h.open } : {}),
          updated_at: now,
        }),
      )
      .returningAll()
      .executeTakeFirstOrThrow();
    return toHotline(row);
  } catch (err) {
    if (isUniqueViolation(err)) throw new CaseError('conflict', `the hotline slug ${h.slug} is taken`, { cause: err });
    throw err;
  }
}

/** The hotline of an organisation, open or closed. */
export async function getHotline(db: Kysely<Schema>, organisationId: number): Promise<Hotline | null> {
  const row = await db
    .selectFrom('victim_hotlines')
    .selectAll()
    .where('org_id', '=', organisationId)
    .executeTakeFirst();
  return row ? toHotline(row) : null;
}

/** The open hotline with this slug, or null. */
export async function findOpenHotline(db: Kysely<Schema>, slug: string): Promise<Hotline | null> {
  const row = await db
    .selectFrom('victim_hotlines')
    .selectAll()
    .where('slug', '=', slug.trim().toLowerCase())
    .where('open', '=', true)
    .executeTakeFirst();
  return row ? toHotline(row) : null;
}

/** Every open hotline, by public name: what a victim chooses from. */
export async function listOpenHotlines(db: Kysely<Schema>): Promise<Hotline[]> {
  const rows = await db
    .selectFrom('victim_hotlines')
    .selectAll()
    .where('open', '=', true)
    .orderBy('public_name')
    .execute();
  return rows.map(toHotline);
}

function toHotline(row: {
  org_id: number;
  slug: string;
  public_name: string;
  open: boolean;
  created_at: Date;
  updated_at: Date;
}): Hotline {
  return {
    organisationId: row.org_id,
    slug: row.slug,
    publicName: row.public_name,
    open: row.open,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

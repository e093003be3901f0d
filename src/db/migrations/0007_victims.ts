/**
 * Victims' registrations (src/cases/victims.ts): a victim registers hashes of their
 * own images and gets a case number, a PIN and a recovery code.
 *
 * Nothing here identifies the victim: no name, e-mail, phone, address, client
 * address or free text. The credentials are stored only as what checks them:
 * argon2id for the PIN (10 digits: guessable offline from a fast hash), SHA-256 for
 * the 128-bit random recovery code (a slow hash adds nothing to a secret that
 * cannot be guessed). The hashes themselves live in bank_content (source 'victim',
 * case_ref = the case number), so withdrawal tombstones them like any content.
 *
 * Also here, because the cases module owns it: case_events rows cannot be changed
 * (the timeline is append-only). Deleting a case still cascades to its events.
 */
import { type Kysely, sql } from 'kysely';

const UP = `
-- Organisations that take registrations from the public, under a public slug.
-- An organisation without a row here (or with open = false) takes none.
create table victim_hotlines (
  org_id bigint primary key references organisations (id) on delete cascade,
  slug text not null unique constraint victim_hotlines_slug_format check (slug ~ '^[a-z0-9][a-z0-9-]{1,62}$'),
  public_name text not null constraint victim_hotlines_public_name_length check (length(public_name) between 1 and 200),
  open boolean not null default true,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);

create table victim_registrations (
  id bigserial primary key,
  -- The case's reference is the victim's case number.
  case_id bigint not null unique references cases (id) on delete restrict,
  -- The bank holding the hashes; a bank with victims' hashes cannot be deleted by accident.
  bank_id bigint not null references banks (id) on delete restrict,
  -- 'child_protection': the person said they are under 18 (csam bank, hotline's child-protection team).
  path text not null constraint victim_registrations_path_check check (path in ('ncii', 'child_protection')),
  -- What the person confirmed, and the wording's version: {owns_images, consent_to_match, over_18, version}.
  consent jsonb not null,
  pin_hash text not null constraint victim_registrations_pin_argon2id check (pin_hash like '$argon2id$%'),
  recovery_hash bytea not null constraint victim_registrations_recovery_length check (octet_length(recovery_hash) = 32),
  failed_pins integer not null default 0,
  locked_until timestamptz,
  credentials_renewed_at timestamptz,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);

create function case_events_append_only() returns trigger language plpgsql as $$
begin
  raise exception 'case_events is append-only: add an event instead of changing one';
end
$$;
create trigger case_events_no_update before update on case_events
  for each row execute function case_events_append_only();
`;

const DOWN = `
drop trigger if exists case_events_no_update on case_events;
drop function if exists case_events_append_only();
drop table if exists victim_registrations;
drop table if exists victim_hotlines;
`;

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql.raw(UP).execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql.raw(DOWN).execute(db);
}

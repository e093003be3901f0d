/**
 * People, their sessions, the one-time setup token for the first admin, and the
 * audit trail (src/accounts).
 *
 * Secrets are stored only as what is needed to check them: argon2id hashes for
 * passwords, SHA-256 for the 256-bit random session and setup tokens (a slow
 * hash adds nothing to a secret that cannot be guessed).
 */
import { type Kysely, sql } from 'kysely';

const UP = `
create table users (
  id bigserial primary key,
  org_id bigint not null references organisations (id) on delete cascade,
  email text not null unique
    constraint users_email_normalised check (email = lower(btrim(email)) and length(email) between 3 and 254),
  display_name text not null constraint users_display_name_length check (length(display_name) between 1 and 200),
  role text not null
    constraint users_role_check check (role in ('admin', 'analyst', 'case_manager', 'police_liaison', 'auditor')),
  password_hash text not null constraint users_password_hash_argon2id check (password_hash like '$argon2id$%'),
  totp_secret text,
  totp_pending_secret text,
  totp_last_step bigint,
  failed_logins integer not null default 0,
  locked_until timestamptz,
  disabled_at timestamptz,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
create index users_org_id_idx on users (org_id, id);

create table sessions (
  id bigserial primary key,
  user_id bigint not null references users (id) on delete cascade,
  token_hash bytea not null unique constraint sessions_token_hash_length check (octet_length(token_hash) = 32),
  created_at timestamptz not null,
  last_seen_at timestamptz not null,
  expires_at timestamptz not null,
  revoked_at timestamptz
);
create index sessions_user_id_idx on sessions (user_id) where revoked_at is null;

create table setup_tokens (
  id bigserial primary key,
  token_hash bytea not null unique constraint setup_tokens_token_hash_length check (octet_length(token_hash) = 32),
  created_at timestamptz not null,
  expires_at timestamptz not null,
  consumed_at timestamptz
);

-- No foreign keys: the trail must outlive the users, keys and organisations it names.
create table audit_events (
  id bigserial primary key,
  at timestamptz not null,
  org_id bigint,
  actor_kind text not null constraint audit_events_actor_kind_check
    check (actor_kind in ('user', 'apiKey', 'system', 'anonymous')),
  actor_id bigint,
  action text not null,
  target text not null,
  purpose text,
  details jsonb not null default '{}'::jsonb
);
create index audit_events_org_at_idx on audit_events (org_id, at);
create index audit_events_target_idx on audit_events (target, at);
`;

const DOWN = `
drop table if exists audit_events;
drop table if exists setup_tokens;
drop table if exists sessions;
drop table if exists users;
`;

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql.raw(UP).execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql.raw(DOWN).execute(db);
}

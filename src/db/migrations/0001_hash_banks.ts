/**
 * Hash banks, their content and signals, the signal change feed, and API keys.
 *
 * Plain SQL on purpose: the checks and indexes are the point of this file and read
 * best as the DDL Postgres will run. One multi-statement string works on both
 * databases because parameterless queries use the simple protocol on both.
 */
import { type Kysely, sql } from 'kysely';

const UP = `
create table organisations (
  id bigserial primary key,
  name text not null unique,
  created_at timestamptz not null default now()
);

create table banks (
  id bigserial primary key,
  name text not null unique
    constraint banks_name_format check (name ~ '^[A-Za-z0-9_][A-Za-z0-9_.-]{0,99}$'),
  category text not null
    constraint banks_category_check check (category in ('ncii', 'csam', 'deepfake', 'doxx', 'other')),
  -- An organisation that still owns banks cannot be deleted by accident.
  org_id bigint references organisations (id) on delete restrict,
  kind text not null default 'block' constraint banks_kind_check check (kind in ('block', 'allow')),
  pdq_threshold integer not null default 31
    constraint banks_pdq_threshold_check check (pdq_threshold between 0 and 31),
  min_quality integer not null default 50
    constraint banks_min_quality_check check (min_quality between 0 and 100),
  enabled boolean not null default true,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);

create table bank_content (
  id bigserial primary key,
  bank_id bigint not null references banks (id) on delete cascade,
  note text,
  metadata jsonb not null default '{}'::jsonb,
  source text not null constraint bank_content_source_check check (source in ('victim', 'analyst', 'import')),
  case_ref text,
  status text not null default 'active'
    constraint bank_content_status_check check (status in ('active', 'disabled', 'withdrawn')),
  disabled_until timestamptz,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
create index bank_content_bank_id_idx on bank_content (bank_id, id);
create index bank_content_case_ref_idx on bank_content (case_ref) where case_ref is not null;
-- The sweep that re-enables content whose temporary disable has run out.
create index bank_content_disabled_until_idx on bank_content (disabled_until) where status = 'disabled';

create table signals (
  id bigserial primary key,
  content_id bigint not null references bank_content (id) on delete cascade,
  bank_id bigint not null references banks (id) on delete cascade,
  type text not null constraint signals_type_check check (type in ('pdq', 'md5', 'sha256', 'vpdq')),
  hash bytea not null
    constraint signals_hash_length check (octet_length(hash) = case type when 'md5' then 16 else 32 end),
  quality integer constraint signals_quality_check check (quality between 0 and 100),
  created_at timestamptz not null default now()
);
create index signals_type_hash_idx on signals (type, hash);
create index signals_content_id_idx on signals (content_id);
create index signals_bank_id_idx on signals (bank_id);

create table vpdq_frames (
  signal_id bigint not null references signals (id) on delete cascade,
  frame_number integer not null constraint vpdq_frames_frame_number_check check (frame_number >= 0),
  quality integer not null constraint vpdq_frames_quality_check check (quality between 0 and 100),
  hash bytea not null constraint vpdq_frames_hash_length check (octet_length(hash) = 32),
  timestamp_s double precision not null,
  primary key (signal_id, frame_number)
);

-- No foreign keys: change rows must outlive the signals they describe (bank delete).
create table signal_changes (
  seq bigserial primary key,
  signal_id bigint not null,
  content_id bigint not null,
  bank_id bigint not null,
  op text not null constraint signal_changes_op_check check (op in ('add', 'remove')),
  at timestamptz not null default now()
);

create table api_keys (
  id bigserial primary key,
  -- Deleting an organisation must not turn its keys into organisation-less (global) keys.
  org_id bigint references organisations (id) on delete cascade,
  name text not null,
  prefix text not null unique,
  key_hash bytea not null constraint api_keys_key_hash_length check (octet_length(key_hash) = 32),
  scope text not null constraint api_keys_scope_check check (scope in ('read', 'write')),
  created_at timestamptz not null default now(),
  last_used_at timestamptz,
  revoked_at timestamptz
);
`;

const DOWN = `
drop table if exists api_keys;
drop table if exists signal_changes;
drop table if exists vpdq_frames;
drop table if exists signals;
drop table if exists bank_content;
drop table if exists banks;
drop table if exists organisations;
`;

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql.raw(UP).execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql.raw(DOWN).execute(db);
}

/**
 * The evidence vault (src/evidence/vault): per-case data keys (stored only wrapped by the
 * master key), capture records, the chain of custody, and the blob table used when blobs
 * live in the database instead of a folder.
 *
 * Nothing here is clear evidence: media and the raw record are sealed blobs; rows hold
 * hashes, ids and times, each capture and custody row authenticated by an HMAC under a
 * key derived from its case's data key. Custody rows are never deleted with a capture
 * (no cascade): the chain of custody outlives what it describes.
 */
import { type Kysely, sql } from 'kysely';

const UP = `
create table evidence_data_keys (
  case_id text not null,
  key_version integer not null constraint evidence_data_keys_version_check check (key_version >= 1),
  master_key_id text not null,
  nonce bytea not null,
  wrapped bytea not null,
  created_at timestamptz not null default now(),
  rewrapped_at timestamptz,
  primary key (case_id, key_version)
);

create table evidence_captures (
  id text primary key,
  case_id text not null,
  category text not null
    constraint evidence_captures_category_check check (category in ('ncii', 'csam', 'deepfake', 'doxx', 'other')),
  key_version integer not null,
  media_blob text,
  media_sha256 bytea,
  media_md5 bytea,
  media_bytes bigint,
  record_blob text not null,
  record_sha256 bytea not null,
  perceptual jsonb not null default '{}'::jsonb,
  captured_by_kind text not null constraint evidence_captures_by_check check (captured_by_kind in ('user', 'rule')),
  captured_by_id text not null,
  captured_at timestamptz not null,
  source_kind text not null,
  chat_id text not null,
  message_id text not null,
  source_url text,
  tool_version text not null,
  log_seq bigint not null,
  log_leaf_hash bytea not null,
  mac bytea not null,
  constraint evidence_captures_key_fk foreign key (case_id, key_version)
    references evidence_data_keys (case_id, key_version),
  constraint evidence_captures_media_check check (
    (media_blob is null) = (media_sha256 is null)
    and (media_blob is null) = (media_md5 is null)
    and (media_blob is null) = (media_bytes is null)
  )
);
create index evidence_captures_case_idx on evidence_captures (case_id, captured_at);
create index evidence_captures_media_idx on evidence_captures (media_sha256) where media_sha256 is not null;
create index evidence_captures_source_idx on evidence_captures (source_kind, chat_id, message_id);
create index evidence_captures_media_blob_idx on evidence_captures (media_blob) where media_blob is not null;
create index evidence_captures_record_blob_idx on evidence_captures (record_blob);

create table evidence_custody (
  id bigserial primary key,
  capture_id text not null references evidence_captures (id),
  at timestamptz not null,
  action text not null
    constraint evidence_custody_action_check check (action in ('capture', 'view', 'decrypt', 'export', 'verify')),
  outcome text not null constraint evidence_custody_outcome_check check (outcome in ('ok', 'refused', 'failed')),
  actor_kind text not null constraint evidence_custody_actor_check check (actor_kind in ('user', 'rule', 'system')),
  actor_id text not null,
  purpose text not null,
  details jsonb not null default '{}'::jsonb,
  log_seq bigint not null,
  log_leaf_hash bytea not null,
  -- Null only when the case's data key could not be unwrapped (that failure is itself recorded).
  mac bytea
);
create index evidence_custody_capture_idx on evidence_custody (capture_id, id);

create table evidence_blobs (
  name text primary key constraint evidence_blobs_name_check check (name ~ '^[0-9a-f]{64}$'),
  data bytea not null,
  touched_at timestamptz not null default now()
);
-- Ciphertext does not compress: skip TOAST's compression attempt on every write.
alter table evidence_blobs alter column data set storage external;
`;

const DOWN = `
drop table if exists evidence_blobs;
drop table if exists evidence_custody;
drop table if exists evidence_captures;
drop table if exists evidence_data_keys;
`;

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql.raw(UP).execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql.raw(DOWN).execute(db);
}

/**
 * The scan pipeline's durable state: messages, their media items (the work queue),
 * media hashes shared by SHA-256, and findings.
 *
 * The media_items table is the job queue. A row is one unit of work keyed by
 * (source, chat, message, media); its state moves pending -> claimed -> done |
 * failed | missing. Workers claim rows with FOR UPDATE SKIP LOCKED and a lease,
 * so several processes share one PostgreSQL, and a claim abandoned by a killed
 * process is taken again once its lease runs out.
 */
import { type Kysely, sql } from 'kysely';

const UP = `
create table scans (
  id bigserial primary key,
  source text not null,
  location text not null,
  options jsonb not null default '{}'::jsonb,
  status text not null default 'running' constraint scans_status_check check (status in ('running', 'done', 'failed')),
  counters jsonb not null default '{}'::jsonb,
  started_at timestamptz not null default now(),
  finished_at timestamptz,
  -- Scanning the same export again resumes its scan: one report covers it all.
  constraint scans_key unique (source, location)
);

create table messages (
  id bigserial primary key,
  source text not null,
  chat_id text not null,
  message_id text not null,
  -- '' for the message as first seen; an edit's time (ISO) for each later version, so
  -- an edit (a caption that adds a phone number) is kept beside the original, not lost.
  edit_version text not null default '',
  scan_id bigint references scans (id) on delete set null,
  chat_name text,
  chat_type text not null,
  author_id text,
  author_name text,
  sent_at timestamptz not null,
  text text not null,
  raw jsonb not null,
  -- Personal data and intent found in the text (src/signals): computed once at ingest.
  signals jsonb not null default '{}'::jsonb,
  media_count integer not null default 0,
  -- Set when every media item is settled and the finding (if any) is written.
  analysed_at timestamptz,
  created_at timestamptz not null default now(),
  constraint messages_key unique (source, chat_id, message_id, edit_version)
);
create index messages_unanalysed_idx on messages (id) where analysed_at is null;
create index messages_scan_idx on messages (scan_id, id);

create table media_items (
  id bigserial primary key,
  message_row bigint not null references messages (id) on delete cascade,
  source text not null,
  chat_id text not null,
  message_id text not null,
  media_id text not null,
  type text not null,
  mime text,
  size bigint,
  path text,
  file_name text,
  state text not null default 'pending'
    constraint media_items_state_check check (state in ('pending', 'claimed', 'done', 'failed', 'missing')),
  claimed_at timestamptz,
  attempts integer not null default 0,
  sha256 bytea,
  matches jsonb,
  error text,
  constraint media_items_key unique (message_row, media_id)
);
create index media_items_pending_idx on media_items (id) where state in ('pending', 'claimed');
create index media_items_sha256_idx on media_items (sha256) where sha256 is not null;

-- Hashes by content: a file seen before (same SHA-256) is never hashed again.
create table media_hashes (
  sha256 bytea primary key constraint media_hashes_sha256_length check (octet_length(sha256) = 32),
  md5 bytea not null,
  kind text not null constraint media_hashes_kind_check check (kind in ('image', 'video', 'other')),
  bytes bigint not null,
  pdq bytea,
  pdq_quality integer,
  width integer,
  height integer,
  -- vPDQ frames as [frame_number, quality, hex, timestamp_s]; null for images.
  vpdq jsonb,
  hashed_at timestamptz not null default now()
);

create table findings (
  id bigserial primary key,
  message_row bigint not null unique references messages (id) on delete cascade,
  scan_id bigint references scans (id) on delete set null,
  severity text not null constraint findings_severity_check
    check (severity in ('doxxing', 'match', 'personal_data', 'intent')),
  rank integer not null,
  matches jsonb not null default '[]'::jsonb,
  personal_data jsonb not null default '{}'::jsonb,
  intent jsonb not null default '[]'::jsonb,
  created_at timestamptz not null default now()
);
create index findings_scan_idx on findings (scan_id, rank, id);
`;

const DOWN = `
drop table if exists findings;
drop table if exists media_hashes;
drop table if exists media_items;
drop table if exists messages;
drop table if exists scans;
`;

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql.raw(UP).execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql.raw(DOWN).execute(db);
}

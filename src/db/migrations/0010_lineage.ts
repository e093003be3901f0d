/**
 * Channel lineage: per-channel profiles (media MinHash, forward sources, admins,
 * folded title), their LSH band keys for candidate search, and the links found
 * between an old channel and its probable successors.
 *
 * Profiles and band keys are derived data: refreshChannelProfile recomputes them
 * from messages and media at any time. Links are findings with an analyst status.
 */
import { type Kysely, sql } from 'kysely';

const UP = `
create table channel_profiles (
  source text not null,
  chat_id text not null,
  title text,
  title_key text not null default '',
  chat_type text,
  minhash bytea,
  minhash_version smallint not null,
  media_count integer not null default 0,
  forwarded_from text[] not null default '{}',
  admins text[] not null default '{}',
  entries jsonb not null default '{}'::jsonb,
  message_count integer not null default 0,
  first_seen timestamptz,
  last_seen timestamptz,
  last_message_row bigint not null default 0,
  hashed_media integer not null default 0,
  updated_at timestamptz not null default now(),
  primary key (source, chat_id)
);
create index channel_profiles_forwarded_idx on channel_profiles using gin (forwarded_from);
create index channel_profiles_admins_idx on channel_profiles using gin (admins);
create index channel_profiles_title_idx on channel_profiles (title_key) where title_key <> '';

create table channel_lsh (
  band_key bigint not null,
  source text not null,
  chat_id text not null,
  primary key (band_key, source, chat_id),
  foreign key (source, chat_id) references channel_profiles (source, chat_id) on delete cascade
);
create index channel_lsh_chat_idx on channel_lsh (source, chat_id);

create table channel_links (
  id bigserial primary key,
  from_source text not null,
  from_chat text not null,
  to_source text not null,
  to_chat text not null,
  score double precision not null constraint channel_links_score_check check (score >= 0 and score <= 1),
  evidence jsonb not null default '{}'::jsonb,
  status text not null default 'probable'
    constraint channel_links_status_check check (status in ('probable', 'confirmed', 'rejected')),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  constraint channel_links_key unique (from_source, from_chat, to_source, to_chat),
  constraint channel_links_distinct check (from_source <> to_source or from_chat <> to_chat)
);
create index channel_links_from_idx on channel_links (from_chat);
create index channel_links_to_idx on channel_links (to_chat);

-- The link graph finds media by the bank content or case they matched (matches @> '[{"contentId": 7}]').
create index media_items_matches_idx on media_items using gin (matches jsonb_path_ops) where matches is not null;
`;

const DOWN = `
drop index if exists media_items_matches_idx;
drop table if exists channel_links;
drop table if exists channel_lsh;
drop table if exists channel_profiles;
`;

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql.raw(UP).execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql.raw(DOWN).execute(db);
}

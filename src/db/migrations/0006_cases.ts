/**
 * Cases: what groups a victim's registrations, tips, channels, findings, evidence
 * and takedowns. The timeline is append-only (case_events): notes are never edited,
 * links are never removed, only followed by events that supersede them.
 */
import { type Kysely, sql } from 'kysely';

const UP = `
create table cases (
  id bigserial primary key,
  org_id bigint not null references organisations (id) on delete restrict,
  -- Shown to people (victims included): "PS-2026-000123". Never reveals the org or the victim.
  reference text not null unique,
  title text not null default '' constraint cases_title_length check (length(title) <= 300),
  category text not null default 'ncii'
    constraint cases_category_check check (category in ('ncii', 'csam', 'deepfake', 'doxx', 'other')),
  status text not null default 'open'
    constraint cases_status_check check (status in ('open', 'in_progress', 'waiting', 'closed')),
  priority integer not null default 3 constraint cases_priority_check check (priority between 1 and 5),
  assignee_id bigint references users (id) on delete set null,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
create index cases_org_idx on cases (org_id, status, id);

-- The timeline: notes, status changes, links to other records. Append-only.
create table case_events (
  id bigserial primary key,
  case_id bigint not null references cases (id) on delete cascade,
  kind text not null constraint case_events_kind_check check (kind in (
    'note', 'status', 'assign', 'link', 'alert', 'victim', 'tip', 'takedown', 'evidence', 'finding', 'lineage')),
  -- For links: what is linked ('registration', 'tip', 'channel', 'finding', 'evidence', 'takedown', 'message').
  target_kind text,
  target_id text,
  body text not null default '',
  details jsonb not null default '{}'::jsonb,
  actor_kind text not null constraint case_events_actor_check check (actor_kind in ('user', 'apiKey', 'victim', 'system')),
  actor_id text,
  created_at timestamptz not null default now()
);
create index case_events_case_idx on case_events (case_id, id);
create index case_events_target_idx on case_events (target_kind, target_id) where target_kind is not null;
`;

const DOWN = `
drop table if exists case_events;
drop table if exists cases;
`;

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql.raw(UP).execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql.raw(DOWN).execute(db);
}

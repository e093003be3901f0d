/**
 * Takedowns: removal notices to platforms and hosts, and their history.
 *
 * `takedowns` holds the current state of one request (what is to be removed,
 * where, on what legal basis, and how far it got); `takedown_events` is its
 * append-only history: every transition, send, failed delivery and evidence
 * override, with who and when. A trigger refuses UPDATE and DELETE of events,
 * as a guard against mistakes (the audit trail and evidence log are the real
 * tamper evidence). Other modules read `takedowns.case_id` and `status` to tell
 * a victim how their case stands: keep those names.
 */
import { type Kysely, sql } from 'kysely';

const UP = `
create table takedowns (
  id bigserial primary key,
  org_id bigint not null references organisations (id) on delete restrict,
  case_id bigint references cases (id) on delete set null,
  platform text not null
    constraint takedowns_platform_check check (platform in ('telegram', 'whatsapp', 'meta', 'generic')),
  -- Who hosts it, for statistics per host: "t.me", "example-host.net". Lowercase.
  host text not null constraint takedowns_host_length check (length(host) between 1 and 253),
  -- Where e-mailed notices go; null: the platform's configured address.
  recipient text constraint takedowns_recipient_length check (length(recipient) <= 320),
  target_url text constraint takedowns_target_url_length check (length(target_url) <= 2048),
  target_description text not null default ''
    constraint takedowns_target_description_length check (length(target_description) <= 2000),
  -- What is to be removed: [{url?, chat?, message_id?, description?}], at least one.
  items jsonb not null constraint takedowns_items_check check (jsonb_typeof(items) = 'array' and jsonb_array_length(items) > 0),
  language text not null constraint takedowns_language_check check (language in ('en', 'id', 'ms', 'ko', 'zh', 'sq')),
  legal_basis text not null constraint takedowns_legal_basis_length check (length(legal_basis) between 1 and 2000),
  evidence_ref text constraint takedowns_evidence_ref_length check (length(evidence_ref) <= 500),
  status text not null default 'pending' constraint takedowns_status_check check (
    status in ('pending', 'sent', 'acknowledged', 'removed', 'refused', 'reappeared')),
  -- How the last notice went out: by e-mail, or recorded as sent by hand.
  channel text constraint takedowns_channel_check check (channel in ('email', 'in-app', 'web-form', 'post', 'other')),
  sent_count integer not null default 0 constraint takedowns_sent_count_check check (sent_count >= 0),
  first_sent_at timestamptz,
  last_sent_at timestamptz,
  -- First send since the takedown was opened or the content reappeared: time-to-removal starts here.
  cycle_sent_at timestamptz,
  next_notice_at timestamptz,
  -- Null: the global re-notice interval (24 hours unless configured).
  renotice_interval_hours integer
    constraint takedowns_renotice_interval_check check (renotice_interval_hours between 1 and 8760),
  -- Message-ID of the first e-mail, so reminders thread under it.
  first_message_id text,
  acknowledged_at timestamptz,
  removed_at timestamptz,
  refused_at timestamptz,
  reappeared_at timestamptz,
  last_checked_at timestamptz,
  -- Sending without preserved evidence: who allowed it, why and when (also in takedown_events and the audit trail).
  override_reason text constraint takedowns_override_reason_length check (length(override_reason) <= 2000),
  override_by text,
  override_at timestamptz,
  created_by text not null,
  created_at timestamptz not null,
  updated_at timestamptz not null
);
create index takedowns_org_idx on takedowns (org_id, status, id);
create index takedowns_case_idx on takedowns (case_id) where case_id is not null;
create index takedowns_due_idx on takedowns (next_notice_at)
  where status in ('sent', 'acknowledged', 'reappeared') and next_notice_at is not null;

create table takedown_events (
  id bigserial primary key,
  takedown_id bigint not null references takedowns (id) on delete restrict,
  org_id bigint not null,
  kind text not null constraint takedown_events_kind_check check (kind in (
    'created', 'sent', 'resent', 'sent_manually', 'send_failed', 'send_blocked', 'override',
    'acknowledged', 'removed', 'refused', 'reappeared')),
  from_status text,
  to_status text,
  actor_kind text not null constraint takedown_events_actor_check check (actor_kind in ('user', 'apiKey', 'system')),
  actor_id text,
  details jsonb not null default '{}'::jsonb,
  -- The application's clock (tests move it by hand), not the database's.
  at timestamptz not null
);
create index takedown_events_takedown_idx on takedown_events (takedown_id, id);

create function takedown_events_refuse_change() returns trigger language plpgsql as $$
begin
  raise exception 'takedown history is append-only: % on % refused', tg_op, tg_table_name;
end
$$;

create trigger takedown_events_append_only
  before update or delete on takedown_events
  for each row execute function takedown_events_refuse_change();
`;

const DOWN = `
drop table if exists takedown_events;
drop function if exists takedown_events_refuse_change();
drop table if exists takedowns;
`;

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql.raw(UP).execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql.raw(DOWN).execute(db);
}

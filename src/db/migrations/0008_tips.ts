/**
 * Tips from the public (src/cases/tips.ts): each tip joins a cluster, the unit
 * analysts triage. A cluster is found by its keys: the normalised channel or
 * group link, and the SHA-256 of screenshots, each unique per organisation so
 * two identical tips arriving at once cannot open two clusters. Near-duplicate
 * screenshots are joined by PDQ distance (under an advisory lock, see tips.ts).
 *
 * Screenshot bytes are not stored here: only their hashes. Keeping an image is
 * the evidence vault's job.
 */
import { type Kysely, sql } from 'kysely';

const UP = `
create table tip_clusters (
  id bigserial primary key,
  org_id bigint not null references organisations (id) on delete cascade,
  status text not null default 'new'
    constraint tip_clusters_status_check check (status in ('new', 'triaged', 'linked', 'dismissed')),
  case_id bigint references cases (id) on delete set null,
  constraint tip_clusters_linked_case check (status <> 'linked' or case_id is not null),
  -- The first normalised link seen, for display; null for screenshot-only clusters.
  link text,
  tip_count integer not null default 0,
  screenshot_count integer not null default 0,
  -- 0 none, 1 other block bank, 2 ncii/deepfake/doxx, 3 csam (tip-triage.ts).
  bank_tier smallint not null default 0 constraint tip_clusters_bank_tier_check check (bank_tier between 0 and 3),
  bank_matches integer not null default 0,
  minors boolean not null default false,
  personal_data boolean not null default false,
  -- The queue's sort key, derived here so every write gets it for free; tip-triage.ts explains it
  -- (severityOf computes the same in TypeScript, and the tests hold the two together).
  severity integer generated always as (
    bank_tier * 1000
    + case when minors then 100 else 0 end
    + case when personal_data then 10 else 0 end
    + case
        when tip_count >= 512 then 9 when tip_count >= 256 then 8 when tip_count >= 128 then 7
        when tip_count >= 64 then 6 when tip_count >= 32 then 5 when tip_count >= 16 then 4
        when tip_count >= 8 then 3 when tip_count >= 4 then 2 when tip_count >= 2 then 1 else 0
      end
  ) stored,
  first_tip_at timestamptz not null,
  last_tip_at timestamptz not null,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
create index tip_clusters_queue_idx on tip_clusters (org_id, status, severity desc, last_tip_at desc, id desc);

-- What makes a tip join a cluster: 'tg:@name', 'tg:+HASH', 'tg:#123', 'wa:+CODE', 'sha256:<hex>'.
create table tip_cluster_keys (
  org_id bigint not null references organisations (id) on delete cascade,
  key text not null constraint tip_cluster_keys_key_length check (length(key) between 3 and 200),
  cluster_id bigint not null references tip_clusters (id) on delete cascade,
  created_at timestamptz not null default now(),
  primary key (org_id, key)
);
create index tip_cluster_keys_cluster_idx on tip_cluster_keys (cluster_id);

-- org_id in tips and tip_screenshots is the cluster's, copied for scoping; the cluster's
-- foreign key covers deletion, so these copies carry none (one check less per write).
create table tips (
  id bigserial primary key,
  org_id bigint not null,
  cluster_id bigint not null references tip_clusters (id) on delete cascade,
  -- Given to the tipster; says nothing about the cluster or the organisation.
  receipt text not null unique,
  kind text not null constraint tips_kind_check check (kind in ('anonymous', 'named')),
  channel_key text,
  link text,
  message_id bigint,
  description text not null default '' constraint tips_description_length check (length(description) <= 4000),
  -- Named tips only. Stored as given (see tips.ts on encryption).
  contact_name text,
  contact text,
  constraint tips_anonymous_has_no_contact check (kind = 'named' or (contact is null and contact_name is null)),
  -- Counts of personal data, minors indicators and intent found in the description.
  signals jsonb not null default '{}'::jsonb,
  created_at timestamptz not null
);
create index tips_cluster_idx on tips (cluster_id, id);

create table tip_screenshots (
  id bigserial primary key,
  org_id bigint not null,
  tip_id bigint not null references tips (id) on delete cascade,
  cluster_id bigint not null references tip_clusters (id) on delete cascade,
  pdq bytea constraint tip_screenshots_pdq_length check (pdq is null or octet_length(pdq) = 32),
  quality smallint,
  md5 bytea,
  sha256 bytea,
  bytes integer,
  -- [{bank, category, content_id, distance}] at intake time.
  bank_matches jsonb not null default '[]'::jsonb,
  created_at timestamptz not null
);
-- The PDQ catch-up read (tips.ts): an organisation's screenshots after a known id.
create index tip_screenshots_org_idx on tip_screenshots (org_id, id) where pdq is not null;
create index tip_screenshots_cluster_idx on tip_screenshots (cluster_id, tip_id);
`;

const DOWN = `
drop table if exists tip_screenshots;
drop table if exists tips;
drop table if exists tip_cluster_keys;
drop table if exists tip_clusters;
`;

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql.raw(UP).execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql.raw(DOWN).execute(db);
}

/**
 * The evidence log (src/evidence/log): an append-only Merkle log of capture records and
 * custody events, and the signed tree heads over it.
 *
 * `seq` is the leaf's index in the Merkle tree (0-based), handed out under an advisory
 * lock so it is gapless and in commit order; there is deliberately no sequence object
 * (a rolled-back transaction would leave a hole). Triggers refuse UPDATE and DELETE of
 * leaves, and any change to a stored tree head except adding its RFC 3161 token once.
 * They are a guard against mistakes, not against a database superuser: that is what
 * the signed tree heads and consistency proofs are for.
 */
import { type Kysely, sql } from 'kysely';

const UP = `
create table evidence_log_leaves (
  seq bigint primary key constraint evidence_log_leaves_seq_check check (seq >= 0),
  leaf_hash bytea not null constraint evidence_log_leaves_hash_length check (octet_length(leaf_hash) = 32),
  kind text not null,
  payload jsonb not null,
  created_at timestamptz not null default now()
);

create table evidence_tree_heads (
  tree_size bigint primary key constraint evidence_tree_heads_size_check check (tree_size >= 0),
  root_hash bytea not null constraint evidence_tree_heads_root_length check (octet_length(root_hash) = 32),
  -- The head's own timestamp (signed), in milliseconds precision.
  signed_at timestamptz not null,
  log_id bytea not null constraint evidence_tree_heads_log_id_length check (octet_length(log_id) = 32),
  signature bytea not null constraint evidence_tree_heads_signature_length check (octet_length(signature) = 64),
  -- RFC 3161 TimeStampToken (DER) over SHA-256 of the head's signed bytes, once obtained.
  timestamp_token bytea,
  timestamped_at timestamptz
);

create function evidence_log_refuse_change() returns trigger language plpgsql as $$
begin
  raise exception 'the evidence log is append-only: % on % refused', tg_op, tg_table_name;
end
$$;

create trigger evidence_log_leaves_append_only
  before update or delete on evidence_log_leaves
  for each row execute function evidence_log_refuse_change();

create function evidence_tree_heads_guard() returns trigger language plpgsql as $$
begin
  if tg_op = 'UPDATE'
     and old.timestamp_token is null
     and new.timestamp_token is not null
     and (new.tree_size, new.root_hash, new.signed_at, new.log_id, new.signature)
         is not distinct from (old.tree_size, old.root_hash, old.signed_at, old.log_id, old.signature) then
    return new;
  end if;
  raise exception 'signed tree heads are append-only: % on % refused', tg_op, tg_table_name;
end
$$;

create trigger evidence_tree_heads_append_only
  before update or delete on evidence_tree_heads
  for each row execute function evidence_tree_heads_guard();
`;

const DOWN = `
drop table if exists evidence_tree_heads;
drop table if exists evidence_log_leaves;
drop function if exists evidence_tree_heads_guard();
drop function if exists evidence_log_refuse_change();
`;

// biome-ignore lint/suspicious/noExplicitAny: migrations run before any table type exists
export async function up(db: Kysely<any>): Promise<void> {
  await sql.raw(UP).execute(db);
}

// biome-ignore lint/suspicious/noExplicitAny: see up
export async function down(db: Kysely<any>): Promise<void> {
  await sql.raw(DOWN).execute(db);
}

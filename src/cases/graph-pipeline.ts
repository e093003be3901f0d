/**
 * Graph expansions over what scans found: media, channels and accounts (the
 * pipeline tables, shared by every organisation) plus the lineage links between
 * channels. Where these lead back to organisation records (cases, tips,
 * registrations) only the caller's organisation's are followed.
 *
 * A channel holds thousands of media; only those that matched a bank are
 * followed from a channel or an account, so the graph shows what matters.
 */
import { type RawBuilder, sql } from 'kysely';
import type { StoredEntry } from '../db/schema-lineage.js';
import type { Found, GraphContext, GraphNode, GraphNodeKind } from './graph.js';
import {
  accountNode,
  caseNodeOf,
  channelNode,
  edge,
  found,
  mediaNode,
  ownCases,
  registeredCases,
  registrationNode,
  tipNode,
} from './graph-nodes.js';
import {
  accountKey,
  authorIdsOf,
  channelKey,
  channelKeyOfReference,
  chatLocation,
  isChannelItself,
} from './lineage/keys.js';

const TELEGRAM = ['telegram-export-json', 'telegram-export-html', 'telegram-bot', 'telegram-mtproto'];
const SHA256_HEX = /^[0-9a-f]{64}$/;

/** `where` over a (source, chat id) column pair for these channel keys; null when none can be located. */
function chatCondition(keys: readonly string[], sourceColumn: string, chatColumn: string): RawBuilder<unknown> | null {
  const source = sql.ref(sourceColumn);
  const chat = sql.ref(chatColumn);
  const parts: RawBuilder<unknown>[] = [];
  const telegram = new Set<string>();
  for (const key of keys) {
    const loc = chatLocation(key);
    if (!loc) continue;
    if (loc.telegram) for (const id of loc.chatIds) telegram.add(id);
    else parts.push(sql`(${source} = ${loc.source} and ${chat} = ${loc.chatId})`);
  }
  if (telegram.size > 0) {
    parts.push(sql`(${source} in (${sql.join(TELEGRAM)}) and ${chat} in (${sql.join([...telegram])}))`);
  }
  return parts.length > 0 ? sql`(${sql.join(parts, sql` or `)})` : null;
}

/** Every spelling a case link or a lineage alert may use for these channels. */
function channelTargets(keys: readonly string[]): string[] {
  const out = new Set<string>();
  for (const key of keys) {
    out.add(key);
    const loc = chatLocation(key);
    if (loc?.telegram) for (const id of loc.chatIds) out.add(id);
    else if (loc) out.add(loc.chatId);
  }
  return [...out];
}

export async function rootPipelineNode(ctx: GraphContext, kind: GraphNodeKind, key: string): Promise<GraphNode | null> {
  if (kind === 'media') {
    if (!SHA256_HEX.test(key)) return null;
    const row = await ctx.db
      .selectFrom('media_hashes')
      .select('kind')
      .where('sha256', '=', Buffer.from(key, 'hex'))
      .executeTakeFirst();
    return row ? mediaNode(key, row.kind) : null;
  }
  if (kind === 'channel') {
    const where = chatCondition([key], 'm.source', 'm.chat_id');
    if (!where) return null;
    const { rows } = await sql<{ chat_name: string | null }>`
      select chat_name from messages m where ${where} order by sent_at desc limit 1`.execute(ctx.db);
    return rows[0] ? channelNode(key, rows[0].chat_name) : null;
  }
  const ids = authorIdsOf(key);
  if (kind !== 'account' || !ids) return null;
  const { rows } = await sql<{ author_name: string | null }>`
    select author_name from messages m where ${authorCondition(ids)} limit 1`.execute(ctx.db);
  return rows[0] ? accountNode(key, rows[0].author_name) : null;
}

function authorCondition(ids: NonNullable<ReturnType<typeof authorIdsOf>>): RawBuilder<unknown> {
  const sources = ids.telegram ? TELEGRAM : [ids.source!];
  return sql`(m.source in (${sql.join(sources)}) and m.author_id in (${sql.join(ids.ids)}))`;
}

interface PostRow {
  sha256: string;
  kind: string | null;
  source: string;
  chat_id: string;
  chat_name: string | null;
  author_id: string | null;
  author_name: string | null;
}

/** A posted medium with its channel and poster (the medium too: it may be new to the graph). */
function postNeighbours(r: PostRow, media: GraphNode): Found[] {
  const channel = channelNode(channelKey(r.source, r.chat_id), r.chat_name);
  const postedIn = edge(media, channel, 'posted_in');
  const out = [found(media, postedIn), found(channel, postedIn)];
  const account = accountKey(r.source, r.author_id);
  if (account && !isChannelItself(account, r.source, r.chat_id)) {
    const node = accountNode(account, r.author_name);
    out.push(found(node, edge(node, media, 'posted')));
  }
  return out;
}

export async function expandMedia(ctx: GraphContext, shas: string[]): Promise<Found[]> {
  const valid = shas.filter((s) => SHA256_HEX.test(s));
  if (valid.length === 0) return [];
  const bytes = valid.map((s) => Buffer.from(s, 'hex'));
  const { rows } = await sql<PostRow>`
    select encode(i.sha256, 'hex') as sha256, h.kind, i.source, i.chat_id, m.chat_name, m.author_id, m.author_name
    from media_items i join messages m on m.id = i.message_row left join media_hashes h on h.sha256 = i.sha256
    where i.sha256 in (${sql.join(bytes)}) order by i.id limit ${ctx.perQuery}`.execute(ctx.db);
  const out = rows.flatMap((r) => postNeighbours(r, mediaNode(r.sha256, r.kind)));
  const { rows: matched } = await sql<{ sha256: string; reference: string }>`
    select distinct encode(i.sha256, 'hex') as sha256, x->>'caseRef' as reference
    from media_items i cross join lateral jsonb_array_elements(i.matches) x
    where i.sha256 in (${sql.join(bytes)}) and i.matches is not null and x->>'caseRef' is not null
    limit ${ctx.perQuery}`.execute(ctx.db);
  const cases = await ownCases(
    ctx,
    matched.map((m) => m.reference),
  );
  const registered = await registeredCases(ctx, cases);
  const own = new Map(cases.map((c) => [c.reference, c]));
  for (const m of matched) {
    const c = own.get(m.reference);
    if (!c) continue; // another organisation's case: not shown, not hinted at
    const target = registered.has(c.reference) ? registrationNode(c.reference) : caseNodeOf(c);
    out.push(found(target, edge(`media:${m.sha256}`, target, 'matches')));
  }
  return out;
}

/** Neighbours of case-linked messages (message row → the case that links it): media, channel, author. */
export async function messageNeighbours(ctx: GraphContext, messages: Map<number, GraphNode>): Promise<Found[]> {
  if (messages.size === 0) return [];
  const { rows } = await sql<PostRow & { message_row: number }>`
    select m.id as message_row, encode(i.sha256, 'hex') as sha256, h.kind, m.source, m.chat_id, m.chat_name,
           m.author_id, m.author_name
    from messages m left join media_items i on i.message_row = m.id and i.sha256 is not null
      left join media_hashes h on h.sha256 = i.sha256
    where m.id in (${sql.join([...messages.keys()])}) limit ${ctx.perQuery}`.execute(ctx.db);
  const out: Found[] = [];
  for (const r of rows) {
    const owner = messages.get(r.message_row)!;
    const channel = channelNode(channelKey(r.source, r.chat_id), r.chat_name);
    out.push(found(channel, edge(owner, channel, 'linked')));
    if (r.sha256 === null) continue;
    const media = mediaNode(r.sha256, r.kind);
    out.push(found(media, edge(owner, media, 'linked')), ...postNeighbours(r, media));
  }
  return out;
}

export async function expandChannels(ctx: GraphContext, keys: string[]): Promise<Found[]> {
  const out: Found[] = [];
  const targets = channelTargets(keys);
  const { rows: cases } = await sql<{
    target_id: string;
    kind: string;
    reference: string;
    status: string;
    category: string;
    id: number;
  }>`
    select distinct e.target_id, e.kind, c.id, c.reference, c.status, c.category
    from case_events e join cases c on c.id = e.case_id
    where e.kind in ('link', 'lineage') and e.target_kind = 'channel' and e.target_id in (${sql.join(targets)})
      and c.org_id = ${ctx.organisationId}
    limit ${ctx.perQuery}`.execute(ctx.db);
  for (const r of cases) {
    const node = caseNodeOf(r);
    out.push(
      found(
        node,
        edge(node, `channel:${channelKeyOfReference(r.target_id) ?? r.target_id}`, 'linked', { via: r.kind }),
      ),
    );
  }
  if (ctx.tables.has('tips')) {
    const { rows } = await sql<{ id: number; channel_key: string }>`
      select id, channel_key from tips where channel_key in (${sql.join(keys)}) and org_id = ${ctx.organisationId}
      order by id limit ${ctx.perQuery}`.execute(ctx.db);
    for (const r of rows) out.push(found(tipNode(r.id), edge(`tip:${r.id}`, `channel:${r.channel_key}`, 'reports')));
  }
  const where = chatCondition(keys, 'i.source', 'i.chat_id');
  if (!where) return out;
  out.push(...(await lineageNeighbours(ctx, keys)));
  const { rows: media } = await sql<PostRow>`
    select encode(i.sha256, 'hex') as sha256, h.kind, i.source, i.chat_id, m.chat_name, m.author_id, m.author_name
    from media_items i join messages m on m.id = i.message_row left join media_hashes h on h.sha256 = i.sha256
    where ${where} and i.sha256 is not null and i.matches is not null and jsonb_array_length(i.matches) > 0
    order by i.id limit ${ctx.perQuery}`.execute(ctx.db);
  for (const r of media) out.push(...postNeighbours(r, mediaNode(r.sha256, r.kind)));
  const profileWhere = chatCondition(keys, 'p.source', 'p.chat_id')!;
  const { rows: profiles } = await sql<{ source: string; chat_id: string; entries: { admins?: StoredEntry[] } }>`
    select source, chat_id, entries from channel_profiles p where ${profileWhere}`.execute(ctx.db);
  for (const p of profiles) {
    for (const admin of (p.entries.admins ?? []).slice(0, ctx.perQuery)) {
      const key = admin.keys.find((k) => k.startsWith('tg:')) ?? admin.keys[0];
      if (!key) continue;
      const node = accountNode(key, admin.label);
      out.push(found(node, edge(node, `channel:${channelKey(p.source, p.chat_id)}`, 'admin_of')));
    }
  }
  return out;
}

/** Probable successors and predecessors: an edge from the older channel to the newer. */
async function lineageNeighbours(ctx: GraphContext, keys: string[]): Promise<Found[]> {
  const from = chatCondition(keys, 'k.from_source', 'k.from_chat') ?? sql`false`;
  const to = chatCondition(keys, 'k.to_source', 'k.to_chat') ?? sql`false`;
  const { rows } = await sql<{
    id: number;
    from_source: string;
    from_chat: string;
    to_source: string;
    to_chat: string;
    score: number;
    status: string;
    from_title: string | null;
    to_title: string | null;
  }>`
    select k.id, k.from_source, k.from_chat, k.to_source, k.to_chat, k.score, k.status,
           pf.title as from_title, pt.title as to_title
    from channel_links k
      left join channel_profiles pf on pf.source = k.from_source and pf.chat_id = k.from_chat
      left join channel_profiles pt on pt.source = k.to_source and pt.chat_id = k.to_chat
    where ${from} or ${to}
    order by k.score desc, k.id limit ${ctx.perQuery}`.execute(ctx.db);
  return rows.flatMap((r) => {
    const older = channelNode(channelKey(r.from_source, r.from_chat), r.from_title);
    const newer = channelNode(channelKey(r.to_source, r.to_chat), r.to_title);
    const e = edge(older, newer, 'successor', { score: r.score, status: r.status, link_id: r.id });
    return [found(older, e), found(newer, e)];
  });
}

export async function expandAccounts(ctx: GraphContext, keys: string[]): Promise<Found[]> {
  const conditions = keys.map(authorIdsOf).filter((c) => c !== null);
  if (conditions.length === 0) return [];
  const where = sql.join(conditions.map(authorCondition), sql` or `);
  const { rows: chats } = await sql<{ source: string; chat_id: string; chat_name: string | null; author_id: string }>`
    select m.source, m.chat_id, max(m.chat_name) as chat_name, m.author_id
    from messages m where (${where}) group by m.source, m.chat_id, m.author_id limit ${ctx.perQuery}`.execute(ctx.db);
  const out: Found[] = [];
  for (const r of chats) {
    const account = accountKey(r.source, r.author_id);
    if (!account || isChannelItself(account, r.source, r.chat_id)) continue;
    const node = channelNode(channelKey(r.source, r.chat_id), r.chat_name);
    out.push(found(node, edge(`account:${account}`, node, 'posted_in')));
  }
  const { rows: media } = await sql<PostRow>`
    select encode(i.sha256, 'hex') as sha256, h.kind, i.source, i.chat_id, m.chat_name, m.author_id, m.author_name
    from messages m join media_items i on i.message_row = m.id left join media_hashes h on h.sha256 = i.sha256
    where (${where}) and i.sha256 is not null and i.matches is not null and jsonb_array_length(i.matches) > 0
    order by i.id limit ${ctx.perQuery}`.execute(ctx.db);
  for (const r of media) out.push(...postNeighbours(r, mediaNode(r.sha256, r.kind)));
  return out;
}

/** Channels first met by key alone (a case link, a tip) get their title where a scan saw them. */
export async function labelChannels(ctx: GraphContext, nodes: GraphNode[]): Promise<void> {
  const unnamed = nodes.filter((n) => n.kind === 'channel' && n.label === n.data?.key);
  const where = chatCondition(
    unnamed.map((n) => String(n.data!.key)),
    'p.source',
    'p.chat_id',
  );
  if (!where) return;
  const { rows } = await sql<{ source: string; chat_id: string; title: string | null }>`
    select source, chat_id, title from channel_profiles p where ${where} and title is not null`.execute(ctx.db);
  const titles = new Map(rows.map((r) => [channelKey(r.source, r.chat_id), r.title!]));
  for (const n of unnamed) n.label = titles.get(String(n.data!.key)) ?? n.label;
}

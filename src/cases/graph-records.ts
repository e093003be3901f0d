/**
 * Graph expansions of the organisation's own records: cases, victims'
 * registrations, tips and takedowns. Every query is filtered by the caller's
 * organisation; tips, takedowns and registrations are read only where their
 * tables exist (migrations 0007-0009 of other areas).
 */
import { sql } from 'kysely';
import type { Found, GraphContext, GraphNode, GraphNodeKind } from './graph.js';
import {
  type CaseRow,
  caseNodeOf,
  channelNode,
  edge,
  found,
  mediaMatchingCases,
  mediaNode,
  ownCases,
  registeredCases,
  registrationNode,
  takedownNode,
  tipNode,
} from './graph-nodes.js';
import { messageNeighbours } from './graph-pipeline.js';
import { channelKeyOfReference } from './lineage/keys.js';

const positiveIds = (keys: readonly string[]) => keys.filter((k) => /^\d{1,15}$/.test(k)).map(Number);

/** The root node for an organisation record; null when it does not exist or is another organisation's. */
export async function rootRecord(
  ctx: GraphContext,
  { kind, key }: { kind: GraphNodeKind; key: string },
): Promise<GraphNode | null> {
  switch (kind) {
    case 'case': {
      const [row] = await ownCases(ctx, [key.trim().toUpperCase()]);
      return row ? caseNodeOf(row) : null;
    }
    case 'victim_registration': {
      const cases = await ownCases(ctx, [key.trim().toUpperCase()]);
      const registered = await registeredCases(ctx, cases);
      return cases[0] && registered.has(cases[0].reference) ? registrationNode(cases[0].reference) : null;
    }
    case 'tip':
      return (await tipsById(ctx, positiveIds([key])))[0] ? tipNode(Number(key)) : null;
    case 'takedown': {
      const [row] = await takedownsById(ctx, positiveIds([key]));
      return row ? takedownNode(row) : null;
    }
    default:
      return null;
  }
}

export async function expandCases(ctx: GraphContext, references: string[]): Promise<Found[]> {
  const cases = await ownCases(ctx, references);
  if (cases.length === 0) return [];
  const byId = new Map(cases.map((c) => [c.id, caseNodeOf(c)]));
  const out: Found[] = [...(await timelineTargets(ctx, cases, byId))];
  const registered = await registeredCases(ctx, cases);
  for (const c of cases) {
    if (registered.has(c.reference)) {
      const vr = registrationNode(c.reference);
      out.push(found(vr, edge(byId.get(c.id)!, vr, 'registered')));
    }
  }
  // Media matching the case's other bank content (an analyst's, with the case reference); a registration's come through it.
  const unregistered = cases.filter((c) => !registered.has(c.reference)).map((c) => c.reference);
  for (const m of await mediaMatchingCases(ctx, unregistered)) {
    const node = mediaNode(m.sha256, m.kind);
    out.push(found(node, edge(node, `case:${m.reference}`, 'matches')));
  }
  const ids = cases.map((c) => c.id);
  if (ctx.tables.has('tips') && ctx.tables.has('tip_clusters')) {
    const { rows } = await sql<{ id: number; case_id: number }>`
      select t.id, k.case_id from tips t join tip_clusters k on k.id = t.cluster_id
      where k.case_id in (${sql.join(ids)}) and t.org_id = ${ctx.organisationId}
      order by t.id limit ${ctx.perQuery}`.execute(ctx.db);
    for (const r of rows) out.push(found(tipNode(r.id), edge(`tip:${r.id}`, byId.get(r.case_id)!, 'linked')));
  }
  if (ctx.tables.has('takedowns')) {
    const { rows } = await sql<{ id: number; case_id: number; platform: string; host: string; status: string }>`
      select id, case_id, platform, host, status from takedowns
      where case_id in (${sql.join(ids)}) and org_id = ${ctx.organisationId}
      order by id limit ${ctx.perQuery}`.execute(ctx.db);
    for (const r of rows) out.push(found(takedownNode(r), edge(`takedown:${r.id}`, byId.get(r.case_id)!, 'for_case')));
  }
  return out;
}

/** What the cases' timelines link: channels, tips, takedowns, registrations, findings and messages. */
async function timelineTargets(ctx: GraphContext, cases: CaseRow[], byId: Map<number, GraphNode>): Promise<Found[]> {
  const { rows } = await sql<{ case_id: number; kind: string; target_kind: string; target_id: string }>`
    select case_id, kind, target_kind, target_id from case_events
    where case_id in (${sql.join(cases.map((c) => c.id))}) and kind in ('link', 'lineage')
      and target_kind is not null and target_id is not null
    group by case_id, kind, target_kind, target_id
    order by min(id) limit ${ctx.perQuery}`.execute(ctx.db);
  const out: Found[] = [];
  const messages = new Map<number, GraphNode>();
  const findings = new Map<number, GraphNode>();
  for (const r of rows) {
    const owner = byId.get(r.case_id)!;
    const via = { via: r.kind };
    if (r.target_kind === 'channel') {
      const node = channelNode(channelKeyOfReference(r.target_id) ?? r.target_id, null);
      out.push(found(node, edge(owner, node, 'linked', via)));
    } else if (r.target_kind === 'tip' && /^\d{1,15}$/.test(r.target_id)) {
      out.push(found(tipNode(Number(r.target_id)), edge(`tip:${r.target_id}`, owner, 'linked')));
    } else if (r.target_kind === 'takedown' && /^\d{1,15}$/.test(r.target_id)) {
      const [row] = await takedownsById(ctx, [Number(r.target_id)]);
      if (row) out.push(found(takedownNode(row), edge(`takedown:${row.id}`, owner, 'for_case')));
    } else if (r.target_kind === 'message' && /^\d{1,15}$/.test(r.target_id)) {
      messages.set(Number(r.target_id), owner);
    } else if (r.target_kind === 'finding' && /^\d{1,15}$/.test(r.target_id)) {
      findings.set(Number(r.target_id), owner);
    }
  }
  if (findings.size > 0) {
    const { rows: found } = await sql<{ id: number; message_row: number }>`
      select id, message_row from findings where id in (${sql.join([...findings.keys()])})`.execute(ctx.db);
    for (const f of found) messages.set(f.message_row, findings.get(f.id)!);
  }
  out.push(...(await messageNeighbours(ctx, messages)));
  return out;
}

export async function expandRegistrations(ctx: GraphContext, references: string[]): Promise<Found[]> {
  const cases = await ownCases(ctx, references);
  const registered = await registeredCases(ctx, cases);
  const own = cases.filter((c) => registered.has(c.reference));
  const out: Found[] = own.map((c) => {
    const node = caseNodeOf(c);
    return found(node, edge(node, registrationNode(c.reference), 'registered'));
  });
  for (const m of await mediaMatchingCases(
    ctx,
    own.map((c) => c.reference),
  )) {
    const node = mediaNode(m.sha256, m.kind);
    out.push(found(node, edge(node, `victim_registration:${m.reference}`, 'matches')));
  }
  return out;
}

async function tipsById(ctx: GraphContext, ids: number[]) {
  // Tips and their clusters arrive together (migration 0008).
  if (ids.length === 0 || !ctx.tables.has('tips') || !ctx.tables.has('tip_clusters')) return [];
  const { rows } = await sql<{
    id: number;
    channel_key: string | null;
    case_id: number | null;
    reference: string | null;
    status: string | null;
    category: string | null;
  }>`
    select t.id, t.channel_key, c.id as case_id, c.reference, c.status, c.category
    from tips t
      left join tip_clusters k on k.id = t.cluster_id
      left join cases c on c.id = k.case_id and c.org_id = ${ctx.organisationId}
    where t.id in (${sql.join(ids)}) and t.org_id = ${ctx.organisationId}`.execute(ctx.db);
  return rows;
}

export async function expandTips(ctx: GraphContext, keys: string[]): Promise<Found[]> {
  const out: Found[] = [];
  for (const r of await tipsById(ctx, positiveIds(keys))) {
    const tip = `tip:${r.id}`;
    if (r.channel_key) {
      const node = channelNode(r.channel_key, null);
      out.push(found(node, edge(tip, node, 'reports')));
    }
    if (r.case_id !== null && r.reference) {
      const node = caseNodeOf({ id: r.case_id, reference: r.reference, status: r.status!, category: r.category! });
      out.push(found(node, edge(tip, node, 'linked')));
    }
  }
  return out;
}

interface TakedownRow {
  id: number;
  platform: string;
  host: string;
  status: string;
  target_url: string | null;
  items: unknown;
  case_id: number | null;
  reference: string | null;
  case_status: string | null;
  category: string | null;
}

async function takedownsById(ctx: GraphContext, ids: number[]): Promise<TakedownRow[]> {
  if (ids.length === 0 || !ctx.tables.has('takedowns')) return [];
  const { rows } = await sql<TakedownRow>`
    select d.id, d.platform, d.host, d.status, d.target_url, d.items,
           c.id as case_id, c.reference, c.status as case_status, c.category
    from takedowns d left join cases c on c.id = d.case_id and c.org_id = ${ctx.organisationId}
    where d.id in (${sql.join(ids)}) and d.org_id = ${ctx.organisationId}`.execute(ctx.db);
  return rows;
}

export async function expandTakedowns(ctx: GraphContext, keys: string[]): Promise<Found[]> {
  const out: Found[] = [];
  for (const r of await takedownsById(ctx, positiveIds(keys))) {
    const takedown = `takedown:${r.id}`;
    if (r.case_id !== null && r.reference) {
      const node = caseNodeOf({ id: r.case_id, reference: r.reference, status: r.case_status!, category: r.category! });
      out.push(found(node, edge(takedown, node, 'for_case')));
    }
    const items = Array.isArray(r.items) ? (r.items as { chat?: unknown; url?: unknown }[]) : [];
    const targets = [r.target_url, ...items.flatMap((i) => [i.chat, i.url])].filter(
      (t): t is string => typeof t === 'string',
    );
    for (const key of new Set(targets.map(channelKeyOfReference).filter((k) => k !== null))) {
      const node = channelNode(key, null);
      out.push(found(node, edge(takedown, node, 'targets')));
    }
  }
  return out;
}

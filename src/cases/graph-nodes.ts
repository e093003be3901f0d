/**
 * How each thing appears in the link graph, and the organisation checks shared
 * by the expansions. Labels never carry what a node must not reveal: a case is
 * its reference (not its title, which may name someone), a victim's
 * registration is its case reference, a medium is its kind and SHA-256.
 */
import { sql } from 'kysely';
import type { Found, GraphContext, GraphData, GraphEdge, GraphNode } from './graph.js';

export function caseNode(reference: string, data: GraphData = {}): GraphNode {
  return { id: `case:${reference}`, kind: 'case', label: reference, data };
}

export function registrationNode(reference: string): GraphNode {
  return { id: `victim_registration:${reference}`, kind: 'victim_registration', label: reference };
}

export function mediaNode(sha256Hex: string, kind: string | null): GraphNode {
  return {
    id: `media:${sha256Hex}`,
    kind: 'media',
    label: `${kind ?? 'media'} ${sha256Hex.slice(0, 12)}`,
    data: { sha256: sha256Hex, type: kind },
  };
}

export function channelNode(key: string, title: string | null): GraphNode {
  return { id: `channel:${key}`, kind: 'channel', label: title ?? key, data: { key } };
}

export function accountNode(key: string, name: string | null): GraphNode {
  return { id: `account:${key}`, kind: 'account', label: name ?? key, data: { key } };
}

export function tipNode(id: number): GraphNode {
  return { id: `tip:${id}`, kind: 'tip', label: `tip ${id}` };
}

export function takedownNode(row: { id: number; platform: string; host: string; status: string }): GraphNode {
  return {
    id: `takedown:${row.id}`,
    kind: 'takedown',
    label: `takedown ${row.id} (${row.platform}, ${row.status})`,
    data: { platform: row.platform, host: row.host, status: row.status },
  };
}

export function edge(from: GraphNode | string, to: GraphNode | string, kind: string, data?: GraphData): GraphEdge {
  const e: GraphEdge = {
    from: typeof from === 'string' ? from : from.id,
    to: typeof to === 'string' ? to : to.id,
    kind,
  };
  if (data) e.data = data;
  return e;
}

/** A neighbour and the edge to it. */
export function found(node: GraphNode, e: GraphEdge): Found {
  return { node, edge: e };
}

export interface CaseRow {
  id: number;
  reference: string;
  status: string;
  category: string;
}

/** The caller's organisation's cases among these references. */
export async function ownCases(ctx: GraphContext, references: readonly string[]): Promise<CaseRow[]> {
  if (references.length === 0) return [];
  const { rows } = await sql<CaseRow>`
    select id, reference, status, category from cases
    where org_id = ${ctx.organisationId} and reference in (${sql.join([...new Set(references)])})`.execute(ctx.db);
  return rows;
}

export function caseNodeOf(row: CaseRow): GraphNode {
  return caseNode(row.reference, { status: row.status, category: row.category });
}

/**
 * The cases among these that hold a victim's registration: hashes a victim
 * registered (bank content from the victim, with the case reference) or, once
 * that table exists, a victim_registrations row.
 */
export async function registeredCases(ctx: GraphContext, cases: readonly CaseRow[]): Promise<Set<string>> {
  if (cases.length === 0) return new Set();
  const refs = cases.map((c) => c.reference);
  const { rows } = await sql<{ reference: string }>`
    select distinct case_ref as reference from bank_content
    where source = 'victim' and case_ref in (${sql.join(refs)})`.execute(ctx.db);
  const out = new Set(rows.map((r) => r.reference));
  if (ctx.tables.has('victim_registrations')) {
    const { rows: registered } = await sql<{ case_id: number }>`
      select case_id from victim_registrations where case_id in (${sql.join(cases.map((c) => c.id))})`.execute(ctx.db);
    const ids = new Set(registered.map((r) => r.case_id));
    for (const c of cases) if (ids.has(c.id)) out.add(c.reference);
  }
  return out;
}

/** Media whose bank matches carry one of these case references (media_items.matches, GIN-indexed). */
export async function mediaMatchingCases(
  ctx: GraphContext,
  references: readonly string[],
): Promise<{ sha256: string; kind: string | null; reference: string }[]> {
  if (references.length === 0) return [];
  const conditions = references.map((r) => sql`i.matches @> ${JSON.stringify([{ caseRef: r }])}::jsonb`);
  const { rows } = await sql<{ sha256: string; kind: string | null; refs: string[] }>`
    select encode(i.sha256, 'hex') as sha256, max(h.kind) as kind,
           array_agg(distinct x->>'caseRef') as refs
    from media_items i
      left join media_hashes h on h.sha256 = i.sha256
      cross join lateral jsonb_array_elements(i.matches) x
    where i.matches is not null and i.sha256 is not null and (${sql.join(conditions, sql` or `)})
    group by i.sha256
    limit ${ctx.perQuery}`.execute(ctx.db);
  const wanted = new Set(references);
  return rows.flatMap((r) =>
    r.refs.filter((ref) => wanted.has(ref)).map((reference) => ({ sha256: r.sha256, kind: r.kind, reference })),
  );
}

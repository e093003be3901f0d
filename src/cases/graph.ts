/**
 * Link analysis (issue 7 §8): the graph around a case or an entity, as JSON
 * nodes and edges: victims' registrations, media, channels, accounts, tips,
 * takedowns and cases.
 *
 * Built breadth-first from the root, one batched query per node kind and level
 * (src/cases/graph-records.ts for the organisation's records, graph-pipeline.ts
 * for what scans found), until `depth` levels or `maxNodes` nodes; a graph cut
 * short by the cap says so (`truncated`).
 *
 * What it never holds: media bytes or thumbnails (media are their SHA-256), a
 * victim's anything but their case reference, another organisation's cases,
 * registrations, tips or takedowns. Channels, media and accounts come from the
 * shared scan pipeline and are the same for every organisation.
 */
import type { Kysely } from 'kysely';
import type { Schema } from '../db/schema.js';
import { expandAccounts, expandChannels, expandMedia, labelChannels, rootPipelineNode } from './graph-pipeline.js';
import { expandCases, expandRegistrations, expandTakedowns, expandTips, rootRecord } from './graph-records.js';
import { tableExists } from './lineage/alerts.js';

export const GRAPH_NODE_KINDS = [
  'case',
  'victim_registration',
  'media',
  'channel',
  'account',
  'tip',
  'takedown',
] as const;
export type GraphNodeKind = (typeof GRAPH_NODE_KINDS)[number];

export type GraphData = Record<string, string | number | boolean | null>;

export interface GraphNode {
  /** `<kind>:<key>`: case:PS-2026-000123, media:<sha256 hex>, channel:tg:#123, account:tg:42, tip:7, ... */
  id: string;
  kind: GraphNodeKind;
  label: string;
  data?: GraphData;
}

export interface GraphEdge {
  from: string;
  to: string;
  /** registered, linked, matches, posted_in, posted, admin_of, successor, reports, for_case, targets. */
  kind: string;
  data?: GraphData;
}

export interface Graph {
  root: string;
  nodes: GraphNode[];
  edges: GraphEdge[];
  /** True when the node cap cut the graph short: there is more than shown. */
  truncated: boolean;
}

/** A neighbour found by an expansion, and the edge to it. */
export interface Found {
  node: GraphNode;
  edge: GraphEdge;
}

export interface GraphContext {
  db: Kysely<Schema>;
  organisationId: number;
  /** Rows read per query of an expansion. */
  perQuery: number;
  /** Tables of other areas that exist in this database (tips, takedowns, victim registrations). */
  tables: ReadonlySet<string>;
}

export interface GraphOptions {
  organisationId: number;
  /** Levels to expand from the root (default 3, at most MAX_DEPTH). */
  depth?: number;
  /** Node cap (default and at most MAX_NODES). */
  maxNodes?: number;
}

export const MAX_NODES = 2000;
export const MAX_DEPTH = 4;
const PER_QUERY = 500;
const OPTIONAL_TABLES = ['tips', 'tip_clusters', 'takedowns', 'victim_registrations'];

type Expander = (ctx: GraphContext, keys: string[]) => Promise<Found[]>;

const EXPANDERS: Record<GraphNodeKind, Expander> = {
  case: expandCases,
  victim_registration: expandRegistrations,
  tip: expandTips,
  takedown: expandTakedowns,
  media: expandMedia,
  channel: expandChannels,
  account: expandAccounts,
};

export function nodeId(kind: GraphNodeKind, key: string): string {
  return `${kind}:${key}`;
}

/** "channel:tg:#123" → kind 'channel', key 'tg:#123'; null when the kind is unknown. */
export function parseNodeId(id: string): { kind: GraphNodeKind; key: string } | null {
  const colon = id.indexOf(':');
  if (colon <= 0 || colon === id.length - 1) return null;
  const kind = id.slice(0, colon) as GraphNodeKind;
  return GRAPH_NODE_KINDS.includes(kind) ? { kind, key: id.slice(colon + 1) } : null;
}

async function context(db: Kysely<Schema>, organisationId: number): Promise<GraphContext> {
  const tables = new Set<string>();
  for (const t of OPTIONAL_TABLES) if (await tableExists(db, t)) tables.add(t);
  return { db, organisationId, perQuery: PER_QUERY, tables };
}

/** The graph around a case of the caller's organisation; null when there is no such case (or it is another's). */
export function caseGraph(db: Kysely<Schema>, reference: string, options: GraphOptions): Promise<Graph | null> {
  return entityGraph(db, `case:${reference}`, options);
}

/**
 * The graph around any node id ("case:PS-…", "channel:tg:#123", "media:<sha256>",
 * "account:tg:42", "tip:7", "takedown:3", "victim_registration:PS-…"); null when
 * the entity is unknown or not the caller's organisation's.
 */
export async function entityGraph(db: Kysely<Schema>, id: string, options: GraphOptions): Promise<Graph | null> {
  const parsed = parseNodeId(id);
  if (!parsed) return null;
  const ctx = await context(db, options.organisationId);
  const pipeline = parsed.kind === 'media' || parsed.kind === 'channel' || parsed.kind === 'account';
  const root = pipeline ? await rootPipelineNode(ctx, parsed.kind, parsed.key) : await rootRecord(ctx, parsed);
  if (!root) return null;
  return expand(ctx, root, options);
}

async function expand(ctx: GraphContext, root: GraphNode, options: GraphOptions): Promise<Graph> {
  const depth = Math.min(Math.max(options.depth ?? 3, 0), MAX_DEPTH);
  const maxNodes = Math.min(Math.max(options.maxNodes ?? MAX_NODES, 1), MAX_NODES);
  const nodes = new Map<string, GraphNode>([[root.id, root]]);
  const edges = new Map<string, GraphEdge>();
  let truncated = false;
  let frontier: GraphNode[] = [root];
  for (let level = 0; level < depth && frontier.length > 0; level++) {
    const next: GraphNode[] = [];
    for (const [kind, group] of groupByKind(frontier)) {
      const found = await EXPANDERS[kind](
        ctx,
        group.map((n) => parseNodeId(n.id)!.key),
      );
      for (const { node, edge } of found) {
        if (!nodes.has(node.id)) {
          if (nodes.size >= maxNodes) {
            truncated = true;
            continue;
          }
          nodes.set(node.id, node);
          next.push(node);
        }
        if (nodes.has(edge.from) && nodes.has(edge.to) && edge.from !== edge.to) {
          edges.set(`${edge.from}\u0000${edge.kind}\u0000${edge.to}`, edge);
        }
      }
    }
    frontier = next;
  }
  await labelChannels(ctx, [...nodes.values()]);
  return { root: root.id, nodes: [...nodes.values()], edges: [...edges.values()], truncated };
}

function groupByKind(nodes: readonly GraphNode[]): Map<GraphNodeKind, GraphNode[]> {
  const out = new Map<GraphNodeKind, GraphNode[]>();
  for (const n of nodes) {
    const list = out.get(n.kind);
    if (list) list.push(n);
    else out.set(n.kind, [n]);
  }
  return out;
}

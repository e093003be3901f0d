/**
 * /api/v1/graph: link analysis (issue 7 §8). The graph of victims'
 * registrations, media, channels, accounts, tips, takedowns and cases around a
 * case or an entity, as JSON nodes and edges.
 *
 * Organisation-scoped like every case read: another organisation's case,
 * registration, tip or takedown is 404 as a root and absent as a neighbour.
 * Never media bytes or thumbnails; a victim appears only as their case
 * reference. Every read is audited.
 */
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { entityGraph, GRAPH_NODE_KINDS, MAX_DEPTH, MAX_NODES } from '../../cases/graph.js';
import { HttpError } from '../errors.js';
import { Permission } from '../permissions.js';
import type { RouteContext } from '../services.js';
import { errorResponses as errors } from './v1-schemas.js';
import { callerOrganisation } from './v1-users.js';

const data = z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()])).optional();

const graphOut = z.object({
  root: z.string(),
  nodes: z.array(
    z.object({
      id: z.string().describe('<kind>:<key>, e.g. case:PS-2026-000123, channel:tg:#123, media:<sha256>'),
      kind: z.enum(GRAPH_NODE_KINDS),
      label: z.string(),
      data,
    }),
  ),
  edges: z.array(
    z.object({
      from: z.string(),
      to: z.string(),
      kind: z
        .string()
        .describe('registered, linked, matches, posted_in, posted, admin_of, successor, reports, for_case, targets'),
      data,
    }),
  ),
  truncated: z.boolean().describe('the node cap cut the graph short'),
  limits: z.object({ depth: z.number().int(), max_nodes: z.number().int() }),
});

const graphQuery = z
  .object({
    case: z.string().trim().min(1).max(40).optional().describe('a case reference, PS-YYYY-NNNNNN'),
    entity: z
      .string()
      .trim()
      .min(3)
      .max(300)
      .optional()
      .describe(`kind:id, kind one of ${GRAPH_NODE_KINDS.join(', ')} (e.g. channel:tg:#1234567890, media:<sha256>)`),
    depth: z.coerce.number().int().min(0).max(MAX_DEPTH).optional().describe('levels from the root (default 3)'),
    max_nodes: z.coerce.number().int().min(1).max(MAX_NODES).optional().describe(`node cap (default ${MAX_NODES})`),
    purpose: z.string().trim().min(1).max(500).optional().describe('why you read it (or the X-Purpose header)'),
  })
  .refine((q) => (q.case === undefined) !== (q.entity === undefined), 'give exactly one of case and entity');

export function v1GraphRoutes(root: FastifyInstance, ctx: RouteContext): void {
  const app = root.withTypeProvider<ZodTypeProvider>();
  const { services } = ctx;

  app.get(
    '/api/v1/graph',
    {
      config: { permission: Permission.CaseRead },
      schema: {
        tags: ['Cases'],
        summary: 'The link graph around a case or an entity, as nodes and edges (audited)',
        querystring: graphQuery,
        response: { 200: graphOut, ...errors },
      },
    },
    async (request) => {
      const organisationId = callerOrganisation(request);
      const q = request.query;
      const rootId = q.case !== undefined ? `case:${q.case.toUpperCase()}` : q.entity!;
      const depth = q.depth ?? 3;
      const maxNodes = q.max_nodes ?? MAX_NODES;
      const graph = await entityGraph(services.database.db, rootId, { organisationId, depth, maxNodes });
      if (!graph) throw new HttpError(404, `${rootId.slice(0, 120)} not found`);
      const header = request.headers['x-purpose'];
      await request.audit({
        action: 'graph.read',
        target: graph.root,
        purpose: (typeof header === 'string' && header.trim().slice(0, 500)) || q.purpose || 'case work',
        details: { nodes: graph.nodes.length, edges: graph.edges.length, truncated: graph.truncated },
      });
      return { ...graph, limits: { depth, max_nodes: maxNodes } };
    },
  );
}

/** Health routes, open without a key: load balancers and HMA clients poll them. */
import type { FastifyInstance } from 'fastify';
import { VERSION } from '../../version.js';
import { currentServices, type MatchingServices } from '../services.js';

export function statusRoutes(app: FastifyInstance, services: MatchingServices | null): void {
  const started = Date.now();
  app.get(
    '/status',
    { config: { public: true }, schema: { tags: ['Status'], summary: 'Health and index state (JSON)', security: [] } },
    async () => {
      const ready = currentServices(services);
      const index = ready?.index.status();
      return {
        status: 'ok',
        service: 'perisai',
        version: VERSION,
        uptime_s: Math.round((Date.now() - started) / 1000),
        // While the index loads, lookups answer from what is loaded so far (flagged), or 503 on HMA routes.
        ...(services ? { database: ready ? 'open' : 'opening' } : {}),
        ...(index ? { index: { state: index.state, counts: index.counts } } : {}),
      };
    },
  );
  app.get(
    '/status/live',
    {
      config: { public: true },
      schema: { tags: ['Status'], summary: 'Liveness for HMA clients: always "I-AM-ALIVE"', security: [] },
    },
    async (_request, reply) => reply.type('text/plain; charset=utf-8').send('I-AM-ALIVE'),
  );
}

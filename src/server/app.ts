/** The HTTP server: Fastify, built as a value so tests can inject requests. */
import Fastify, { type FastifyInstance } from 'fastify';
import { VERSION } from '../version.js';

export interface AppOptions {
  readonly logger?: boolean;
  readonly dataDir: string;
}

export async function buildApp(options: AppOptions): Promise<FastifyInstance> {
  const app = Fastify({
    logger: options.logger
      ? { level: 'info', redact: ['req.headers.authorization', 'req.headers.cookie', 'req.headers["x-api-key"]'] }
      : false,
    // Uploads of evidence and media are bounded here and per route later.
    bodyLimit: 1024 * 1024,
  });
  const started = Date.now();
  app.get('/status', async () => ({
    status: 'ok',
    service: 'perisai',
    version: VERSION,
    uptime_s: Math.round((Date.now() - started) / 1000),
  }));
  return app;
}

/**
 * The HTTP server: Fastify, built as a value so tests can inject requests.
 *
 * Without `services` (no database) only the status routes and the docs exist;
 * with them, the HMA-compatible routes (/h, /m, /c) and Perisai's /api/v1.
 * `services` may be a LazyServices filled after listening: until then those
 * routes answer 503.
 */
import multipart from '@fastify/multipart';
import rateLimit from '@fastify/rate-limit';
import Fastify, { type FastifyInstance } from 'fastify';
import { serializerCompiler, validatorCompiler } from 'fastify-type-provider-zod';
import { type AccountsOptions, accountsConfig } from '../accounts/index.js';
import type { TakedownOptions } from '../actions/takedowns/index.js';
import { DEFAULT_AUTH_CACHE_MS, installAuth } from './auth.js';
import { installErrorHandlers } from './errors.js';
import { installHmaJsonParser } from './hma/request.js';
import { registerOpenApi } from './openapi.js';
import { hmaContentRoutes } from './routes/hma-content.js';
import { hmaCurationRoutes } from './routes/hma-curation.js';
import { hmaHashingRoutes } from './routes/hma-hashing.js';
import { hmaMatchingRoutes } from './routes/hma-matching.js';
import { statusRoutes } from './routes/status.js';
import { v1AuthRoutes } from './routes/v1-auth.js';
import { v1BankRoutes } from './routes/v1-banks.js';
import { v1CaseRoutes } from './routes/v1-cases.js';
import { v1EvidenceRoutes } from './routes/v1-evidence.js';
import { v1GraphRoutes } from './routes/v1-graph.js';
import { v1LineageRoutes } from './routes/v1-lineage.js';
import { v1MatchingRoutes } from './routes/v1-matching.js';
import { v1MediaRoutes } from './routes/v1-media.js';
import { v1TakedownRoutes } from './routes/v1-takedowns.js';
import { v1TipRoutes } from './routes/v1-tips.js';
import { v1UserRoutes } from './routes/v1-users.js';
import { v1VictimRoutes } from './routes/v1-victims.js';
import { type MatchingServices, type RouteContext, type ServerLimits, serverLimitsFromEnv } from './services.js';

export interface RouteRecord {
  method: string;
  url: string;
  config: { permission?: string; public?: boolean };
}

declare module 'fastify' {
  interface FastifyInstance {
    /** Every route registered on this app (method, url, declared access). */
    readonly routeTable: readonly RouteRecord[];
  }
}

export interface AppOptions {
  readonly logger?: boolean;
  readonly dataDir: string;
  /** Database, index and matcher; without them only /status and the docs are served. */
  readonly services?: MatchingServices;
  /** Default: from the environment (serverLimitsFromEnv). */
  readonly limits?: ServerLimits;
  /** How long a verified API key is trusted before it is checked again (default 5 s). */
  readonly authCacheMs?: number;
  /** Account policy, argon2 cost, clock, and the audit trail's link to the evidence log. */
  readonly accounts?: AccountsOptions;
  /** Evidence gate, mailer and settings of takedowns; missing parts come from the environment. */
  readonly takedowns?: TakedownOptions;
}

export async function buildApp(options: AppOptions): Promise<FastifyInstance> {
  const limits = options.limits ?? serverLimitsFromEnv();
  const app = Fastify({
    logger: options.logger
      ? { level: 'info', redact: ['req.headers.authorization', 'req.headers.cookie', 'req.headers["x-api-key"]'] }
      : false,
    // JSON bodies; uploads are bounded separately by the multipart file size limit.
    bodyLimit: limits.bodyLimit,
  });
  // Every route as registered, for the permission matrix (a route without a declared
  // permission fails its test) and for operators listing what the server exposes.
  const routeTable: RouteRecord[] = [];
  app.decorate('routeTable', routeTable);
  app.addHook('onRoute', (route) => {
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    for (const method of methods) routeTable.push({ method, url: route.url, config: route.config ?? {} });
  });
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  installErrorHandlers(app, { maxUploadBytes: limits.maxUploadBytes, bodyLimit: limits.bodyLimit });
  await registerOpenApi(app);
  await app.register(multipart, { limits: { fileSize: limits.maxUploadBytes, files: 2 } });
  // Per-route limits only (login, setup): routes opt in with `config: { rateLimit }`.
  await app.register(rateLimit, { global: false });
  const accounts = accountsConfig(options.accounts);
  installAuth(app, options.services ?? null, { cacheMs: options.authCacheMs ?? DEFAULT_AUTH_CACHE_MS, accounts });

  statusRoutes(app, options.services ?? null);
  if (options.services) {
    const ctx: RouteContext = { services: options.services, limits };
    await app.register(async (hma) => {
      installHmaJsonParser(hma);
      hmaHashingRoutes(hma, ctx);
      hmaMatchingRoutes(hma, ctx);
      hmaCurationRoutes(hma, ctx);
      hmaContentRoutes(hma, ctx);
    });
    v1BankRoutes(app, ctx);
    v1MediaRoutes(app, ctx);
    v1MatchingRoutes(app, ctx);
    v1AuthRoutes(app, ctx, accounts);
    v1UserRoutes(app, ctx, accounts);
    v1TipRoutes(app, ctx);
    v1CaseRoutes(app, ctx, accounts);
    v1VictimRoutes(app, ctx, accounts);
    v1TakedownRoutes(app, ctx, accounts, options.takedowns);
    v1EvidenceRoutes(app, ctx);
    v1LineageRoutes(app, ctx);
    v1GraphRoutes(app, ctx);
  }
  return app;
}

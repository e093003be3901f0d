/**
 * Authentication and authorization at the service boundary, in one hook.
 *
 * Each route declares `config: { permission }` (or `config: { public: true }`).
 * The hook runs on every request before the body is read, so an unauthenticated
 * upload is refused without reading it. A route that declares neither is
 * refused: forgetting the declaration fails closed, never open.
 *
 * Keys come in `Authorization: Bearer psk_...` or `X-API-Key: psk_...`, never
 * in the URL (URLs end up in logs and proxies). The logger redacts both headers.
 */
import { createHash } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { type ApiKey, verifyApiKey } from '../banks/api-keys.js';
import { HttpError } from './errors.js';
import { type Permission, scopeAllows } from './permissions.js';
import type { MatchingServices } from './services.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** What the caller needs for this route. */
    permission?: Permission;
    /** Open without a key (status, docs). */
    public?: boolean;
  }
  interface FastifyRequest {
    /** The verified key of the caller; null on public routes. */
    apiKey: ApiKey | null;
  }
}

/** Swagger UI registers its own asset routes under this prefix; they are public like the page. */
export const DOCS_PREFIX = '/docs';

export interface AuthOptions {
  /**
   * How long a verified key is trusted without asking the database again.
   * Verifying costs a query; at thousands of lookups a second that query would
   * be most of the work. The price: a revoked key keeps working in this process
   * for up to this long. 0 turns the cache off.
   */
  cacheMs: number;
}

export const DEFAULT_AUTH_CACHE_MS = 5_000;

export function installAuth(app: FastifyInstance, services: MatchingServices | null, options: AuthOptions): void {
  const keys = new VerifiedKeyCache(services, options.cacheMs);
  app.decorateRequest('apiKey', null);
  app.addHook('onRequest', async (request, reply) => {
    const route = request.routeOptions;
    if (request.is404 || route.url === undefined) return; // the 404 handler answers
    if (route.config.public || route.url === DOCS_PREFIX || route.url.startsWith(`${DOCS_PREFIX}/`)) return;
    const permission = route.config.permission;
    if (!permission) throw new HttpError(403, 'this route declares no permission and is closed');
    const presented = presentedKey(request);
    if (!presented) {
      reply.header('www-authenticate', 'Bearer');
      throw new HttpError(401, 'missing API key: send "Authorization: Bearer psk_..." or "X-API-Key: psk_..."');
    }
    const key = await keys.verify(presented);
    if (!key) {
      reply.header('www-authenticate', 'Bearer error="invalid_token"');
      throw new HttpError(401, 'invalid or revoked API key');
    }
    if (!scopeAllows(key.scope, permission)) {
      throw new HttpError(403, `this API key has scope '${key.scope}', which does not grant '${permission}'`);
    }
    request.apiKey = key;
  });
}

function presentedKey(request: FastifyRequest): string | null {
  const auth = request.headers.authorization;
  const bearer = typeof auth === 'string' ? /^Bearer\s+(\S+)\s*$/i.exec(auth) : null;
  if (bearer) return bearer[1]!;
  const header = request.headers['x-api-key'];
  return typeof header === 'string' && header.length > 0 ? header.trim() : null;
}

const MAX_CACHED_KEYS = 10_000;

/** Verified keys by the SHA-256 of the key (the cache never holds the secret itself). */
class VerifiedKeyCache {
  private readonly entries = new Map<string, { key: ApiKey; until: number }>();
  private readonly inFlight = new Map<string, Promise<ApiKey | null>>();

  constructor(
    private readonly services: MatchingServices | null,
    private readonly ttlMs: number,
  ) {}

  async verify(presented: string): Promise<ApiKey | null> {
    if (!this.services) return null;
    const id = createHash('sha256').update(presented).digest('base64');
    const hit = this.entries.get(id);
    if (hit && hit.until > Date.now()) return hit.key;
    // Concurrent first requests with one key share one database check.
    let pending = this.inFlight.get(id);
    if (!pending) {
      pending = verifyApiKey(this.services.database.db, presented).finally(() => this.inFlight.delete(id));
      this.inFlight.set(id, pending);
    }
    const key = await pending;
    this.remember(id, key);
    return key;
  }

  private remember(id: string, key: ApiKey | null): void {
    if (!key || this.ttlMs <= 0) {
      this.entries.delete(id);
      return;
    }
    if (this.entries.size >= MAX_CACHED_KEYS) this.entries.clear();
    this.entries.set(id, { key, until: Date.now() + this.ttlMs });
  }
}

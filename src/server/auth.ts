/**
 * Authentication and authorization at the service boundary, in one hook.
 *
 * Each route declares `config: { permission }` (or `config: { public: true }`).
 * The hook runs on every request before the body is read, so an unauthenticated
 * upload is refused without reading it. A route that declares neither is
 * refused: forgetting the declaration fails closed, never open.
 *
 * Two credentials resolve to one Principal, checked the same way:
 * - an API key in `Authorization: Bearer psk_...` or `X-API-Key: psk_...`, never
 *   in the URL (URLs end up in logs and proxies); its scope gives its permissions;
 * - a person's session cookie (`perisai_session`); their role gives theirs, or
 *   only OwnAccount while required two-factor is not yet enrolled.
 * A presented key wins over a cookie; a bad key is refused, never passed over for
 * the cookie. The logger redacts the authorization, x-api-key and cookie headers.
 */
import { createHash } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ANONYMOUS_ACTOR, type AuditActor, type AuditLog } from '../accounts/audit.js';
import { clearedSessionCookie, parseCookies, SESSION_COOKIE } from '../accounts/cookies.js';
import type { AccountsConfig } from '../accounts/index.js';
import { resolveSession } from '../accounts/sessions.js';
import { type ApiKey, verifyApiKey } from '../banks/api-keys.js';
import { HttpError } from './errors.js';
import { type Permission, type Principal, requiresTotp, SCOPE_PERMISSIONS, userPermissions } from './permissions.js';
import type { MatchingServices } from './services.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** What the caller needs for this route. */
    permission?: Permission;
    /** Open without a key (status, docs). */
    public?: boolean;
  }
  interface FastifyRequest {
    /** The verified key of the caller; null on public routes and for sessions. */
    apiKey: ApiKey | null;
    /** Who is calling; null only on public routes. */
    principal: Principal | null;
    /** Records an audit event with this request's caller as the actor and now as the time. */
    audit(event: RequestAuditEvent): Promise<void>;
  }
  interface FastifyInstance {
    /** The audit trail (database rows, and the tamper-evident log once wired). */
    auditLog: AuditLog;
  }
}

export interface RequestAuditEvent {
  action: string;
  target: string;
  purpose: string | null;
  details?: Record<string, unknown>;
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
  /** Session lifetimes, the clock, and where audit events go. */
  accounts: AccountsConfig;
}

export const DEFAULT_AUTH_CACHE_MS = 5_000;

export function installAuth(app: FastifyInstance, services: MatchingServices | null, options: AuthOptions): void {
  const keys = new VerifiedKeyCache(services, options.cacheMs);
  const { accounts } = options;
  const auditLog = accounts.auditLog(() => {
    if (!services) throw new HttpError(503, 'no database: the audit trail cannot be written');
    return services.database.db;
  });
  app.decorate('auditLog', auditLog);
  app.decorateRequest('apiKey', null);
  app.decorateRequest('principal', null);
  app.decorateRequest('audit', function (this: FastifyRequest, event: RequestAuditEvent) {
    return auditLog.record({ ...event, actor: actorOf(this.principal), at: accounts.clock() });
  });
  app.addHook('onRequest', async (request, reply) => {
    const route = request.routeOptions;
    if (request.is404 || route.url === undefined) return; // the 404 handler answers
    if (route.config.public || route.url === DOCS_PREFIX || route.url.startsWith(`${DOCS_PREFIX}/`)) return;
    const permission = route.config.permission;
    if (!permission) throw new HttpError(403, 'this route declares no permission and is closed');
    const principal = await authenticate(request, reply, keys, services, accounts);
    if (!principal.permissions.has(permission)) throw new HttpError(403, refusal(request, principal, permission));
    request.principal = principal;
  });
}

async function authenticate(
  request: FastifyRequest,
  reply: FastifyReply,
  keys: VerifiedKeyCache,
  services: MatchingServices | null,
  accounts: AccountsConfig,
): Promise<Principal> {
  const presented = presentedKey(request);
  if (presented) {
    const key = await keys.verify(presented);
    if (!key) {
      reply.header('www-authenticate', 'Bearer error="invalid_token"');
      throw new HttpError(401, 'invalid or revoked API key');
    }
    request.apiKey = key;
    return keyPrincipal(key);
  }
  const token = parseCookies(request.headers.cookie).get(SESSION_COOKIE);
  if (token === undefined || !services) {
    reply.header('www-authenticate', 'Bearer');
    throw new HttpError(
      401,
      'missing API key: send "Authorization: Bearer psk_..." or "X-API-Key: psk_...", or log in for a session cookie',
    );
  }
  const session = await resolveSession(services.database.db, token, accounts.policy, accounts.clock());
  if (!session) {
    reply.header('set-cookie', clearedSessionCookie());
    throw new HttpError(401, 'session expired or ended: log in again');
  }
  return {
    kind: 'user',
    id: session.userId,
    organisationId: session.organisationId,
    role: session.role,
    sessionId: session.sessionId,
    permissions: userPermissions(session.role, session.totpEnrolled),
    enrolmentOnly: requiresTotp(session.role) && !session.totpEnrolled,
  };
}

export function keyPrincipal(key: ApiKey): Principal {
  return { kind: 'apiKey', id: key.id, organisationId: key.orgId, permissions: SCOPE_PERMISSIONS[key.scope] };
}

function refusal(request: FastifyRequest, principal: Principal, permission: Permission): string {
  if (principal.enrolmentOnly) {
    return 'two-factor is required for your role: enrol with POST /api/v1/auth/totp/enrol and /api/v1/auth/totp/confirm first';
  }
  if (principal.kind === 'user') return `your role '${principal.role}' does not grant '${permission}'`;
  return `this API key has scope '${request.apiKey?.scope}', which does not grant '${permission}'`;
}

/** The audit actor for a request's caller; anonymous on public routes. */
export function actorOf(principal: Principal | null): AuditActor {
  if (!principal) return ANONYMOUS_ACTOR;
  return { kind: principal.kind, id: principal.id, organisationId: principal.organisationId };
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

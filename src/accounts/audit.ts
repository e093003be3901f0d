/**
 * The audit trail: who did what to which thing, when, and why.
 *
 * Recorded: every read of a case, every unblurred view of media, every evidence
 * export, every permission change (users, roles, API keys) and every login.
 * Each event is a row in audit_events, and, once wired, also an entry in the
 * tamper-evident evidence log (src/evidence/log, `append(kind, payload)`), so a
 * deleted or altered row shows up as a gap against the signed log.
 */
import type { Kysely } from 'kysely';
import type { Schema } from '../db/schema.js';

export type ActorKind = 'user' | 'apiKey' | 'system' | 'anonymous';

export interface AuditActor {
  readonly kind: ActorKind;
  /** users.id or api_keys.id; null for the system and anonymous callers. */
  readonly id: number | null;
  readonly organisationId: number | null;
}

/** The actions recorded today; other modules add theirs in the same `noun.verb` form. */
export const AUDIT_ACTIONS = {
  login: 'auth.login',
  loginFailed: 'auth.login_failed',
  lockout: 'auth.lockout',
  logout: 'auth.logout',
  passwordChange: 'auth.password_change',
  totpEnrolled: 'auth.totp_enrolled',
  setupAdmin: 'setup.first_admin',
  userCreate: 'user.create',
  userRoleChange: 'user.role_change',
  userDisable: 'user.disable',
  userEnable: 'user.enable',
  userTotpReset: 'user.totp_reset',
  apiKeyCreate: 'api_key.create',
  apiKeyRevoke: 'api_key.revoke',
  caseRead: 'case.read',
  mediaUnblur: 'media.unblur',
  evidenceExport: 'evidence.export',
} as const;

const ACTION_FORMAT = /^[a-z][a-z_]*(\.[a-z][a-z_]*)+$/;

export interface AuditEvent {
  readonly actor: AuditActor;
  /** `noun.verb`, e.g. AUDIT_ACTIONS.caseRead. */
  readonly action: string;
  /** What was acted on, `kind:id`, e.g. "user:12", "case:PRS-0042". */
  readonly target: string;
  /** Why, in the actor's words or the system's (e.g. "login"); null only when truly none was given. */
  readonly purpose: string | null;
  readonly at: Date;
  /** Facts that make the event readable later (old and new role, client address). Never secrets. */
  readonly details?: Record<string, unknown>;
}

export interface AuditLog {
  record(event: AuditEvent): Promise<void>;
}

/** The tamper-evident log's append, e.g. `(kind, payload) => evidenceLog.append(kind, payload)`. */
export type AppendToLog = (kind: string, payload: Record<string, unknown>) => Promise<unknown>;

/** The kind used for audit entries in the tamper-evident log. */
export const AUDIT_LOG_KIND = 'audit';

export const SYSTEM_ACTOR: AuditActor = { kind: 'system', id: null, organisationId: null };
export const ANONYMOUS_ACTOR: AuditActor = { kind: 'anonymous', id: null, organisationId: null };

export interface DatabaseAuditLogOptions {
  /** Also append each event to the tamper-evident log (after the row is written). */
  appendToLog?: AppendToLog;
}

/**
 * Audit events as rows of audit_events. `database` is called per event because
 * the server opens its database after it starts listening.
 */
export class DatabaseAuditLog implements AuditLog {
  constructor(
    private readonly database: () => Kysely<Schema>,
    private readonly options: DatabaseAuditLogOptions = {},
  ) {}

  async record(event: AuditEvent): Promise<void> {
    if (!ACTION_FORMAT.test(event.action))
      throw new Error(`audit action ${JSON.stringify(event.action)} is not noun.verb`);
    const row = await this.database()
      .insertInto('audit_events')
      .values({
        at: event.at,
        org_id: event.actor.organisationId,
        actor_kind: event.actor.kind,
        actor_id: event.actor.id,
        action: event.action,
        target: event.target,
        purpose: event.purpose,
        details: JSON.stringify(event.details ?? {}),
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    await this.options.appendToLog?.(AUDIT_LOG_KIND, auditPayload(row.id, event));
  }
}

/** What goes into the tamper-evident log: the row's id and every field, times as ISO strings. */
export function auditPayload(id: number, event: AuditEvent): Record<string, unknown> {
  return {
    audit_event_id: id,
    at: event.at.toISOString(),
    actor: { kind: event.actor.kind, id: event.actor.id, organisation_id: event.actor.organisationId },
    action: event.action,
    target: event.target,
    purpose: event.purpose,
    details: event.details ?? {},
  };
}

export interface AuditQuery {
  organisationId?: number | null;
  target?: string;
  action?: string;
  limit?: number;
}

/** Events, newest first (for the audit views and tests). */
export async function listAuditEvents(db: Kysely<Schema>, query: AuditQuery = {}) {
  let q = db
    .selectFrom('audit_events')
    .selectAll()
    .orderBy('id', 'desc')
    .limit(query.limit ?? 100);
  if (query.organisationId !== undefined) {
    q = query.organisationId === null ? q.where('org_id', 'is', null) : q.where('org_id', '=', query.organisationId);
  }
  if (query.target !== undefined) q = q.where('target', '=', query.target);
  if (query.action !== undefined) q = q.where('action', '=', query.action);
  return q.execute();
}

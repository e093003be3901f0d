/**
 * The JSON shapes of takedowns in the HTTP API (/api/v1/takedowns): zod
 * schemas for requests and responses (also the OpenAPI document) and the
 * mapping from the domain types. snake_case, times as ISO 8601 strings.
 */
import { z } from 'zod';
import {
  TAKEDOWN_CHANNELS,
  TAKEDOWN_EVENT_KINDS,
  TAKEDOWN_LANGUAGES,
  TAKEDOWN_PLATFORMS,
  TAKEDOWN_STATUSES,
} from '../../db/schema-takedowns.js';
import { MIN_OVERRIDE_REASON } from './gate.js';
import { takedownItemInput } from './input.js';
import type { Takedown, TakedownEvent } from './model.js';
import { takedownReference } from './notices.js';
import type { RemovalStats } from './stats.js';

const isoTime = z.string().describe('ISO 8601 time');
const iso = (d: Date | null) => d?.toISOString() ?? null;

export const takedownOut = z.object({
  id: z.number().int(),
  reference: z.string().describe('TD-NNNNNN, as quoted in notices'),
  case_id: z.number().int().nullable(),
  case_reference: z.string().nullable(),
  platform: z.enum(TAKEDOWN_PLATFORMS),
  host: z.string(),
  recipient: z
    .string()
    .nullable()
    .describe("where e-mailed notices go (the takedown's own or the platform's configured address)"),
  target_url: z.string().nullable(),
  target_description: z.string(),
  items: z.array(z.record(z.string(), z.string())),
  language: z.enum(TAKEDOWN_LANGUAGES),
  legal_basis: z.string(),
  evidence_ref: z.string().nullable(),
  status: z.enum(TAKEDOWN_STATUSES),
  channel: z.enum(TAKEDOWN_CHANNELS).nullable(),
  sent_count: z.number().int(),
  first_sent_at: isoTime.nullable(),
  last_sent_at: isoTime.nullable(),
  next_notice_at: isoTime
    .nullable()
    .describe('when the next reminder is due (sent by the scheduler for e-mailed notices)'),
  renotice_interval_hours: z.number().int().nullable().describe('null: the global interval (24 h unless configured)'),
  acknowledged_at: isoTime.nullable(),
  removed_at: isoTime.nullable(),
  refused_at: isoTime.nullable(),
  reappeared_at: isoTime.nullable(),
  last_checked_at: isoTime.nullable(),
  override: z
    .object({ reason: z.string(), by: z.string(), at: isoTime })
    .nullable()
    .describe('sent without preserved evidence: who allowed it, why, when'),
  created_by: z.string(),
  created_at: isoTime,
  updated_at: isoTime,
});

export const eventOut = z.object({
  id: z.number().int(),
  kind: z.enum(TAKEDOWN_EVENT_KINDS),
  from_status: z.enum(TAKEDOWN_STATUSES).nullable(),
  to_status: z.enum(TAKEDOWN_STATUSES).nullable(),
  actor: z.string().describe('user:ID, apiKey:ID or system'),
  details: z.record(z.string(), z.unknown()),
  at: isoTime,
});

export const removalStatsOut = z.object({
  key: z.string(),
  count: z.number().int(),
  removed: z.number().int(),
  refused: z.number().int(),
  open: z.number().int(),
  timed_removals: z.number().int().describe('removals after a notice, which the times are computed from'),
  median_hours: z.number().nullable(),
  p90_hours: z.number().nullable(),
});

export const purpose = z.string().trim().min(1).max(1000).optional().describe('why: kept in the audit trail');
export const overrideReason = z
  .string()
  .trim()
  .min(MIN_OVERRIDE_REASON)
  .max(2000)
  .optional()
  .describe('send although the evidence is not preserved: needs evidence:preserve; recorded and audited');

export const createBody = z.strictObject({
  case_reference: z.string().max(40).optional().describe('the case this takedown belongs to (PS-YYYY-NNNNNN)'),
  platform: z.enum(TAKEDOWN_PLATFORMS),
  host: z.string().max(253).optional().describe('domain hosting the content; default from the URLs'),
  recipient: z
    .string()
    .max(320)
    .nullable()
    .optional()
    .describe("e-mail address; default: the platform's configured one"),
  target_url: z.string().max(2048).nullable().optional(),
  target_description: z.string().max(2000).optional(),
  items: z
    .array(takedownItemInput)
    .min(1)
    .max(500)
    .describe('what is to be removed: url, chat, message_id, description'),
  language: z.enum(TAKEDOWN_LANGUAGES),
  legal_basis: z.string().trim().min(1).max(2000),
  evidence_ref: z.string().trim().min(1).max(500).nullable().optional(),
  renotice_interval_hours: z.number().int().min(1).max(8760).nullable().optional(),
  purpose,
});

export const idParams = z.object({ id: z.coerce.number().int().positive() });
export const listQuery = z.object({
  status: z.enum(TAKEDOWN_STATUSES).optional(),
  platform: z.enum(TAKEDOWN_PLATFORMS).optional(),
  case_reference: z.string().max(40).optional(),
  due: z.enum(['true', 'false']).optional().describe('true: only those whose next notice is due now'),
  before_id: z.coerce.number().int().positive().optional(),
  limit: z.coerce.number().int().min(1).max(500).optional(),
});

export function toTakedownOut(
  t: Takedown,
  caseReference: string | null,
  recipient: string | null,
): z.infer<typeof takedownOut> {
  return {
    id: t.id,
    reference: takedownReference(t.id),
    case_id: t.caseId,
    case_reference: caseReference,
    platform: t.platform,
    host: t.host,
    recipient,
    target_url: t.targetUrl,
    target_description: t.targetDescription,
    items: t.items as Record<string, string>[],
    language: t.language,
    legal_basis: t.legalBasis,
    evidence_ref: t.evidenceRef,
    status: t.status,
    channel: t.channel,
    sent_count: t.sentCount,
    first_sent_at: iso(t.firstSentAt),
    last_sent_at: iso(t.lastSentAt),
    next_notice_at: iso(t.nextNoticeAt),
    renotice_interval_hours: t.renoticeIntervalHours,
    acknowledged_at: iso(t.acknowledgedAt),
    removed_at: iso(t.removedAt),
    refused_at: iso(t.refusedAt),
    reappeared_at: iso(t.reappearedAt),
    last_checked_at: iso(t.lastCheckedAt),
    override:
      t.overrideReason && t.overrideBy && t.overrideAt
        ? { reason: t.overrideReason, by: t.overrideBy, at: t.overrideAt.toISOString() }
        : null,
    created_by: t.createdBy,
    created_at: t.createdAt.toISOString(),
    updated_at: t.updatedAt.toISOString(),
  };
}

export function toEventOut(e: TakedownEvent): z.infer<typeof eventOut> {
  return {
    id: e.id,
    kind: e.kind,
    from_status: e.fromStatus,
    to_status: e.toStatus,
    actor: e.actor.id === null ? e.actor.kind : `${e.actor.kind}:${e.actor.id}`,
    details: e.details,
    at: e.at.toISOString(),
  };
}

export function toStatsOut(s: RemovalStats): z.infer<typeof removalStatsOut> {
  return {
    key: s.key,
    count: s.count,
    removed: s.removed,
    refused: s.refused,
    open: s.open,
    timed_removals: s.timedRemovals,
    median_hours: s.medianHours,
    p90_hours: s.p90Hours,
  };
}

/** The takedown and its history as the rest of the code sees them, and the mapping from rows. */
import type { Selectable } from 'kysely';
import type {
  TakedownActorKind,
  TakedownChannel,
  TakedownEventKind,
  TakedownItem,
  TakedownLanguage,
  TakedownPlatform,
  TakedownStatus,
  TakedownsTable,
} from '../../db/schema-takedowns.js';

export interface Takedown {
  id: number;
  organisationId: number;
  caseId: number | null;
  platform: TakedownPlatform;
  host: string;
  recipient: string | null;
  targetUrl: string | null;
  targetDescription: string;
  items: TakedownItem[];
  language: TakedownLanguage;
  legalBasis: string;
  evidenceRef: string | null;
  status: TakedownStatus;
  channel: TakedownChannel | null;
  sentCount: number;
  firstSentAt: Date | null;
  lastSentAt: Date | null;
  cycleSentAt: Date | null;
  nextNoticeAt: Date | null;
  renoticeIntervalHours: number | null;
  firstMessageId: string | null;
  acknowledgedAt: Date | null;
  removedAt: Date | null;
  refusedAt: Date | null;
  reappearedAt: Date | null;
  lastCheckedAt: Date | null;
  overrideReason: string | null;
  overrideBy: string | null;
  overrideAt: Date | null;
  createdBy: string;
  createdAt: Date;
  updatedAt: Date;
}

/** Who acted: a user or API key by id, or the system (scheduler, availability checks). */
export interface TakedownActor {
  readonly kind: TakedownActorKind;
  readonly id: string | null;
}

export const SYSTEM_ACTOR: TakedownActor = { kind: 'system', id: null };

/** "user:12", "apiKey:3", "system": how actors are written into takedown columns. */
export function actorLabel(actor: TakedownActor): string {
  return actor.id === null ? actor.kind : `${actor.kind}:${actor.id}`;
}

export interface TakedownEvent {
  id: number;
  takedownId: number;
  kind: TakedownEventKind;
  fromStatus: TakedownStatus | null;
  toStatus: TakedownStatus | null;
  actor: TakedownActor;
  details: Record<string, unknown>;
  at: Date;
}

export function toTakedown(r: Selectable<TakedownsTable>): Takedown {
  return {
    id: r.id,
    organisationId: r.org_id,
    caseId: r.case_id,
    platform: r.platform,
    host: r.host,
    recipient: r.recipient,
    targetUrl: r.target_url,
    targetDescription: r.target_description,
    items: r.items,
    language: r.language,
    legalBasis: r.legal_basis,
    evidenceRef: r.evidence_ref,
    status: r.status,
    channel: r.channel,
    sentCount: r.sent_count,
    firstSentAt: r.first_sent_at,
    lastSentAt: r.last_sent_at,
    cycleSentAt: r.cycle_sent_at,
    nextNoticeAt: r.next_notice_at,
    renoticeIntervalHours: r.renotice_interval_hours,
    firstMessageId: r.first_message_id,
    acknowledgedAt: r.acknowledged_at,
    removedAt: r.removed_at,
    refusedAt: r.refused_at,
    reappearedAt: r.reappeared_at,
    lastCheckedAt: r.last_checked_at,
    overrideReason: r.override_reason,
    overrideBy: r.override_by,
    overrideAt: r.override_at,
    createdBy: r.created_by,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

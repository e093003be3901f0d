/**
 * What happens to a takedown: sending a notice by e-mail, recording one sent by
 * hand, and status changes (acknowledged, removed, refused, reappeared). Each
 * step asks the state machine whether it is allowed, passes the evidence gate
 * when it sends, and commits the new state with its history in one transaction.
 *
 * A notice is e-mailed before the state is committed: if the commit then finds
 * the takedown changed by someone else meanwhile, the e-mail has gone out but
 * is not counted (the caller gets a conflict). The scheduler claims a takedown
 * before sending, so two workers never send the same reminder.
 */
import type { Kysely } from 'kysely';
import type { Schema } from '../../db/schema.js';
import type { TakedownChannel, TakedownLanguage, TakedownStatus } from '../../db/schema-takedowns.js';
import { TakedownError } from './errors.js';
import { type EvidenceGate, type EvidenceOverride, MIN_OVERRIDE_REASON } from './gate.js';
import { MailDeliveryError, type NoticeMailer } from './mailer.js';
import { actorLabel, type Takedown, type TakedownActor } from './model.js';
import { type RenderedNotice, renderNotice, takedownReference } from './notices.js';
import {
  caseReferenceOf,
  commitChange,
  type NewEvent,
  organisationName,
  recordEvent,
  type TakedownPatch,
} from './repository.js';
import type { TakedownSettings } from './settings.js';
import { ACTION_FOR_STATUS, allowedFrom, hoursToRemoval, nextNoticeAt, nextStatus } from './state.js';
import type { NoticeTemplates } from './templates.js';

export interface TakedownDeps {
  readonly db: Kysely<Schema>;
  readonly templates: NoticeTemplates;
  /** Null when SMTP is not configured: e-mail sending answers 'not-configured'. */
  readonly mailer: NoticeMailer | null;
  readonly gate: EvidenceGate;
  readonly settings: TakedownSettings;
}

export interface StepOptions {
  actor: TakedownActor;
  now: Date;
}

export interface SendOptions extends StepOptions {
  /** Send without preserved evidence; the caller has checked the actor may (evidence:preserve). */
  override?: EvidenceOverride;
  /** A reminder from the scheduler (marked Auto-Submitted). */
  automatic?: boolean;
}

export interface SendResult {
  takedown: Takedown;
  notice: RenderedNotice;
  to: string;
  messageId: string;
}

/** The status after a send, or a conflict naming where sending is allowed from. */
function sendTarget(takedown: Takedown): TakedownStatus {
  const to = nextStatus(takedown.status, 'send');
  if (!to) {
    throw new TakedownError(
      'conflict',
      `takedown ${takedown.id} is ${takedown.status}: a notice can be sent only when it is ${allowedFrom('send').join(', ')}`,
    );
  }
  return to;
}

interface GatePassed {
  preserved: boolean;
  reference: string | null;
  /** An override given now (to record), not one standing from an earlier send. */
  newOverride: EvidenceOverride | null;
}

/** Preserve before takedown: passes, or records a 'send_blocked' event and refuses. */
async function passGate(deps: TakedownDeps, takedown: Takedown, options: SendOptions): Promise<GatePassed> {
  const check = await deps.gate.isPreserved(takedown);
  if (check.preserved) return { preserved: true, reference: check.reference ?? null, newOverride: null };
  if (takedown.overrideReason) return { preserved: false, reference: null, newOverride: null };
  const reason = options.override?.reason.trim() ?? '';
  if (reason.length >= MIN_OVERRIDE_REASON) return { preserved: false, reference: null, newOverride: { reason } };
  const why = options.override
    ? `an override needs a reason of at least ${MIN_OVERRIDE_REASON} characters`
    : 'preserve the evidence first, or override with a reason (needs evidence:preserve)';
  await recordEvent(
    deps.db,
    takedown,
    { kind: 'send_blocked', from: takedown.status, to: takedown.status, details: { reason: 'evidence not preserved' } },
    options.actor,
    options.now,
  );
  throw new TakedownError(
    'evidence-not-preserved',
    `takedown ${takedown.id}: the evidence is not preserved and logged; ${why}`,
  );
}

/** The notice as it would go out next (notice number, preservation as the gate says now). */
export async function composeNotice(
  deps: TakedownDeps,
  takedown: Takedown,
  gate: { preserved: boolean; reference: string | null },
  language: TakedownLanguage = takedown.language,
): Promise<RenderedNotice> {
  const senderOrg = deps.settings.senderOrg ?? (await organisationName(deps.db, takedown.organisationId));
  return renderNotice(deps.templates, language, {
    platform: takedown.platform,
    host: takedown.host,
    senderOrg,
    contact: deps.settings.contact,
    takedownRef: takedownReference(takedown.id),
    caseReference: await caseReferenceOf(deps.db, takedown),
    legalBasis: takedown.legalBasis,
    evidenceRef: takedown.evidenceRef ?? gate.reference,
    preserved: gate.preserved,
    targetUrl: takedown.targetUrl,
    targetDescription: takedown.targetDescription,
    items: takedown.items,
    noticeNumber: takedown.sentCount + 1,
    firstSentAt: takedown.firstSentAt,
  });
}

/** A preview: what the next notice would say, without sending or recording anything. */
export async function previewNotice(
  deps: TakedownDeps,
  takedown: Takedown,
  language?: TakedownLanguage,
): Promise<RenderedNotice> {
  const check = await deps.gate.isPreserved(takedown);
  return composeNotice(deps, takedown, { preserved: check.preserved, reference: check.reference ?? null }, language);
}

/** The address for e-mailed notices: the takedown's own, else the platform's configured one. */
export function recipientOf(deps: TakedownDeps, takedown: Takedown): string | null {
  return takedown.recipient ?? deps.settings.recipients[takedown.platform] ?? null;
}

/** E-mails the notice (first or reminder) and records it. */
export async function sendTakedown(deps: TakedownDeps, takedown: Takedown, options: SendOptions): Promise<SendResult> {
  const to = sendTarget(takedown);
  const recipient = recipientOf(deps, takedown);
  if (!recipient) {
    throw new TakedownError(
      'validation',
      `takedown ${takedown.id} has no recipient address and none is configured for ${takedown.platform}; give one, or record a notice sent by hand`,
    );
  }
  if (!deps.mailer) throw new TakedownError('not-configured', 'sending by e-mail is not configured (PERISAI_SMTP_URL)');
  const gate = await passGate(deps, takedown, options);
  const notice = await composeNotice(deps, takedown, gate);
  const reference = takedownReference(takedown.id);
  let messageId: string;
  try {
    ({ messageId } = await deps.mailer.send({
      to: recipient,
      ...notice,
      replyTo: deps.settings.replyTo ?? undefined,
      inReplyTo: takedown.firstMessageId ?? undefined,
      automatic: options.automatic ?? false,
      reference,
    }));
  } catch (err) {
    if (!(err instanceof MailDeliveryError)) throw err;
    const details = { to: recipient, error: err.message };
    await recordEvent(
      deps.db,
      takedown,
      { kind: 'send_failed', from: takedown.status, to: takedown.status, details },
      options.actor,
      options.now,
    );
    throw new TakedownError('delivery', err.message);
  }
  const sent = { to: recipient, message_id: messageId, subject: notice.subject, language: notice.language };
  const after = await commitSend(deps, takedown, to, 'email', gate, sent, options);
  return { takedown: after, notice, to: recipient, messageId };
}

export interface ManualSendOptions extends SendOptions {
  channel: Exclude<TakedownChannel, 'email'>;
  note: string;
}

/** Records a notice sent by hand (an in-app report, a web form); the evidence gate applies the same. */
export async function recordManualSend(
  deps: TakedownDeps,
  takedown: Takedown,
  options: ManualSendOptions,
): Promise<Takedown> {
  const to = sendTarget(takedown);
  const gate = await passGate(deps, takedown, options);
  return commitSend(
    deps,
    takedown,
    to,
    options.channel,
    gate,
    { channel: options.channel, note: options.note },
    options,
  );
}

async function commitSend(
  deps: TakedownDeps,
  before: Takedown,
  to: TakedownStatus,
  channel: TakedownChannel,
  gate: GatePassed,
  details: Record<string, unknown>,
  options: SendOptions,
): Promise<Takedown> {
  const { now, actor } = options;
  const reminder = before.status === 'sent' || before.status === 'acknowledged';
  const hours = before.renoticeIntervalHours ?? deps.settings.renoticeHours;
  const patch: TakedownPatch = {
    status: to,
    channel,
    sent_count: before.sentCount + 1,
    first_sent_at: before.firstSentAt ?? now,
    last_sent_at: now,
    // A new cycle (first notice, or after reappearing or a refusal): time-to-removal counts from here.
    cycle_sent_at: reminder ? (before.cycleSentAt ?? now) : now,
    next_notice_at: nextNoticeAt(now, hours),
    ...(gate.reference && !before.evidenceRef ? { evidence_ref: gate.reference } : {}),
    ...(channel === 'email' && typeof details.message_id === 'string' && !before.firstMessageId
      ? { first_message_id: details.message_id }
      : {}),
  };
  const events: NewEvent[] = [];
  if (gate.newOverride) {
    Object.assign(patch, {
      override_reason: gate.newOverride.reason,
      override_by: actorLabel(actor),
      override_at: now,
    });
    events.push({
      kind: 'override',
      from: before.status,
      to: before.status,
      details: { reason: gate.newOverride.reason },
    });
  }
  const kind = channel !== 'email' ? 'sent_manually' : reminder ? 'resent' : 'sent';
  const evidence = gate.preserved ? 'preserved' : gate.newOverride ? 'override' : 'standing override';
  events.push({
    kind,
    from: before.status,
    to,
    details: { ...details, notice_number: before.sentCount + 1, evidence, automatic: options.automatic ?? false },
  });
  const caseNote = reminder ? `Takedown reminder ${before.sentCount + 1} sent` : `Takedown notice sent (${channel})`;
  return commitChange(deps.db, { before, patch, events, caseNote }, actor, now);
}

export type MarkableStatus = keyof typeof ACTION_FOR_STATUS;

export interface StatusOptions extends StepOptions {
  note?: string;
  details?: Record<string, unknown>;
}

/** Acknowledged, removed, refused or reappeared, as a person or an availability check saw it. */
export async function changeStatus(
  db: Kysely<Schema>,
  before: Takedown,
  status: MarkableStatus,
  options: StatusOptions,
): Promise<Takedown> {
  const action = ACTION_FOR_STATUS[status];
  const to = nextStatus(before.status, action);
  if (!to) {
    throw new TakedownError(
      'conflict',
      `takedown ${before.id} is ${before.status}: it can become ${status} only from ${allowedFrom(action).join(', ')}`,
    );
  }
  const { now } = options;
  const details: Record<string, unknown> = { ...options.details, ...(options.note ? { note: options.note } : {}) };
  const patch: TakedownPatch = { status: to };
  if (to === 'acknowledged') patch.acknowledged_at = now;
  if (to === 'refused') Object.assign(patch, { refused_at: now, next_notice_at: null });
  if (to === 'removed') {
    Object.assign(patch, { removed_at: now, next_notice_at: null });
    details.hours_to_removal = hoursToRemoval(before.cycleSentAt, now);
  }
  // Back again: due at once, so the scheduler (or, for notices sent by hand, a person) sends it again.
  if (to === 'reappeared') Object.assign(patch, { reappeared_at: now, next_notice_at: now });
  const event: NewEvent = { kind: to as NewEvent['kind'], from: before.status, to, details };
  return commitChange(db, { before, patch, events: [event], caseNote: `Takedown ${to}` }, options.actor, now);
}

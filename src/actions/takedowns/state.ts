/**
 * The takedown state machine, pure: which status follows which event, and when
 * the next reminder is due. No I/O, so every rule here is unit-tested on its own.
 *
 *   pending → sent → acknowledged → removed | refused
 *   removed → reappeared → sent (again)
 *
 * - send: pending, reappeared and refused (a corrected notice) become sent;
 *   sent and acknowledged stay as they are (a reminder is a send too).
 * - remove: the content is gone. Also from pending (it vanished before any
 *   notice) and from refused (the host removed it after all).
 * - reappear: only removed content can come back.
 */
import type { TakedownStatus } from '../../db/schema-takedowns.js';

export type TakedownAction = 'send' | 'acknowledge' | 'remove' | 'refuse' | 'reappear';

const NEXT: Readonly<Record<TakedownAction, Partial<Record<TakedownStatus, TakedownStatus>>>> = {
  send: { pending: 'sent', sent: 'sent', acknowledged: 'acknowledged', reappeared: 'sent', refused: 'sent' },
  acknowledge: { sent: 'acknowledged' },
  remove: { pending: 'removed', sent: 'removed', acknowledged: 'removed', refused: 'removed', reappeared: 'removed' },
  refuse: { sent: 'refused', acknowledged: 'refused' },
  reappear: { removed: 'reappeared' },
};

/** The status an action leads to from `from`, or null when the action is not allowed there. */
export function nextStatus(from: TakedownStatus, action: TakedownAction): TakedownStatus | null {
  return NEXT[action][from] ?? null;
}

/** The statuses from which `action` is allowed (for error messages and docs). */
export function allowedFrom(action: TakedownAction): TakedownStatus[] {
  return Object.keys(NEXT[action]) as TakedownStatus[];
}

/** Statuses in which reminders go out until the content is gone. */
export const RENOTICE_STATUSES: readonly TakedownStatus[] = ['sent', 'acknowledged', 'reappeared'];

/** Statuses that count as still open in statistics and lists. */
export const OPEN_STATUSES: readonly TakedownStatus[] = ['pending', 'sent', 'acknowledged', 'reappeared'];

/** The action a status change asked for through the API names. */
export const ACTION_FOR_STATUS = {
  acknowledged: 'acknowledge',
  removed: 'remove',
  refused: 'refuse',
  reappeared: 'reappear',
} as const satisfies Partial<Record<TakedownStatus, TakedownAction>>;

export const DEFAULT_RENOTICE_HOURS = 24;
const HOUR_MS = 3_600_000;

/** When the next reminder is due after a send at `sentAt`. */
export function nextNoticeAt(sentAt: Date, intervalHours: number): Date {
  return new Date(sentAt.getTime() + intervalHours * HOUR_MS);
}

/** Whether a reminder is due at `now`: a status that takes reminders, and its time has come. */
export function isRenoticeDue(takedown: { status: TakedownStatus; nextNoticeAt: Date | null }, now: Date): boolean {
  if (!RENOTICE_STATUSES.includes(takedown.status) || !takedown.nextNoticeAt) return false;
  return takedown.nextNoticeAt.getTime() <= now.getTime();
}

/** Hours from the first notice of a cycle to the removal; null when no notice was sent. */
export function hoursToRemoval(cycleSentAt: Date | null, removedAt: Date): number | null {
  if (!cycleSentAt) return null;
  return Math.max(0, (removedAt.getTime() - cycleSentAt.getTime()) / HOUR_MS);
}

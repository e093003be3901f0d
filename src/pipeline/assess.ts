/**
 * Turns what was found in one message (its text signals, its media's bank
 * matches) into a finding with a severity. Pure: the pipeline stores the result.
 *
 * Severity, highest first:
 *  - doxxing: media matching a bank AND personal data in the same message, the
 *    pattern of the seed reports (a victim's image posted with her number);
 *  - match: media matching a bank;
 *  - personal_data: phones, e-mails, social handles or addresses, no match;
 *  - intent: requests for a person's info, sale offers, harassment, nothing else.
 * Telegram links are recorded with the personal data but raise no finding alone:
 * channels advertise each other constantly.
 */
import type { FindingSeverity } from '../db/schema-pipeline.js';
import type { TextSignals } from '../signals/analyze.js';

/** A bank match of one media item, as stored with the item. */
export interface MediaMatch {
  mediaId: string;
  bank: string;
  bankId: number;
  category: string;
  contentId: number;
  signalType: string;
  distance: number;
  caseRef: string | null;
  /** Quarantined for flooding: review before acting. Still a finding, flagged. */
  held: boolean;
}

export interface PersonalData {
  phones: TextSignals['phones'];
  emails: string[];
  handles: TextSignals['handles'];
  locations: string[];
  telegram_links: string[];
}

export interface Assessment {
  severity: FindingSeverity;
  /** 0 = most severe; sorts findings. */
  rank: number;
  matches: MediaMatch[];
  personalData: PersonalData;
  intent: string[];
}

export const SEVERITY_RANK: Readonly<Record<FindingSeverity, number>> = {
  doxxing: 0,
  match: 1,
  personal_data: 2,
  intent: 3,
};

export function personalDataOf(signals: TextSignals): PersonalData {
  return {
    phones: signals.phones,
    emails: signals.emails,
    handles: signals.handles,
    locations: signals.locations,
    telegram_links: signals.telegram_links,
  };
}

/** True when the message names a person: what turns a match into doxxing. */
export function hasPersonalData(pd: PersonalData): boolean {
  return pd.phones.length + pd.emails.length + pd.handles.length + pd.locations.length > 0;
}

/** The finding for a message, or null when nothing in it is worth a look. */
export function assessMessage(signals: TextSignals, matches: readonly MediaMatch[]): Assessment | null {
  const personalData = personalDataOf(signals);
  const named = hasPersonalData(personalData);
  let severity: FindingSeverity | null = null;
  if (matches.length > 0) severity = named ? 'doxxing' : 'match';
  else if (named) severity = 'personal_data';
  else if (signals.intent.length > 0) severity = 'intent';
  if (!severity) return null;
  return {
    severity,
    rank: SEVERITY_RANK[severity],
    matches: [...matches],
    personalData,
    intent: [...signals.intent],
  };
}

/** Empty signals, for messages stored before text analysis or without text. */
export const NO_SIGNALS: TextSignals = {
  phones: [],
  emails: [],
  handles: [],
  telegram_links: [],
  locations: [],
  intent: [],
};

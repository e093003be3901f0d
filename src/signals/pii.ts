/**
 * Personal data in a message: phone numbers, e-mail addresses, social-media
 * handles, Telegram links and locations. Each finder reads the PII-normalized
 * copy of the text (NFKC, invisible characters removed, look-alikes folded), so
 * "t.mе/…" with a Cyrillic "е" or fullwidth digits are found like plain ones.
 */
import { findEmails } from './emails.js';
import { findHandles, type HandleSignal } from './handles.js';
import { findLocations } from './locations.js';
import { normalizeForPii } from './normalize.js';
import { findPhones, type PhoneOptions, type PhoneSignal } from './phones.js';
import { findTelegramLinks } from './telegram.js';

export { findEmails } from './emails.js';
export { findHandles, type HandleSignal, PLATFORMS, type Platform } from './handles.js';
export { findLocations } from './locations.js';
export {
  findPhones,
  inferCountry,
  LANGUAGE_COUNTRY,
  PhoneContext,
  type PhoneOptions,
  type PhoneSignal,
} from './phones.js';
export { findTelegramLinks } from './telegram.js';

export interface PiiSignals {
  phones: PhoneSignal[];
  emails: string[];
  handles: HandleSignal[];
  telegram_links: string[];
  locations: string[];
}

/** Every kind of personal data in one message. */
export function extractPii(text: string, options: PhoneOptions = {}): PiiSignals {
  return piiOfNormalized(normalizeForPii(text).text, options);
}

/** extractPii on a text already through normalizeForPii. */
export function piiOfNormalized(clean: string, options: PhoneOptions = {}): PiiSignals {
  return {
    phones: findPhones(clean, options),
    emails: findEmails(clean),
    handles: findHandles(clean),
    telegram_links: findTelegramLinks(clean),
    locations: findLocations(clean),
  };
}

/**
 * All text signals of one message in the shape the rules engine and the
 * `perisai signals` command share (snake_case keys are part of the contract):
 *   { phones: [{e164, country}], emails: [], handles: [{platform, handle}],
 *     telegram_links: [], locations: [], intent: [] }
 */
import { detectIntent, type IntentCategory, type IntentMatcher } from './intent.js';
import { normalizeForPii } from './normalize.js';
import { type HandleSignal, type PhoneContext, type PhoneSignal, piiOfNormalized } from './pii.js';

export interface TextSignals {
  phones: PhoneSignal[];
  emails: string[];
  handles: HandleSignal[];
  telegram_links: string[];
  locations: string[];
  /** Intent categories present, each once, in the order request_info, offer_sale, harassment. */
  intent: IntentCategory[];
}

export interface AnalyzeOptions {
  /** The chat's country (ISO alpha-2) from the source's settings. */
  country?: string | undefined;
  /** The chat's language (BCP 47, e.g. "id", "ko"). */
  language?: string | undefined;
  /** Shared across the messages of one chat: international numbers vote for its country. */
  context?: PhoneContext | undefined;
  /** Compiled lexicons; default: the shipped ones. */
  intentMatcher?: IntentMatcher | undefined;
}

export function analyzeText(text: string, options: AnalyzeOptions = {}): TextSignals {
  // One normalized copy serves the personal-data finders and the intent regexes that read it.
  const plain = normalizeForPii(text);
  const pii = piiOfNormalized(plain.text, {
    country: options.country,
    language: options.language,
    context: options.context,
  });
  return {
    phones: pii.phones,
    emails: pii.emails,
    handles: pii.handles,
    telegram_links: pii.telegram_links,
    locations: pii.locations,
    intent: detectIntent(text, options.intentMatcher, plain),
  };
}

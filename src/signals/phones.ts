/**
 * Phone numbers in chat messages, with libphonenumber-js (full metadata, so a
 * number must be valid for its country, not just of a plausible length).
 *
 * Numbers written without a country code are read in the chat's country,
 * inferred in this order:
 *   1. an explicit country (the source's settings);
 *   2. the chat's language (LANGUAGE_COUNTRY);
 *   3. numbers already seen in the chat in international format (PhoneContext);
 *   4. the script of the message: Hangul means Korea, Han means China.
 * Without any of these only international numbers (+62…, 0062…) are found.
 *
 * libphonenumber already refuses most prices, dates and long digit runs. On top
 * of that a candidate is dropped when it is shaped like a date, glued to an
 * identifier ("INV-2024-…", "JP123…"), next to a currency, or labelled as
 * something else (order, tracking, bank account, national ID…).
 */
import { type CountryCode, findPhoneNumbersInText, isSupportedCountry, type NumberFound } from 'libphonenumber-js/max';

export interface PhoneSignal {
  /** E.164, e.g. "+6281234567890". */
  e164: string;
  /** ISO 3166-1 alpha-2 region of the number; "ZZ" for non-geographic numbers (+800…). */
  country: string;
}

/**
 * Language -> country for numbers without a country code.
 * English has no entry on purpose: it is the lingua franca of these groups
 * (Albanian, Malaysian and Indonesian channels post in English too), so it says
 * nothing about where a local number is from; a wrong guess would turn a valid
 * foreign number into a wrong one. Chinese maps to mainland China (CN); Taiwan
 * chats should set the country explicitly.
 */
export const LANGUAGE_COUNTRY: Readonly<Record<string, CountryCode>> = {
  id: 'ID',
  ms: 'MY',
  ko: 'KR',
  zh: 'CN',
  sq: 'AL',
};

/** Votes for the chat's country from numbers written with their country code. */
export class PhoneContext {
  private readonly votes = new Map<string, number>();

  observe(country: string): void {
    if (country === 'ZZ') return;
    this.votes.set(country, (this.votes.get(country) ?? 0) + 1);
  }

  /** The country with the most votes; the first seen wins a tie. */
  likelyCountry(): CountryCode | undefined {
    let best: string | undefined;
    let most = 0;
    for (const [country, n] of this.votes) {
      if (n > most) {
        best = country;
        most = n;
      }
    }
    return best && isSupportedCountry(best) ? best : undefined;
  }

  counts(): Record<string, number> {
    return Object.fromEntries(this.votes);
  }
}

export interface PhoneOptions {
  country?: string | undefined;
  language?: string | undefined;
  context?: PhoneContext | undefined;
}

/** Base language of a BCP 47 tag: "id-ID" -> "id", "zh-Hans" -> "zh". */
function baseLanguage(tag: string): string {
  return tag.toLowerCase().split(/[-_]/)[0] ?? '';
}

/** The country local numbers are read in, or undefined for international numbers only. */
export function inferCountry(text: string, options: PhoneOptions = {}): CountryCode | undefined {
  const explicit = options.country?.toUpperCase();
  if (explicit && isSupportedCountry(explicit)) return explicit;
  const byLanguage = options.language ? LANGUAGE_COUNTRY[baseLanguage(options.language)] : undefined;
  if (byLanguage) return byLanguage;
  const byContext = options.context?.likelyCountry();
  if (byContext) return byContext;
  if (/\p{Script=Hangul}/u.test(text)) return 'KR';
  if (/\p{Script=Han}/u.test(text) && !/[\p{Script=Hiragana}\p{Script=Katakana}]/u.test(text)) return 'CN';
  return undefined;
}

/**
 * Ranges reserved for fiction, which libphonenumber rightly calls invalid:
 * Ofcom's drama numbers (07700 900xxx, 01632 960xxx) and the US 555-01xx.
 * Accepted so that training material and tests with fictional people work.
 */
const FICTIONAL = /^\+(?:44(?:7700900|1632960)\d{3}|1\d{3}55501\d{2})$/;

/**
 * A label right before the digits (at most two words in between, such as a bank
 * or courier name) saying they are something else: an order, a parcel, an
 * account, an identity card.
 */
const OTHER_LABEL =
  /(?<![\p{L}])(?:order|invoice|inv|ref(?:erence)?|tracking|track|awb|resi|pesanan|porosia|transaksi|trx|rekening|rek|norek|account|acct|acc|a\/c|akaun|iban|llogari\p{L}*|nik|ktp|npwp|kode|code|voucher|serial|imei|nisn|nip|nim|meeting|zoom|passcode|pin|otp|id|주문|운송장|송장|계좌|订单|单号|快递|银行卡|账号|卡号|身份证)(?:\s+[\p{L}.]{1,12}){0,2}[^\p{L}\d]{0,4}(?:no\.?|nr\.?|number|nomor|num|id|#)?[^\p{L}\d]{0,4}$/iu;

const DATE_SHAPE = /^(?:\d{1,2}[-/.]\d{1,2}[-/.]\d{2,4}|\d{4}[-/.]\d{1,2}[-/.]\d{1,2})$/;
const CURRENCY_BEFORE = /(?:rp\.?|idr|rm|myr|usd|us\$|\$|€|£|¥|￥|₩|krw|rmb|cny|lek|eur)\s?$/iu;
const CURRENCY_AFTER = /^\s?(?:rb|ribu|jt|juta|k|元|块|원|만|lek|euro|€|usd|ringgit)(?![a-z])/iu;

/** Glued to an identifier: a Latin letter or digit, or "-"/"/" after one, right beside the match. */
function gluedToIdentifier(text: string, start: number, end: number): boolean {
  const before = text.slice(Math.max(0, start - 2), start);
  const after = text.slice(end, end + 2);
  return /(?:[A-Za-z0-9_]|[A-Za-z0-9][-/#.])$/.test(before) || /^(?:[A-Za-z0-9_]|[-/][A-Za-z0-9])/.test(after);
}

/** Why a candidate is not a phone number, or undefined when it is one. */
export function rejectReason(text: string, start: number, end: number): string | undefined {
  const raw = text.slice(start, end).trim();
  if (DATE_SHAPE.test(raw)) return 'date';
  if (gluedToIdentifier(text, start, end)) return 'identifier';
  const before = text.slice(Math.max(0, start - 40), start);
  if (CURRENCY_BEFORE.test(before) || CURRENCY_AFTER.test(text.slice(end, end + 8))) return 'price';
  if (OTHER_LABEL.test(before)) return 'labelled';
  return undefined;
}

/** "0062 812…" -> "+62 812…": the international prefix most countries use, read as "+". */
function plusForDoubleZero(text: string): string {
  return text.replace(/(^|[\s(:：,;])00(?=[1-9]\d)/g, '$1+');
}

/** Digit strings of the fictional ranges, to skip the second, lenient pass when none can be present. */
const FICTIONAL_DIGITS = /7700900|1632960|55501/;

function candidates(text: string, country: CountryCode | undefined): NumberFound[] {
  const options = country ? { defaultCountry: country } : {};
  if (!FICTIONAL_DIGITS.test(text.replace(/[^\d]/g, ''))) return findPhoneNumbersInText(text, options);
  // One lenient pass instead of a strict and a lenient one: keep what is valid or fictional.
  return findPhoneNumbersInText(text, { ...options, extended: true }).filter(
    (f) => f.number.isValid() || FICTIONAL.test(f.number.number),
  );
}

/**
 * No country's numbers are shorter than this (Niue and Tokelau use four digits).
 * Most messages have fewer digits than that, and they skip libphonenumber, whose
 * scan of a text costs far more than counting.
 */
const MIN_DIGITS = 4;

function hasDigits(text: string, wanted: number): boolean {
  let n = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    // Digits of other scripts (Arabic-Indic, Devanagari…) are rare: one regex test for them.
    if ((c >= 48 && c <= 57) || (c >= 0x80 && /\p{Nd}/u.test(text[i]!))) n++;
    if (n >= wanted) return true;
  }
  return false;
}

/**
 * Phone numbers in a (PII-normalized) text. International numbers vote for their
 * country in `options.context`, so later local numbers in the chat can be read.
 */
export function findPhones(text: string, options: PhoneOptions = {}): PhoneSignal[] {
  if (!hasDigits(text, MIN_DIGITS)) return [];
  const prepared = plusForDoubleZero(text);
  const country = inferCountry(prepared, options);
  const found: PhoneSignal[] = [];
  const seen = new Set<string>();
  for (const c of candidates(prepared, country)) {
    if (rejectReason(prepared, c.startsAt, c.endsAt)) continue;
    const e164 = c.number.number;
    // Fictional ranges are invalid, so libphonenumber names no country: take the calling code's main one.
    const region = c.number.country ?? c.number.getPossibleCountries()[0] ?? 'ZZ';
    if (prepared[c.startsAt] === '+') options.context?.observe(region);
    if (seen.has(e164)) continue;
    seen.add(e164);
    found.push({ e164, country: region });
  }
  return found;
}

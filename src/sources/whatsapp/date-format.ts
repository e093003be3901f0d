/**
 * The timestamp at the start of every WhatsApp export record, and the file's date format.
 *
 * The shape depends on the phone's OS and locale and nothing in the file names it:
 *   Android  "12/31/23, 8:03 PM - Aunt May: hi"        "31.12.23, 20:03 - Jonas: hi"
 *            "31/12/23, 8:03 p. m. - …" (es)           "2023/12/31 20:03 - …" (ja)
 *   iOS      "[31/12/2023, 20:03:15] Priya: hi"        "‎[2023/12/31 午後8:03:15] …" (ja)
 *   old iOS  "31/12/2023 20:03:15: Priya: hi"
 * Day/month order is decided once per FILE: "01/02/23" alone cannot tell 1 February from
 * 2 January, but the whole file usually can (a day above 12 somewhere, or dates that only
 * run forwards under one reading). When nothing decides, a configured locale does, and the
 * assumption is recorded.
 */
import { isValidLocal, type LocalTime, wallMs } from './time-zone.js';

export type DateOrder = 'DMY' | 'MDY' | 'YMD';
/** android: "<ts> - body"; ios: "[<ts>] body"; legacy: "<ts>: body" (iOS before 2017). */
export type Frame = 'android' | 'ios' | 'legacy';

export interface HeaderParts {
  frame: Frame;
  /** The three date numbers as written, in file order. */
  numbers: [string, string, string];
  hour: number;
  minute: number;
  second: number | null;
  meridiem: 'am' | 'pm' | null;
  /** The timestamp as written, without brackets or the separator after it. */
  timestamp: string;
  /** What follows the timestamp: "Author: text" or a system line. */
  body: string;
  /** Lines of one file share it; a line with another signature is message text, not a record. */
  signature: string;
}

/** Direction marks and BOMs that exports put before "[" or around names. */
export const INVISIBLE_MARKS = /[\u200e\u200f\u202a-\u202e\u2066-\u2069\ufeff]/g;
const LEADING_MARKS = /^[\u200e\u200f\u202a-\u202e\u2066-\u2069\ufeff]+/;

/** Markers written before the time (CJK, Korean "PM 8:03"); the Chinese day periods included. */
const PREFIX_MERIDIEM = String.raw`午前|午後|오전|오후|上午|下午|中午|晚上|凌晨|早上|[aApP]\.?\s?[mM]\.?`;
/** Markers written after the time: "PM", "p. m.", "a.m.", "vorm.", Malay "PTG", Greek, Arabic, CJK. */
const SUFFIX_MERIDIEM = String.raw`[aApP]\.?\s?[mM]\.?|vorm\.|nachm\.|PTG|PG|π\.\s?μ\.|μ\.\s?μ\.|ص|م|午前|午後|오전|오후|上午|下午|中午|晚上|凌晨|早上`;
/**
 * \s also matches U+00A0 and U+202F, which recent exports put before "PM" and inside
 * "p. m.". Arabic dates carry U+200F after each separator; Bulgarian adds " г.",
 * Finnish " klo " before the time.
 */
const HEADER = new RegExp(
  String.raw`^(\[)?(\d{1,4})([./-])\u200f?\s?(\d{1,2})\3\u200f?\s?(\d{1,4})\.?(?:\sг\.)?(?:,\s?|\s?،\s?|\sklo\s|\s)` +
    String.raw`(?:(${PREFIX_MERIDIEM})\s?)?(\d{1,2})([:.])(\d{2})(?:\8(\d{2}))?(?:\s?(${SUFFIX_MERIDIEM}))?(\]\s?|\s[-–]\s?|:\s)`,
);

const PM = new Set(['pm', 'nachm', 'ptg', 'μμ', 'م', '午後', '오후', '下午', '中午', '晚上']);

/** Reads the timestamp at the start of a line, or null when the line does not start a record. */
export function matchHeader(line: string): HeaderParts | null {
  const text = line.replace(LEADING_MARKS, '');
  const m = HEADER.exec(text);
  if (!m) return null;
  // Groups: 1 "[", 2-5 date and its separator, 6 prefix marker, 7-10 time, 11 suffix marker, 12 terminator.
  const open = m[1] === '[';
  const term = m[12]!;
  const frame: Frame = term.startsWith(']') ? 'ios' : term.startsWith(':') ? 'legacy' : 'android';
  if (open !== (frame === 'ios')) return null;
  const numbers: [string, string, string] = [m[2]!, m[4]!, m[5]!];
  const yearShape = shapeOf(numbers);
  if (!yearShape) return null;
  const marker = m[6] ?? m[11];
  const meridiem = marker ? (PM.has(marker.replace(/[\s.]/g, '').toLowerCase()) ? 'pm' : 'am') : null;
  const second = m[10] === undefined ? null : Number(m[10]);
  const signature = [frame, m[3], m[8], second === null ? 'hm' : 'hms', meridiem ? 12 : 24, yearShape].join('|');
  return {
    frame,
    numbers,
    hour: Number(m[7]),
    minute: Number(m[9]),
    second,
    meridiem,
    timestamp: text.slice(open ? 1 : 0, m[0].length - term.length),
    body: text.slice(m[0].length),
    signature,
  };
}

/** 'Y' (year first, 4 digits), 'y4' (year last, 4 digits), 'y2' (2-digit year, position open), or null. */
function shapeOf(n: [string, string, string]): string | null {
  const [a, , c] = n;
  if (a.length === 3 || c.length === 3) return null;
  if (a.length === 4 && c.length === 4) return null;
  if (a.length === 4) return 'Y';
  return c.length === 4 ? 'y4' : 'y2';
}

/** The orders a signature allows: a 4-digit year fixes its own place. */
function ordersOf(signature: string): DateOrder[] {
  if (signature.endsWith('|Y')) return ['YMD'];
  if (signature.endsWith('|y4')) return ['DMY', 'MDY'];
  return ['DMY', 'MDY', 'YMD'];
}

/** The wall-clock time of a header read in `order`, or null when it is not a real date and time. */
export function localTimeOf(parts: HeaderParts, order: DateOrder): LocalTime | null {
  const [a, b, c] = parts.numbers.map(Number) as [number, number, number];
  const [yearText, year0, month, day] =
    order === 'DMY'
      ? [parts.numbers[2], c, b, a]
      : order === 'MDY'
        ? [parts.numbers[2], c, a, b]
        : [parts.numbers[0], a, b, c];
  const year = yearText.length <= 2 ? 2000 + year0 : year0;
  let hour = parts.hour;
  if (parts.meridiem) {
    // 12-hour clocks write 12:xx (h) or, in Japanese, 0:xx (K) for the first hour.
    if (hour > 12) return null;
    hour = (hour % 12) + (parts.meridiem === 'pm' ? 12 : 0);
  }
  const t: LocalTime = { year, month, day, hour, minute: parts.minute, second: parts.second ?? 0 };
  return isValidLocal(t) ? t : null;
}

/** The locale's numeric date order, from Intl ("en-US" → MDY, "de" → DMY, "ja" → YMD). */
export function orderForLocale(locale: string): DateOrder {
  const parts = new Intl.DateTimeFormat(locale, { year: 'numeric', month: '2-digit', day: '2-digit' }).formatToParts(
    new Date(Date.UTC(2001, 1, 3)),
  );
  const seq = parts
    .filter((p) => p.type === 'year' || p.type === 'month' || p.type === 'day')
    .map((p) => p.type[0])
    .join('');
  return seq === 'mdy' ? 'MDY' : seq === 'ymd' ? 'YMD' : 'DMY';
}

export interface DateFormat {
  signature: string;
  frame: Frame;
  order: DateOrder;
  /** e.g. `M/D/YY, h:mm AM/PM - ` */
  description: string;
  /** Set when the file did not decide the day/month order and the default locale did. */
  assumption: string | null;
  /** Header lines of this format seen while detecting. */
  records: number;
}

interface OrderStats {
  order: DateOrder;
  invalid: number;
  decreases: number;
  prev: number | null;
}

interface SignatureStats {
  lines: number;
  example: HeaderParts;
  orders: OrderStats[];
}

/** Hostile text could invent many signatures; real files have one. */
const MAX_SIGNATURES = 64;
const PREFERENCE: readonly DateOrder[] = ['DMY', 'MDY', 'YMD'];

/**
 * Streaming detection: `add` every line of the file (memory stays constant), then
 * `result`. Per signature and candidate order it counts impossible dates and steps
 * backwards in time; the order with the fewest (impossible dates first) wins.
 */
export class DateFormatDetector {
  private readonly stats = new Map<string, SignatureStats>();

  add(line: string): HeaderParts | null {
    const parts = matchHeader(line);
    if (!parts) return null;
    let s = this.stats.get(parts.signature);
    if (!s) {
      if (this.stats.size >= MAX_SIGNATURES) return parts;
      s = { lines: 0, example: parts, orders: ordersOf(parts.signature).map((order) => fresh(order)) };
      this.stats.set(parts.signature, s);
    }
    s.lines++;
    for (const o of s.orders) {
      const t = localTimeOf(parts, o.order);
      // WhatsApp began in 2009: an earlier year means the order is wrong ("03.10.23" is not 2003).
      if (!t || t.year < 2009) {
        o.invalid++;
        continue;
      }
      const key = wallMs(t);
      if (o.prev !== null && key < o.prev) o.decreases++;
      o.prev = key;
    }
    return parts;
  }

  /** The file's format, or null when no line starts with a timestamp. */
  result(defaultOrder: DateOrder, defaultLocale: string): DateFormat | null {
    let best: SignatureStats | null = null;
    for (const s of this.stats.values()) if (!best || usable(s) > usable(best)) best = s;
    if (!best) return null;
    const ranked = [...best.orders].sort(
      (x, y) => x.invalid - y.invalid || x.decreases - y.decreases || rank(x.order) - rank(y.order),
    );
    const top = ranked[0]!;
    const ties = ranked.filter((o) => o.invalid === top.invalid && o.decreases === top.decreases).map((o) => o.order);
    const { order, assumption } = breakTie(ties, best.example.signature, defaultOrder, defaultLocale);
    return {
      signature: best.example.signature,
      frame: best.example.frame,
      order,
      description: describeFormat(best.example, order),
      assumption,
      records: best.lines,
    };
  }
}

/**
 * Orders that fit the dates equally well: M/D/Y is written only with "/" in every locale,
 * so with "." or "-" it is dropped; then the default locale decides, and that is noted.
 */
function breakTie(
  ties: DateOrder[],
  signature: string,
  defaultOrder: DateOrder,
  defaultLocale: string,
): { order: DateOrder; assumption: string | null } {
  if (ties.length === 1) return { order: ties[0]!, assumption: null };
  const sep = signature.split('|')[1];
  const plausible = ties.filter((o) => o !== 'MDY' || sep === '/');
  const head = `day/month order not decided by the dates (they read as ${ties.join(' or ')})`;
  if (plausible.length === 1) {
    return { order: plausible[0]!, assumption: `${head}: ${plausible[0]} taken, as M/D/Y is only written with "/"` };
  }
  const order = plausible.includes(defaultOrder) ? defaultOrder : plausible[0]!;
  return { order, assumption: `${head}: ${order} assumed from the default locale ${defaultLocale}` };
}

function fresh(order: DateOrder): OrderStats {
  return { order, invalid: 0, decreases: 0, prev: null };
}

function usable(s: SignatureStats): number {
  return s.lines - Math.min(...s.orders.map((o) => o.invalid));
}

function rank(order: DateOrder): number {
  return PREFERENCE.indexOf(order);
}

/** A header of the detected format with its time, or null when the line is message text. */
export function readHeader(line: string, format: DateFormat): { parts: HeaderParts; local: LocalTime | null } | null {
  const parts = matchHeader(line);
  if (!parts || parts.signature !== format.signature) return null;
  return { parts, local: localTimeOf(parts, format.order) };
}

/** A human description of the format, for notes and logs. */
export function describeFormat(example: HeaderParts, order: DateOrder): string {
  const [, dateSep, timeSep, secs, clock, shape] = example.signature.split('|');
  const year = shape === 'y2' ? 'YY' : 'YYYY';
  const fields = order === 'DMY' ? ['D', 'M', year] : order === 'MDY' ? ['M', 'D', year] : [year, 'M', 'D'];
  const time = [clock === '12' ? 'h' : 'H', 'mm', ...(secs === 'hms' ? ['ss'] : [])].join(timeSep ?? ':');
  const stamp = `${fields.join(dateSep ?? '/')}, ${time}${clock === '12' ? ' AM/PM' : ''}`;
  if (example.frame === 'ios') return `[${stamp}] `;
  return example.frame === 'legacy' ? `${stamp}: ` : `${stamp} - `;
}

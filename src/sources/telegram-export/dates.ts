/**
 * Telegram Desktop export times.
 *
 * - JSON `date_unixtime` (since Desktop 3.7.6, 2022): exact, a decimal string of seconds.
 * - JSON `date`: ISO 8601 wall-clock time of the exporting computer, with no zone. Read in
 *   a configured zone (default UTC); the caller records the assumption in `dateNote`.
 * - HTML `title` of `.date`: "15.01.2021 13:05:03 UTC+03:00". The wall-clock time is
 *   right, but the offset label is the zone's STANDARD offset (Qt's
 *   displayName(StandardTime, OffsetName)), so during summer time the label is one hour
 *   short. Older exports have no label at all.
 */

export {
  fixedZone,
  formatOffset,
  type LocalTime,
  localToUtcMs,
  parseZone,
  type Zone,
  zoneLabel,
} from '../time-zone.js';

import type { LocalTime } from '../time-zone.js';

/** "2020-11-12T12:53:52" (JSON `date`) → its fields, or null when it is not a valid time. */
export function parseIsoLocal(value: string): LocalTime | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2}):(\d{2})$/.exec(value);
  if (!m) return null;
  return checked({
    year: Number(m[1]),
    month: Number(m[2]),
    day: Number(m[3]),
    hour: Number(m[4]),
    minute: Number(m[5]),
    second: Number(m[6]),
  });
}

/** `date_unixtime` / `edited_unixtime`: a decimal string (or, leniently, a number) of seconds → ms. */
export function parseUnixtime(value: unknown): number | null {
  if (typeof value === 'string' && /^\d{1,12}$/.test(value)) return Number(value) * 1000;
  if (typeof value === 'number' && Number.isInteger(value) && value >= 0 && value < 1e12) return value * 1000;
  return null;
}

export interface HtmlTitleTime {
  local: LocalTime;
  /** The label's offset in minutes, or null when the title has none (older exports). */
  offsetMin: number | null;
}

/** "15.01.2021 13:05:03 UTC+03:00" (HTML `.date` title). */
export function parseHtmlTitle(value: string): HtmlTitleTime | null {
  const m = /^(\d{2})\.(\d{2})\.(\d{4}) (\d{2}):(\d{2}):(\d{2})(?: (?:UTC|GMT)(?:([+-])(\d{1,2}):?(\d{2})?)?)?$/.exec(
    value.trim(),
  );
  if (!m) return null;
  const local = checked({
    day: Number(m[1]),
    month: Number(m[2]),
    year: Number(m[3]),
    hour: Number(m[4]),
    minute: Number(m[5]),
    second: Number(m[6]),
  });
  if (!local) return null;
  const hasZone = / (?:UTC|GMT)/.test(value);
  if (!hasZone) return { local, offsetMin: null };
  const minutes = Number(m[8] ?? 0) * 60 + Number(m[9] ?? 0);
  return { local, offsetMin: m[7] === '-' ? -minutes : minutes };
}

const MONTHS = [
  'january',
  'february',
  'march',
  'april',
  'may',
  'june',
  'july',
  'august',
  'september',
  'october',
  'november',
  'december',
];

/** "15 January 2021", the HTML day heading (a service message of its own). */
export function parseDayHeading(value: string): LocalTime | null {
  const m = /^(\d{1,2}) ([A-Za-z]+) (\d{4})$/.exec(value.trim());
  if (!m) return null;
  const month = MONTHS.indexOf(m[2]!.toLowerCase()) + 1;
  if (month === 0) return null;
  return checked({ year: Number(m[3]), month, day: Number(m[1]), hour: 0, minute: 0, second: 0 });
}

function checked(t: LocalTime): LocalTime | null {
  const d = new Date(Date.UTC(t.year, t.month - 1, t.day, t.hour, t.minute, t.second));
  const same =
    d.getUTCFullYear() === t.year &&
    d.getUTCMonth() === t.month - 1 &&
    d.getUTCDate() === t.day &&
    d.getUTCHours() === t.hour &&
    d.getUTCMinutes() === t.minute &&
    d.getUTCSeconds() === t.second;
  return same ? t : null;
}

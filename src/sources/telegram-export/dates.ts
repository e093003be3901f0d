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

export type Zone =
  | { kind: 'fixed'; offsetMin: number; label: string }
  | { kind: 'iana'; name: string; format: Intl.DateTimeFormat };

export interface LocalTime {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
}

const FIXED = /^(?:UTC|GMT)?\s*([+-])(\d{1,2})(?::?(\d{2}))?$/i;

/** Parses "UTC", "+07:00", "-0330", "UTC+3" or an IANA name; throws RangeError for anything else. */
export function parseZone(spec: string): Zone {
  const s = spec.trim();
  if (/^(?:UTC|GMT|Z)$/i.test(s)) return fixedZone(0);
  const m = FIXED.exec(s);
  if (m) {
    const minutes = Number(m[2]) * 60 + Number(m[3] ?? 0);
    if (minutes > 14 * 60) throw new RangeError(`time zone offset out of range: ${spec}`);
    return fixedZone(m[1] === '-' ? -minutes : minutes);
  }
  try {
    const format = new Intl.DateTimeFormat('en-US', {
      timeZone: s,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    return { kind: 'iana', name: format.resolvedOptions().timeZone, format };
  } catch {
    throw new RangeError(
      `unknown time zone "${spec}" (use an IANA name such as "Asia/Jakarta" or an offset such as "+07:00")`,
    );
  }
}

export function fixedZone(offsetMin: number): Zone {
  return { kind: 'fixed', offsetMin, label: formatOffset(offsetMin) };
}

export function zoneLabel(zone: Zone): string {
  return zone.kind === 'fixed' ? zone.label : zone.name;
}

export function formatOffset(offsetMin: number): string {
  if (offsetMin === 0) return 'UTC';
  const a = Math.abs(offsetMin);
  const hh = String(Math.floor(a / 60)).padStart(2, '0');
  const mm = String(a % 60).padStart(2, '0');
  return `UTC${offsetMin < 0 ? '-' : '+'}${hh}:${mm}`;
}

/** The UTC instant of a wall-clock time in a zone. In a summer-time gap or overlap the result is one of the candidates. */
export function localToUtcMs(t: LocalTime, zone: Zone): number {
  const asUtc = Date.UTC(t.year, t.month - 1, t.day, t.hour, t.minute, t.second);
  if (zone.kind === 'fixed') return asUtc - zone.offsetMin * 60_000;
  // Two rounds settle the offset except inside a transition, where no answer is exact.
  const first = asUtc - ianaOffsetMs(asUtc, zone.format);
  const second = asUtc - ianaOffsetMs(first, zone.format);
  return second;
}

function ianaOffsetMs(ms: number, format: Intl.DateTimeFormat): number {
  const p: Record<string, number> = {};
  for (const part of format.formatToParts(new Date(ms))) {
    if (part.type !== 'literal') p[part.type] = Number(part.value);
  }
  const wall = Date.UTC(p.year ?? 1970, (p.month ?? 1) - 1, p.day ?? 1, p.hour ?? 0, p.minute ?? 0, p.second ?? 0);
  return wall - Math.floor(ms / 1000) * 1000;
}

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

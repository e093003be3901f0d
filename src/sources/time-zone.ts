/**
 * Chat exports write wall-clock times with no zone (WhatsApp always, Telegram's JSON
 * `date` and HTML titles). These helpers turn such a time into a UTC instant in a
 * configured zone: an IANA name ("Asia/Jakarta") or a fixed offset ("+07:00", "UTC").
 * Shared by every source.
 */

export interface LocalTime {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
}

export type Zone =
  | { kind: 'fixed'; offsetMin: number; label: string }
  | { kind: 'iana'; name: string; format: Intl.DateTimeFormat };

const FIXED = /^(?:UTC|GMT)?\s*([+-])(\d{1,2})(?::?(\d{2}))?$/i;

/** "UTC", "+07:00", "-0330", "GMT+3" or an IANA name; anything else is a RangeError. */
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

/** "UTC" for 0, else "UTC+hh:mm" / "UTC-hh:mm". */
export function formatOffset(offsetMin: number): string {
  if (offsetMin === 0) return 'UTC';
  const a = Math.abs(offsetMin);
  const hh = String(Math.floor(a / 60)).padStart(2, '0');
  const mm = String(a % 60).padStart(2, '0');
  return `UTC${offsetMin < 0 ? '-' : '+'}${hh}:${mm}`;
}

export function zoneLabel(zone: Zone): string {
  return zone.kind === 'fixed' ? zone.label : zone.name;
}

/** Wall-clock time as if it were UTC: a sortable key that needs no zone. */
export function wallMs(t: LocalTime): number {
  return Date.UTC(t.year, t.month - 1, t.day, t.hour, t.minute, t.second);
}

/** The UTC instant of a wall-clock time in `zone`. In a summer-time gap or overlap no answer is exact; one candidate is returned. */
export function localToUtcMs(t: LocalTime, zone: Zone): number {
  const asUtc = wallMs(t);
  if (zone.kind === 'fixed') return asUtc - zone.offsetMin * 60_000;
  // The offset at the guess settles in two rounds everywhere except at a transition.
  const first = asUtc - ianaOffsetMs(asUtc, zone.format);
  return asUtc - ianaOffsetMs(first, zone.format);
}

function ianaOffsetMs(ms: number, format: Intl.DateTimeFormat): number {
  const p: Record<string, number> = {};
  for (const part of format.formatToParts(new Date(ms))) {
    if (part.type !== 'literal') p[part.type] = Number(part.value);
  }
  const wall = Date.UTC(p.year ?? 1970, (p.month ?? 1) - 1, p.day ?? 1, p.hour ?? 0, p.minute ?? 0, p.second ?? 0);
  return wall - Math.floor(ms / 1000) * 1000;
}

/** True when the fields name a real calendar date and time (no 31 February, no 25:00). */
export function isValidLocal(t: LocalTime): boolean {
  if (t.month < 1 || t.month > 12 || t.day < 1 || t.hour > 23 || t.minute > 59 || t.second > 59) return false;
  const days = new Date(Date.UTC(t.year, t.month, 0)).getUTCDate();
  return t.day <= days;
}

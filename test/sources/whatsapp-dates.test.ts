/**
 * Property tests of the date format detection: random local times (seeded) rendered by
 * this file's own renderer in each supported shape must read back exactly, with the
 * day/month order decided by the file when it can be, and by the default locale (noted)
 * when it cannot.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseWhatsAppText } from '../../src/sources/whatsapp/index.js';

type Order = 'DMY' | 'MDY' | 'YMD';

interface Local {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
}

interface Shape {
  name: string;
  order: Order;
  seconds: boolean;
  render(t: Local): string;
}

const p2 = (n: number) => String(n).padStart(2, '0');
const yy = (t: Local) => p2(t.year % 100);
const h12 = (t: Local) => (t.hour % 12 === 0 ? 12 : t.hour % 12);
const ampm = (t: Local, am: string, pm: string) => (t.hour < 12 ? am : pm);

/** Shapes seen in real exports (see src/sources/whatsapp/date-format.ts). */
const SHAPES: Shape[] = [
  {
    name: 'en-US Android (U+202F before PM)',
    order: 'MDY',
    seconds: false,
    render: (t) => `${t.month}/${t.day}/${yy(t)}, ${h12(t)}:${p2(t.minute)}\u202f${ampm(t, 'AM', 'PM')} - `,
  },
  {
    name: 'en-US Android (plain space)',
    order: 'MDY',
    seconds: false,
    render: (t) => `${t.month}/${t.day}/${yy(t)}, ${h12(t)}:${p2(t.minute)} ${ampm(t, 'AM', 'PM')} - `,
  },
  {
    name: 'en-GB Android',
    order: 'DMY',
    seconds: false,
    render: (t) => `${p2(t.day)}/${p2(t.month)}/${t.year}, ${p2(t.hour)}:${p2(t.minute)} - `,
  },
  {
    name: 'de Android',
    order: 'DMY',
    seconds: false,
    render: (t) => `${p2(t.day)}.${p2(t.month)}.${yy(t)}, ${p2(t.hour)}:${p2(t.minute)} - `,
  },
  {
    name: 'es Android (a. m. / p. m. with U+00A0)',
    order: 'DMY',
    seconds: false,
    render: (t) =>
      `${t.day}/${t.month}/${yy(t)}, ${h12(t)}:${p2(t.minute)}\u00a0${ampm(t, 'a.\u00a0m.', 'p.\u00a0m.')} - `,
  },
  {
    name: 'ja Android',
    order: 'YMD',
    seconds: false,
    render: (t) => `${t.year}/${p2(t.month)}/${p2(t.day)} ${t.hour}:${p2(t.minute)} - `,
  },
  {
    name: 'id Android (dotted time)',
    order: 'DMY',
    seconds: false,
    render: (t) => `${p2(t.day)}/${p2(t.month)}/${yy(t)} ${p2(t.hour)}.${p2(t.minute)} - `,
  },
  {
    name: 'nl Android (dashes)',
    order: 'DMY',
    seconds: false,
    render: (t) => `${p2(t.day)}-${p2(t.month)}-${t.year} ${p2(t.hour)}:${p2(t.minute)} - `,
  },
  {
    name: 'en-US iOS',
    order: 'MDY',
    seconds: true,
    render: (t) =>
      `[${t.month}/${t.day}/${yy(t)}, ${h12(t)}:${p2(t.minute)}:${p2(t.second)}\u202f${ampm(t, 'AM', 'PM')}] `,
  },
  {
    name: 'en-GB iOS',
    order: 'DMY',
    seconds: true,
    render: (t) => `[${p2(t.day)}/${p2(t.month)}/${t.year}, ${p2(t.hour)}:${p2(t.minute)}:${p2(t.second)}] `,
  },
  {
    name: 'de iOS',
    order: 'DMY',
    seconds: true,
    render: (t) => `[${p2(t.day)}.${p2(t.month)}.${yy(t)}, ${p2(t.hour)}:${p2(t.minute)}:${p2(t.second)}] `,
  },
  {
    name: 'es iOS (p. m.)',
    order: 'DMY',
    seconds: true,
    render: (t) =>
      `[${t.day}/${t.month}/${yy(t)}, ${h12(t)}:${p2(t.minute)}:${p2(t.second)} ${ampm(t, 'a. m.', 'p. m.')}] `,
  },
  {
    name: 'ja iOS (午前/午後, 0-11 hours)',
    order: 'YMD',
    seconds: true,
    render: (t) =>
      `[${t.year}/${p2(t.month)}/${p2(t.day)} ${ampm(t, '午前', '午後')}${t.hour % 12}:${p2(t.minute)}:${p2(t.second)}] `,
  },
];

/** mulberry32: small, seeded, good enough to spread dates. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const int = (r: () => number, lo: number, hi: number) => lo + Math.floor(r() * (hi - lo + 1));

function randomLocal(r: () => number, opts: { maxDay?: number; day?: Local } = {}): Local {
  const base = opts.day;
  const year = base?.year ?? int(r, 2012, 2030);
  const month = base?.month ?? int(r, 1, 12);
  const days = new Date(Date.UTC(year, month, 0)).getUTCDate();
  const day = base?.day ?? int(r, 1, Math.min(days, opts.maxDay ?? 31));
  return { year, month, day, hour: int(r, 0, 23), minute: int(r, 0, 59), second: int(r, 0, 59) };
}

const key = (t: Local) => Date.UTC(t.year, t.month - 1, t.day, t.hour, t.minute, t.second);
const sorted = (ts: Local[]) => [...ts].sort((a, b) => key(a) - key(b));

const AUTHORS = ['Aunt May', 'Grandma Rosa', '+44 7700 900123', 'Budi', 'Sam'];

function renderFile(shape: Shape, times: Local[], r: () => number): string {
  return times
    .map((t, i) => {
      const author = AUTHORS[int(r, 0, AUTHORS.length - 1)]!;
      const more = r() < 0.2 ? `\nsecond line ${i}\nthird line` : '';
      const mark = shape.render(t).startsWith('[') && r() < 0.3 ? '\u200e' : '';
      return `${mark}${shape.render(t)}${author}: message ${i}${more}`;
    })
    .join('\n');
}

/** Every order under which each written date is a real date from 2009 on and the dates never run backwards. */
function consistentOrders(shape: Shape, times: Local[]): Order[] {
  const candidates: Order[] = shape.order === 'YMD' ? ['YMD'] : ['DMY', 'MDY', 'YMD'];
  const twoDigit = /\b\d{1,2}[./-]\d{1,2}[./-]\d{2}\b/.test(shape.render(times[0]!));
  const fourLast = !twoDigit && shape.order !== 'YMD';
  return candidates.filter((order) => {
    if (fourLast && order === 'YMD') return false;
    let prev = -Infinity;
    for (const t of times) {
      const written = writtenFields(shape.order, t, twoDigit);
      const read = readAs(order, written, twoDigit);
      if (!read) return false;
      const k = Date.UTC(read.year, read.month - 1, read.day, t.hour, t.minute, t.second);
      if (k < prev) return false;
      prev = k;
    }
    return true;
  });
}

/** The three numbers as the file writes them (a 2-digit year as its last two digits). */
function writtenFields(order: Order, t: Local, twoDigit: boolean): [number, number, number] {
  const year = twoDigit ? t.year % 100 : t.year;
  if (order === 'DMY') return [t.day, t.month, year];
  if (order === 'MDY') return [t.month, t.day, year];
  return [year, t.month, t.day];
}

function readAs(order: Order, [a, b, c]: [number, number, number], twoDigit: boolean) {
  const fix = (y: number) => (twoDigit ? 2000 + (y % 100) : y);
  const [year, month, day] = order === 'DMY' ? [fix(c), b, a] : order === 'MDY' ? [fix(c), a, b] : [fix(a), b, c];
  if (year < 2009 || month < 1 || month > 12 || day < 1) return null;
  if (day > new Date(Date.UTC(year, month, 0)).getUTCDate()) return null;
  return { year, month, day };
}

const otherLocale = (order: Order) => (order === 'MDY' ? 'en-GB' : 'en-US');

function check(shape: Shape, times: Local[], defaultLocale: string, r: () => number) {
  const text = renderFile(shape, times, r);
  const parsed = parseWhatsAppText(text, { defaultLocale });
  assert.equal(parsed.messages.length, times.length, `${shape.name}: count`);
  const fits = consistentOrders(shape, times);
  assert.ok(fits.includes(shape.order), `${shape.name}: the oracle accepts the true order`);
  assert.ok(fits.includes(parsed.format.order), `${shape.name}: chose ${parsed.format.order}, fitting are ${fits}`);
  if (fits.length === 1) assert.equal(parsed.format.assumption, null, `${shape.name}: decided by the file`);
  else assert.match(parsed.format.assumption ?? '', /not decided by the dates/, `${shape.name}: assumption noted`);
  if (parsed.format.order !== shape.order) return fits;
  parsed.messages.forEach((m, i) => {
    const t = times[i]!;
    const want = Date.UTC(t.year, t.month - 1, t.day, t.hour, t.minute, shape.seconds ? t.second : 0);
    assert.equal(m.date.getTime(), want, `${shape.name}: message ${i + 1}`);
    assert.equal(m.messageId, String(i + 1));
    assert.equal(m.text.split('\n')[0], `message ${i}`);
  });
  return fits;
}

describe('WhatsApp date formats: random round trips', () => {
  for (const [n, shape] of SHAPES.entries()) {
    it(`${shape.name}: random dates read back, whatever the default locale`, () => {
      const r = prng(1000 + n);
      for (let round = 0; round < 25; round++) {
        const times = sorted(Array.from({ length: int(r, 5, 40) }, () => randomLocal(r)));
        // A default locale of the other order proves the file, not the default, decided.
        const fits = check(shape, times, otherLocale(shape.order), r);
        if (fits.length === 1) continue;
        // Undecided files: with the right default they read back exactly.
        check(shape, times, shape.order === 'MDY' ? 'en-US' : shape.order === 'YMD' ? 'ja' : 'en-GB', r);
      }
    });

    it(`${shape.name}: days ≤ 12 only, all on one day: the default locale decides and it is noted`, () => {
      const r = prng(2000 + n);
      for (let round = 0; round < 10; round++) {
        let day = randomLocal(r, { maxDay: 12 });
        while (day.day === day.month) day = randomLocal(r, { maxDay: 12 });
        const times = sorted(Array.from({ length: int(r, 3, 15) }, () => randomLocal(r, { day })));
        const right = shape.order === 'MDY' ? 'en-US' : shape.order === 'YMD' ? 'ja' : 'en-GB';
        const parsed = parseWhatsAppText(renderFile(shape, times, r), { defaultLocale: right });
        assert.equal(parsed.format.order, shape.order);
        if (shape.order === 'YMD') {
          assert.equal(parsed.format.assumption, null, 'a 4-digit year first leaves nothing to assume');
          continue;
        }
        assert.match(parsed.format.assumption ?? '', /not decided by the dates/);
        for (const m of parsed.messages) assert.match(m.dateNote ?? '', /not decided by the dates/);
        const t = times[0]!;
        assert.equal(parsed.messages[0]!.date.getUTCDate(), t.day);
        // With the other default, "/" files read the swapped way; "." and "-" never read M/D.
        const wrong = parseWhatsAppText(renderFile(shape, times, r), { defaultLocale: otherLocale(shape.order) });
        const slash = shape.render(t).includes('/');
        assert.equal(wrong.format.order === shape.order, !slash);
        if (slash) assert.equal(wrong.messages[0]!.date.getUTCDate(), t.month);
        assert.match(wrong.format.assumption ?? '', /default locale|only written with "\/"/);
      }
    });

    it(`${shape.name}: one day above 12 decides the order`, () => {
      const r = prng(3000 + n);
      for (let round = 0; round < 10; round++) {
        let day = randomLocal(r, { maxDay: 12 });
        while (day.day === day.month) day = randomLocal(r, { maxDay: 12 });
        const early = Array.from({ length: int(r, 3, 10) }, () => randomLocal(r, { day }));
        const later = randomLocal(r, { day: { ...day, day: int(r, 13, 28) } });
        const times = sorted([...early, later]);
        const parsed = parseWhatsAppText(renderFile(shape, times, r), { defaultLocale: otherLocale(shape.order) });
        assert.equal(parsed.format.order, shape.order);
        if (consistentOrders(shape, times).length === 1) assert.equal(parsed.format.assumption, null);
        const last = parsed.messages.at(-1)!;
        assert.equal(last.date.getUTCDate(), later.day);
        assert.equal(last.date.getUTCMonth() + 1, later.month);
      }
    });
  }
});

describe('WhatsApp date formats: zones', () => {
  const text = '31/12/2023, 20:03 - Aunt May: hi\n01/01/2024, 00:30 - Budi: selamat tahun baru';
  it('a fixed offset and an IANA zone move every time by the zone offset', () => {
    const jakarta = parseWhatsAppText(text, { timeZone: 'Asia/Jakarta' }).messages;
    assert.equal(jakarta[0]!.date.toISOString(), '2023-12-31T13:03:00.000Z');
    const fixed = parseWhatsAppText(text, { timeZone: '+07:00' }).messages;
    assert.equal(fixed[1]!.date.toISOString(), '2023-12-31T17:30:00.000Z');
    assert.match(fixed[0]!.dateNote ?? '', /UTC\+07:00 as configured/);
  });

  it('summer time is applied per date in an IANA zone', () => {
    const t = '01/07/2023, 12:00 - Sam: summer\n01/12/2023, 12:00 - Sam: winter';
    const m = parseWhatsAppText(t, { timeZone: 'Europe/London' }).messages;
    assert.equal(m[0]!.date.toISOString(), '2023-07-01T11:00:00.000Z');
    assert.equal(m[1]!.date.toISOString(), '2023-12-01T12:00:00.000Z');
  });

  it('an unknown zone or locale is refused up front', () => {
    assert.throws(() => parseWhatsAppText(text, { timeZone: 'Mars/Olympus' }), RangeError);
    assert.throws(() => parseWhatsAppText(text, { defaultLocale: 'not a locale!' }), RangeError);
  });
});

/** The date rules of Telegram Desktop exports (src/sources/telegram-export/dates.ts). */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  localToUtcMs,
  parseDayHeading,
  parseHtmlTitle,
  parseIsoLocal,
  parseUnixtime,
  parseZone,
  zoneLabel,
} from '../../src/sources/telegram-export/dates.js';

const iso = (ms: number) => new Date(ms).toISOString();

test('zones: UTC, fixed offsets in several spellings, IANA names; anything else is refused', () => {
  assert.equal(zoneLabel(parseZone('UTC')), 'UTC');
  assert.equal(zoneLabel(parseZone('z')), 'UTC');
  assert.equal(zoneLabel(parseZone('+07:00')), 'UTC+07:00');
  assert.equal(zoneLabel(parseZone('UTC+3')), 'UTC+03:00');
  assert.equal(zoneLabel(parseZone('-0330')), 'UTC-03:30');
  assert.equal(zoneLabel(parseZone('Asia/Jakarta')), 'Asia/Jakarta');
  assert.throws(() => parseZone('+15:00'), /out of range/);
  assert.throws(() => parseZone('Nowhere/City'), /unknown time zone "Nowhere\/City"/);
});

test('wall-clock times in an IANA zone follow its summer time', () => {
  const ny = parseZone('America/New_York');
  const t = (s: string) => parseIsoLocal(s)!;
  assert.equal(iso(localToUtcMs(t('2021-01-15T12:00:00'), ny)), '2021-01-15T17:00:00.000Z');
  assert.equal(iso(localToUtcMs(t('2021-07-15T12:00:00'), ny)), '2021-07-15T16:00:00.000Z');
  assert.equal(iso(localToUtcMs(t('2021-07-15T12:00:00'), parseZone('+05:45'))), '2021-07-15T06:15:00.000Z');
  // In the spring-forward gap there is no exact answer; the result stays within the hour.
  const gap = localToUtcMs(t('2021-03-14T02:30:00'), ny);
  assert.ok(Math.abs(gap - Date.parse('2021-03-14T07:00:00Z')) <= 3_600_000);
});

test('JSON date fields: ISO local times and unixtime strings, garbage refused', () => {
  assert.deepEqual(parseIsoLocal('2020-11-12T12:53:52'), {
    year: 2020,
    month: 11,
    day: 12,
    hour: 12,
    minute: 53,
    second: 52,
  });
  assert.equal(parseIsoLocal('2021-02-30T10:00:00'), null);
  assert.equal(parseIsoLocal('2021-02-03T10:00:00Z'), null);
  assert.equal(parseIsoLocal('yesterday'), null);
  assert.equal(parseUnixtime('1692821483'), 1692821483000);
  assert.equal(parseUnixtime(1692821483), 1692821483000);
  assert.equal(parseUnixtime('-5'), null);
  assert.equal(parseUnixtime('1e9'), null);
  assert.equal(parseUnixtime(1.5), null);
});

test('HTML titles with and without an offset label; day headings', () => {
  assert.deepEqual(parseHtmlTitle('15.01.2021 13:05:03 UTC+03:00'), {
    local: { year: 2021, month: 1, day: 15, hour: 13, minute: 5, second: 3 },
    offsetMin: 180,
  });
  assert.equal(parseHtmlTitle('15.01.2021 13:05:03 UTC-09:30')?.offsetMin, -570);
  assert.equal(parseHtmlTitle('15.01.2021 13:05:03 UTC')?.offsetMin, 0);
  assert.equal(parseHtmlTitle('15.01.2021 13:05:03')?.offsetMin, null);
  assert.equal(parseHtmlTitle('31.02.2021 13:05:03'), null);
  assert.deepEqual(parseDayHeading('5 March 2022'), { year: 2022, month: 3, day: 5, hour: 0, minute: 0, second: 0 });
  assert.equal(parseDayHeading('5 Brumaire 2022'), null);
  assert.equal(parseDayHeading('Alice joined group by link'), null);
});

/**
 * Text forms of vPDQ hashes, interchangeable with the reference tools:
 *
 * - full:    `frameNumber,quality,hash,timestamp` per line, the reference C++
 *            vpdq-hash-video output (and the sample-hashes files);
 * - compact: `hash,quality,timestamp` per line, what the vpdq Python CLI and
 *            python-threatexchange's VpdqCompactFeature use;
 * - signal:  python-threatexchange / HMA's vPDQ signal string, a JSON list of
 *            compact strings.
 */
import { InvalidVpdqError, type VpdqFeature, vpdqFeatureFromHex } from './feature.js';

/**
 * `x` with `decimals` fraction digits, exact ties rounded to even as C's
 * printf does (JS toFixed rounds them away from zero; 0.0625 -> "0.062").
 */
export function toFixedTiesEven(x: number, decimals: number): string {
  const rounded = x.toFixed(decimals);
  const wide = x.toFixed(decimals + 40);
  const cut = wide.indexOf('.') + (decimals > 0 ? 1 + decimals : 0);
  if (!/^\.?50*$/.test(wide.slice(cut))) return rounded;
  const truncated = wide.slice(0, cut);
  const lastDigit = truncated.charCodeAt(truncated.length - 1) - 48;
  return lastDigit % 2 === 0 ? truncated : rounded;
}

/** Timestamp as the reference prints it: fixed, three decimals. */
export function formatVpdqTimestamp(seconds: number): string {
  return toFixedTiesEven(seconds, 3);
}

/**
 * Python's `f"{x:.3}"`, which python-threatexchange uses for timestamps in
 * signal strings: 3 significant digits (ties to even), trailing zeros
 * dropped, at least ".0", and exponent form from 100 on (100.0 -> "1e+02").
 * That loses precision for long videos, but the timestamp is not used for
 * matching, and reproducing it keeps our signal strings byte-identical.
 */
export function pythonFloatPrecision3(x: number): string {
  if (x === 0) return Object.is(x, -0) ? '-0.0' : '0.0';
  if (!Number.isFinite(x)) return Number.isNaN(x) ? 'nan' : x > 0 ? 'inf' : '-inf';
  const sign = x < 0 ? '-' : '';
  const [mantissa, expText] = threeSignificantDigits(Math.abs(x));
  const digits = mantissa.replace('.', '').replace(/0+$/, '') || '0';
  const exp = Number(expText);
  const decpt = exp + 1;
  // CPython's float formatting with "add .0": exponent when decpt > precision - 1.
  if (decpt <= -4 || decpt > 2) {
    const frac = digits.slice(1);
    const e = Math.abs(exp).toString().padStart(2, '0');
    return `${sign}${digits[0]}${frac ? `.${frac}` : ''}e${exp < 0 ? '-' : '+'}${e}`;
  }
  if (decpt <= 0) return `${sign}0.${'0'.repeat(-decpt)}${digits}`;
  const int = digits.slice(0, decpt).padEnd(decpt, '0');
  const frac = digits.slice(decpt);
  return `${sign}${int}.${frac || '0'}`;
}

/** [mantissa "d.dd", exponent] rounded to 3 significant digits, exact ties to even. */
function threeSignificantDigits(x: number): [string, string] {
  const rounded = x.toExponential(2);
  const wide = x.toExponential(60);
  const [wideMantissa] = wide.split('e') as [string];
  let [mantissa, exp] = rounded.split('e') as [string, string];
  if (/^50*$/.test(wideMantissa.slice(4))) {
    const truncated = wideMantissa.slice(0, 4);
    if ((truncated.charCodeAt(3) - 48) % 2 === 0) {
      mantissa = truncated;
      exp = wide.split('e')[1]!;
    }
  }
  return [mantissa, exp];
}

/** `frameNumber,quality,hash,timestamp`, the reference C++ output line. */
export function formatVpdqLine(f: VpdqFeature): string {
  return `${f.frameNumber},${f.quality},${f.hex},${formatVpdqTimestamp(f.timestamp)}`;
}

/** `hash,quality,timestamp` with a three-decimal timestamp, as the vpdq Python CLI prints. */
export function formatVpdqCompactLine(f: VpdqFeature): string {
  return `${f.hex},${f.quality},${formatVpdqTimestamp(f.timestamp)}`;
}

/** The whole video in the reference file format, one line per frame, newline-terminated. */
export function formatVpdqText(features: readonly VpdqFeature[], form: 'full' | 'compact' = 'full'): string {
  const line = form === 'full' ? formatVpdqLine : formatVpdqCompactLine;
  return features.map((f) => `${line(f)}\n`).join('');
}

const INT_RE = /^\+?\d+$/;
const FLOAT_RE = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

function parseIntField(s: string, what: string, line: string): number {
  const t = s.trim();
  if (!INT_RE.test(t)) throw new InvalidVpdqError(`invalid ${what} ${JSON.stringify(t)} in vPDQ line: ${line}`);
  return Number(t);
}

function parseFloatField(s: string, what: string, line: string): number {
  const t = s.trim();
  if (!FLOAT_RE.test(t)) throw new InvalidVpdqError(`invalid ${what} ${JSON.stringify(t)} in vPDQ line: ${line}`);
  return Number(t);
}

/**
 * Parses one line in either form. Compact lines carry no frame number; the
 * caller passes the line's position (`index`) to stand in for it.
 */
export function parseVpdqLine(line: string, index = 0): VpdqFeature {
  const parts = line.trim().split(',');
  if (parts.length === 4) {
    const [frame, quality, hex, ts] = parts as [string, string, string, string];
    return vpdqFeatureFromHex(
      parseIntField(frame, 'frame number', line),
      parseIntField(quality, 'quality', line),
      hex.trim(),
      parseFloatField(ts, 'timestamp', line),
    );
  }
  if (parts.length === 3) {
    const [hex, quality, ts] = parts as [string, string, string];
    return vpdqFeatureFromHex(
      index,
      parseIntField(quality, 'quality', line),
      hex.trim(),
      parseFloatField(ts, 'timestamp', line),
    );
  }
  throw new InvalidVpdqError(`expected 4 (full) or 3 (compact) comma-separated fields in vPDQ line: ${line}`);
}

/** Parses a whole file in either form; blank lines are skipped. */
export function parseVpdqText(text: string): VpdqFeature[] {
  const out: VpdqFeature[] = [];
  for (const raw of text.split('\n')) {
    if (raw.trim() === '') continue;
    out.push(parseVpdqLine(raw, out.length));
  }
  return out;
}

/** python-threatexchange / HMA vPDQ signal string: `["hash,quality,timestamp", ...]`. */
export function vpdqToSignal(features: readonly VpdqFeature[]): string {
  const items = features.map((f) => JSON.stringify(`${f.hex},${f.quality},${pythonFloatPrecision3(f.timestamp)}`));
  // Python's json.dumps separates items with ", ".
  return `[${items.join(', ')}]`;
}

/** Parses a vPDQ signal string; an empty string is an empty video, as upstream treats it. */
export function vpdqFromSignal(signal: string): VpdqFeature[] {
  let items: unknown;
  try {
    items = JSON.parse(signal.trim() === '' ? '[]' : signal);
  } catch {
    throw new InvalidVpdqError('vPDQ signal is not valid JSON');
  }
  if (!Array.isArray(items)) throw new InvalidVpdqError('vPDQ signal must be a JSON list of strings');
  return items.map((item, i) => {
    if (typeof item !== 'string') throw new InvalidVpdqError(`vPDQ signal item ${i} is not a string`);
    if (item.split(',').length !== 3)
      throw new InvalidVpdqError(`vPDQ signal item ${i} is not "hash,quality,timestamp"`);
    return parseVpdqLine(item, i);
  });
}

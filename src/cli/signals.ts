/**
 * `perisai signals [--country CC] [--language LANG] [--json] [--lexicons DIR] [--max-line-bytes N]`
 *
 * Reads one message per line on stdin, all from one chat, and prints one line
 * per message, in input order, empty lines included, so output line N belongs to
 * input line N. With --json each line is the analyzeText object (the contract);
 * without it a compact human-readable summary.
 *
 * Input is read chunk by chunk and a line is never held beyond --max-line-bytes:
 * longer lines are analysed up to the limit and reported on stderr, undecodable
 * bytes are replaced and reported, and the run goes on.
 */
import { once } from 'node:events';
import { isSupportedCountry } from 'libphonenumber-js/max';
import { analyzeText, type TextSignals } from '../signals/analyze.js';
import { compileIntentMatcher, type IntentMatcher } from '../signals/intent.js';
import { LexiconError, loadLexicons } from '../signals/lexicons/index.js';
import { PhoneContext } from '../signals/pii.js';
import { parseCommandArgs, positiveIntFlag, UsageError } from './args.js';

export const SIGNALS_USAGE = `usage: perisai signals [--country CC] [--language LANG] [--json] [--lexicons DIR]
                      [--max-line-bytes N]

Reads one message per line on standard input (one chat) and prints, per line, the
personal data and intent found in it: phone numbers, e-mails, social-media handles,
Telegram links, addresses and schools, and request_info / offer_sale / harassment.

  --country CC         the chat's country (ISO 3166 alpha-2) for numbers written without +CC
  --language LANG      the chat's language (id, ms, ko, zh, sq, en, ...); implies a country
                       for local numbers when --country is not given (en implies none)
  --json               one JSON object per line:
                       {"phones":[{"e164","country"}],"emails":[],"handles":[{"platform","handle"}],
                        "telegram_links":[],"locations":[],"intent":[]}
  --lexicons DIR       also load the intent lexicons (*.json) in DIR
  --max-line-bytes N   analyse at most N bytes of a line (default 65536); longer lines are
                       reported on stderr

Numbers in international format seen earlier in the input vote for the chat's country.`;

const DEFAULT_MAX_LINE_BYTES = 65536;

interface RawLine {
  bytes: Buffer;
  /** Length of the line as written, which may exceed bytes.length. */
  length: number;
}

/** Lines as bytes, keeping at most `maxBytes` of each, whatever the input holds. */
export async function* boundedLines(stream: AsyncIterable<Buffer | string>, maxBytes: number): AsyncGenerator<RawLine> {
  let parts: Buffer[] = [];
  let kept = 0;
  let length = 0;
  let pending = false;
  const keep = (seg: Buffer) => {
    if (seg.length === 0) return;
    length += seg.length;
    pending = true;
    const room = maxBytes - kept;
    if (room <= 0) return;
    const part = seg.length > room ? Buffer.from(seg.subarray(0, room)) : Buffer.from(seg);
    parts.push(part);
    kept += part.length;
  };
  const take = (): RawLine => {
    const whole = Buffer.concat(parts);
    const bytes = stripCr(whole);
    // A CR ending a kept CRLF line is not part of the message; past the limit it was never kept.
    const line = { bytes, length: length - (whole.length - bytes.length) };
    parts = [];
    kept = 0;
    length = 0;
    pending = false;
    return line;
  };
  for await (const chunk of stream) {
    const buf = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk;
    let from = 0;
    for (let nl = buf.indexOf(10, from); nl >= 0; nl = buf.indexOf(10, from)) {
      keep(buf.subarray(from, nl));
      yield take();
      from = nl + 1;
    }
    keep(buf.subarray(from));
  }
  if (pending) yield take();
}

function stripCr(bytes: Buffer): Buffer {
  return bytes.length > 0 && bytes[bytes.length - 1] === 13 ? bytes.subarray(0, -1) : bytes;
}

/** Drops a UTF-8 sequence cut off by the byte limit, so the cut does not read as garbage. */
function trimPartialChar(bytes: Buffer): Buffer {
  let end = bytes.length;
  let back = 0;
  while (end - back - 1 >= 0 && back < 3 && ((bytes[end - back - 1] ?? 0) & 0xc0) === 0x80) back++;
  const lead = bytes[end - back - 1];
  if (lead === undefined || lead < 0xc0) return bytes;
  const need = lead >= 0xf0 ? 3 : lead >= 0xe0 ? 2 : 1;
  if (back < need) end -= back + 1;
  return bytes.subarray(0, end);
}

const strict = new TextDecoder('utf-8', { fatal: true });
const lenient = new TextDecoder('utf-8');

/** The line as text, and whether bytes had to be replaced. */
function decodeLine(bytes: Buffer): { text: string; replaced: boolean } {
  try {
    return { text: strict.decode(bytes), replaced: false };
  } catch {
    return { text: lenient.decode(bytes), replaced: true };
  }
}

/** One line of human-readable output. */
export function formatHuman(lineNo: number, s: TextSignals): string {
  const parts: string[] = [];
  if (s.phones.length) parts.push(`phones ${s.phones.map((p) => `${p.e164} (${p.country})`).join(', ')}`);
  if (s.emails.length) parts.push(`emails ${s.emails.join(', ')}`);
  if (s.handles.length) parts.push(`handles ${s.handles.map((h) => `${h.platform}:${h.handle}`).join(', ')}`);
  if (s.telegram_links.length) parts.push(`telegram ${s.telegram_links.join(', ')}`);
  if (s.locations.length) parts.push(`locations ${s.locations.map((l) => JSON.stringify(l)).join(', ')}`);
  if (s.intent.length) parts.push(`intent ${s.intent.join(', ')}`);
  return `${lineNo}: ${parts.length ? parts.join('; ') : '-'}`;
}

async function write(out: NodeJS.WritableStream, text: string): Promise<void> {
  // Wait for the reader when the pipe is full, so memory stays bounded on huge inputs.
  if (!out.write(text)) await once(out, 'drain');
}

interface Settings {
  country: string | undefined;
  language: string | undefined;
  json: boolean;
  maxLineBytes: number;
  matcher: IntentMatcher;
}

function parseSettings(argv: string[]): Settings | 'help' {
  const { values, positionals } = parseCommandArgs(argv, {
    country: { type: 'string' },
    language: { type: 'string' },
    json: { type: 'boolean', default: false },
    lexicons: { type: 'string', multiple: true },
    'max-line-bytes': { type: 'string' },
    help: { type: 'boolean', short: 'h', default: false },
  });
  if (values.help) return 'help';
  if (positionals.length > 0)
    throw new UsageError(`unexpected argument ${JSON.stringify(positionals[0])}; messages are read from stdin`);
  const country = values.country?.toUpperCase();
  if (country !== undefined && !isSupportedCountry(country))
    throw new UsageError(
      `--country must be an ISO 3166 alpha-2 code with a phone numbering plan; got ${JSON.stringify(values.country)}`,
    );
  return {
    country,
    language: values.language,
    json: values.json,
    maxLineBytes: positiveIntFlag(values['max-line-bytes'], '--max-line-bytes', DEFAULT_MAX_LINE_BYTES),
    matcher: compileIntentMatcher(loadLexicons(values.lexicons ?? [])),
  };
}

export async function signalsCommand(
  argv: string[],
  stdin: AsyncIterable<Buffer | string> = process.stdin,
  out: NodeJS.WritableStream = process.stdout,
  err: NodeJS.WritableStream = process.stderr,
): Promise<number> {
  let settings: Settings | 'help';
  try {
    settings = parseSettings(argv);
  } catch (e) {
    if (!(e instanceof LexiconError)) throw e;
    err.write(`perisai signals: ${e.message}\n`);
    return 2;
  }
  if (settings === 'help') {
    out.write(`${SIGNALS_USAGE}\n`);
    return 0;
  }
  const { country, language, json, maxLineBytes, matcher } = settings;
  const context = new PhoneContext();
  let lineNo = 0;
  for await (const raw of boundedLines(stdin, maxLineBytes)) {
    lineNo++;
    const cut = raw.length > raw.bytes.length;
    if (cut) err.write(`perisai signals: line ${lineNo}: ${raw.length} bytes; analysed the first ${maxLineBytes}\n`);
    const { text, replaced } = decodeLine(cut ? trimPartialChar(raw.bytes) : raw.bytes);
    if (replaced) err.write(`perisai signals: line ${lineNo}: not valid UTF-8; undecodable bytes replaced\n`);
    const signals = analyzeText(text, { country, language, context, intentMatcher: matcher });
    await write(out, `${json ? JSON.stringify(signals) : formatHuman(lineNo, signals)}\n`);
  }
  return 0;
}

/**
 * result.json → message records, streamed: the file is read in 64 KiB chunks, decoded,
 * tokenized by stream-json's tokenizer (with nothing packed, see json-value.ts) and walked
 * by ExportWalker. Memory is bounded by one chunk plus the largest single message.
 *
 * Invalid JSON: the tokenizer throws for the whole chunk, losing the tokens it had made
 * for that chunk. So on a syntax error the file is read once more, the failing chunk one
 * character at a time: every message that ends before the error is still yielded, and the
 * error names its exact line and column.
 */
import { jsonParser, type Token } from 'stream-json/parser.js';
import type { SourceIssue } from '../types.js';
import { ExportWalker, type JsonRecord, NotAnExport } from './json-walker.js';
import { TelegramExportError } from './options.js';
import { decodeFile as decode } from './text-file.js';

type Tokenizer = ReturnType<typeof jsonParser>;

export async function* readRecords(
  file: string,
  name: string,
  maxStringChars: number,
  report: (issue: SourceIssue) => void,
): AsyncGenerator<JsonRecord> {
  const walker = new ExportWalker(maxStringChars);
  const tokenize = newTokenizer();
  let fed = 0;
  let yielded = 0;
  for await (const text of decode(file)) {
    let tokens: readonly Token[];
    try {
      tokens = run(tokenize, text);
    } catch {
      if (walker.rootDone) return trailing(name, report);
      yield* recover(file, name, maxStringChars, { skip: yielded, failAt: fed }, report);
      return;
    }
    walk(walker, tokens, name, report);
    for (const rec of walker.take()) {
      yielded++;
      yield rec;
    }
    fed += text.length;
  }
  if (fed === 0) throw new TelegramExportError(`${name} is empty`, name);
  if (!walker.rootDone) {
    const message = `${name} is truncated: it ends inside ${walker.position()}, after ${walker.records} complete messages`;
    report({ kind: 'malformed', message, location: name });
    throw new TelegramExportError(message, name);
  }
}

function newTokenizer(): Tokenizer {
  return jsonParser({ packValues: false, streamValues: true });
}

function run(tokenize: Tokenizer, text: string): readonly Token[] {
  const out = tokenize(text);
  return typeof out === 'symbol' ? [] : out.values;
}

function walk(walker: ExportWalker, tokens: readonly Token[], name: string, report: (i: SourceIssue) => void): void {
  try {
    walker.consume(tokens);
  } catch (e) {
    if (e instanceof NotAnExport) throw new TelegramExportError(`${name}: ${e.message}`, name);
    throw e;
  }
  for (const issue of walker.issues.splice(0)) {
    report({ kind: 'malformed', message: issue.message, location: `${name}: ${issue.path}` });
  }
}

function trailing(name: string, report: (i: SourceIssue) => void): void {
  report({ kind: 'malformed', message: 'data after the end of the JSON document: ignored', location: name });
}

/** Second pass after a syntax error: see the header comment. `skip` records were already yielded. */
async function* recover(
  file: string,
  name: string,
  maxStringChars: number,
  { skip, failAt }: { skip: number; failAt: number },
  report: (issue: SourceIssue) => void,
): AsyncGenerator<JsonRecord> {
  const walker = new ExportWalker(maxStringChars);
  const tokenize = newTokenizer();
  const pos = { line: 1, column: 1 };
  let fed = 0;
  let seen = 0;
  const ignore = () => {};
  for await (const text of decode(file)) {
    if (fed + text.length <= failAt) {
      walk(walker, run(tokenize, text), name, ignore);
      seen += walker.take().length;
      advance(pos, text);
      fed += text.length;
      continue;
    }
    for (const ch of text) {
      let tokens: readonly Token[];
      try {
        tokens = run(tokenize, ch);
      } catch (e) {
        if (walker.rootDone) return trailing(name, report);
        const where = `${name} line ${pos.line} column ${pos.column}`;
        throw new TelegramExportError(`${name} is not valid JSON: ${(e as Error).message}`, where);
      }
      walk(walker, tokens, name, ignore);
      for (const rec of walker.take()) if (++seen > skip) yield rec;
      advance(pos, ch);
    }
    fed += text.length;
  }
  throw new TelegramExportError(`${name} is not valid JSON (and changed while being read)`, name);
}

function advance(pos: { line: number; column: number }, text: string): void {
  let last = -1;
  for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) {
    pos.line++;
    last = i;
  }
  pos.column = last === -1 ? pos.column + text.length : text.length - last;
}

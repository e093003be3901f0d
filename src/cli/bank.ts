/**
 * `perisai bank create|list|show|add|import|export|withdraw`: hash bank
 * curation from the command line, on the embedded database in --data or on
 * PostgreSQL via DATABASE_URL.
 */
import { createReadStream, createWriteStream } from 'node:fs';
import { type Bank, createBank, getBank, listBanks, type NewBankInput } from '../banks/banks.js';
import { importContentBulk } from '../banks/bulk.js';
import { addContent, getContent, type NewContentInput, withdrawContent } from '../banks/content.js';
import { isBankError } from '../banks/errors.js';
import { iterateBankContent } from '../banks/export.js';
import {
  FormatError,
  HMA_CSV_HEADER,
  IMPORT_FORMATS,
  parseCsvLine,
  parseHmaCsvLine,
  parseJsonLine,
  toCsvLines,
  toHmaCsvLines,
  toJsonLine,
} from '../banks/formats.js';
import { countBankSignals } from '../banks/stats.js';
import type { Database } from '../db/open.js';
import { BANK_CATEGORIES, BANK_KINDS } from '../db/schema.js';
import { oneOf, parseCommandArgs, positiveIntFlag, UsageError } from './args.js';
import { withDatabase } from './context.js';
import { signalsForFile } from './file-signals.js';
import { readLines } from './lines.js';
import { Progress } from './progress.js';

export const BANK_USAGE = `usage: perisai bank <subcommand> [--data DIR] ...

  create NAME --category ncii|csam|deepfake|doxx|other [--kind block|allow]
              [--threshold 0..31] [--min-quality 0..100] [--disabled]
  list [--json]
  show NAME [--json]
  add NAME [--pdq HASH] [--md5 HASH] [--sha256 HASH] [FILE...]
           [--note TEXT] [--metadata JSON] [--case REF] [--source analyst|victim|import]
  import NAME FILE|- [--format csv|jsonl|hma] [--batch 10000]
  export NAME [--format jsonl|csv|hma] [--out FILE] [--active-only]
  withdraw NAME CONTENT_ID...

The database is PGlite in --data (default ./data), or PostgreSQL when DATABASE_URL is set.
Import formats: csv = the reference tools' "hash,quality,path" lines (32-hex = MD5);
jsonl = {"signals":[{"type":"pdq","hash":"..","quality":90}],"note":..,"metadata":{..}} per line;
hma = python-threatexchange's dataset CSV (signal_type,signal_str,collab,category,tags) used with HMA.
Exports in jsonl include withdrawn items as tombstones ("status":"withdrawn").`;

type Out = NodeJS.WritableStream;

export async function bankCommand(
  argv: string[],
  out: Out = process.stdout,
  err: Out = process.stderr,
): Promise<number> {
  const [sub, ...rest] = argv;
  if (!sub || sub === '--help' || sub === '-h') {
    out.write(`${BANK_USAGE}\n`);
    return sub ? 0 : 2;
  }
  const handler = SUBCOMMANDS[sub];
  if (!handler) throw new UsageError(`unknown bank subcommand '${sub}'`);
  try {
    return await handler(rest, out, err);
  } catch (e) {
    if (isBankError(e) || e instanceof FormatError) {
      err.write(`perisai bank ${sub}: ${e.message}\n`);
      return 1;
    }
    throw e;
  }
}

const SUBCOMMANDS: Record<string, (argv: string[], out: Out, err: Out) => Promise<number>> = {
  create: createCmd,
  list: listCmd,
  show: showCmd,
  add: addCmd,
  import: importCmd,
  export: exportCmd,
  withdraw: withdrawCmd,
};

const DATA = { data: { type: 'string' } } as const;

function requireName(positionals: string[]): string {
  const name = positionals[0];
  if (!name) throw new UsageError('a bank name is required');
  return name;
}

async function createCmd(argv: string[], out: Out): Promise<number> {
  const { values, positionals } = parseCommandArgs(argv, {
    ...DATA,
    category: { type: 'string' },
    kind: { type: 'string' },
    threshold: { type: 'string' },
    'min-quality': { type: 'string' },
    disabled: { type: 'boolean', default: false },
  });
  const name = requireName(positionals);
  if (!values.category) throw new UsageError(`--category is required (${BANK_CATEGORIES.join(', ')})`);
  const input: NewBankInput = {
    name,
    category: oneOf(values.category, BANK_CATEGORIES, '--category', 'other'),
    kind: oneOf(values.kind, BANK_KINDS, '--kind', 'block'),
    enabled: !values.disabled,
    ...(values.threshold !== undefined ? { pdqThreshold: intFlag(values.threshold, '--threshold', 0, 31) } : {}),
    ...(values['min-quality'] !== undefined
      ? { minQuality: intFlag(values['min-quality'], '--min-quality', 0, 100) }
      : {}),
  };
  const bank = await withDatabase(values.data, (d) => createBank(d.db, input));
  out.write(
    `created bank ${bank.name} (${bank.kind}, ${bank.category}, threshold ${bank.pdqThreshold}, min quality ${bank.minQuality})\n`,
  );
  return 0;
}

function intFlag(value: string, flag: string, min: number, max: number): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < min || n > max)
    throw new UsageError(`${flag} must be an integer from ${min} to ${max}`);
  return n;
}

async function listCmd(argv: string[], out: Out): Promise<number> {
  const { values } = parseCommandArgs(argv, { ...DATA, json: { type: 'boolean', default: false } });
  await withDatabase(values.data, async (d) => {
    const banks = await listBanks(d.db);
    const counts = await countBankSignals(d.db);
    if (values.json) {
      for (const b of banks) out.write(`${JSON.stringify({ ...bankJson(b), signals: counts.get(b.id) ?? {} })}\n`);
      return;
    }
    if (banks.length === 0) out.write('no banks yet: create one with `perisai bank create NAME --category ncii`\n');
    for (const b of banks) {
      const c = counts.get(b.id) ?? {};
      const summary =
        Object.entries(c)
          .map(([t, n]) => `${n} ${t}`)
          .join(', ') || 'empty';
      out.write(
        `${b.name.padEnd(28)} ${b.kind.padEnd(5)} ${b.category.padEnd(8)} t=${String(b.pdqThreshold).padEnd(2)} q>=${String(b.minQuality).padEnd(3)} ${b.enabled ? 'enabled ' : 'disabled'} ${summary}\n`,
      );
    }
  });
  return 0;
}

function bankJson(b: Bank) {
  return {
    name: b.name,
    category: b.category,
    kind: b.kind,
    pdq_threshold: b.pdqThreshold,
    min_quality: b.minQuality,
    enabled: b.enabled,
    created_at: b.createdAt.toISOString(),
  };
}

async function showCmd(argv: string[], out: Out, err: Out): Promise<number> {
  const { values, positionals } = parseCommandArgs(argv, { ...DATA, json: { type: 'boolean', default: false } });
  const name = requireName(positionals);
  return withDatabase(values.data, async (d) => {
    const bank = await getBank(d.db, name);
    if (!bank) {
      err.write(`perisai bank show: no bank named ${name}\n`);
      return 1;
    }
    const counts = (await countBankSignals(d.db)).get(bank.id) ?? {};
    const obj = { ...bankJson(bank), signals: counts };
    out.write(values.json ? `${JSON.stringify(obj)}\n` : `${JSON.stringify(obj, null, 2)}\n`);
    return 0;
  });
}

async function addCmd(argv: string[], out: Out, err: Out): Promise<number> {
  const { values, positionals } = parseCommandArgs(argv, {
    ...DATA,
    pdq: { type: 'string' },
    md5: { type: 'string' },
    sha256: { type: 'string' },
    note: { type: 'string' },
    metadata: { type: 'string' },
    case: { type: 'string' },
    source: { type: 'string' },
  });
  const [name, ...files] = positionals;
  if (!name) throw new UsageError('a bank name is required');
  const base = contentBase(values);
  const items: NewContentInput[] = [];
  const hashes = [
    ...(values.pdq ? [{ type: 'pdq' as const, hash: values.pdq }] : []),
    ...(values.md5 ? [{ type: 'md5' as const, hash: values.md5 }] : []),
    ...(values.sha256 ? [{ type: 'sha256' as const, hash: values.sha256 }] : []),
  ];
  if (hashes.length > 0) items.push({ ...base, signals: hashes });
  let failures = 0;
  for (const file of files) {
    try {
      items.push({ ...base, note: base.note ?? file, signals: await signalsForFile(file) });
    } catch (e) {
      failures++;
      err.write(`perisai bank add: ${file}: ${(e as Error).message}\n`);
    }
  }
  if (items.length === 0)
    throw new UsageError(failures ? 'nothing to add' : 'give --pdq/--md5/--sha256 or files to hash');
  await withDatabase(values.data, async (d) => {
    for (const item of items) {
      const added = await addContent(d.db, name, item);
      out.write(`added content ${added.id} to ${name}: ${added.signals.map((s) => `${s.type}:${s.hash}`).join(' ')}\n`);
    }
  });
  return failures > 0 ? 1 : 0;
}

function contentBase(values: { note?: string; metadata?: string; case?: string; source?: string }) {
  let metadata: Record<string, unknown> | undefined;
  if (values.metadata !== undefined) {
    try {
      metadata = JSON.parse(values.metadata) as Record<string, unknown>;
    } catch {
      throw new UsageError('--metadata must be a JSON object');
    }
  }
  return {
    source: oneOf(values.source, ['analyst', 'victim', 'import'] as const, '--source', 'analyst'),
    ...(values.note !== undefined ? { note: values.note } : {}),
    ...(metadata ? { metadata } : {}),
    ...(values.case !== undefined ? { caseRef: values.case } : {}),
  };
}

async function importCmd(argv: string[], out: Out, err: Out): Promise<number> {
  const { values, positionals } = parseCommandArgs(argv, {
    ...DATA,
    format: { type: 'string' },
    batch: { type: 'string' },
    source: { type: 'string' },
  });
  const [name, file] = positionals;
  if (!name || !file) throw new UsageError('usage: perisai bank import NAME FILE|- [--format csv|jsonl]');
  const format = oneOf(
    values.format,
    IMPORT_FORMATS,
    '--format',
    file.endsWith('.jsonl') || file.endsWith('.json') ? 'jsonl' : 'csv',
  );
  const batchSize = positiveIntFlag(values.batch, '--batch', 10_000);
  const source = oneOf(values.source, ['analyst', 'victim', 'import'] as const, '--source', 'import');
  const parse = format === 'csv' ? parseCsvLine : format === 'hma' ? parseHmaCsvLine : parseJsonLine;
  const input = file === '-' ? process.stdin : createReadStream(file);
  const lines = readLines(input);
  const progress = new Progress(`importing into ${name}`);
  let imported = 0;
  let lineNo = 0;
  await withDatabase(values.data, async (d) => {
    await requireBankExists(d, name);
    let batch: NewContentInput[] = [];
    const flush = async () => {
      if (batch.length === 0) return;
      await importContentBulk(d.db, name, batch);
      imported += batch.length;
      for (let i = 0; i < batch.length; i++) progress.tick();
      batch = [];
    };
    for await (const line of lines) {
      lineNo++;
      const item = parse(line, lineNo, source);
      if (item) batch.push(item);
      if (batch.length >= batchSize) await flush();
    }
    await flush();
  });
  progress.finish();
  out.write(`imported ${imported} items into ${name} from ${lineNo} lines\n`);
  void err;
  return 0;
}

async function requireBankExists(d: Database, name: string): Promise<void> {
  if (!(await getBank(d.db, name))) throw new UsageError(`no bank named ${name}`);
}

async function exportCmd(argv: string[], out: Out): Promise<number> {
  const { values, positionals } = parseCommandArgs(argv, {
    ...DATA,
    format: { type: 'string' },
    out: { type: 'string' },
    'active-only': { type: 'boolean', default: false },
  });
  const name = requireName(positionals);
  const format = oneOf(values.format, ['jsonl', 'csv', 'hma'] as const, '--format', 'jsonl');
  const sink: NodeJS.WritableStream = values.out ? createWriteStream(values.out) : out;
  let n = 0;
  if (format === 'hma') sink.write(`${HMA_CSV_HEADER}\n`);
  await withDatabase(values.data, async (d) => {
    await requireBankExists(d, name);
    const options = values['active-only'] ? { statuses: ['active' as const] } : {};
    for await (const item of iterateBankContent(d.db, name, options)) {
      const lines = format === 'jsonl' ? [toJsonLine(item)] : format === 'hma' ? toHmaCsvLines(item) : toCsvLines(item);
      for (const line of lines) if (!sink.write(`${line}\n`)) await new Promise((r) => sink.once('drain', r));
      n++;
    }
  });
  if (values.out) {
    await new Promise<void>((resolve, reject) => {
      sink.once('error', reject);
      sink.end(() => resolve());
    });
    process.stderr.write(`exported ${n} items of ${name} to ${values.out}\n`);
  }
  return 0;
}

async function withdrawCmd(argv: string[], out: Out): Promise<number> {
  const { values, positionals } = parseCommandArgs(argv, DATA);
  const [name, ...ids] = positionals;
  if (!name || ids.length === 0) throw new UsageError('usage: perisai bank withdraw NAME CONTENT_ID...');
  await withDatabase(values.data, async (d) => {
    for (const raw of ids) {
      const id = Number(raw);
      if (!Number.isSafeInteger(id) || id <= 0) throw new UsageError(`not a content id: ${raw}`);
      const current = await getContent(d.db, id);
      if (!current) throw new UsageError(`no content ${id}`);
      if (current.bankName !== name) throw new UsageError(`content ${id} is in bank ${current.bankName}, not ${name}`);
      const item = await withdrawContent(d.db, id);
      out.write(
        `withdrew content ${id} (${item.signals.length} signals): it no longer matches and exports as a tombstone\n`,
      );
    }
  });
  return 0;
}

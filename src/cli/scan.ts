/**
 * `perisai scan PATH [--data DIR] [--bank NAME...] [--country CC] [--report out.html] [--json out.jsonl]`
 *
 * Runs a source end to end through the durable pipeline (store, hash, match,
 * signals, findings) and writes the report. Interrupting it and running it again
 * resumes: what was stored stays stored.
 */
import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { join, resolve } from 'node:path';
import { isSupportedCountry } from 'libphonenumber-js/max';
import { openEvidence } from '../evidence/open.js';
import { preserveFindings } from '../pipeline/preserve.js';
import { type ReportFinding, reportFindings, reportSummary } from '../pipeline/report-data.js';
import { writeHtmlReport } from '../pipeline/report-html.js';
import { runScan, type ScanProgress, type ScanResult } from '../pipeline/scan.js';
import { openSource } from '../sources/open.js';
import type { SourceIssue } from '../sources/types.js';
import { parseCommandArgs, positiveIntFlag, UsageError } from './args.js';
import { dataDirOf, withDatabase } from './context.js';

export const SCAN_USAGE = `usage: perisai scan PATH [--data DIR] [--bank NAME...] [--country CC] [--time-zone ZONE]
                    [--report out.html] [--json out.jsonl] [--concurrency N] [--preserve [--case ID]]
                    [--quiet]

Reads PATH (a Telegram Desktop export folder or result.json, a WhatsApp export .txt/.zip or its
folder, or any folder of media files), hashes every image and video, matches them against the
banks, finds personal data and intent in the text, and stores messages and findings in --data.

  --bank NAME       only count matches from this bank (repeatable; default: every enabled bank)
  --country CC      the chats' country (ISO 3166 alpha-2) for phone numbers without +CC
  --time-zone ZONE  zone of exports that write local times (IANA name or +HH:MM; default UTC)
  --report FILE     write a self-contained HTML report (blurred greyscale thumbnails)
  --json FILE       write one finding per line (JSON Lines)
  --concurrency N   media files in progress at once (default 3; at least 8 per hashing thread)
  --preserve        capture every finding's evidence (media, raw record, context) into the vault
  --case ID         the evidence case for --preserve (default scan-<scan id>)
  --quiet           no progress line

Findings, most severe first: doxxing (a bank match AND personal data), match, personal_data,
intent. Running the same scan again resumes it; nothing is stored twice.`;

export async function scanCommand(
  argv: string[],
  out: NodeJS.WritableStream = process.stdout,
  err: NodeJS.WriteStream = process.stderr,
): Promise<number> {
  const { values, positionals } = parseCommandArgs(argv, {
    data: { type: 'string' },
    bank: { type: 'string', multiple: true },
    country: { type: 'string' },
    'time-zone': { type: 'string' },
    report: { type: 'string' },
    json: { type: 'string' },
    concurrency: { type: 'string' },
    quiet: { type: 'boolean', default: false },
    preserve: { type: 'boolean', default: false },
    case: { type: 'string' },
  });
  if (positionals.length !== 1) throw new UsageError('give exactly one PATH to scan');
  const country = values.country?.toUpperCase();
  if (country !== undefined && !isSupportedCountry(country)) {
    throw new UsageError(
      `--country must be an ISO 3166 alpha-2 code such as GB or ID; got ${JSON.stringify(values.country)}`,
    );
  }
  const concurrency = positiveIntFlag(values.concurrency, '--concurrency', 3);
  const path = resolve(positionals[0]!);
  const opened = await openSource(path, {
    extractDir: join(dataDirOf(values.data), 'spool'),
    ...(values['time-zone'] ? { timeZone: values['time-zone'] } : {}),
  });
  return withDatabase(values.data, async (database) => {
    await checkBanks(database, values.bank ?? []);
    const line = new ProgressLine(err, !values.quiet);
    let issues = 0;
    const result = await runScan(database, {
      source: opened.source,
      location: path,
      ...(values.bank?.length ? { banks: values.bank } : {}),
      ...(country ? { country } : {}),
      concurrency,
      onProgress: (p) => line.update(p),
      onIssue: (issue) => {
        if (++issues <= 20) line.print(`perisai scan: ${describeIssue(issue)}`);
      },
    });
    line.done(result.progress);
    if (issues > 20) err.write(`perisai scan: ${issues - 20} more source issue(s) not shown\n`);
    for (const note of opened.notes) err.write(`perisai scan: note: ${note}\n`);
    if (values.preserve) {
      const caseId = values.case ?? `scan-${result.scanId}`;
      const evidence = await openEvidence(database, dataDirOf(values.data));
      try {
        const captured = await preserveFindings(database, evidence.vault, result.scanId, {
          caseId,
          capturedBy: { kind: 'rule', id: 'scan' },
          onError: (f, e) => err.write(`perisai scan: could not preserve ${f.chatId}/${f.messageId}: ${e.message}\n`),
        });
        err.write(`perisai scan: preserved ${captured} item(s) in the evidence vault, case ${caseId}\n`);
      } finally {
        evidence.close();
      }
    }
    const summary = await reportSummary(database, result.scanId);
    if (values.json) await writeJsonLines(values.json, reportFindings(database, result.scanId));
    if (values.report) await writeHtmlReport(values.report, summary, reportFindings(database, result.scanId));
    out.write(summaryText(opened.description, result, summary.findingsBySeverity));
    if (result.progress.sourceError) {
      err.write(`perisai scan: ${result.progress.sourceError}\n`);
      return 1;
    }
    return 0;
  });
}

async function checkBanks(database: Parameters<Parameters<typeof withDatabase>[1]>[0], names: readonly string[]) {
  if (names.length === 0) return;
  const rows = await database.db
    .selectFrom('banks')
    .select('name')
    .where('name', 'in', [...names])
    .execute();
  const known = new Set(rows.map((r) => r.name));
  const unknown = names.filter((n) => !known.has(n));
  if (unknown.length > 0) throw new UsageError(`no such bank: ${unknown.join(', ')} (see perisai bank list)`);
}

async function writeJsonLines(path: string, findings: AsyncIterable<ReportFinding>): Promise<void> {
  const stream = createWriteStream(path);
  for await (const f of findings) {
    const { media, ...rest } = f;
    const line = `${JSON.stringify({ ...rest, sentAt: f.sentAt.toISOString(), media: media.map(({ path: _p, ...m }) => m) })}\n`;
    if (!stream.write(line)) await once(stream, 'drain');
  }
  stream.end();
  await once(stream, 'finish');
}

function summaryText(description: string, result: ScanResult, bySeverity: Record<string, number>): string {
  const p = result.progress;
  const t = result.timings;
  return [
    `scanned ${description}: ${p.messages} messages, ${p.mediaSettled} media hashed or reused (${p.mediaReused} reused by SHA-256, ${p.mediaFailed} failed, ${p.mediaMissing} not in the export), ${p.matches} bank matches`,
    `findings: ${bySeverity.doxxing ?? 0} doxxing, ${bySeverity.match ?? 0} match, ${bySeverity.personal_data ?? 0} personal data, ${bySeverity.intent ?? 0} intent`,
    `${p.issues} source issue(s); ${t.total.toFixed(1)} s (scan id ${result.scanId})`,
    '',
  ].join('\n');
}

function describeIssue(issue: SourceIssue): string {
  return `${issue.kind}: ${issue.message}${issue.location ? ` (${issue.location})` : ''}`;
}

/** "messages 12000 · media 800/2000 · matches 160" on one terminal line. */
class ProgressLine {
  private last = 0;
  private readonly enabled: boolean;

  constructor(
    private readonly stream: NodeJS.WriteStream,
    wanted: boolean,
  ) {
    this.enabled = wanted && Boolean(stream.isTTY) && process.env.CI !== 'true';
  }

  update(p: ScanProgress): void {
    const now = Date.now();
    if (!this.enabled || now - this.last < 100) return;
    this.last = now;
    this.render(p);
  }

  print(text: string): void {
    if (this.enabled) this.stream.write('\r\x1b[K');
    this.stream.write(`${text}\n`);
  }

  done(p: ScanProgress): void {
    if (!this.enabled) return;
    this.render(p);
    this.stream.write('\n');
  }

  private render(p: ScanProgress): void {
    const width = 24;
    const share = p.mediaQueued > 0 ? p.mediaSettled / p.mediaQueued : 0;
    const filled = Math.min(width, Math.round(share * width));
    const bar = `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}]`;
    const reading = p.sourceDone ? '' : ' (reading)';
    this.stream.write(
      `\r\x1b[Kmessages ${p.messages}${reading} · media ${bar} ${p.mediaSettled}/${p.mediaQueued} · matches ${p.matches}${p.mediaFailed ? ` · ${p.mediaFailed} failed` : ''}`,
    );
  }
}

/**
 * The scan report as one self-contained HTML file that opens offline.
 *
 * Safety (DESIGN.md): every string from a scan is hostile input and is escaped;
 * the page loads nothing from anywhere (a CSP meta tag forbids it, and there is
 * no script at all); media previews are blurred and greyscale; media of a
 * message matched to a child-abuse ('csam') bank is never shown, not even
 * blurred.
 *
 * The file is streamed: the head and summary first, then each finding as the
 * iterator yields it, so memory stays bounded however many findings a scan has.
 * It is written next to its final name and renamed when complete, so a crash
 * never leaves a report that looks whole.
 */
import { type FileHandle, open, rename, rm } from 'node:fs/promises';
import { FINDING_SEVERITIES, type FindingSeverity } from '../db/schema-pipeline.js';
import type { MediaMatch, PersonalData } from './assess.js';
import type { ReportFinding, ReportSummary } from './report-data.js';
import { thumbnailOf } from './thumbnail.js';

export interface HtmlReportOptions {
  /** Findings written at most (default 5000); the report says how many were left out. */
  maxFindings?: number;
  /** Blurred greyscale previews of the media (default true). */
  thumbnails?: boolean;
  /** The time printed as "generated" (default now). */
  generatedAt?: Date;
}

export interface HtmlReportResult {
  /** Findings written to the file. */
  findings: number;
  /** Findings left out because of maxFindings. */
  leftOut: number;
}

export const DEFAULT_MAX_FINDINGS = 5000;
export const CSP = "default-src 'none'; img-src data:; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'";
export const CSAM_PLACEHOLDER = 'hash-only: not displayed';
const TEXT_EXCERPT_CHARS = 500;
const MAX_SUMMARY_ROWS = 200;
const MAX_MEDIA_PER_FINDING = 12;
const FLUSH_CHARS = 64 * 1024;
const NO_THUMBNAIL_TYPES = new Set(['video', 'animation', 'video_note', 'voice', 'audio']);

const SEVERITY_TITLE: Record<FindingSeverity, string> = {
  doxxing: 'Doxxing: bank match with personal data',
  match: 'Bank match',
  personal_data: 'Personal data',
  intent: 'Intent',
};

/**
 * Writes the report to `out`. Findings are expected most severe first, as
 * reportFindings yields them: each change of severity starts a new group.
 */
export async function writeHtmlReport(
  out: string,
  summary: ReportSummary,
  findings: AsyncIterable<ReportFinding>,
  options: HtmlReportOptions = {},
): Promise<HtmlReportResult> {
  const maxFindings = Math.max(0, options.maxFindings ?? DEFAULT_MAX_FINDINGS);
  const thumbnails = options.thumbnails ?? true;
  const total = totalFindings(summary);
  const partial = `${out}.partial`;
  const sink = new FileSink(await open(partial, 'w'));
  try {
    await sink.write(documentHead(summary, options.generatedAt ?? new Date()));
    await sink.write(summarySection(summary, total, maxFindings));
    await sink.write('<section id="findings"><h2>Findings</h2>\n');
    let written = 0;
    let truncated = false;
    let severity: FindingSeverity | null = null;
    for await (const finding of findings) {
      if (written >= maxFindings) {
        truncated = true;
        break; // closes the iterator: no further database pages are read
      }
      if (finding.severity !== severity) {
        if (severity !== null) await sink.write('</div>\n');
        severity = finding.severity;
        await sink.write(severityHeading(severity, summary.findingsBySeverity[severity]));
      }
      await sink.write(findingHtml(finding, await mediaHtml(finding, thumbnails)));
      written++;
    }
    if (severity !== null) await sink.write('</div>\n');
    if (written === 0 && !truncated) await sink.write('<p class="none">No findings.</p>\n');
    const leftOut = truncated ? Math.max(total - written, 1) : 0;
    if (leftOut > 0) await sink.write(`<p class="note">${truncationNote(leftOut, written + leftOut)}</p>\n`);
    await sink.write('</section>\n<footer>End of report.</footer>\n</body>\n</html>\n');
    await sink.close();
    await rename(partial, out);
    return { findings: written, leftOut };
  } catch (err) {
    await sink.close().catch(() => {});
    await rm(partial, { force: true });
    throw err;
  }
}

/** Buffers small strings into large writes; awaits each write so memory stays bounded. */
class FileSink {
  private parts: string[] = [];
  private chars = 0;
  private closed = false;

  constructor(private readonly file: FileHandle) {}

  async write(html: string): Promise<void> {
    this.parts.push(html);
    this.chars += html.length;
    if (this.chars >= FLUSH_CHARS) await this.flush();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    try {
      await this.flush();
    } finally {
      this.closed = true;
      await this.file.close();
    }
  }

  private async flush(): Promise<void> {
    const bytes = Buffer.from(this.parts.join(''), 'utf8');
    this.parts = [];
    this.chars = 0;
    for (let offset = 0; offset < bytes.length; ) {
      const { bytesWritten } = await this.file.write(bytes, offset, bytes.length - offset);
      if (bytesWritten <= 0) throw new Error('could not write the report (0 bytes written)');
      offset += bytesWritten;
    }
  }
}

// ---- escaping and formatting ------------------------------------------------

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** HTML-escapes text for element content and quoted attributes. */
export function escapeHtml(value: unknown): string {
  return String(value ?? '').replace(/[&<>"']/g, (c) => ESCAPES[c]!);
}

/** A name or other text from the scan, isolated so right-to-left tricks cannot reorder the page. */
function user(value: string | null | undefined, fallback = 'unknown'): string {
  return value ? `<bdi>${escapeHtml(value)}</bdi>` : `<span class="muted">${fallback}</span>`;
}

function code(value: string | null | undefined): string {
  return value ? `<code>${escapeHtml(value)}</code>` : '';
}

function count(n: number | string | null | undefined): string {
  return Number(n ?? 0).toLocaleString('en-US');
}

function isoTime(value: Date | string | null | undefined): string {
  if (value === null || value === undefined) return 'unknown';
  const date = value instanceof Date ? value : new Date(value);
  return Number.isNaN(date.getTime()) ? 'unknown' : date.toISOString();
}

/** The first `max` characters (whole code points), and how many were cut. */
export function excerpt(text: string, max = TEXT_EXCERPT_CHARS): { text: string; cut: number } {
  let kept = '';
  let n = 0;
  for (const ch of text) {
    if (n < max) kept += ch;
    n++;
  }
  return { text: kept, cut: Math.max(0, n - max) };
}

function totalFindings(summary: ReportSummary): number {
  return FINDING_SEVERITIES.reduce((sum, s) => sum + Number(summary.findingsBySeverity[s] ?? 0), 0);
}

function truncationNote(leftOut: number, total: number): string {
  return `${count(leftOut)} of ${count(total)} findings were left out of this report to keep it small enough to open. The JSON Lines output (<code>--json</code>) has them all.`;
}

// ---- head and summary -------------------------------------------------------

const STYLE = `
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1d1d1f;background:#fff;margin:0 auto;max-width:72rem;padding:1rem 1.5rem}
h1{font-size:1.6rem;margin:.2rem 0}h2{border-bottom:2px solid #ccc;margin-top:2rem;padding-bottom:.2rem}h3{margin:1.6rem 0 .6rem}
table{border-collapse:collapse;margin:.4rem 0 1rem;min-width:18rem}th,td{border:1px solid #ccc;padding:.2rem .5rem;text-align:left;vertical-align:top}
th{background:#f2f2f2}td.n{text-align:right;font-variant-numeric:tabular-nums}caption{text-align:left;font-weight:600;padding:.3rem 0}
.grid{display:flex;flex-wrap:wrap;gap:0 2rem}code{font:12px ui-monospace,Menlo,Consolas,monospace;background:#f4f4f4;padding:0 .2rem;word-break:break-all}
.muted{color:#777}.note,.safety{border-left:4px solid #c77700;background:#fff7e6;padding:.4rem .8rem}.safety{border-color:#555;background:#f4f4f4}
dl.meta{display:grid;grid-template-columns:max-content 1fr;gap:.1rem 1rem;margin:.4rem 0}dt{font-weight:600}dd{margin:0}
.finding{border:1px solid #bbb;border-left-width:6px;border-radius:4px;margin:.8rem 0;padding:.5rem .9rem;break-inside:avoid}
.finding>header{display:flex;gap:.6rem;align-items:center;font-weight:600}
.badge{display:inline-block;border:1px solid currentColor;border-radius:3px;padding:0 .4rem;font-size:12px;font-weight:600;text-transform:uppercase}
.sev-doxxing{border-left-color:#a30000}.badge.sev-doxxing{color:#a30000}.sev-match{border-left-color:#c25e00}.badge.sev-match{color:#c25e00}
.sev-personal_data{border-left-color:#5b4fb0}.badge.sev-personal_data{color:#5b4fb0}.sev-intent{border-left-color:#4d6b7a}.badge.sev-intent{color:#4d6b7a}
.held{color:#a30000}blockquote{margin:.4rem 0;padding:.3rem .8rem;border-left:3px solid #ccc;background:#fafafa;white-space:pre-wrap;overflow-wrap:anywhere}
.media{display:flex;flex-wrap:wrap;gap:.6rem;margin:.4rem 0}figure{margin:0;width:160px}figcaption{font-size:12px;color:#555;overflow-wrap:anywhere}
figure img{display:block;max-width:160px;max-height:160px;filter:blur(2px) grayscale(1)}
.ph{display:flex;align-items:center;justify-content:center;text-align:center;width:160px;height:100px;background:#e6e6e6;color:#444;font-size:12px;border:1px dashed #999}
ul.pd{margin:.2rem 0;padding-left:1.2rem}footer{margin:2rem 0;color:#777}
@media print{body{max-width:none;padding:0;font-size:10pt}h2{break-after:avoid}.finding{border-left-width:4px}}
`;

function documentHead(summary: ReportSummary, generatedAt: Date): string {
  const title = `Perisai scan report #${escapeHtml(summary.scanId)}`;
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${CSP}">
<meta name="referrer" content="no-referrer">
<meta name="robots" content="noindex,nofollow">
<meta name="viewport" content="width=device-width,initial-scale=1">
<title>${title}</title>
<style>${STYLE}</style>
</head>
<body>
<header>
<h1>${title}</h1>
<dl class="meta">
<dt>Generated</dt><dd>${isoTime(generatedAt)}</dd>
<dt>Source</dt><dd>${user(summary.source)}</dd>
<dt>Location</dt><dd>${code(summary.location) || '<span class="muted">unknown</span>'}</dd>
<dt>Scan started</dt><dd>${isoTime(summary.startedAt)}</dd>
<dt>Scan finished</dt><dd>${summary.finishedAt ? isoTime(summary.finishedAt) : '<span class="muted">not finished</span>'}</dd>
</dl>
<p class="safety">Confidential: this report names people who may be victims. Media previews are blurred and greyscale.
Media matched to a child sexual abuse material bank is never shown (${CSAM_PLACEHOLDER}). All times are UTC.</p>
</header>
`;
}

function table(caption: string, headers: string[], rows: string[][], numeric: number[] = []): string {
  const head = headers.map((h) => `<th>${h}</th>`).join('');
  const body =
    rows.length === 0
      ? `<tr><td colspan="${headers.length}" class="muted">none</td></tr>`
      : rows
          .map(
            (r) =>
              `<tr>${r.map((c, i) => (numeric.includes(i) ? `<td class="n">${c}</td>` : `<td>${c}</td>`)).join('')}</tr>`,
          )
          .join('\n');
  return `<table><caption>${caption}</caption><thead><tr>${head}</tr></thead><tbody>\n${body}\n</tbody></table>\n`;
}

/** At most MAX_SUMMARY_ROWS rows, then one saying how many more there are. */
function capped(rows: string[][], width: number): string[][] {
  if (rows.length <= MAX_SUMMARY_ROWS) return rows;
  const more = `<span class="muted">and ${count(rows.length - MAX_SUMMARY_ROWS)} more</span>`;
  return [...rows.slice(0, MAX_SUMMARY_ROWS), [more, ...Array<string>(width - 1).fill('')]];
}

function summarySection(s: ReportSummary, total: number, maxFindings: number): string {
  const pd = s.personalData;
  const parts = [
    '<section id="summary"><h2>Summary</h2>\n<div class="grid">\n',
    table(
      'Scan',
      ['What', 'Count'],
      [
        ['Chats', count(s.chats.length)],
        ['Messages', count(s.messages)],
        ['Findings', count(total)],
      ],
      [1],
    ),
    table(
      'Media',
      ['State', 'Count'],
      [
        ['Total', count(s.media.total)],
        ['Hashed', count(s.media.hashed)],
        ['Failed', count(s.media.failed)],
        ['Missing from the export', count(s.media.missing)],
      ],
      [1],
    ),
    table(
      'Findings by severity',
      ['Severity', 'Findings'],
      FINDING_SEVERITIES.map((sev) => [badge(sev), count(s.findingsBySeverity[sev])]),
      [1],
    ),
    table(
      'Personal data found',
      ['Kind', 'Count'],
      [
        ['Phone numbers', count(pd.phones)],
        ['E-mail addresses', count(pd.emails)],
        ['Social handles', count(pd.handles)],
        ['Locations', count(pd.locations)],
        ['Telegram links', count(pd.telegramLinks)],
      ],
      [1],
    ),
    table(
      'Intent',
      ['Category', 'Messages'],
      Object.entries(s.intent).map(([k, n]) => [escapeHtml(k), count(n)]),
      [1],
    ),
    '</div>\n',
    table(
      'Matches by bank',
      ['Bank', 'Category', 'Matches', 'Messages'],
      s.matchesByBank.map((b) => [user(b.bank), escapeHtml(b.category), count(b.matches), count(b.messages)]),
      [2, 3],
    ),
    table(
      'Chats',
      ['Chat', 'Id', 'Messages'],
      capped(
        s.chats.map((c) => [user(c.name, 'no name'), code(c.id), count(c.messages)]),
        3,
      ),
      [2],
    ),
    table(
      'Top authors',
      ['Author', 'Id', 'Messages', 'Findings'],
      s.topAuthors.map((a) => [user(a.name), code(a.id), count(a.messages), count(a.findings)]),
      [2, 3],
    ),
  ];
  if (total > maxFindings) {
    parts.push(
      `<p class="note">This report shows the ${count(maxFindings)} most severe findings. ${truncationNote(total - maxFindings, total)}</p>\n`,
    );
  }
  parts.push('</section>\n');
  return parts.join('');
}

function badge(severity: FindingSeverity): string {
  return `<span class="badge sev-${severity}">${severity.replace('_', ' ')}</span>`;
}

function severityHeading(severity: FindingSeverity, n: number | undefined): string {
  return `<div class="group" id="severity-${severity}">\n<h3>${badge(severity)} ${SEVERITY_TITLE[severity]} (${count(n)})</h3>\n`;
}

// ---- findings ---------------------------------------------------------------

function findingHtml(f: ReportFinding, media: string): string {
  const text = excerpt(f.text ?? '');
  const more = text.cut > 0 ? `<span class="muted"> … (${count(text.cut)} more characters)</span>` : '';
  return `<article class="finding sev-${f.severity}" id="finding-${escapeHtml(f.id)}">
<header>${badge(f.severity)}<span>Finding ${escapeHtml(f.id)}</span></header>
<dl class="meta">
<dt>Chat</dt><dd>${user(f.chatName, 'no name')} ${code(f.chatId)}</dd>
<dt>Message</dt><dd>${code(f.messageId)}</dd>
<dt>Author</dt><dd>${user(f.authorName)} ${code(f.authorId)}</dd>
<dt>Time</dt><dd>${isoTime(f.sentAt)}</dd>
${f.intent?.length ? `<dt>Intent</dt><dd>${f.intent.map((i) => `<span class="badge">${escapeHtml(i)}</span>`).join(' ')}</dd>` : ''}
</dl>
${matchesHtml(f.matches ?? [])}${personalDataHtml(f.personalData)}${text.text ? `<blockquote dir="auto">${escapeHtml(text.text)}${more}</blockquote>\n` : ''}${media}</article>
`;
}

function matchesHtml(matches: MediaMatch[]): string {
  if (matches.length === 0) return '';
  const rows = matches.map((m) => [
    user(m.bank),
    escapeHtml(m.category),
    escapeHtml(m.signalType),
    count(m.distance),
    code(m.mediaId),
    code(m.caseRef),
    m.held ? '<strong class="held">held for review</strong>' : '',
  ]);
  return table('Matched banks', ['Bank', 'Category', 'Signal', 'Distance', 'Media', 'Case', 'Review'], rows, [3]);
}

function personalDataHtml(pd: PersonalData | null | undefined): string {
  if (!pd) return '';
  const items = [
    ...(pd.phones ?? []).map((p) => `<li>phone ${code(p.e164)} (${escapeHtml(p.country)})</li>`),
    ...(pd.emails ?? []).map((e) => `<li>e-mail ${code(e)}</li>`),
    ...(pd.handles ?? []).map((h) => `<li>handle ${code(`${h.platform}:${h.handle}`)}</li>`),
    ...(pd.locations ?? []).map((l) => `<li>location ${user(l)}</li>`),
    ...(pd.telegram_links ?? []).map((t) => `<li>Telegram link ${code(t)}</li>`),
  ];
  return items.length ? `<strong>Personal data</strong><ul class="pd">${items.join('')}</ul>\n` : '';
}

/** Child material is never shown: one csam match hides every media item of the message (albums travel together). */
function isChildMaterial(f: ReportFinding): boolean {
  return (f.matches ?? []).some((m) => String(m.category).toLowerCase() === 'csam');
}

async function mediaHtml(f: ReportFinding, thumbnails: boolean): Promise<string> {
  const media = f.media ?? [];
  if (media.length === 0) return '';
  const hidden = isChildMaterial(f);
  const matched = new Set((f.matches ?? []).map((m) => m.mediaId));
  const figures: string[] = [];
  for (const item of media.slice(0, MAX_MEDIA_PER_FINDING)) {
    const caption = `<figcaption>${escapeHtml(item.type)} ${code(item.mediaId)}${matched.has(item.mediaId) ? ' · matched' : ''}</figcaption>`;
    const preview = hidden ? placeholder(CSAM_PLACEHOLDER) : await thumbnailHtml(item, thumbnails);
    figures.push(`<figure>${preview}${caption}</figure>`);
  }
  const more = media.length - MAX_MEDIA_PER_FINDING;
  if (more > 0) figures.push(`<p class="muted">and ${count(more)} more media</p>`);
  return `<div class="media">${figures.join('')}</div>\n`;
}

async function thumbnailHtml(item: ReportFinding['media'][number], thumbnails: boolean): Promise<string> {
  if (!thumbnails) return placeholder('thumbnails off');
  if (NO_THUMBNAIL_TYPES.has(item.type)) return placeholder(`no thumbnail: ${item.type}`);
  if (!item.path)
    return placeholder(item.state === 'missing' ? 'no thumbnail: not in the export' : 'no thumbnail: no file');
  const thumbnail = await thumbnailOf(item.path);
  if ('dataUrl' in thumbnail) return `<img src="${escapeHtml(thumbnail.dataUrl)}" alt="blurred greyscale preview">`;
  return placeholder(thumbnail.placeholder === 'unreadable' ? 'unreadable' : `no thumbnail: ${thumbnail.placeholder}`);
}

function placeholder(text: string): string {
  return `<div class="ph">${escapeHtml(text)}</div>`;
}

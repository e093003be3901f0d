/**
 * Renders a takedown notice from a template: subject, plain text and HTML. Pure.
 *
 * Values may come from hostile places (a channel's title, a message link copied
 * from an abusive group), so every value is cleaned before it goes in: control
 * characters, line breaks and bidirectional overrides are removed and long values
 * are cut. A value can therefore never add a line to the notice or a header to
 * the e-mail (the subject is one line whatever the input). Substitution is one
 * pass, so a value that itself contains "{{...}}" stays literal text.
 */
import type { TakedownItem, TakedownLanguage, TakedownPlatform } from '../../db/schema-takedowns.js';
import { type NoticeTemplate, type NoticeTemplates, PLACEHOLDER_PATTERN, type Placeholder } from './templates.js';

export interface NoticeFields {
  platform: TakedownPlatform;
  host: string;
  senderOrg: string;
  contact: string;
  /** Perisai's reference of the takedown (takedownReference(id)). */
  takedownRef: string;
  caseReference: string | null;
  legalBasis: string;
  evidenceRef: string | null;
  /** Whether the evidence was preserved; false when sent under an override. */
  preserved: boolean;
  targetUrl: string | null;
  targetDescription: string;
  items: readonly TakedownItem[];
  /** 1 for the first notice, 2 for the first reminder, ... */
  noticeNumber: number;
  /** When the first notice went out (shown in reminders). */
  firstSentAt: Date | null;
}

export interface RenderedNotice {
  language: TakedownLanguage;
  subject: string;
  text: string;
  html: string;
}

/** "TD-000042": how notices name a takedown. */
export function takedownReference(id: number): string {
  return `TD-${String(id).padStart(6, '0')}`;
}

const MAX_VALUE = 2000;
const MAX_SUBJECT = 300;
// C0/C1 controls (line breaks included), line/paragraph separators, bidi embeddings,
// overrides and isolates, zero-width characters and the BOM.
// biome-ignore lint/suspicious/noControlCharactersInRegex: stripping them is the point
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u061c\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]/g;

/** One clean line: unsafe characters become spaces, whitespace runs collapse, long values are cut. */
export function cleanValue(value: string, max = MAX_VALUE): string {
  const line = value.normalize('NFC').replace(UNSAFE, ' ').replace(/\s+/g, ' ').trim();
  return line.length <= max ? line : `${line.slice(0, max - 1)}…`;
}

/** "2026-03-02 09:00 UTC": one format for every language, no locale data needed. */
export function formatNoticeTime(at: Date): string {
  return `${at.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

/** Renders the notice in `language`; throws when no template is loaded for it. */
export function renderNotice(
  templates: NoticeTemplates,
  language: TakedownLanguage,
  fields: NoticeFields,
): RenderedNotice {
  const template = templates.get(language);
  if (!template) throw new Error(`no notice template for language ${language}`);
  const values = noticeValues(template, fields);
  const reminder = fields.noticeNumber > 1;
  const subject = cleanValue(fill(reminder ? template.reminder_subject : template.subject, values), MAX_SUBJECT);
  const lines = [
    values.greeting,
    '',
    ...(reminder ? template.reminder_intro : []).flatMap((l) => fillLine(l, values)),
    ...template.body.flatMap((l) => fillLine(l, values)),
  ];
  const text = `${collapseBlankLines(lines).join('\n').trim()}\n`;
  return { language, subject, text, html: toHtml(text, language) };
}

function noticeValues(template: NoticeTemplate, f: NoticeFields): Record<Placeholder, string> {
  const host = cleanValue(f.host, 253);
  const platform = template.platforms[f.platform];
  const forPlatform = (text: string) => cleanValue(fill(text, { host }));
  return {
    greeting: forPlatform(platform.greeting),
    platform_name: forPlatform(platform.name),
    platform_note: forPlatform(platform.note),
    host,
    sender_org: cleanValue(f.senderOrg, 300),
    contact: cleanValue(f.contact, 500),
    takedown_ref: cleanValue(f.takedownRef, 100),
    case_reference: cleanValue(f.caseReference ?? '', 100),
    legal_basis: cleanValue(f.legalBasis),
    evidence_ref: cleanValue(f.evidenceRef ?? '', 500) || template.labels.no_evidence_ref,
    target: [cleanValue(f.targetUrl ?? '', 2048), cleanValue(f.targetDescription)].filter(Boolean).join(' — '),
    items: f.items.map((item) => `- ${itemLine(item, template)}`).join('\n'),
    notice_number: String(f.noticeNumber),
    first_sent: f.firstSentAt ? formatNoticeTime(f.firstSentAt) : '',
    preserved_statement: f.preserved ? template.preserved_statement : '',
  };
}

/** "https://t.me/x/12 (chat: @x, message: 12) — description", from whichever parts are set. */
function itemLine(item: TakedownItem, template: NoticeTemplate): string {
  const where = [
    item.chat ? `${template.labels.chat}: ${cleanValue(item.chat, 300)}` : '',
    item.message_id ? `${template.labels.message}: ${cleanValue(item.message_id, 100)}` : '',
  ].filter(Boolean);
  const url = cleanValue(item.url ?? '', 2048);
  const head = [url, where.length ? (url ? `(${where.join(', ')})` : where.join(', ')) : ''].filter(Boolean);
  const description = cleanValue(item.description ?? '', 1000);
  return [head.join(' '), description].filter(Boolean).join(' — ');
}

/** One pass of placeholder substitution; values are never scanned again. */
function fill(text: string, values: Partial<Record<string, string>>): string {
  return text.replace(PLACEHOLDER_PATTERN, (_m, name: string) => values[name] ?? '');
}

/**
 * A template line filled in, or nothing when one of its placeholders has no
 * value (no case reference: no "Case reference:" line). A value may span lines
 * (the item list); the result is split on them.
 */
function fillLine(line: string, values: Record<Placeholder, string>): string[] {
  const names = [...line.matchAll(PLACEHOLDER_PATTERN)].map((m) => m[1] as Placeholder);
  if (names.some((n) => !values[n])) return [];
  return fill(line, values).split('\n');
}

function collapseBlankLines(lines: readonly string[]): string[] {
  return lines.filter((l, i) => l.trim() !== '' || (i > 0 && lines[i - 1]!.trim() !== ''));
}

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** Paragraphs of the plain text, escaped; nothing from a value can become markup or a link. */
function toHtml(text: string, language: TakedownLanguage): string {
  const paragraphs = text
    .trim()
    .split(/\n\s*\n/)
    .map((p) => `<p>${p.split('\n').map(escapeHtml).join('<br>\n')}</p>`);
  return `<!doctype html>\n<html lang="${language}"><head><meta charset="utf-8"></head><body>\n${paragraphs.join('\n')}\n</body></html>\n`;
}

/**
 * From what a tipster sent to a TipSubmission: clean and check the text,
 * normalise the link, hash screenshots, look them up in the banks, read the
 * description's signals. Nothing here writes to the database.
 *
 * Screenshots are hashed in memory (PDQ, MD5, SHA-256) under tighter limits
 * than general uploads (a screenshot is a phone screen, not a 50 MP photo);
 * their bytes are dropped afterwards unless the caller keeps them as evidence.
 */
import type { Kysely } from 'kysely';
import type { Schema } from '../db/schema.js';
import type { TipKind } from '../db/schema-tips.js';
import { hashPhotoBytes } from '../hashing/photo.js';
import type { Matcher } from '../matching/matcher.js';
import { MediaError } from '../media/errors.js';
import type { MediaLimits } from '../media/limits.js';
import { sniffFormat } from '../media/sniff.js';
import { CaseError } from './errors.js';
import { findChannelLinks, normaliseChannelLink } from './tip-links.js';
import { describeTip } from './tip-triage.js';
import type { TipBankMatch, TipScreenshot, TipSubmission } from './tips.js';

export const MAX_DESCRIPTION_LENGTH = 4000;
export const MAX_CONTACT_LENGTH = 200;
export const MAX_CONTACT_NAME_LENGTH = 100;
export const MAX_SCREENSHOTS = 10;
export const SCREENSHOT_LIMITS: MediaLimits = { maxFileBytes: 10 * 1024 * 1024, maxPixels: 30_000_000 };

/** What a tipster sent, after the route's schema check (field names as in the API). */
export interface TipFields {
  kind?: TipKind | undefined;
  link?: string | undefined;
  description?: string | undefined;
  contact?: string | undefined;
  contact_name?: string | undefined;
}

/** Screenshot hashes without bank matches yet. */
export type ScreenshotHashes = Omit<TipScreenshot, 'bankMatches'>;

/**
 * NFC, then without control characters (newlines and tabs stay) and without
 * bidirectional overrides, which can make a description read differently to
 * the analyst than it was written.
 */
export function cleanText(text: string): string {
  return text
    .normalize('NFC')
    .replace(/\r\n?/g, '\n')
    .replace(/(?![\n\t])[\p{Cc}\u202A-\u202E\u2066-\u2069]/gu, '')
    .trim();
}

function invalid(message: string): CaseError {
  return new CaseError('validation', message);
}

/** Checks and normalises the fields; screenshots come with their bank matches. */
export function prepareTip(fields: TipFields, screenshots: readonly TipScreenshot[]): TipSubmission {
  const kind = fields.kind ?? 'anonymous';
  const description = cleanText(fields.description ?? '');
  if (description.length > MAX_DESCRIPTION_LENGTH) {
    throw invalid(`description is too long: at most ${MAX_DESCRIPTION_LENGTH} characters`);
  }
  if (screenshots.length > MAX_SCREENSHOTS) throw invalid(`at most ${MAX_SCREENSHOTS} screenshots per tip`);
  const channel = channelOf(fields.link, description);
  if (!channel && screenshots.length === 0) {
    throw invalid('a tip needs a channel or group link, or at least one screenshot');
  }
  const contact = optionalText(fields.contact, MAX_CONTACT_LENGTH, 'contact');
  const contactName = optionalText(fields.contact_name, MAX_CONTACT_NAME_LENGTH, 'contact_name');
  if (kind === 'anonymous' && (contact || contactName)) {
    throw invalid('an anonymous tip carries no contact details: leave contact empty, or send kind "named"');
  }
  if (kind === 'named' && !contact) throw invalid('a named tip needs contact: how the analysts may reach you');
  return { kind, channel, description, contact, contactName, screenshots, signals: describeTip(description) };
}

/** The link field when given (it must be a channel or group link), else the first such link in the description. */
function channelOf(link: string | undefined, description: string) {
  const given = link === undefined ? '' : cleanText(link);
  if (given === '') return findChannelLinks(description)[0] ?? null;
  const channel = normaliseChannelLink(given);
  if (!channel) {
    throw invalid(
      'link is not a Telegram or WhatsApp channel or group: give t.me/name, @name, t.me/+invite, a -100… id or chat.whatsapp.com/code',
    );
  }
  return channel;
}

function optionalText(value: string | undefined, max: number, field: string): string | null {
  const text = value === undefined ? '' : cleanText(value);
  if (text.length > max) throw invalid(`${field} is too long: at most ${max} characters`);
  return text === '' ? null : text;
}

/** Hashes one uploaded screenshot; a file that is not a still image is refused. */
export async function hashScreenshot(data: Buffer, index: number, limits: MediaLimits): Promise<ScreenshotHashes> {
  const format = sniffFormat(data.subarray(0, 4096));
  if (format === 'video' || format === 'unknown') {
    throw invalid(`screenshot ${index + 1} is not an image (JPEG, PNG, WebP, GIF, HEIC, AVIF, TIFF or BMP)`);
  }
  try {
    const h = await hashPhotoBytes(data, { limits });
    return { pdq: h.pdq, quality: h.quality, md5: h.md5, sha256: h.sha256, bytes: h.bytes };
  } catch (err) {
    if (err instanceof MediaError) throw new MediaError(err.code, `screenshot ${index + 1}: ${err.message}`);
    throw err;
  }
}

/** Uploaded screenshots hashed (their bytes kept beside, for an evidence hook), then the PDQs a client sent. */
export async function hashScreenshots(
  uploads: readonly Buffer[],
  clientPdqs: readonly (string | { pdq: string; quality?: number | undefined })[],
  limits: MediaLimits,
): Promise<{ hashes: ScreenshotHashes; data: Buffer | null }[]> {
  if (uploads.length + clientPdqs.length > MAX_SCREENSHOTS)
    throw invalid(`at most ${MAX_SCREENSHOTS} screenshots per tip`);
  const out: { hashes: ScreenshotHashes; data: Buffer | null }[] = [];
  for (const [i, data] of uploads.entries()) out.push({ hashes: await hashScreenshot(data, i, limits), data });
  for (const s of clientPdqs) {
    const pdq = (typeof s === 'string' ? s : s.pdq).toLowerCase();
    const quality = typeof s === 'string' ? null : (s.quality ?? null);
    out.push({ hashes: { pdq, quality, md5: null, sha256: null, bytes: null }, data: null });
  }
  return out;
}

/** Screenshot limits: the tighter of the server's media limits and SCREENSHOT_LIMITS. */
export function screenshotLimits(media: MediaLimits): MediaLimits {
  return {
    maxFileBytes: Math.min(media.maxFileBytes, SCREENSHOT_LIMITS.maxFileBytes),
    maxPixels: Math.min(media.maxPixels, SCREENSHOT_LIMITS.maxPixels),
  };
}

/**
 * Block-bank matches of one screenshot among the banks the organisation may
 * use (its own and shared ones). Suppressed matches (an allow bank vetoed
 * them) do not count; held ones (flood quarantine) do: ranking a tip higher
 * acts on nothing.
 */
export async function bankMatchesOf(
  matcher: Matcher,
  db: Kysely<Schema>,
  orgId: number,
  shot: ScreenshotHashes,
): Promise<TipBankMatch[]> {
  const result = await matcher.lookup({
    ...(shot.pdq ? { pdq: shot.pdq } : {}),
    ...(shot.quality !== null ? { quality: shot.quality } : {}),
    ...(shot.md5 ? { md5: shot.md5 } : {}),
    ...(shot.sha256 ? { sha256: shot.sha256 } : {}),
    details: false,
  });
  const hits = result.matches.filter((m) => m.bankKind === 'block' && !m.suppressed);
  if (hits.length === 0) return [];
  const visible = await db
    .selectFrom('banks')
    .select('id')
    .where(
      'id',
      'in',
      hits.map((m) => m.bankId),
    )
    .where((eb) => eb.or([eb('org_id', 'is', null), eb('org_id', '=', orgId)]))
    .execute();
  const ok = new Set(visible.map((b) => b.id));
  return hits
    .filter((m) => ok.has(m.bankId))
    .map((m) => ({ bank: m.bank, category: m.category, contentId: m.contentId, distance: m.distance }));
}

/**
 * The organisation public tips go to: the one named by PERISAI_TIP_ORGANISATION,
 * else the installation's first (the one created at setup). Null until one exists.
 */
export async function intakeOrganisation(db: Kysely<Schema>, name: string | undefined): Promise<number | null> {
  let q = db.selectFrom('organisations').select('id');
  q = name ? q.where('name', '=', name) : q.orderBy('id').limit(1);
  const row = await q.executeTakeFirst();
  return row?.id ?? null;
}

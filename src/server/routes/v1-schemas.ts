/**
 * zod schemas of Perisai's versioned API (/api/v1): they validate requests,
 * shape responses, and are the source of the OpenAPI document. JSON is
 * snake_case; times are ISO 8601 strings.
 */
import { z } from 'zod';
import type { Bank } from '../../banks/banks.js';
import type { BankContent } from '../../banks/content.js';
import { BANK_CATEGORIES, BANK_KINDS, CONTENT_SOURCES, CONTENT_STATUSES, SIGNAL_TYPES } from '../../db/schema.js';
import type { Match, MatchResult } from '../../matching/matcher.js';

const hex = (field: string, digits: number) =>
  z.string().regex(new RegExp(`^[0-9a-fA-F]{${digits}}$`), `${field} must be ${digits} hex digits`);

export const pdqHex = hex('pdq', 64);
const quality = z.number().int().min(0).max(100);
const isoTime = z.string().describe('ISO 8601 time');

/** `{"message": ...}`, plus field-level `details` for validation errors. */
export const errorBody = z
  .looseObject({
    message: z.string(),
    details: z.array(z.object({ field: z.string(), message: z.string() })).optional(),
  })
  .describe('Error');

export const errorResponses = {
  400: errorBody,
  401: errorBody,
  403: errorBody,
  404: errorBody,
  409: errorBody,
  413: errorBody,
  503: errorBody,
} as const;

export const bankNameParams = z.object({ name: z.string().min(1).max(100) });
export const contentIdParams = z.object({ id: z.coerce.number().int().positive() });

// ---- banks ----

export const bankOut = z.object({
  id: z.number().int(),
  name: z.string(),
  category: z.enum(BANK_CATEGORIES),
  kind: z.enum(BANK_KINDS),
  org_id: z.number().int().nullable(),
  pdq_threshold: z.number().int(),
  min_quality: z.number().int(),
  enabled: z.boolean(),
  created_at: isoTime,
  updated_at: isoTime,
});

export const bankCreateBody = z.strictObject({
  name: z
    .string()
    .regex(/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,99}$/, 'name must be 1-100 of A-Z a-z 0-9 _ . - (not starting with . or -)'),
  category: z.enum(BANK_CATEGORIES),
  kind: z
    .enum(BANK_KINDS)
    .optional()
    .describe('block (default): matches are acted on; allow: known-benign, vetoes block matches'),
  pdq_threshold: z.number().int().min(0).max(31).optional().describe('largest PDQ distance that matches (default 31)'),
  min_quality: quality.optional().describe('smallest PDQ quality trusted (default 50)'),
  enabled: z.boolean().optional(),
});

export const bankPatchBody = bankCreateBody.omit({ name: true }).partial();

export function toBankOut(b: Bank): z.infer<typeof bankOut> {
  return {
    id: b.id,
    name: b.name,
    category: b.category,
    kind: b.kind,
    org_id: b.orgId,
    pdq_threshold: b.pdqThreshold,
    min_quality: b.minQuality,
    enabled: b.enabled,
    created_at: b.createdAt.toISOString(),
    updated_at: b.updatedAt.toISOString(),
  };
}

// ---- content ----

const vpdqFrame = z.object({
  frame_number: z.number().int().min(0),
  quality,
  hash: hex('hash', 64),
  timestamp_s: z.number().min(0),
});

export const signalIn = z.discriminatedUnion('type', [
  z.object({ type: z.literal('pdq'), hash: hex('hash', 64), quality: quality.optional() }),
  z.object({ type: z.literal('md5'), hash: hex('hash', 32) }),
  z.object({ type: z.literal('sha256'), hash: hex('hash', 64) }),
  z.object({ type: z.literal('vpdq'), frames: z.array(vpdqFrame).min(1).max(200_000), quality: quality.optional() }),
]);

export const contentCreateBody = z.strictObject({
  signals: z.array(signalIn).min(1).max(100),
  note: z.string().max(10_000).nullable().optional(),
  metadata: z.record(z.string(), z.unknown()).optional(),
  source: z.enum(CONTENT_SOURCES).optional().describe('default analyst'),
  case_ref: z.string().min(1).max(200).nullable().optional(),
});

export const contentPatchBody = z.strictObject({
  note: z.string().max(10_000).nullable().optional(),
  metadata: z.record(z.string(), z.unknown()).optional(),
  status: z.enum(['active', 'disabled']).optional().describe('withdraw with POST /api/v1/content/{id}/withdraw'),
  disabled_until: z.iso.datetime({ offset: true }).nullable().optional().describe('with status disabled: until when'),
});

export const contentOut = z.object({
  id: z.number().int(),
  bank: z.string(),
  bank_id: z.number().int(),
  status: z.enum(CONTENT_STATUSES),
  disabled_until: isoTime.nullable(),
  note: z.string().nullable(),
  metadata: z.record(z.string(), z.unknown()),
  source: z.enum(CONTENT_SOURCES),
  case_ref: z.string().nullable(),
  created_at: isoTime,
  updated_at: isoTime,
  signals: z.array(
    z.object({
      id: z.number().int(),
      type: z.enum(SIGNAL_TYPES),
      hash: z.string().describe('lowercase hex; for vpdq, a digest over the frames'),
      quality: z.number().int().nullable(),
      created_at: isoTime,
    }),
  ),
});

export function toContentOut(c: BankContent): z.infer<typeof contentOut> {
  return {
    id: c.id,
    bank: c.bankName,
    bank_id: c.bankId,
    status: c.status,
    disabled_until: c.disabledUntil?.toISOString() ?? null,
    note: c.note,
    metadata: c.metadata,
    source: c.source,
    case_ref: c.caseRef,
    created_at: c.createdAt.toISOString(),
    updated_at: c.updatedAt.toISOString(),
    signals: c.signals.map((s) => ({
      id: s.id,
      type: s.type,
      hash: s.hash,
      quality: s.quality,
      created_at: s.createdAt.toISOString(),
    })),
  };
}

export const contentListQuery = z.object({
  after: z.coerce
    .number()
    .int()
    .min(0)
    .optional()
    .describe('content id to continue after (next_after of the previous page)'),
  limit: z.coerce.number().int().min(1).max(1000).optional().describe('default 100'),
  status: z.enum(CONTENT_STATUSES).optional(),
});

// ---- lookup ----

export const MAX_BATCH = 1000;

export const lookupQuery = z
  .strictObject({
    pdq: pdqHex.optional(),
    quality: quality.optional().describe('quality of the query hash; banks ignore hashes below their min_quality'),
    dihedral: z
      .array(hex('dihedral', 64))
      .min(1)
      .max(8)
      .optional()
      .describe('PDQ hashes of rotated/flipped versions of the image (from POST /api/v1/hash?dihedral=true)'),
    md5: hex('md5', 32).optional(),
    sha256: hex('sha256', 64).optional(),
  })
  .refine((q) => q.pdq || q.dihedral || q.md5 || q.sha256, 'give at least one of pdq, dihedral, md5, sha256');

export const batchLookupBody = z.strictObject({
  queries: z.array(lookupQuery).min(1).max(MAX_BATCH, `queries must hold at most ${MAX_BATCH} queries per request`),
});

const matchOut = z.object({
  bank: z.string(),
  bank_id: z.number().int(),
  bank_kind: z.enum(BANK_KINDS),
  category: z.enum(BANK_CATEGORIES),
  content_id: z.number().int(),
  signal_id: z.number().int(),
  signal_type: z.enum(SIGNAL_TYPES),
  distance: z.number().int().describe('PDQ Hamming distance; 0 for exact digests'),
  metadata: z.record(z.string(), z.unknown()),
  note: z.string().nullable(),
  case_ref: z.string().nullable(),
  suppressed: z.boolean().describe('an allow-bank hit vetoes this match: do not act on it'),
  held: z.boolean().describe('the signal is quarantined for flooding: review before acting'),
});

export const lookupOut = z.object({
  matches: z.array(matchOut),
  allowed: z.boolean().describe('the query hit an allow bank (known-benign)'),
  index_complete: z.boolean().describe('false while the index is still loading: a miss is not final'),
});

export const batchLookupOut = z.object({ results: z.array(lookupOut) });

function toMatchOut(m: Match): z.infer<typeof matchOut> {
  return {
    bank: m.bank,
    bank_id: m.bankId,
    bank_kind: m.bankKind,
    category: m.category,
    content_id: m.contentId,
    signal_id: m.signalId,
    signal_type: m.signalType,
    distance: m.distance,
    metadata: m.metadata,
    note: m.note,
    case_ref: m.caseRef,
    suppressed: m.suppressed,
    held: m.held,
  };
}

/**
 * A victim's case reference is half of their credentials (with the PIN): only a
 * caller of the bank's own organisation sees it in match results.
 */
export function toLookupOut(
  r: MatchResult,
  mayReadCaseOf: (bankId: number) => boolean = () => false,
): z.infer<typeof lookupOut> {
  const matches = r.matches.map((m) => ({ ...toMatchOut(m), case_ref: mayReadCaseOf(m.bankId) ? m.caseRef : null }));
  return { matches, allowed: r.allowed, index_complete: r.indexComplete };
}

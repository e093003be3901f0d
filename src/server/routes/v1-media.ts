/** /api/v1 routes that take media uploads: hashing, and adding an uploaded file to a bank. */
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { addContent } from '../../banks/content.js';
import type { SignalInput } from '../../banks/hashes.js';
import { CONTENT_SOURCES } from '../../db/schema.js';
import { HttpError } from '../errors.js';
import { hashPhoto, hashVideo, readUploadForm, sniffKind, type UploadedFile } from '../media.js';
import { Permission } from '../permissions.js';
import { applyWrites, type RouteContext, type ServerLimits } from '../services.js';
import { bankNameParams, contentOut, errorResponses, toContentOut } from './v1-schemas.js';

const frameOut = z.object({
  frame_number: z.number().int(),
  quality: z.number().int(),
  hash: z.string(),
  timestamp_s: z.number(),
});

const hashOut = z.object({
  media_type: z.enum(['photo', 'video']),
  pdq: z.string().optional(),
  quality: z.number().int().optional(),
  dihedral: z.record(z.string(), z.string()).optional().describe('PDQ of the 8 rotations/flips, with ?dihedral=true'),
  md5: z.string(),
  sha256: z.string(),
  bytes: z.number().int(),
  width: z.number().int().optional(),
  height: z.number().int().optional(),
  format: z.string().optional(),
  duration_s: z.number().optional(),
  vpdq: z.array(frameOut).optional().describe('one PDQ per second of video'),
});
type HashOut = z.infer<typeof hashOut>;

const hashQuery = z.object({
  dihedral: z.enum(['true', 'false', '1', '0']).optional().describe('also hash the 8 rotations/flips (photos)'),
});

export function v1MediaRoutes(root: FastifyInstance, ctx: RouteContext): void {
  const app = root.withTypeProvider<ZodTypeProvider>();
  const { services, limits } = ctx;

  app.post(
    '/api/v1/hash',
    {
      config: { permission: Permission.Hash },
      schema: {
        tags: ['Hashing'],
        summary: 'Hash one uploaded file (multipart/form-data, any field name); nothing is stored',
        consumes: ['multipart/form-data'],
        querystring: hashQuery,
        response: { 200: hashOut, ...errorResponses },
      },
    },
    async (request) => {
      const form = await readUploadForm(request, limits.maxUploadBytes);
      const dihedral = request.query.dihedral === 'true' || request.query.dihedral === '1';
      return hashFile(onlyFile(form.files), limits, dihedral);
    },
  );

  app.post(
    '/api/v1/banks/:name/content/upload',
    {
      config: { permission: Permission.BankWrite },
      schema: {
        tags: ['Content'],
        summary: 'Hash an uploaded file and add its hashes to a bank; the file itself is not stored',
        description:
          'multipart/form-data: one file, and optional text fields note, metadata (JSON object), case_ref, source.',
        consumes: ['multipart/form-data'],
        params: bankNameParams,
        response: { 201: contentOut, ...errorResponses },
      },
    },
    async (request, reply) => {
      const form = await readUploadForm(request, limits.maxUploadBytes);
      const hashes = await hashFile(onlyFile(form.files), limits, false);
      const item = await addContent(services.database.db, request.params.name, {
        source: sourceField(form.fields.source),
        note: form.fields.note || null,
        metadata: metadataField(form.fields.metadata),
        caseRef: form.fields.case_ref || null,
        signals: signalsOf(hashes),
      });
      await applyWrites(services);
      return reply.code(201).send(toContentOut(item));
    },
  );
}

function onlyFile(files: UploadedFile[]): UploadedFile {
  if (files.length === 0) throw new HttpError(400, 'no file in the upload: send multipart/form-data with one file');
  return files[0]!;
}

async function hashFile(file: UploadedFile, limits: ServerLimits, dihedral: boolean): Promise<HashOut> {
  if (sniffKind(file.data) === 'video') {
    const v = await hashVideo(file.data, true);
    return {
      media_type: 'video',
      md5: v.md5,
      sha256: v.sha256,
      bytes: v.bytes,
      ...(v.width !== undefined ? { width: v.width, height: v.height } : {}),
      ...(v.durationS !== undefined ? { duration_s: v.durationS } : {}),
      vpdq: (v.frames ?? []).map((f) => ({
        frame_number: f.frameNumber,
        quality: f.quality,
        hash: f.hex,
        timestamp_s: f.timestamp,
      })),
    };
  }
  const p = await hashPhoto(file.data, limits.media, dihedral);
  return {
    media_type: 'photo',
    pdq: p.pdq,
    quality: p.quality,
    ...(p.dihedral ? { dihedral: p.dihedral } : {}),
    md5: p.md5,
    sha256: p.sha256,
    bytes: p.bytes,
    width: p.width,
    height: p.height,
    format: p.format,
  };
}

function signalsOf(h: HashOut): SignalInput[] {
  const signals: SignalInput[] = [
    { type: 'md5', hash: h.md5 },
    { type: 'sha256', hash: h.sha256 },
  ];
  if (h.pdq) signals.unshift({ type: 'pdq', hash: h.pdq, ...(h.quality !== undefined ? { quality: h.quality } : {}) });
  if (h.vpdq && h.vpdq.length > 0) {
    signals.push({
      type: 'vpdq',
      frames: h.vpdq.map((f) => ({
        frameNumber: f.frame_number,
        quality: f.quality,
        hash: f.hash,
        timestampS: f.timestamp_s,
      })),
    });
  }
  return signals;
}

function sourceField(value: string | undefined): (typeof CONTENT_SOURCES)[number] {
  if (value === undefined || value === '') return 'analyst';
  if ((CONTENT_SOURCES as readonly string[]).includes(value)) return value as (typeof CONTENT_SOURCES)[number];
  throw new HttpError(400, `source must be one of ${CONTENT_SOURCES.join(', ')}`);
}

function metadataField(value: string | undefined): Record<string, unknown> {
  if (value === undefined || value === '') return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch {
    throw new HttpError(400, 'metadata must be a JSON object');
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new HttpError(400, 'metadata must be a JSON object');
  }
  return parsed as Record<string, unknown>;
}

/** /api/v1 banks and their content. */
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { createBank, deleteBank, getBank, listBanks, updateBank } from '../../banks/banks.js';
import { addContent, getContent, updateContent, withdrawContent } from '../../banks/content.js';
import { listBankContent } from '../../banks/export.js';
import { HttpError } from '../errors.js';
import { Permission } from '../permissions.js';
import { applyWrites, type RouteContext } from '../services.js';
import {
  bankCreateBody,
  bankNameParams,
  bankOut,
  bankPatchBody,
  contentCreateBody,
  contentIdParams,
  contentListQuery,
  contentOut,
  contentPatchBody,
  errorResponses as errors,
  toBankOut,
  toContentOut,
} from './v1-schemas.js';

const BANKS = ['Banks'];
const CONTENT = ['Content'];

export function v1BankRoutes(root: FastifyInstance, ctx: RouteContext): void {
  const app = root.withTypeProvider<ZodTypeProvider>();
  const { services } = ctx;

  app.get(
    '/api/v1/banks',
    {
      config: { permission: Permission.BankRead },
      schema: {
        tags: BANKS,
        summary: 'List banks',
        response: { 200: z.object({ banks: z.array(bankOut) }), ...errors },
      },
    },
    async () => {
      return { banks: (await listBanks(services.database.db)).map(toBankOut) };
    },
  );

  app.post(
    '/api/v1/banks',
    {
      config: { permission: Permission.BankWrite },
      schema: { tags: BANKS, summary: 'Create a bank', body: bankCreateBody, response: { 201: bankOut, ...errors } },
    },
    async (request, reply) => {
      const b = request.body;
      const bank = await createBank(services.database.db, {
        name: b.name,
        category: b.category,
        orgId: request.principal?.organisationId ?? null,
        ...(b.kind ? { kind: b.kind } : {}),
        ...(b.pdq_threshold !== undefined ? { pdqThreshold: b.pdq_threshold } : {}),
        ...(b.min_quality !== undefined ? { minQuality: b.min_quality } : {}),
        ...(b.enabled !== undefined ? { enabled: b.enabled } : {}),
      });
      await applyWrites(services);
      return reply.code(201).send(toBankOut(bank));
    },
  );

  app.get(
    '/api/v1/banks/:name',
    {
      config: { permission: Permission.BankRead },
      schema: { tags: BANKS, summary: 'Get a bank', params: bankNameParams, response: { 200: bankOut, ...errors } },
    },
    async (request) => {
      const bank = await getBank(services.database.db, request.params.name);
      if (!bank) throw new HttpError(404, `bank ${request.params.name} not found`);
      return toBankOut(bank);
    },
  );

  app.patch(
    '/api/v1/banks/:name',
    {
      config: { permission: Permission.BankWrite },
      schema: {
        tags: BANKS,
        summary: 'Change bank settings (category, kind, thresholds, enabled)',
        params: bankNameParams,
        body: bankPatchBody,
        response: { 200: bankOut, ...errors },
      },
    },
    async (request) => {
      const p = request.body;
      const bank = await updateBank(services.database.db, request.params.name, {
        ...(p.category ? { category: p.category } : {}),
        ...(p.kind ? { kind: p.kind } : {}),
        ...(p.pdq_threshold !== undefined ? { pdqThreshold: p.pdq_threshold } : {}),
        ...(p.min_quality !== undefined ? { minQuality: p.min_quality } : {}),
        ...(p.enabled !== undefined ? { enabled: p.enabled } : {}),
      });
      await applyWrites(services);
      return toBankOut(bank);
    },
  );

  app.delete(
    '/api/v1/banks/:name',
    {
      config: { permission: Permission.BankWrite },
      schema: {
        tags: BANKS,
        summary: 'Delete a bank with all its content',
        params: bankNameParams,
        response: { 204: z.undefined(), ...errors },
      },
    },
    async (request, reply) => {
      if (!(await deleteBank(services.database.db, request.params.name)))
        throw new HttpError(404, `bank ${request.params.name} not found`);
      await applyWrites(services);
      return reply.code(204).send();
    },
  );

  app.get(
    '/api/v1/banks/:name/content',
    {
      config: { permission: Permission.BankRead },
      schema: {
        tags: CONTENT,
        summary: "A page of a bank's content in id order (withdrawn items included as tombstones)",
        params: bankNameParams,
        querystring: contentListQuery,
        response: { 200: z.object({ items: z.array(contentOut), next_after: z.number().int().nullable() }), ...errors },
      },
    },
    async (request) => {
      const limit = request.query.limit ?? 100;
      const items = await listBankContent(services.database.db, request.params.name, {
        afterContentId: request.query.after ?? 0,
        limit,
        ...(request.query.status ? { statuses: [request.query.status] } : {}),
      });
      return { items: items.map(toContentOut), next_after: items.length === limit ? items.at(-1)!.id : null };
    },
  );

  app.post(
    '/api/v1/banks/:name/content',
    {
      config: { permission: Permission.BankWrite },
      schema: {
        tags: CONTENT,
        summary: 'Add one item of hashes to a bank; matchable when this returns',
        params: bankNameParams,
        body: contentCreateBody,
        response: { 201: contentOut, ...errors },
      },
    },
    async (request, reply) => {
      const b = request.body;
      const item = await addContent(services.database.db, request.params.name, {
        source: b.source ?? 'analyst',
        ...(b.note !== undefined ? { note: b.note } : {}),
        ...(b.metadata ? { metadata: b.metadata } : {}),
        ...(b.case_ref !== undefined ? { caseRef: b.case_ref } : {}),
        signals: b.signals.map((s) =>
          s.type === 'vpdq'
            ? {
                type: 'vpdq' as const,
                ...(s.quality !== undefined ? { quality: s.quality } : {}),
                frames: s.frames.map((f) => ({
                  frameNumber: f.frame_number,
                  quality: f.quality,
                  hash: f.hash,
                  timestampS: f.timestamp_s,
                })),
              }
            : s,
        ),
      });
      await applyWrites(services);
      return reply.code(201).send(toContentOut(item));
    },
  );

  app.get(
    '/api/v1/content/:id',
    {
      config: { permission: Permission.BankRead },
      schema: {
        tags: CONTENT,
        summary: 'Get a content item',
        params: contentIdParams,
        response: { 200: contentOut, ...errors },
      },
    },
    async (request) => {
      const item = await getContent(services.database.db, request.params.id);
      if (!item) throw new HttpError(404, `content ${request.params.id} not found`);
      return toContentOut(item);
    },
  );

  app.patch(
    '/api/v1/content/:id',
    {
      config: { permission: Permission.BankWrite },
      schema: {
        tags: CONTENT,
        summary: 'Edit note/metadata, or disable (optionally until a time) and re-enable an item',
        params: contentIdParams,
        body: contentPatchBody,
        response: { 200: contentOut, ...errors },
      },
    },
    async (request) => {
      const p = request.body;
      const item = await updateContent(services.database.db, request.params.id, {
        ...(p.note !== undefined ? { note: p.note } : {}),
        ...(p.metadata ? { metadata: p.metadata } : {}),
        ...(p.status ? { status: p.status } : {}),
        ...(p.disabled_until !== undefined
          ? { disabledUntil: p.disabled_until === null ? null : new Date(p.disabled_until) }
          : {}),
      });
      await applyWrites(services);
      return toContentOut(item);
    },
  );

  app.post(
    '/api/v1/content/:id/withdraw',
    {
      config: { permission: Permission.BankWrite },
      schema: {
        tags: CONTENT,
        summary: 'Withdraw an item for good: unmatchable when this returns; kept as a tombstone for exports',
        params: contentIdParams,
        response: { 200: contentOut, ...errors },
      },
    },
    async (request) => {
      const item = await withdrawContent(services.database.db, request.params.id);
      await applyWrites(services);
      return toContentOut(item);
    },
  );
}

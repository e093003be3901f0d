/** HMA bank content routes, /c/bank/<name>/content and /signal (docs/hma-compat.md §4.2). */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Bank } from '../../banks/banks.js';
import { addContent, type BankContent, getContent, updateContent, withdrawContent } from '../../banks/content.js';
import type { SignalInput } from '../../banks/hashes.js';
import { HttpError } from '../errors.js';
import {
  disableUntilTs,
  hmaBank,
  hmaMetadata,
  metadataFrom,
  metadataFromField,
  noteFrom,
  parseDisableUntil,
  statusForDisableUntil,
} from '../hma/curation.js';
import { contentTypeNamed, hashForHma, hmaUrlMedia, type MediaInput, selectSignalTypes } from '../hma/hashing.js';
import { bodyObject, queryParam, sortKeys } from '../hma/json.js';
import { requireJson } from '../hma/request.js';
import { checkSignal, hmaSignalMap, isHmaSignalType, toSignalInput } from '../hma/signals.js';
import { readUploadForm } from '../media.js';
import { Permission } from '../permissions.js';
import { applyWrites, type RouteContext } from '../services.js';
import { requireBank } from './hma-curation.js';

const TAGS = ['HMA curation'];

type ContentParams = { Params: { name: string; id: string } };

export function hmaContentRoutes(app: FastifyInstance, { services, limits }: RouteContext): void {
  /** Validates HMA signals, stores them as one item, and makes them matchable before answering. */
  async function store(bank: Bank, signals: Record<string, unknown>, note: string | null, metadata = {}) {
    const inputs: SignalInput[] = [];
    const stored: Record<string, string> = {};
    if (Object.keys(signals).length === 0) throw new HttpError(400, 'No signals given');
    for (const [type, value] of Object.entries(signals)) {
      if (!isHmaSignalType(type)) throw new HttpError(400, `No such signal type ${type}`);
      const checked = checkSignal(type, typeof value === 'string' ? value : '');
      if (!checked.ok) throw new HttpError(400, `Invalid ${type} signal: ${checked.reason}`);
      inputs.push(toSignalInput(type, checked.value));
      stored[type] = checked.value;
    }
    const item = await addContent(services.database.db, bank.name, {
      source: 'analyst',
      note,
      metadata,
      signals: inputs,
    });
    await applyWrites(services);
    return sortKeys({ id: item.id, signals: stored });
  }

  app.post<{ Params: { name: string } }>(
    '/c/bank/:name/content',
    {
      config: { permission: Permission.BankWrite },
      schema: {
        tags: TAGS,
        summary: 'Add media to a bank: multipart upload (field "photo" or "video") or ?url=',
        description:
          'Multipart text fields: metadata (JSON string), note. URL form: query url, content_type, types; JSON body {metadata, note}.',
      },
    },
    async (request) => {
      const bank = await requireBank(services.database, request.params.name);
      const { media, note, metadata } = await contentInput(request);
      const types = selectSignalTypes(media.contentType, queryParam(request, 'types'));
      return store(bank, await hashForHma(media, types, limits), note, metadata);
    },
  );

  async function contentInput(
    request: FastifyRequest,
  ): Promise<{ media: MediaInput; note: string | null; metadata: Record<string, unknown> }> {
    const url = queryParam(request, 'url');
    if (request.isMultipart()) {
      const form = await readUploadForm(request, limits.maxUploadBytes);
      const file = form.files[0];
      if (!file) throw new HttpError(400, 'Neither `url` nor multipart file upload was received');
      const metadata = metadataFromField(form.fields.metadata);
      const note = noteFrom(form.fields.note);
      return { media: { data: file.data, contentType: contentTypeNamed(file.field) }, note, metadata };
    }
    if (url === undefined) throw new HttpError(400, 'Neither `url` nor multipart file upload was received');
    const body = bodyObject(request);
    const metadata = metadataFrom(body.metadata);
    const note = noteFrom(body.note);
    return { media: await hmaUrlMedia(url, queryParam(request, 'content_type'), limits), note, metadata };
  }

  app.post<{ Params: { name: string } }>(
    '/c/bank/:name/signal',
    {
      config: { permission: Permission.BankWrite },
      schema: {
        tags: TAGS,
        summary: 'Add hashes to a bank as one content item',
        description: 'JSON body: {"pdq": "<64 hex>", "video_md5": "<32 hex>", "vpdq": "[...]", "note"?: "..."}.',
      },
    },
    async (request) => {
      const bank = await requireBank(services.database, request.params.name);
      const body = requireJson(request);
      if (body === null || typeof body !== 'object' || Array.isArray(body)) {
        throw new HttpError(400, 'this endpoint expects a json object payload');
      }
      const { note, ...signals } = body as Record<string, unknown>;
      return store(bank, signals, noteFrom(note));
    },
  );

  app.get<ContentParams>(
    '/c/bank/:name/content/:id',
    {
      config: { permission: Permission.BankRead },
      schema: {
        tags: TAGS,
        summary: 'Get a content item',
        description: 'Query: include_signals (default false), include_metadata (default true).',
      },
    },
    async (request) => {
      const { bank, item } = await requireContent(request);
      const withSignals = (queryParam(request, 'include_signals') ?? 'false').toLowerCase() === 'true';
      const withMetadata = (queryParam(request, 'include_metadata') ?? 'true').toLowerCase() === 'true';
      const out: Record<string, unknown> = {
        bank: hmaBank(bank),
        disable_until_ts: disableUntilTs(item),
        id: item.id,
        original_media_uri: null,
      };
      const metadata = withMetadata ? hmaMetadata(item.metadata) : null;
      if (metadata) out.metadata = { collab: null, ...metadata };
      if (item.note) out.note = item.note;
      if (withSignals && item.signals.length > 0) out.signals = await hmaSignalMap(services.database, item.signals);
      return sortKeys(out);
    },
  );

  app.put<ContentParams>(
    '/c/bank/:name/content/:id',
    {
      config: { permission: Permission.BankWrite },
      schema: {
        tags: TAGS,
        summary: 'Enable or disable a content item, or change its note',
        description: 'JSON body: {"disable_until_ts"?: 0 (disabled) | 1 (enabled) | unix time, "note"?: "..."}.',
      },
    },
    async (request) => {
      const { bank, item } = await requireContent(request);
      const body = requireJson(request);
      const input = body !== null && typeof body === 'object' ? (body as Record<string, unknown>) : {};
      const ts = input.disable_until_ts === undefined ? undefined : parseDisableUntil(input.disable_until_ts);
      const note = 'note' in input ? noteFrom(input.note) : undefined;
      const updated = await updateContent(services.database.db, item.id, {
        ...(note !== undefined ? { note } : {}),
        ...(ts !== undefined ? statusForDisableUntil(ts) : {}),
      });
      await applyWrites(services);
      return sortKeys({
        bank: hmaBank(bank),
        collab_metadata: {},
        disable_until_ts: ts ?? disableUntilTs(updated),
        id: updated.id,
        note: updated.note,
        original_media_uri: null,
        user_metadata: hmaMetadata(updated.metadata),
      });
    },
  );

  app.delete<ContentParams>(
    '/c/bank/:name/content/:id',
    {
      config: { permission: Permission.BankWrite },
      schema: {
        tags: TAGS,
        summary: 'Remove a content item (Perisai withdraws it: unmatchable at once, kept as a tombstone)',
      },
    },
    async (request) => {
      const bank = await requireBank(services.database, request.params.name);
      const item = await liveContent(bank, request.params.id);
      if (!item) return { deleted: 0 };
      await withdrawContent(services.database.db, item.id);
      await applyWrites(services);
      return { deleted: 1 };
    },
  );

  async function requireContent(request: FastifyRequest<ContentParams>): Promise<{ bank: Bank; item: BankContent }> {
    const bank = await requireBank(services.database, request.params.name);
    const item = await liveContent(bank, request.params.id);
    if (!item) throw new HttpError(404, `content '${request.params.id}' not found`);
    return { bank, item };
  }

  /**
   * The item if it exists in this bank and is not withdrawn. HMA does not check
   * that the item belongs to the named bank; Perisai does, so that a mistyped
   * bank name can never disable or delete another bank's content.
   */
  async function liveContent(bank: Bank, idText: string): Promise<BankContent | null> {
    if (!/^\d{1,15}$/.test(idText)) return null;
    const item = await getContent(services.database.db, Number(idText));
    return item && item.bankId === bank.id && item.status !== 'withdrawn' ? item : null;
  }
}

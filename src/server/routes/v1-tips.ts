/**
 * /api/v1/tips: tips from the public, and their triage.
 *
 * POST /api/v1/tips is public and built to be hammered: a rate limit per
 * address, a cap over all addresses, a small body limit, a honeypot field,
 * and a receipt that tells nothing about other tips (not whether the channel
 * was reported before, not the cluster). Nothing identifying is kept about an
 * anonymous tipster; the address is used for the rate limit in memory only.
 * Behind a reverse proxy, Fastify's trustProxy must be set for the per-address
 * limit to see tipsters instead of the proxy.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { CaseActor } from '../../cases/cases.js';
import { CASE_ERROR_STATUS, isCaseError } from '../../cases/errors.js';
import {
  bankMatchesOf,
  hashScreenshots,
  intakeOrganisation,
  MAX_SCREENSHOTS,
  prepareTip,
  screenshotLimits,
  type TipFields,
} from '../../cases/tip-intake.js';
import { FixedWindow, type TipIntakeSettings, tipSettingsFromEnv } from '../../cases/tip-limits.js';
import {
  decodeQueueCursor,
  encodeQueueCursor,
  getTipCluster,
  listTipQueue,
  parseClusterStatuses,
  setTipClusterStatus,
  type TipCluster,
  type TipRecord,
} from '../../cases/tip-queue.js';
import { newReceipt, type SubmittedTip, submitTip, type TipDeps, tipDeps } from '../../cases/tips.js';
import { TIP_CLUSTER_STATUSES, TIP_KINDS } from '../../db/schema-tips.js';
import { HttpError } from '../errors.js';
import { Permission } from '../permissions.js';
import type { RouteContext } from '../services.js';
import { errorBody, errorResponses, pdqHex } from './v1-schemas.js';
import { callerOrganisation } from './v1-users.js';

const TIPS = ['Tips'];
const errors = { ...errorResponses, 429: errorBody };
const isoTime = z.string().describe('ISO 8601 time');
const TIP_BODY_LIMIT = 64 * 1024;
const MAX_TIP_UPLOAD_BYTES = 25 * 1024 * 1024;

const tipBody = z.strictObject({
  kind: z.enum(TIP_KINDS).optional().describe('anonymous (default) or named'),
  link: z.string().max(500).optional().describe('t.me/name, @name, t.me/+invite, -100… id, chat.whatsapp.com/code'),
  description: z.string().max(20_000).optional().describe('what is happening; at most 4,000 characters'),
  contact: z.string().max(1000).optional().describe('named tips only: how analysts may reach you'),
  contact_name: z.string().max(1000).optional().describe('named tips only'),
  screenshots_pdq: z
    .array(z.union([pdqHex, z.object({ pdq: pdqHex, quality: z.number().int().min(0).max(100).optional() })]))
    .max(MAX_SCREENSHOTS)
    .optional()
    .describe('PDQ of screenshots hashed on the device (instead of uploading them)'),
  website: z.string().max(1000).optional().describe('leave empty'),
});
type TipBody = z.infer<typeof tipBody>;

const receiptOut = z.object({
  receipt: z.string().describe('quote it if you contact the organisation about this tip'),
  received_at: isoTime,
  contact_stored: z.boolean(),
  message: z.string(),
});

const intakeOut = z.object({
  tip_id: z.number().int(),
  receipt: z.string(),
  cluster_id: z.number().int(),
  joined_existing_cluster: z.boolean(),
});

const clusterOut = z.object({
  id: z.number().int(),
  status: z.enum(TIP_CLUSTER_STATUSES),
  severity: z.number().int().describe('bank tier x1000 + minors x100 + personal data x10 + log2(tips), at most 9'),
  bank_tier: z.number().int().describe('0 none, 1 other, 2 ncii/deepfake/doxx, 3 csam'),
  bank_matches: z.number().int(),
  minors: z.boolean(),
  personal_data: z.boolean(),
  tip_count: z.number().int(),
  screenshot_count: z.number().int(),
  link: z.string().nullable(),
  case_reference: z.string().nullable(),
  first_tip_at: isoTime,
  last_tip_at: isoTime,
});

const tipOut = z.object({
  id: z.number().int(),
  receipt: z.string(),
  kind: z.enum(TIP_KINDS),
  link: z.string().nullable(),
  message_id: z.number().int().nullable(),
  description: z.string(),
  contact_name: z.string().nullable(),
  contact: z.string().nullable(),
  signals: z.record(z.string(), z.unknown()),
  screenshots: z.array(
    z.object({
      pdq: z.string().nullable(),
      quality: z.number().int().nullable(),
      md5: z.string().nullable(),
      sha256: z.string().nullable(),
      bank_matches: z.array(z.unknown()),
    }),
  ),
  created_at: isoTime,
});

const queueQuery = z.object({
  status: z.string().max(100).optional().describe('comma-separated statuses; default new,triaged'),
  limit: z.coerce.number().int().min(1).max(200).optional(),
  cursor: z.string().max(200).optional().describe('next_cursor of the previous page'),
});

const clusterParams = z.object({ id: z.coerce.number().int().positive() });

const statusBody = z.strictObject({
  status: z.enum(TIP_CLUSTER_STATUSES),
  case_reference: z.string().max(40).optional().describe('required for status linked'),
  note: z.string().max(2000).optional().describe('kept on the case timeline when linking'),
  purpose: z.string().trim().min(1).max(1000).optional().describe('why: kept in the audit trail'),
});

/** Keeps a screenshot's bytes as evidence (the vault); without it the bytes are dropped after hashing. */
export type ScreenshotKeeper = (shot: {
  organisationId: number;
  tipId: number;
  clusterId: number;
  sha256: string;
  data: Buffer;
}) => Promise<void>;

export interface TipRouteOptions {
  settings?: TipIntakeSettings;
  now?: () => Date;
  keepScreenshot?: ScreenshotKeeper;
}

interface Received {
  fields: TipBody;
  uploads: Buffer[];
}

export function v1TipRoutes(root: FastifyInstance, ctx: RouteContext, options: TipRouteOptions = {}): void {
  const app = root.withTypeProvider<ZodTypeProvider>();
  const { services, limits } = ctx;
  const settings = options.settings ?? tipSettingsFromEnv();
  const now = options.now ?? (() => new Date());
  // This process's tip intake (screenshot index, known channels, group commit), made on first use:
  // the database may still be opening when the routes are registered.
  let deps: TipDeps | null = null;
  const everyone = new FixedWindow(settings.globalPerMinute, 60_000);
  const shotLimits = screenshotLimits(limits.media);
  // Organisations are not renamed or removed in normal work: one read a minute, not one per tip.
  let intake: { orgId: number; until: number } | null = null;
  async function intakeOrg(): Promise<number | null> {
    if (intake && intake.until > Date.now()) return intake.orgId;
    const orgId = await intakeOrganisation(services.database.db, settings.organisation);
    intake = orgId === null ? null : { orgId, until: Date.now() + 60_000 };
    return orgId;
  }

  async function take(orgId: number, received: Received): Promise<SubmittedTip> {
    const hashed = await hashScreenshots(received.uploads, received.fields.screenshots_pdq ?? [], shotLimits);
    const withMatches = [];
    for (const h of hashed) {
      withMatches.push({
        ...h.hashes,
        bankMatches: await bankMatchesOf(services.matcher, services.database.db, orgId, h.hashes),
      });
    }
    const tip = prepareTip(fieldsOf(received.fields), withMatches);
    deps ??= tipDeps(services.database.db, now);
    const stored = await submitTip(deps, orgId, tip);
    for (const h of hashed) {
      if (h.data && h.hashes.sha256 && options.keepScreenshot) {
        await options.keepScreenshot({
          organisationId: orgId,
          tipId: stored.tipId,
          clusterId: stored.clusterId,
          sha256: h.hashes.sha256,
          data: h.data,
        });
      }
    }
    return stored;
  }

  app.post(
    '/api/v1/tips',
    {
      config: { public: true, rateLimit: { max: settings.perIpPerMinute, timeWindow: 60_000 } },
      bodyLimit: TIP_BODY_LIMIT,
      schema: {
        tags: TIPS,
        summary: 'Send a tip: a channel or group link, a description, screenshots; anonymous or named',
        description:
          'application/json (screenshots as PDQ hashes in screenshots_pdq) or multipart/form-data ' +
          `(the same text fields, and up to ${MAX_SCREENSHOTS} screenshot files). Screenshots are hashed and ` +
          'their bytes are not kept. Answers with a receipt only.',
        security: [],
        consumes: ['application/json', 'multipart/form-data'],
        response: { 202: receiptOut, ...errors },
      },
    },
    async (request, reply) => {
      const received = await receive(request, shotLimits.maxFileBytes);
      // A filled honeypot is a bot: it gets what a person gets, and nothing is stored.
      if (received.fields.website?.trim()) return reply.code(202).send(receiptFor(newReceipt(), now(), false));
      const allowed = everyone.take();
      if (allowed !== true) {
        reply.header('retry-after', String(allowed.retryAfterS));
        throw new HttpError(429, 'too many tips are arriving at the moment; please try again in a minute');
      }
      const orgId = await intakeOrg();
      if (orgId === null) throw new HttpError(503, 'this server does not take tips yet (no organisation is set up)');
      const stored = await take(orgId, received).catch(toHttp);
      const named = received.fields.kind === 'named';
      return reply.code(202).send(receiptFor(stored.receipt, stored.receivedAt, named));
    },
  );

  app.post(
    '/api/v1/tips/intake',
    {
      config: { permission: Permission.TipTriage },
      bodyLimit: TIP_BODY_LIMIT,
      schema: {
        tags: TIPS,
        summary: "Record a tip received another way (phone, e-mail) in the caller's organisation",
        description: 'The same body as POST /api/v1/tips; answers with the cluster the tip joined.',
        consumes: ['application/json', 'multipart/form-data'],
        response: { 201: intakeOut, ...errors },
      },
    },
    async (request, reply) => {
      const received = await receive(request, shotLimits.maxFileBytes);
      const stored = await take(callerOrganisation(request), received).catch(toHttp);
      return reply.code(201).send({
        tip_id: stored.tipId,
        receipt: stored.receipt,
        cluster_id: stored.clusterId,
        joined_existing_cluster: stored.joined,
      });
    },
  );

  app.get(
    '/api/v1/tips/queue',
    {
      config: { permission: Permission.TipTriage },
      schema: {
        tags: TIPS,
        summary: 'Tip clusters to triage, most severe first (bank matches, minors, personal data, then recency)',
        querystring: queueQuery,
        response: { 200: z.object({ clusters: z.array(clusterOut), next_cursor: z.string().nullable() }), ...errors },
      },
    },
    async (request) => {
      const q = request.query;
      const orgId = callerOrganisation(request);
      // async, so a bad status or cursor (thrown while parsing) becomes a 400 like any other refusal
      const page = await (async () =>
        listTipQueue(services.database.db, orgId, {
          statuses: parseClusterStatuses(q.status),
          ...(q.limit ? { limit: q.limit } : {}),
          after: q.cursor ? decodeQueueCursor(q.cursor) : null,
        }))().catch(toHttp);
      return {
        clusters: page.clusters.map(toClusterOut),
        next_cursor: page.next ? encodeQueueCursor(page.next) : null,
      };
    },
  );

  app.get(
    '/api/v1/tips/clusters/:id',
    {
      config: { permission: Permission.TipRead },
      schema: {
        tags: TIPS,
        summary: 'One tip cluster with its keys and latest 100 tips (audited: tips may hold contact details)',
        params: clusterParams,
        response: { 200: clusterOut.extend({ keys: z.array(z.string()), tips: z.array(tipOut) }), ...errors },
      },
    },
    async (request) => {
      const orgId = callerOrganisation(request);
      const c = await getTipCluster(services.database.db, orgId, request.params.id);
      if (!c) throw new HttpError(404, `tip cluster ${request.params.id} not found`);
      await request.audit({ action: 'tip_cluster.read', target: `tip_cluster:${c.id}`, purpose: 'tip triage' });
      return { ...toClusterOut(c), keys: c.keys, tips: c.tips.map(toTipOut) };
    },
  );

  app.patch(
    '/api/v1/tips/clusters/:id',
    {
      config: { permission: Permission.TipTriage },
      schema: {
        tags: TIPS,
        summary: 'Set a cluster to new, triaged, dismissed, or linked (with case_reference: a tip event on the case)',
        params: clusterParams,
        body: statusBody,
        response: { 200: clusterOut, ...errors },
      },
    },
    async (request) => {
      const b = request.body;
      const principal = request.principal!;
      const actor: CaseActor = { kind: principal.kind, id: String(principal.id) };
      const { before, after } = await setTipClusterStatus(
        services.database.db,
        callerOrganisation(request),
        request.params.id,
        { status: b.status, caseReference: b.case_reference, note: b.note },
        actor,
        now(),
      ).catch(toHttp);
      await request.audit({
        action: 'tip_cluster.status',
        target: `tip_cluster:${after.id}`,
        purpose: b.purpose ?? 'tip triage',
        details: { from: before.status, to: after.status, case: after.caseReference },
      });
      return toClusterOut(after);
    },
  );
}

function receiptFor(receipt: string, at: Date, named: boolean): z.infer<typeof receiptOut> {
  return {
    receipt,
    received_at: at.toISOString(),
    contact_stored: named,
    message: named
      ? 'Thank you. Your tip and the contact details you gave are stored, readable by the analysts of the receiving organisation.'
      : 'Thank you. Your tip was received anonymously: nothing that identifies you was stored.',
  };
}

/** The JSON body, or the multipart form's text fields and screenshot files. */
async function receive(request: FastifyRequest, maxFileBytes: number): Promise<Received> {
  if (!request.isMultipart()) return { fields: parseFields(request.body ?? {}), uploads: [] };
  const raw: Record<string, string> = {};
  const uploads: Buffer[] = [];
  const partLimits = { files: MAX_SCREENSHOTS, fileSize: maxFileBytes, fields: 10, fieldSize: 32 * 1024, parts: 20 };
  let total = 0;
  for await (const part of request.parts({ limits: partLimits })) {
    if (part.type === 'file') {
      const data = await part.toBuffer();
      total += data.length;
      // Each file is bounded by fileSize; this bounds what one request may hold in memory.
      if (total > MAX_TIP_UPLOAD_BYTES) {
        throw new HttpError(413, `screenshots add up to more than ${MAX_TIP_UPLOAD_BYTES / 1024 / 1024} MiB`);
      }
      uploads.push(data);
    } else if (part.valueTruncated) throw new HttpError(413, `field ${part.fieldname} is too long`);
    else if (typeof part.value === 'string') raw[part.fieldname] = part.value;
  }
  return { fields: parseFields(raw), uploads };
}

function parseFields(body: unknown): TipBody {
  const parsed = tipBody.safeParse(body);
  if (parsed.success) return parsed.data;
  const details = parsed.error.issues.map((i) => ({ field: i.path.join('.'), message: i.message }));
  const first = details[0]!;
  throw new HttpError(400, first.field ? `${first.field}: ${first.message}` : first.message, { details });
}

function fieldsOf(b: TipBody): TipFields {
  return { kind: b.kind, link: b.link, description: b.description, contact: b.contact, contact_name: b.contact_name };
}

function toHttp(err: unknown): never {
  if (isCaseError(err)) throw new HttpError(CASE_ERROR_STATUS[err.code], err.message);
  throw err;
}

function toClusterOut(c: TipCluster): z.infer<typeof clusterOut> {
  return {
    id: c.id,
    status: c.status,
    severity: c.severity,
    bank_tier: c.bankTier,
    bank_matches: c.bankMatches,
    minors: c.minors,
    personal_data: c.personalData,
    tip_count: c.tipCount,
    screenshot_count: c.screenshotCount,
    link: c.link,
    case_reference: c.caseReference,
    first_tip_at: c.firstTipAt.toISOString(),
    last_tip_at: c.lastTipAt.toISOString(),
  };
}

function toTipOut(t: TipRecord): z.infer<typeof tipOut> {
  return {
    id: t.id,
    receipt: t.receipt,
    kind: t.kind,
    link: t.link,
    message_id: t.messageId,
    description: t.description,
    contact_name: t.contactName,
    contact: t.contact,
    signals: t.signals,
    screenshots: t.screenshots.map((s) => ({
      pdq: s.pdq,
      quality: s.quality,
      md5: s.md5,
      sha256: s.sha256,
      bank_matches: s.bankMatches,
    })),
    created_at: t.createdAt.toISOString(),
  };
}

/**
 * /api/v1/evidence: sealed evidence packages over HTTP, the same as `perisai
 * evidence export`. Only cases of the caller's organisation can be exported, and
 * each export is audited with its purpose (the package's custody events record
 * it too). Child material goes only to a recipient key.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import sharp from 'sharp';
import { z } from 'zod';
import { exportPackage, PackageRefusedError } from '../../evidence/sealed/export.js';
import { HttpError } from '../errors.js';
import { Permission } from '../permissions.js';
import type { MatchingServices, RouteContext } from '../services.js';

const exportBody = z.strictObject({
  cases: z.array(z.string().min(1).max(64)).min(1).max(100).describe('case references of your organisation'),
  recipient_public_key: z
    .string()
    .regex(/^[0-9a-f]{64}$/i, 'an X25519 public key: 64 hex digits (perisai evidence keygen)')
    .optional(),
  clear: z.boolean().optional().describe('export in clear instead (refused for child material)'),
  purpose: z.string().trim().min(3).max(1000).describe('why: recorded in the custody chain and the audit trail'),
});

const itemParams = z.object({ id: z.string().min(8).max(100) });
const purposeHeader = z.object({
  'x-purpose': z.string().trim().min(3).max(1000).describe('why: kept in the custody chain'),
});

export function v1EvidenceRoutes(root: FastifyInstance, { services }: RouteContext): void {
  const app = root.withTypeProvider<ZodTypeProvider>();

  /** The capture, when it belongs to a case of the caller's organisation. */
  const ownCapture = async (request: FastifyRequest, id: string) => {
    const row = await services.database.db
      .selectFrom('evidence_captures as e')
      .innerJoin('cases as c', 'c.reference', 'e.case_id')
      .select(['e.id', 'e.category'])
      .where('e.id', '=', id)
      .where('c.org_id', '=', request.principal?.organisationId ?? -1)
      .executeTakeFirst();
    if (!row) throw new HttpError(404, 'evidence item not found');
    return row;
  };
  const actorOf = (request: FastifyRequest) => ({
    kind: 'user' as const,
    id: `${request.principal!.kind}:${request.principal!.id}`,
  });

  app.get(
    '/api/v1/evidence/items/:id/preview',
    {
      config: { permission: Permission.EvidenceRead },
      schema: {
        tags: ['Evidence'],
        summary: 'A blurred, greyscale preview of a preserved image (never of child material); recorded as a view',
        params: itemParams,
        headers: purposeHeader,
      },
    },
    async (request, reply) => {
      const item = await ownCapture(request, request.params.id);
      if (item.category === 'csam') throw new HttpError(403, 'child material is hash-only: it is never displayed');
      const opened = await vaultOf(services).open(item.id, {
        actor: actorOf(request),
        purpose: request.headers['x-purpose'],
      });
      if (!opened.media) throw new HttpError(404, 'this item has no media');
      const preview = await blurredPreview(opened.media);
      opened.media.fill(0);
      if (!preview) throw new HttpError(415, 'no preview: not a still image');
      return reply.header('content-type', 'image/jpeg').header('cache-control', 'no-store').send(preview);
    },
  );

  app.get(
    '/api/v1/evidence/items/:id/media',
    {
      config: { permission: Permission.MediaUnblur },
      schema: {
        tags: ['Evidence'],
        summary: 'The original media, unblurred: a deliberate act, recorded in the custody chain and the audit trail',
        params: itemParams,
        headers: purposeHeader,
      },
    },
    async (request, reply) => {
      const item = await ownCapture(request, request.params.id);
      if (item.category === 'csam') throw new HttpError(403, 'child material is hash-only: it is never displayed');
      const purpose = request.headers['x-purpose'];
      const opened = await vaultOf(services).open(item.id, { actor: actorOf(request), purpose });
      if (!opened.media) throw new HttpError(404, 'this item has no media');
      await request.audit({ action: 'media.unblur', target: `evidence:${item.id}`, purpose });
      return reply
        .header('content-type', 'application/octet-stream')
        .header('cache-control', 'no-store')
        .send(Buffer.from(opened.media));
    },
  );
  app.post(
    '/api/v1/evidence/export',
    {
      config: { permission: Permission.EvidenceExport },
      schema: {
        tags: ['Evidence'],
        summary: 'A sealed evidence package (zip) of cases, verifiable offline with perisai evidence verify',
        description:
          'Answers application/zip; errors as JSON {message} (400, 404, 409 for child material in clear, 503).',
        body: exportBody,
      },
    },
    async (request, reply) => {
      const evidence = openedOf(services);
      const body = request.body;
      if (!body.recipient_public_key && !body.clear)
        throw new HttpError(400, 'give recipient_public_key, or clear: true');
      const principal = request.principal!;
      const owned = await services.database.db
        .selectFrom('cases')
        .select('reference')
        .where('reference', 'in', body.cases)
        .where('org_id', '=', principal.organisationId ?? -1)
        .execute();
      if (owned.length !== new Set(body.cases).size) throw new HttpError(404, 'case not found');
      try {
        const { zip, manifest } = await exportPackage({
          db: services.database.db,
          vault: evidence.vault,
          log: evidence.log,
          logKey: evidence.logKey,
          caseIds: body.cases,
          recipientPublicKey: body.recipient_public_key ? Buffer.from(body.recipient_public_key, 'hex') : null,
          actor: { kind: 'user', id: `${principal.kind}:${principal.id}` },
          purpose: body.purpose,
        });
        await request.audit({
          action: 'evidence.export',
          target: `cases:${body.cases.join(',')}`,
          purpose: body.purpose,
          details: { package_id: manifest.package_id, items: manifest.items.length, sealed: manifest.recipient.sealed },
        });
        return reply
          .header('content-type', 'application/zip')
          .header('content-disposition', `attachment; filename="evidence-${manifest.package_id}.zip"`)
          .send(zip);
      } catch (err) {
        if (err instanceof PackageRefusedError) throw new HttpError(409, err.message);
        throw err;
      }
    },
  );
}

function openedOf(services: MatchingServices) {
  if (!services.evidence) throw new HttpError(503, 'the evidence vault is not open on this server');
  return services.evidence;
}

function vaultOf(services: MatchingServices) {
  return openedOf(services).vault;
}

/** Blurred and greyscale, as every reviewer sees media unless they deliberately unblur it. */
async function blurredPreview(media: Uint8Array): Promise<Buffer | null> {
  try {
    return await sharp(media, { limitInputPixels: 50_000_000, failOn: 'error' })
      .rotate()
      .resize(320, 320, { fit: 'inside' })
      .flatten()
      .greyscale()
      .toColourspace('b-w')
      .blur(10)
      .jpeg({ quality: 60 })
      .toBuffer();
  } catch {
    return null;
  }
}

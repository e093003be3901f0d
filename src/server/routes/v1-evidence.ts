/**
 * /api/v1/evidence: sealed evidence packages over HTTP, the same as `perisai
 * evidence export`. Only cases of the caller's organisation can be exported, and
 * each export is audited with its purpose (the package's custody events record
 * it too). Child material goes only to a recipient key.
 */
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { exportPackage, PackageRefusedError } from '../../evidence/sealed/export.js';
import { HttpError } from '../errors.js';
import { Permission } from '../permissions.js';
import type { RouteContext } from '../services.js';

const exportBody = z.strictObject({
  cases: z.array(z.string().min(1).max(64)).min(1).max(100).describe('case references of your organisation'),
  recipient_public_key: z
    .string()
    .regex(/^[0-9a-f]{64}$/i, 'an X25519 public key: 64 hex digits (perisai evidence keygen)')
    .optional(),
  clear: z.boolean().optional().describe('export in clear instead (refused for child material)'),
  purpose: z.string().trim().min(3).max(1000).describe('why: recorded in the custody chain and the audit trail'),
});

export function v1EvidenceRoutes(root: FastifyInstance, { services }: RouteContext): void {
  const app = root.withTypeProvider<ZodTypeProvider>();
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
      const { evidence } = services;
      if (!evidence) throw new HttpError(503, 'the evidence vault is not open on this server');
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

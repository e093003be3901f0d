/** POST /api/v1/evidence/export: a package of the caller's own cases, verifiable offline. */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import sharp from 'sharp';
import { openEvidence } from '../../src/evidence/open.js';
import { verifyPackage } from '../../src/evidence/sealed/verify.js';
import { ADMIN, loginAndEnrol, setupFirstAdmin, withAccountsApi } from '../accounts/harness.js';
import { sampleInput } from '../evidence/vault/support.js';
import { databaseVariants } from '../support/db.js';
import { syntheticPhoto } from '../support/generated-export.js';

const pglite = databaseVariants().find((v) => v.name === 'pglite')!;
after(() => pglite.dispose());

test('export of an own case verifies; another case is 404; child material in clear is 409', () =>
  pglite.run(async (database) => {
    const dataDir = await mkdtemp(join(tmpdir(), 'perisai-evidence-api-'));
    const evidence = await openEvidence(database, dataDir);
    try {
      await withAccountsApi(
        database,
        async (api) => {
          await setupFirstAdmin(api);
          const { cookie } = await loginAndEnrol(api, ADMIN.email, ADMIN.password);
          const created = await api.call(
            'POST',
            '/api/v1/cases',
            { title: 'Fictional leak', category: 'ncii' },
            cookie,
          );
          assert.equal(created.statusCode, 201, created.body);
          const ref = created.json().reference as string;
          const photo = await syntheticPhoto(4, 320, 240).toBuffer();
          const captured = await evidence.vault.capture(sampleInput({ caseId: ref, media: photo }));
          const get = (path: string, purpose?: string) =>
            api.app.inject({
              method: 'GET',
              url: path,
              headers: { cookie, ...(purpose ? { 'x-purpose': purpose } : {}) },
            });
          assert.equal(
            (await get(`/api/v1/evidence/items/${captured.id}/preview`)).statusCode,
            400,
            'a purpose is required',
          );
          const preview = await get(`/api/v1/evidence/items/${captured.id}/preview`, 'triage of report 3');
          assert.equal(preview.statusCode, 200, preview.body);
          const stats = await sharp(preview.rawPayload).metadata();
          assert.ok(stats.channels === 1 || stats.space === 'b-w', 'greyscale');
          const original = await get(`/api/v1/evidence/items/${captured.id}/media`, 'identify the victim for the case');
          assert.equal(original.statusCode, 200);
          assert.ok(original.rawPayload.equals(photo), 'the original bytes');
          assert.ok(
            api.logged.some((e) => (e.payload as { action?: string }).action === 'media.unblur'),
            'unblurring is audited',
          );
          const chain = await evidence.vault.custodyChain(captured.id);
          assert.ok(chain.filter((e) => e.action === 'view').length >= 2, 'both views are in the custody chain');
          assert.equal((await get('/api/v1/evidence/items/not-a-real-item/media', 'x request')).statusCode, 404);
          const post = (body: unknown) => api.call('POST', '/api/v1/evidence/export', body, cookie);

          const ok = await post({ cases: [ref], clear: true, purpose: 'police request 7' });
          assert.equal(ok.statusCode, 200, ok.body);
          assert.equal(ok.headers['content-type'], 'application/zip');
          const verdict = await verifyPackage(ok.rawPayload);
          assert.equal(
            verdict.valid,
            true,
            verdict.checks
              .filter((c) => !c.ok)
              .map((c) => c.what)
              .join('\n'),
          );
          assert.ok(
            api.logged.some((e) => (e.payload as { action?: string }).action === 'evidence.export'),
            'audited',
          );

          assert.equal((await post({ cases: ['PS-1999-000001'], clear: true, purpose: 'x request' })).statusCode, 404);
          const csamCase = await api.call('POST', '/api/v1/cases', { title: 'hotline', category: 'csam' }, cookie);
          const csamRef = csamCase.json().reference as string;
          await evidence.vault.capture(sampleInput({ caseId: csamRef, category: 'csam' }));
          assert.equal((await post({ cases: [csamRef], clear: true, purpose: 'hotline report' })).statusCode, 409);
          const csamItem =
            (await evidence.vault.custodyChain(captured.id)) &&
            (await database.db
              .selectFrom('evidence_captures')
              .select('id')
              .where('case_id', '=', csamRef)
              .executeTakeFirstOrThrow());
          assert.equal(
            (await get(`/api/v1/evidence/items/${csamItem.id}/preview`, 'triage')).statusCode,
            403,
            'never shown',
          );
        },
        { evidence },
      );
    } finally {
      evidence.close();
      await rm(dataDir, { recursive: true, force: true });
    }
  }));

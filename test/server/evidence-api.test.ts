/** POST /api/v1/evidence/export: a package of the caller's own cases, verifiable offline. */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { openEvidence } from '../../src/evidence/open.js';
import { verifyPackage } from '../../src/evidence/sealed/verify.js';
import { ADMIN, loginAndEnrol, setupFirstAdmin, withAccountsApi } from '../accounts/harness.js';
import { sampleInput } from '../evidence/vault/support.js';
import { databaseVariants } from '../support/db.js';

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
          await evidence.vault.capture(sampleInput({ caseId: ref }));
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
        },
        { evidence },
      );
    } finally {
      evidence.close();
      await rm(dataDir, { recursive: true, force: true });
    }
  }));

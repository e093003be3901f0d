/** Preserve before takedown: the vault's gate says "preserved" only for captured, logged items. */
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import type { Takedown } from '../../src/actions/takedowns/model.js';
import { vaultEvidenceGate } from '../../src/evidence/takedown-gate.js';
import { databaseVariants } from '../support/db.js';
import { makeVault, sampleInput } from './vault/support.js';

function takedown(fields: Partial<Takedown>): Takedown {
  return { items: [], evidenceRef: null, ...fields } as Takedown;
}

for (const variant of databaseVariants()) {
  describe(`takedown evidence gate (${variant.name})`, { skip: variant.skip }, () => {
    after(() => variant.dispose());

    test('preserved only when every item (or every named capture) is captured and logged', () =>
      variant.run(async (database) => {
        const fixture = await makeVault(database, 'folder');
        try {
          const gate = vaultEvidenceGate(database.db);
          const item = { chat: '-1001234567890', message_id: '1042' };
          const other = { chat: '-1001234567890', message_id: '1043' };
          assert.equal((await gate.isPreserved(takedown({ items: [item] }))).preserved, false, 'nothing captured yet');

          const record = await fixture.vault.capture(sampleInput());
          const one = await gate.isPreserved(takedown({ items: [item] }));
          assert.equal(one.preserved, true);
          assert.match(one.reference ?? '', new RegExp(`${record.id} \\(log #\\d+\\)`));
          assert.equal(
            (await gate.isPreserved(takedown({ items: [item, other] }))).preserved,
            false,
            'one item missing',
          );
          assert.equal(
            (await gate.isPreserved(takedown({ items: [{ url: 'https://t.me/x/1' }] }))).preserved,
            false,
            'a URL alone cannot be checked',
          );
          assert.equal((await gate.isPreserved(takedown({ evidenceRef: record.id }))).preserved, true);
          assert.equal(
            (await gate.isPreserved(takedown({ evidenceRef: `${record.id}, cap_not_a_real_capture` }))).preserved,
            false,
          );
        } finally {
          await fixture.cleanup();
        }
      }));
  });
}

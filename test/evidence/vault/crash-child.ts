/**
 * Child process for crash.test.ts: captures items in a loop and prints each committed
 * capture id, until the parent kills it with SIGKILL somewhere in the middle of one.
 * argv: <openDatabase options as JSON> <blob folder> <master key hex>
 */
import { randomBytes } from 'node:crypto';
import { openDatabase } from '../../../src/db/open.js';
import { FolderBlobStore } from '../../../src/evidence/vault/blob-store.js';
import { masterKeyFromBytes } from '../../../src/evidence/vault/master-key.js';
import { EvidenceVault } from '../../../src/evidence/vault/vault.js';
import { LogUnderTest, sampleInput } from './support.js';

const [optionsJson, blobDir, keyHex] = process.argv.slice(2);
const database = await openDatabase(JSON.parse(optionsJson!));
const log = new LogUnderTest(database.db);
const vault = await EvidenceVault.open({
  db: database.db,
  store: new FolderBlobStore(blobDir!),
  log,
  masterKey: masterKeyFromBytes(Buffer.from(keyHex!, 'hex')),
});
process.stdout.write('ready\n');
for (let i = 0; ; i++) {
  const record = await vault.capture(sampleInput({ media: randomBytes(200_000), rawRecord: { i } }));
  process.stdout.write(`${record.id}\n`);
}

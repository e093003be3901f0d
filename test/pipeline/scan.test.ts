import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { createBank } from '../../src/banks/banks.js';
import { addContent } from '../../src/banks/content.js';
import type { Database } from '../../src/db/open.js';
import { hashPhotoFile } from '../../src/hashing/photo.js';
import { runScan } from '../../src/pipeline/scan.js';
import { openSource } from '../../src/sources/open.js';
import { databaseVariants } from '../support/db.js';
import { type GeneratedExport, writeGeneratedExport } from '../support/generated-export.js';

const MESSAGES = 300;
const PHOTOS = 30;
const REPEATED = 3;

let work: string;
let generated: GeneratedExport;
/** The photos registered in the bank (indexes into generated.photoPaths). */
const BANKED = [3, 6, 11, 19];

before(async () => {
  work = mkdtempSync(join(tmpdir(), 'perisai-scan-'));
  generated = await writeGeneratedExport(join(work, 'export'), {
    messages: MESSAGES,
    photos: PHOTOS,
    repeatedPhotos: REPEATED,
  });
});
after(() => rmSync(work, { recursive: true, force: true }));

async function bankPhotos(database: Database): Promise<void> {
  await createBank(database.db, { name: 'NCII_TEST', category: 'ncii' });
  for (const i of BANKED) {
    const h = await hashPhotoFile(generated.photoPaths[i]!);
    await addContent(database.db, 'NCII_TEST', {
      source: 'victim',
      caseRef: `PS-${i}`,
      signals: [{ type: 'pdq', hash: h.pdq, quality: h.quality }],
    });
  }
}

async function scanExport(database: Database) {
  const { source } = await openSource(generated.dir);
  return runScan(database, { source, location: generated.dir, country: 'GB' });
}

async function counts(database: Database) {
  const db = database.db;
  const one = async (table: 'messages' | 'media_items' | 'media_hashes' | 'findings') =>
    Number((await db.selectFrom(table).select(db.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);
  return {
    messages: await one('messages'),
    media: await one('media_items'),
    hashes: await one('media_hashes'),
    findings: await one('findings'),
  };
}

for (const variant of databaseVariants()) {
  describe(`scan pipeline (${variant.name})`, { skip: variant.skip }, () => {
    after(() => variant.dispose());

    test('a Telegram export end to end: every message, every photo, matches and doxxing findings', () =>
      variant.run(async (database) => {
        await bankPhotos(database);
        const result = await scanExport(database);
        assert.equal(result.progress.messages, MESSAGES);
        assert.equal(result.progress.mediaQueued, PHOTOS);
        assert.equal(result.progress.mediaSettled, PHOTOS);
        assert.equal(result.progress.mediaFailed, 0);
        // The repeated photos share one SHA-256: hashed once, reused after.
        assert.equal(result.progress.mediaReused, REPEATED);
        const c = await counts(database);
        assert.deepEqual(
          { messages: c.messages, media: c.media, hashes: c.hashes },
          { messages: MESSAGES, media: PHOTOS, hashes: PHOTOS - REPEATED },
        );

        const findings = await database.db
          .selectFrom('findings as f')
          .innerJoin('messages as m', 'm.id', 'f.message_row')
          .select(['m.message_id', 'f.severity', 'f.matches', 'f.personal_data'])
          .execute();
        const bySeverity = new Map<string, Set<number>>();
        for (const f of findings) {
          const set = bySeverity.get(f.severity) ?? new Set();
          set.add(Number(f.message_id));
          bySeverity.set(f.severity, set);
        }
        const matchedIds = new Set(BANKED.flatMap((i) => generated.photoMessageIds.get(generated.photoPaths[i]!)!));
        const expectDoxxing = [...matchedIds].filter((id) => generated.personalDataIds.has(id));
        const expectMatch = [...matchedIds].filter((id) => !generated.personalDataIds.has(id));
        const expectPersonal = [...generated.personalDataIds].filter((id) => !matchedIds.has(id));
        assert.ok(expectDoxxing.length > 0, 'the generated data has doxxing cases');
        assert.deepEqual([...(bySeverity.get('doxxing') ?? [])].sort(), expectDoxxing.sort());
        assert.deepEqual([...(bySeverity.get('match') ?? [])].sort(), expectMatch.sort());
        assert.deepEqual(
          [...(bySeverity.get('personal_data') ?? [])].sort((a, b) => a - b),
          expectPersonal.sort((a, b) => a - b),
        );
        const doxx = findings.find((f) => f.severity === 'doxxing')!;
        const pd = doxx.personal_data as { phones: { e164: string }[]; handles: { platform: string }[] };
        assert.match(pd.phones[0]!.e164, /^\+447700900\d{3}$/);
        assert.equal(pd.handles[0]!.platform, 'instagram');
        assert.equal((doxx.matches as { bank: string }[])[0]!.bank, 'NCII_TEST');
      }));

    test('scanning again stores nothing twice and loses nothing; a killed run resumes', () =>
      variant.run(async (database) => {
        await bankPhotos(database);
        // A run that died an hour ago after storing messages, with some media claimed and unfinished.
        const { source } = await openSource(generated.dir);
        const { MessageStore } = await import('../../src/pipeline/ingest.js');
        const store = new MessageStore(database, {});
        const batch = [];
        for await (const m of source.messages()) batch.push(m);
        await store.ingest(batch.slice(0, 120));
        await database.db
          .updateTable('media_items')
          .set({ state: 'claimed', claimed_at: new Date(Date.now() - 3_600_000) })
          .where('id', '<=', 5)
          .execute();

        const first = await scanExport(database);
        assert.equal(first.progress.messages, MESSAGES);
        const afterFirst = await counts(database);
        const second = await scanExport(database);
        assert.equal(second.progress.mediaQueued, 0, 'nothing new to queue on a re-run');
        const afterSecond = await counts(database);
        assert.deepEqual(afterSecond, afterFirst);
        assert.deepEqual(
          { messages: afterSecond.messages, media: afterSecond.media, hashes: afterSecond.hashes },
          { messages: MESSAGES, media: PHOTOS, hashes: PHOTOS - REPEATED },
        );
        const left = await database.db
          .selectFrom('media_items')
          .select('id')
          .where('state', 'in', ['pending', 'claimed'])
          .execute();
        assert.deepEqual(left, [], 'every media item settled');
        const unanalysed = await database.db
          .selectFrom('messages')
          .select('id')
          .where('analysed_at', 'is', null)
          .execute();
        assert.deepEqual(unanalysed, []);
      }));

    test('a corrupt photo fails alone; the rest of the scan goes on', () =>
      variant.run(async (database) => {
        const dir = join(work, `corrupt-${variant.name}`);
        const small = await writeGeneratedExport(dir, { messages: 20, photos: 4, personalDataEvery: 0 });
        writeFileSync(small.photoPaths[1]!, Buffer.from('\xff\xd8\xff\xe0 not really a jpeg', 'latin1'));
        const { source } = await openSource(dir);
        const result = await runScan(database, { source, location: dir });
        assert.equal(result.progress.mediaSettled, 4);
        assert.equal(result.progress.mediaFailed, 1);
        const failed = await database.db
          .selectFrom('media_items')
          .select(['state', 'error'])
          .where('state', '=', 'failed')
          .execute();
        assert.equal(failed.length, 1);
        assert.ok(failed[0]!.error && failed[0]!.error.length > 0, 'the failure says why');
      }));

    test('a truncated export: what came before is stored, hashed and assessed; the break is reported', () =>
      variant.run(async (database) => {
        const dir = join(work, `truncated-${variant.name}`);
        const small = await writeGeneratedExport(dir, { messages: 60, photos: 6 });
        const { readFileSync } = await import('node:fs');
        const whole = readFileSync(small.resultJson, 'utf8');
        const cut = whole.indexOf('"id":41,');
        writeFileSync(small.resultJson, whole.slice(0, cut + 12));
        const issues: string[] = [];
        const { source } = await openSource(dir);
        const result = await runScan(database, { source, location: dir, onIssue: (i) => issues.push(i.message) });
        assert.equal(result.progress.messages, 40);
        assert.match(result.progress.sourceError ?? '', /broke off after 40 messages/);
        assert.ok(issues.some((m) => m.includes('broke off')));
        assert.equal(result.progress.mediaSettled, 4, 'the photos of messages 10..40 are hashed');
        const scan = await database.db.selectFrom('scans').select('status').executeTakeFirstOrThrow();
        assert.equal(scan.status, 'failed');
      }));

    test('hostile text (NUL, lone surrogates) is stored, not fatal', () =>
      variant.run(async (database) => {
        const dir = join(work, `hostile-${variant.name}`);
        const { writeFileSync: write, mkdirSync } = await import('node:fs');
        mkdirSync(dir, { recursive: true });
        const text = 'call +44 7700 900123 \u0000 now \ud800 end';
        write(
          join(dir, 'result.json'),
          JSON.stringify({
            name: 'Hostile',
            type: 'public_channel',
            id: 77,
            messages: [
              { id: 1, type: 'message', date: '2024-01-01T00:00:00', date_unixtime: '1704067200', text },
              { id: 2, type: 'message', date: '2024-01-01T00:00:01', date_unixtime: '1704067201', text: 'fine' },
            ],
          }),
        );
        const { source } = await openSource(dir);
        const result = await runScan(database, { source, location: dir, country: 'GB' });
        assert.equal(result.progress.messages, 2);
        const stored = await database.db.selectFrom('messages').select(['message_id', 'text']).orderBy('id').execute();
        assert.equal(stored.length, 2);
        assert.equal(stored[0]!.text, 'call +44 7700 900123 \ufffd now \ufffd end');
      }));
  });
}

import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { chmod, mkdir, mkdtemp, readdir, readFile, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import {
  loadMasterKey,
  MASTER_KEY_ENV,
  MasterKeyError,
  masterKeyPath,
  parseMasterKey,
} from '../../../src/evidence/vault/master-key.js';
import { PROJECT_ROOT } from '../../support/env.js';

const HEX = '00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff';

describe('master key', () => {
  let dataDir: string;
  before(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'perisai-master-'));
  });
  after(() => rm(dataDir, { recursive: true, force: true }));

  test('from PERISAI_MASTER_KEY as hex or base64; the env wins over a key file', async () => {
    const hex = await loadMasterKey({ env: { [MASTER_KEY_ENV]: HEX }, dataDir });
    assert.equal(Buffer.from(hex.key).toString('hex'), HEX);
    assert.equal(hex.source, 'env');
    assert.match(hex.id, /^[0-9a-f]{16}$/);
    const b64 = await loadMasterKey({ env: { [MASTER_KEY_ENV]: Buffer.from(HEX, 'hex').toString('base64') }, dataDir });
    assert.deepEqual(b64.key, hex.key);
    assert.equal(b64.id, hex.id);
    const url = await loadMasterKey({
      env: { [MASTER_KEY_ENV]: ` ${Buffer.from(HEX, 'hex').toString('base64url')}\n` },
    });
    assert.deepEqual(url.key, hex.key);
    await assert.rejects(stat(masterKeyPath(dataDir)), /ENOENT/, 'no key file is created when the env gives the key');
  });

  test('a malformed PERISAI_MASTER_KEY is a clear error that never echoes the value', async () => {
    for (const bad of ['secret-passphrase-value', HEX.slice(2), `${HEX}00`, Buffer.alloc(31, 7).toString('base64')]) {
      await assert.rejects(
        loadMasterKey({ env: { [MASTER_KEY_ENV]: bad }, dataDir }),
        (err: Error) =>
          err instanceof MasterKeyError &&
          err.message.includes(MASTER_KEY_ENV) &&
          err.message.includes('64 hex digits') &&
          !err.message.includes(bad),
      );
    }
  });

  test('created at first start: 0600 file in a 0700 folder, same key on the next start', async () => {
    const dir = join(dataDir, 'first');
    const first = await loadMasterKey({ env: {}, dataDir: dir });
    assert.equal(first.source, 'file');
    const path = masterKeyPath(dir);
    assert.equal((await stat(path)).mode & 0o777, 0o600);
    assert.equal((await stat(join(dir, 'keys'))).mode & 0o777, 0o700);
    assert.match(await readFile(path, 'utf8'), /^[0-9a-f]{64}\n$/);
    const second = await loadMasterKey({ env: {}, dataDir: dir });
    assert.deepEqual(second.key, first.key);
    assert.deepEqual(await readdir(join(dir, 'keys')), ['master.key'], 'no temp files left behind');
  });

  test('racing first starts all end with one and the same key', async () => {
    const dir = join(dataDir, 'race');
    const keys = await Promise.all(Array.from({ length: 12 }, () => loadMasterKey({ env: {}, dataDir: dir })));
    const ids = new Set(keys.map((k) => k.id));
    assert.equal(ids.size, 1);
    assert.deepEqual(await readdir(join(dir, 'keys')), ['master.key']);
  });

  test('separate processes starting at once end with the same key', async () => {
    const dir = join(dataDir, 'processes');
    const module = pathToFileURL(join(PROJECT_ROOT, 'src/evidence/vault/master-key.ts')).href;
    const script = `const { loadMasterKey } = await import(${JSON.stringify(module)});
      const key = await loadMasterKey({ env: {}, dataDir: ${JSON.stringify(dir)} });
      process.stdout.write(key.id);`;
    const run = () =>
      promisify(execFile)(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
        cwd: PROJECT_ROOT,
      });
    const outputs = await Promise.all([run(), run(), run()]);
    const ids = new Set(outputs.map((o) => o.stdout));
    assert.equal(ids.size, 1);
    assert.equal([...ids][0], (await loadMasterKey({ env: {}, dataDir: dir })).id);
  });

  test('a key file readable by group or others is refused with the fix', async () => {
    const dir = join(dataDir, 'wide');
    await loadMasterKey({ env: {}, dataDir: dir });
    const path = masterKeyPath(dir);
    for (const mode of [0o640, 0o604, 0o660]) {
      await chmod(path, mode);
      await assert.rejects(loadMasterKey({ env: {}, dataDir: dir }), (err: Error) => {
        assert.ok(err instanceof MasterKeyError);
        assert.match(err.message, new RegExp(`mode 0${mode.toString(8)}`));
        assert.ok(err.message.includes(`chmod 600 ${path}`));
        return true;
      });
    }
    await chmod(path, 0o600);
    await loadMasterKey({ env: {}, dataDir: dir });
  });

  test('a symlinked or malformed key file is refused without echoing its content', async () => {
    const dir = join(dataDir, 'odd');
    const keys = join(dir, 'keys');
    await mkdir(keys, { recursive: true, mode: 0o700 });
    const target = join(dataDir, 'elsewhere.key');
    await writeFile(target, `${HEX}\n`, { mode: 0o600 });
    await symlink(target, masterKeyPath(dir));
    await assert.rejects(loadMasterKey({ env: {}, dataDir: dir }), /not a regular file \(symlinks are refused\)/);
    await rm(masterKeyPath(dir));
    await writeFile(masterKeyPath(dir), 'not-a-key-but-private\n', { mode: 0o600 });
    await assert.rejects(
      loadMasterKey({ env: {}, dataDir: dir }),
      (err: Error) => err instanceof MasterKeyError && !err.message.includes('not-a-key-but-private'),
    );
  });

  test('parseMasterKey accepts exactly 32 bytes', () => {
    assert.equal(parseMasterKey(HEX.toUpperCase(), 'x').length, 32);
    assert.throws(() => parseMasterKey('', 'x'), MasterKeyError);
    assert.throws(() => parseMasterKey(Buffer.alloc(33).toString('base64'), 'x'), MasterKeyError);
  });
});

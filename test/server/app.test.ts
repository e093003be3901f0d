/** The server: /status, and a clean start and stop of `perisai serve` on SIGINT/SIGTERM. */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { buildApp } from '../../src/server/app.js';
import { PROJECT_ROOT } from '../support/env.js';

test('GET /status answers without credentials', async () => {
  const app = await buildApp({ dataDir: tmpdir() });
  const res = await app.inject({ method: 'GET', url: '/status' });
  assert.equal(res.statusCode, 200);
  const body = res.json();
  assert.equal(body.status, 'ok');
  assert.match(body.version, /^\d+\.\d+\.\d+/);
  await app.close();
});

async function freePort(): Promise<number> {
  const srv = createServer();
  srv.listen(0, '127.0.0.1');
  await once(srv, 'listening');
  const port = (srv.address() as { port: number }).port;
  srv.close();
  await once(srv, 'close');
  return port;
}

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  test(`perisai serve starts, answers on loopback and stops cleanly on ${signal}`, async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'perisai-serve-'));
    const port = await freePort();
    const child = spawn(process.execPath, [
      join(PROJECT_ROOT, 'bin/perisai.js'),
      'serve',
      '--quiet',
      '--port',
      String(port),
      '--data',
      dataDir,
    ]);
    try {
      let stdout = '';
      child.stdout.on('data', (c) => (stdout += c));
      await waitFor(() => stdout.includes('Perisai is running'), 20_000);
      assert.match(stdout, new RegExp(`http://127\\.0\\.0\\.1:${port}`));
      const res = await fetch(`http://127.0.0.1:${port}/status`);
      assert.equal(res.status, 200);
      child.kill(signal);
      const [code] = await once(child, 'exit');
      assert.equal(code, 0);
    } finally {
      child.kill('SIGKILL');
      await rm(dataDir, { recursive: true, force: true });
    }
  });
}

async function waitFor(cond: () => boolean, timeoutMs: number): Promise<void> {
  const start = Date.now();
  while (!cond()) {
    if (Date.now() - start > timeoutMs) throw new Error('timed out waiting for the server to start');
    await new Promise((r) => setTimeout(r, 50));
  }
}

import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { readFile, writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { toHex } from '../../../src/evidence/log/bytes.js';
import { generateLogKey } from '../../../src/evidence/log/log-key.js';
import {
  buildTimestampRequest,
  checkTimestampToken,
  readTimestampReply,
  readTimestampToken,
  requestTimestamp,
  tsaTimestamper,
} from '../../../src/evidence/log/timestamp.js';
import { encodeTreeHead, signTreeHead } from '../../../src/evidence/log/tree-head.js';
import { systemTool } from '../../support/env.js';
import { type LocalTsa, startLocalTsa } from './local-tsa.js';

const openssl = systemTool('openssl', 'openssl');
const sha256 = (data: Uint8Array) => createHash('sha256').update(data).digest();

function headBytes(treeSize: number): Uint8Array {
  const rootHash = toHex(sha256(Buffer.from(`root ${treeSize}`)));
  return encodeTreeHead(signTreeHead(generateLogKey(), { treeSize, rootHash, timestamp: Date.now() }));
}

/** A loopback HTTP server answering with `handler`, for the failure cases. */
async function fakeTsa(handler: (req: IncomingMessage, res: ServerResponse) => void) {
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => handler(req, res));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/tsa`,
    close: () => {
      server.close();
      server.closeAllConnections();
    },
  };
}

describe('RFC 3161 timestamps against a local openssl TSA', { skip: openssl.skip }, () => {
  let tsa: LocalTsa;
  before(async () => {
    tsa = await startLocalTsa(openssl.path);
  });
  after(() => tsa?.close());

  test('our TimeStampReq is byte for byte what `openssl ts -query` makes', async () => {
    const hash = sha256(Buffer.from('tree head'));
    const ours = buildTimestampRequest(hash, null).der;
    await tsa.openssl(['ts', '-query', '-sha256', '-digest', toHex(hash), '-cert', '-no_nonce', '-out', 'ref.tsq']);
    assert.equal(toHex(ours), toHex(await readFile(join(tsa.dir, 'ref.tsq'))));
    // With a nonce openssl still reads it, and shows our values.
    const withNonce = buildTimestampRequest(hash, 0x8000000000000001n);
    await writeFile(join(tsa.dir, 'ours.tsq'), withNonce.der);
    const text = await tsa.openssl(['ts', '-query', '-in', 'ours.tsq', '-text']);
    assert.match(text, /Hash Algorithm: sha256/);
    assert.match(text, /Nonce: 0x8000000000000001/);
    assert.match(text, /Certificate required: yes/);
  });

  test('a tree head gets a granted token that matches and that openssl verifies', async () => {
    const head = headBytes(42);
    const stamp = await requestTimestamp(tsa.url, head);
    assert.equal(toHex(stamp.info.hash), toHex(sha256(head)));
    assert.equal(stamp.info.nonce, stamp.request.nonce);
    assert.equal(stamp.info.policy, '1.2.3.4.1');
    assert.ok(Math.abs(stamp.info.genTime.getTime() - Date.now()) < 3_600_000, 'genTime is about now');
    assert.deepEqual(readTimestampToken(stamp.token), stamp.info);
    assert.equal(toHex(tsa.requests.at(-1)!), toHex(stamp.request.der));

    await writeFile(join(tsa.dir, 'token.der'), stamp.token);
    await writeFile(join(tsa.dir, 'q.tsq'), stamp.request.der);
    await writeFile(join(tsa.dir, 'head.bin'), head);
    const trust = ['-CAfile', tsa.caFile, '-untrusted', tsa.tsaCertFile];
    const byQuery = await tsa.openssl([
      'ts',
      '-verify',
      '-in',
      'token.der',
      '-token_in',
      '-queryfile',
      'q.tsq',
      ...trust,
    ]);
    assert.match(byQuery, /Verification: OK/);
    const byData = await tsa.openssl(['ts', '-verify', '-in', 'token.der', '-token_in', '-data', 'head.bin', ...trust]);
    assert.match(byData, /Verification: OK/);
    // The same token does not verify for a different head.
    await writeFile(join(tsa.dir, 'other.bin'), headBytes(43));
    await assert.rejects(
      tsa.openssl(['ts', '-verify', '-in', 'token.der', '-token_in', '-data', 'other.bin', ...trust]),
      /Verification: FAILED|message imprint mismatch/,
    );
    assert.throws(() => checkTimestampToken(stamp.token, sha256(headBytes(43))), /the token is for hash/);
    assert.equal(checkTimestampToken(stamp.token, sha256(head)).serialNumber, stamp.info.serialNumber);
  });

  test('the log timestamper returns the token itself', async () => {
    const head = headBytes(7);
    const token = await tsaTimestamper(tsa.url)(head);
    assert.equal(toHex(readTimestampToken(token).hash), toHex(sha256(head)));
  });

  test('a reply for another request is refused (hash or nonce differ)', async () => {
    const request = buildTimestampRequest(sha256(headBytes(1)));
    const response = await fetch(tsa.url, {
      method: 'POST',
      headers: { 'content-type': 'application/timestamp-query' },
      body: request.der,
    });
    const reply = new Uint8Array(await response.arrayBuffer());
    assert.ok(readTimestampReply(reply, request).token.length > 0);
    const otherNonce = buildTimestampRequest(request.hash);
    assert.throws(() => readTimestampReply(reply, otherNonce), /nonce/);
    assert.throws(
      () => readTimestampReply(reply, buildTimestampRequest(sha256(headBytes(2)))),
      /the token is for hash/,
    );

    const replaying = await fakeTsa((_req, res) =>
      res.writeHead(200, { 'content-type': 'application/timestamp-reply' }).end(reply),
    );
    try {
      await assert.rejects(requestTimestamp(replaying.url, headBytes(3)), /the token is for hash/);
    } finally {
      replaying.close();
    }
  });

  test('a TSA that refuses says why', async () => {
    const strict = await startLocalTsa(openssl.path, { digests: ['sha512'] });
    try {
      await assert.rejects(
        requestTimestamp(strict.url, headBytes(5)),
        /the TSA refused the request: rejection \(badAlg/,
      );
    } finally {
      await strict.close();
    }
  });
});

describe('RFC 3161 client errors', () => {
  test('HTTP failures, wrong content types, oversized and malformed replies', async () => {
    let mode = '';
    let authorization: string | undefined;
    const server = await fakeTsa((req, res) => {
      authorization = req.headers.authorization;
      if (mode === '500') res.writeHead(500).end('down');
      else if (mode === 'html') res.writeHead(200, { 'content-type': 'text/html' }).end('<p>hi</p>');
      else res.writeHead(200, { 'content-type': 'application/timestamp-reply' }).end(Buffer.alloc(64, 0x30));
    });
    try {
      const head = headBytes(1);
      mode = '500';
      await assert.rejects(requestTimestamp(server.url, head), /answered HTTP 500/);
      mode = 'html';
      await assert.rejects(requestTimestamp(server.url, head), /text\/html, not application\/timestamp-reply/);
      mode = 'junk';
      await assert.rejects(requestTimestamp(server.url, head, { maxReplyBytes: 10 }), /reply over 10 bytes/);
      await assert.rejects(requestTimestamp(server.url, head), /malformed TimeStampResp/);
      // Credentials in the URL travel as basic auth and never appear in errors.
      const withCredentials = server.url.replace('http://', 'http://tsa-user:s3cret%21@');
      const err = await requestTimestamp(withCredentials, head).catch((e: Error) => e);
      assert.equal(authorization, `Basic ${Buffer.from('tsa-user:s3cret!').toString('base64')}`);
      assert.ok(err instanceof Error && !err.message.includes('s3cret'), String(err));
    } finally {
      server.close();
    }
    await assert.rejects(requestTimestamp('http://127.0.0.1:9/tsa', headBytes(1), { timeoutMs: 5_000 }), /unreachable/);
  });
});

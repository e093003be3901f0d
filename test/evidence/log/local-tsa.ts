/**
 * A throwaway RFC 3161 Time-Stamp Authority on loopback for tests: a fresh CA and TSA
 * certificate made with the system `openssl`, and a node:http server that answers each
 * POSTed TimeStampReq with `openssl ts -reply`.
 */
import { execFile } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface LocalTsa {
  url: string;
  dir: string;
  caFile: string;
  tsaCertFile: string;
  /** Runs openssl with these arguments in the TSA folder; resolves with stdout. */
  openssl(args: string[]): Promise<string>;
  /** Every request body the server received, in order. */
  requests: Buffer[];
  close(): Promise<void>;
}

export interface LocalTsaOptions {
  /** Digests the TSA accepts (default sha256); leave sha256 out to see a refusal. */
  digests?: string[];
}

export async function startLocalTsa(opensslPath: string, options: LocalTsaOptions = {}): Promise<LocalTsa> {
  const dir = await mkdtemp(join(tmpdir(), 'perisai-tsa-'));
  const openssl = async (args: string[]) => (await run(opensslPath, args, { cwd: dir })).stdout;
  try {
    await makeCertificates(dir, openssl);
    await writeFile(join(dir, 'tsa.cnf'), tsaConfig(dir, options.digests ?? ['sha256']));
    await writeFile(join(dir, 'tsaserial'), '01\n');
  } catch (err) {
    await rm(dir, { recursive: true, force: true });
    throw err;
  }

  const requests: Buffer[] = [];
  let queue: Promise<unknown> = Promise.resolve();
  let counter = 0;
  // One openssl at a time: it rewrites the serial file on every reply.
  const reply = (body: Buffer): Promise<Buffer> => {
    const n = ++counter;
    const next = queue.then(async () => {
      await writeFile(join(dir, `q${n}.tsq`), body);
      await openssl(['ts', '-reply', '-config', 'tsa.cnf', '-queryfile', `q${n}.tsq`, '-out', `r${n}.tsr`]);
      return readFile(join(dir, `r${n}.tsr`));
    });
    queue = next.catch(() => {});
    return next;
  };

  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      requests.push(body);
      if (req.method !== 'POST' || req.headers['content-type'] !== 'application/timestamp-query') {
        res.writeHead(400).end();
        return;
      }
      reply(body).then(
        (out) => res.writeHead(200, { 'content-type': 'application/timestamp-reply' }).end(out),
        () => res.writeHead(500).end(),
      );
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/tsa`,
    dir,
    caFile: join(dir, 'ca.pem'),
    tsaCertFile: join(dir, 'tsa.pem'),
    openssl,
    requests,
    async close() {
      server.close();
      server.closeAllConnections();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

async function makeCertificates(dir: string, openssl: (args: string[]) => Promise<string>): Promise<void> {
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];
  await openssl(
    ['req', '-x509', ...ec, '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '2']
      .concat(['-subj', '/CN=Perisai Test CA (throwaway)'])
      .concat(['-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign']),
  );
  await openssl([
    'req',
    '-new',
    ...ec,
    '-keyout',
    'tsa.key',
    '-out',
    'tsa.csr',
    '-subj',
    '/CN=Perisai Test TSA (throwaway)',
  ]);
  // RFC 3161 §2.3: the TSA certificate has exactly one, critical, extended key usage.
  await writeFile(
    join(dir, 'tsa-ext.cnf'),
    'basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=critical,timeStamping\n',
  );
  await openssl(
    ['x509', '-req', '-in', 'tsa.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-set_serial', '2'].concat([
      '-days',
      '2',
      '-out',
      'tsa.pem',
      '-extfile',
      'tsa-ext.cnf',
    ]),
  );
}

function tsaConfig(dir: string, digests: string[]): string {
  return `[ tsa ]
default_tsa = tsa_config

[ tsa_config ]
dir = ${dir}
serial = $dir/tsaserial
crypto_device = builtin
signer_cert = $dir/tsa.pem
signer_key = $dir/tsa.key
signer_digest = sha256
default_policy = 1.2.3.4.1
digests = ${digests.join(', ')}
accuracy = secs:1
ordering = no
tsa_name = yes
ess_cert_id_chain = no
ess_cert_id_alg = sha256
`;
}

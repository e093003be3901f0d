/** `perisai serve [--host H] [--port P] [--data DIR]`: runs the server until SIGINT/SIGTERM. */
import { mkdir } from 'node:fs/promises';
import { resolve } from 'node:path';
import { buildApp } from '../server/app.js';
import { parseCommandArgs, positiveIntFlag } from './args.js';

export const SERVE_USAGE = `usage: perisai serve [--host 127.0.0.1] [--port 8080] [--data ./data] [--quiet]

Environment: PERISAI_HOST, PERISAI_PORT, PERISAI_DATA_DIR`;

export async function serveCommand(argv: string[]): Promise<number> {
  const { values } = parseCommandArgs(argv, {
    host: { type: 'string' },
    port: { type: 'string' },
    data: { type: 'string' },
    quiet: { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h', default: false },
  });
  if (values.help) {
    process.stdout.write(`${SERVE_USAGE}\n`);
    return 0;
  }
  const host = values.host ?? process.env.PERISAI_HOST ?? '127.0.0.1';
  const port = positiveIntFlag(values.port ?? process.env.PERISAI_PORT, '--port', 8080);
  const dataDir = resolve(values.data ?? process.env.PERISAI_DATA_DIR ?? './data');
  await mkdir(dataDir, { recursive: true, mode: 0o700 });

  const app = await buildApp({ dataDir, logger: !values.quiet });
  await app.listen({ host, port });
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  process.stdout.write(
    [
      `Perisai is running at ${url}  (data: ${dataDir})`,
      `  Health check:  curl ${url}/status`,
      '  First login:   this version has no user accounts yet; the HTTP API is open on loopback only.',
      '  Stop with Ctrl+C.',
      '',
    ].join('\n'),
  );
  return new Promise<number>((resolveExit) => {
    let stopping = false;
    const stop = (signal: NodeJS.Signals) => {
      if (stopping) return;
      stopping = true;
      process.stdout.write(`\n${signal} received, shutting down\n`);
      app.close().then(
        () => resolveExit(0),
        (e) => {
          process.stderr.write(`error during shutdown: ${(e as Error).message}\n`);
          resolveExit(1);
        },
      );
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
}

/** `perisai serve [--host H] [--port P] [--data DIR]`: runs the server until SIGINT/SIGTERM. */
import { mkdir } from 'node:fs/promises';
import { resolve } from 'node:path';
import { startServer } from '../server/lifecycle.js';
import { telegramIntakeFromEnv } from '../server/telegram-intake.js';
import { parseCommandArgs, positiveIntFlag } from './args.js';

export const SERVE_USAGE = `usage: perisai serve [--host 127.0.0.1] [--port 8080] [--data ./data] [--quiet]

The database is PGlite in <data>/pg, or PostgreSQL when DATABASE_URL is set.
Environment: PERISAI_HOST, PERISAI_PORT, PERISAI_DATA_DIR, DATABASE_URL,
PERISAI_MAX_UPLOAD_BYTES (default 104857600), PERISAI_ALLOW_URL_FETCH=1 (HMA url= parameters)`;

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

  const server = await startServer({
    host,
    port,
    dataDir,
    ...(process.env.DATABASE_URL ? { databaseUrl: process.env.DATABASE_URL } : {}),
    logger: !values.quiet,
    log: values.quiet ? () => {} : (m) => process.stderr.write(`${m}\n`),
    telegram: telegramIntakeFromEnv(),
    // The one-time setup token is how the first admin gets in: shown even with --quiet.
    announce: (m) => process.stdout.write(`${m}\n`),
  });
  process.stdout.write(startMessage(host, port, dataDir));
  return new Promise<number>((resolveExit) => {
    let stopping = false;
    const stop = (reason: string, code: number) => {
      if (stopping) return;
      stopping = true;
      process.stdout.write(`\n${reason}, shutting down\n`);
      server.stop().then(
        () => resolveExit(code),
        (e) => {
          process.stderr.write(`error during shutdown: ${(e as Error).message}\n`);
          resolveExit(1);
        },
      );
    };
    // Without a database the server could only answer 503; say why and stop.
    server.databaseOpen.catch(() => stop('the database could not be opened', 1));
    process.once('SIGINT', () => stop('SIGINT received', 0));
    process.once('SIGTERM', () => stop('SIGTERM received', 0));
  });
}

function startMessage(host: string, port: number, dataDir: string): string {
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  const storage = process.env.DATABASE_URL ? 'PostgreSQL (DATABASE_URL)' : `${dataDir}/pg`;
  // The key must land in the same database: name the folder even when it is the default.
  const dataArg = process.env.DATABASE_URL ? '' : ` --data ${dataDir}`;
  return [
    `Perisai is running at ${url}  (database: ${storage})`,
    `  Health check:  curl ${url}/status`,
    `  API docs:      ${url}/docs   (OpenAPI: ${url}/openapi.json)`,
    '  First login:   a new installation prints a one-time setup token (below) to create the first admin.',
    '  API keys:      for programs, create one (it is shown once) with',
    `                   npx perisai apikey create --name NAME --scope write${dataArg}`,
    '                 and send it as "Authorization: Bearer psk_..." (read keys: --scope read).',
    '  Stop with Ctrl+C.',
    '',
  ].join('\n');
}

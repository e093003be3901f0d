/**
 * Running the server: listen, open the database, then load the index in the
 * background; stop all of it in the reverse order.
 *
 * Listening comes first on purpose. A first start runs PGlite's initdb and the
 * migrations (seconds to tens of seconds on a slow disk), and loading millions
 * of hashes takes longer still. Meanwhile /status answers, other routes answer
 * 503 until the database is open, v1 lookups answer from the partial index
 * (flagged index_complete=false), and HMA lookups answer 503
 * "index not yet ready" as HMA does.
 */
import type { FastifyInstance } from 'fastify';
import type { AccountsOptions } from '../accounts/index.js';
import { DEFAULT_ACCOUNT_POLICY } from '../accounts/policy.js';
import { firstStartMessage, issueSetupToken } from '../accounts/setup.js';
import type { EvidenceGate } from '../actions/takedowns/gate.js';
import { resolveTakedownOptions, startTakedownScheduler, takedownDeps } from '../actions/takedowns/index.js';
import { type Database, openDatabase } from '../db/open.js';
import { type EvidenceLog, type TreeHeadSigner, tsaTimestamper } from '../evidence/log/index.js';
import { openEvidence } from '../evidence/open.js';
import { vaultEvidenceGate } from '../evidence/takedown-gate.js';
import { FloodDetector } from '../matching/flood.js';
import { LiveIndex } from '../matching/live-index.js';
import { Matcher } from '../matching/matcher.js';
import { buildApp } from './app.js';
import { LazyServices, type MatchingServices, type ServerLimits } from './services.js';
import { TelegramIntake, type TelegramIntakeConfig } from './telegram-intake.js';

export interface ServerOptions {
  host: string;
  /** 0 picks a free port (tests, benchmarks). */
  port: number;
  /** PGlite lives in `<dataDir>/pg` unless `databaseUrl` is given. */
  dataDir: string;
  databaseUrl?: string;
  /** Fastify's request log (JSON lines on stdout). */
  logger?: boolean;
  limits?: ServerLimits;
  authCacheMs?: number;
  /** Progress and problems of start-up and the index load; default: stderr. */
  log?: (message: string) => void;
  /** How often to report load progress, default 5 s. */
  progressIntervalMs?: number;
  /** Where the first-start setup token is printed (only while no admin exists); default: `log`. */
  announce?: (message: string) => void;
  /** Account policy and argon2 cost (tests pass a cheap one). */
  accounts?: Omit<AccountsOptions, 'appendToLog'>;
  /** How often the evidence log's tree head is signed when it grew (default 60 s). */
  treeHeadIntervalMs?: number;
  /** Live monitoring through a Telegram bot's webhook (see telegramIntakeFromEnv). */
  telegram?: TelegramIntakeConfig | null;
}

export interface RunningServer {
  readonly app: FastifyInstance;
  readonly url: string;
  /** Filled once the database is open. */
  readonly services: LazyServices;
  /** Settles when the database is open (rejects if it cannot be opened). */
  readonly databaseOpen: Promise<MatchingServices>;
  /** Settles when the index has loaded, or failed to. */
  readonly indexLoaded: Promise<void>;
  stop(): Promise<void>;
}

export async function startServer(options: ServerOptions): Promise<RunningServer> {
  const log = options.log ?? ((m: string) => process.stderr.write(`${m}\n`));
  const services = new LazyServices();
  // Audit events also go into the evidence log once the database (and so the log) is open;
  // before that no route that audits can run (they answer 503).
  let evidenceLog: EvidenceLog | undefined;
  // Takedowns: one set of options for the routes and the reminder job; the evidence gate
  // asks the vault once the database is open (until then nothing counts as preserved).
  let gate: EvidenceGate | undefined;
  const takedowns = resolveTakedownOptions({
    gate: { isPreserved: (t) => (gate ? gate.isPreserved(t) : Promise.resolve({ preserved: false })) },
  });
  const app = await buildApp({
    takedowns,
    dataDir: options.dataDir,
    services,
    accounts: {
      ...options.accounts,
      appendToLog: (kind, payload) =>
        evidenceLog ? evidenceLog.append(kind, payload) : Promise.reject(new Error('the evidence log is not open')),
    },
    logger: options.logger ?? false,
    ...(options.limits ? { limits: options.limits } : {}),
    ...(options.authCacheMs !== undefined ? { authCacheMs: options.authCacheMs } : {}),
  });
  const intake = options.telegram ? new TelegramIntake(options.telegram, log) : null;
  intake?.register(app);
  await app.listen({ host: options.host, port: options.port });

  let stopping = false;
  const databaseOpen = openServices(options, log);
  databaseOpen.then(
    (ready) => {
      evidenceLog = ready.evidenceLog;
      gate = vaultEvidenceGate(ready.database.db);
      services.set(ready);
    },
    (err: unknown) => log(`perisai: cannot open the database: ${(err as Error)?.message ?? err}`),
  );
  const url = listeningUrl(app);
  const announced = databaseOpen.then(
    (ready) => (stopping ? undefined : announceSetup(ready, url, options.announce ?? log)),
    () => {},
  );
  // Background work starts only if the server is not already stopping: a stop that comes
  // while the database is still opening must not leave timers behind that keep the process up.
  databaseOpen.then(
    (ready) => {
      if (!stopping) intake?.start(ready, options.dataDir);
    },
    () => {},
  );
  let signer: TreeHeadSigner | undefined;
  let reminders: { stop(): Promise<void> } | undefined;
  databaseOpen.then(
    (ready) => {
      if (stopping) return;
      signer = ready.evidenceLog?.startTreeHeadSigner({ intervalMs: options.treeHeadIntervalMs ?? 60_000 });
      // Re-notices every 24 h (configurable) until removed; several servers never send one twice.
      reminders = startTakedownScheduler(takedownDeps(ready.database.db, takedowns), {
        clock: () => new Date(),
        onError: (err) => log(`perisai: takedown reminders: ${(err as Error)?.message ?? err}`),
      });
    },
    () => {},
  );
  const indexLoaded = databaseOpen.then(
    (ready) => loadIndex(ready, log, options.progressIntervalMs ?? 5000, () => stopping),
    () => {},
  );

  return {
    app,
    url,
    services,
    databaseOpen,
    indexLoaded,
    async stop() {
      if (stopping) return;
      stopping = true;
      await app.close();
      // After the database settles, so that nothing it started is missed.
      const ready = await databaseOpen.catch(() => null);
      await announced;
      await intake?.stop();
      await signer?.stop();
      await reminders?.stop();
      if (!ready) return;
      await ready.index.stop();
      ready.evidence?.close();
      await ready.database.close();
      // A load still running fails on the closed database; wait briefly so it leaves nothing behind.
      await Promise.race([indexLoaded, new Promise((r) => setTimeout(r, 2000).unref())]);
      await ready.index.stop();
    },
  };
}

async function openServices(options: ServerOptions, log: (m: string) => void): Promise<MatchingServices> {
  const started = Date.now();
  const database: Database = await openDatabase({
    dataDir: options.dataDir,
    ...(options.databaseUrl ? { databaseUrl: options.databaseUrl } : {}),
  });
  log(`perisai: database open (${database.kind}) in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  const tsa = process.env.PERISAI_TSA_URL;
  const evidence = await openEvidence(database, options.dataDir, {
    ...(tsa ? { timestamper: tsaTimestamper(tsa) } : {}),
    onError: (err) => log(`perisai: evidence log: ${err.message}`),
  });
  const evidenceLog = evidence.log;
  const index = new LiveIndex({ onError: (err) => log(`perisai: index: ${(err as Error)?.message ?? err}`) });
  const flood = new FloodDetector();
  return { database, index, flood, matcher: new Matcher(database, index, flood), evidenceLog, evidence };
}

/** First start: while no admin exists, print a one-time setup token; there is no default password. */
async function announceSetup(services: MatchingServices, url: string, announce: (m: string) => void): Promise<void> {
  try {
    const issued = await issueSetupToken(services.database.db, DEFAULT_ACCOUNT_POLICY, new Date());
    if (issued) announce(firstStartMessage(url, issued.token, DEFAULT_ACCOUNT_POLICY.setupTokenTtlMs));
  } catch (err) {
    announce(`perisai: could not issue the first-start setup token: ${(err as Error)?.message ?? err}`);
  }
}

async function loadIndex(
  services: MatchingServices,
  log: (m: string) => void,
  progressMs: number,
  stopping: () => boolean,
): Promise<void> {
  const { index, database } = services;
  if (stopping()) return;
  log('perisai: loading the match index from the database (the server answers meanwhile)');
  const progress = setInterval(() => {
    const s = index.status();
    log(
      `perisai: index loading: ${s.counts.pdq.toLocaleString('en')} PDQ, ${s.counts.md5 + s.counts.sha256} digests so far`,
    );
  }, progressMs);
  progress.unref();
  try {
    await index.start(database);
    const s = index.status();
    log(
      `perisai: index ready: ${s.counts.pdq.toLocaleString('en')} PDQ, ${s.counts.md5} MD5, ${s.counts.sha256} SHA-256, ${s.counts.vpdq} vPDQ in ${s.loadSeconds?.toFixed(1)} s`,
    );
  } catch (err) {
    if (!stopping()) log(`perisai: index load failed: ${(err as Error)?.message ?? err}`);
  } finally {
    clearInterval(progress);
  }
}

function listeningUrl(app: FastifyInstance): string {
  const address = app.server.address();
  if (address === null || typeof address === 'string') return String(address);
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return `http://${host}:${address.port}`;
}

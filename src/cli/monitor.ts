/**
 * `perisai monitor telegram --channel NAME... [--data DIR] [--poll-s N] [--backfill-only] [--since DATE]`
 * `perisai monitor telegram-login --phone +CC...`
 *
 * Watches public Telegram channels with a user account (MTProto via GramJS):
 * history from where the last run stopped, then live posts, all through the live
 * pipeline (media fetched, spooled, hashed, matched, assessed). The account's
 * session is kept encrypted under the master key (<data>/keys/mtproto.session);
 * per-channel cursors in <data>/mtproto-cursors.json so a restart resumes.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline/promises';
import { recheckAvailability } from '../actions/takedowns/availability.js';
import { loadMasterKey } from '../evidence/vault/master-key.js';
import { FloodDetector } from '../matching/flood.js';
import { LiveIndex } from '../matching/live-index.js';
import { Matcher } from '../matching/matcher.js';
import { LivePipeline } from '../pipeline/live.js';
import { mtprotoAvailability } from '../sources/telegram-mtproto/availability.js';
import type { MtprotoGateway } from '../sources/telegram-mtproto/gateway.js';
import { SessionVault } from '../sources/telegram-mtproto/index.js';
import { MtprotoSource } from '../sources/telegram-mtproto/source.js';
import type { Source, SourceIssue } from '../sources/types.js';
import { parseCommandArgs, positiveIntFlag, UsageError } from './args.js';
import { dataDirOf, withDatabase } from './context.js';

export const MONITOR_USAGE = `usage: perisai monitor telegram --channel NAME... [--data DIR] [--poll-s N] [--backfill-only]
                                [--since YYYY-MM-DD] [--country CC]
       perisai monitor telegram-login --phone +CC... [--data DIR]

Needs TELEGRAM_API_ID and TELEGRAM_API_HASH (from my.telegram.org) and a user session made once
with telegram-login (the session is stored encrypted under the master key, never printed).

  --channel NAME   a public channel or group: @name, name or https://t.me/name (repeatable)
  --poll-s N       also re-read each channel every N seconds (for channels the account has not joined)
  --backfill-only  read the history and stop; default: then wait for new posts until Ctrl+C
  --since DATE     on a first run, start the history at this date`;

export async function monitorCommand(argv: string[], err: NodeJS.WritableStream = process.stderr): Promise<number> {
  const [what, ...rest] = argv;
  if (what === 'telegram') return monitorTelegram(rest, err);
  if (what === 'telegram-login') return loginTelegram(rest, err);
  throw new UsageError('say what to monitor: telegram (or telegram-login to create the session)');
}

/** Runs a source into the live pipeline until it ends or `signal` aborts; returns how many messages were stored. */
export async function runMonitor(
  source: Source,
  pipeline: LivePipeline,
  log: (message: string) => void,
  signal?: AbortSignal,
): Promise<number> {
  let stored = 0;
  const onIssue = (issue: SourceIssue) => log(`issue: ${issue.kind}: ${issue.message}`);
  for await (const message of source.messages(onIssue)) {
    try {
      stored += (await pipeline.accept([message])).stored;
    } catch (e) {
      log(`message ${message.chat.id}/${message.messageId} not stored: ${(e as Error).message}`);
    }
    if (signal?.aborted) break;
  }
  return stored;
}

async function monitorTelegram(argv: string[], err: NodeJS.WritableStream): Promise<number> {
  const { values } = parseCommandArgs(argv, {
    data: { type: 'string' },
    channel: { type: 'string', multiple: true },
    'poll-s': { type: 'string' },
    'backfill-only': { type: 'boolean', default: false },
    since: { type: 'string' },
    country: { type: 'string' },
  });
  if (!values.channel?.length) throw new UsageError('name at least one --channel');
  const since = values.since ? new Date(`${values.since}T00:00:00Z`) : undefined;
  if (since && Number.isNaN(since.getTime())) throw new UsageError('--since must be a date such as 2026-01-31');
  const pollS = values['poll-s'] ? positiveIntFlag(values['poll-s'], '--poll-s', 60) : 0;
  const dataDir = dataDirOf(values.data);
  const gateway = await connect(dataDir);
  const cursors = new CursorFile(join(dataDir, 'mtproto-cursors.json'));
  const log = (m: string) => err.write(`perisai monitor: ${m}\n`);
  return withDatabase(values.data, async (database) => {
    const index = new LiveIndex();
    await index.start(database);
    const pipeline = new LivePipeline(database, {
      matcher: new Matcher(database, index, new FloodDetector()),
      spoolDir: join(dataDir, 'spool'),
      ...(values.country ? { country: values.country.toUpperCase() } : {}),
      onError: (e) => log(e.message),
    });
    const source = new MtprotoSource(gateway, {
      channels: values.channel!,
      cursor: await cursors.read(),
      onCursor: (chatId, last) => cursors.write(chatId, last),
      live: !values['backfill-only'],
      ...(pollS ? { pollIntervalS: pollS } : {}),
      ...(since ? { minDate: since } : {}),
    });
    const stop = () => source.close();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    pipeline.start();
    // The same account re-checks reported posts: removals are recorded with time-to-removal.
    const checker = mtprotoAvailability(gateway);
    const recheck = setInterval(() => {
      recheckAvailability(database.db, checker, new Date()).then(
        (r) =>
          r.removed.length + r.reappeared.length > 0 &&
          log(`takedowns: ${r.removed.length} removed, ${r.reappeared.length} reappeared`),
        (e: Error) => log(`takedown re-check: ${e.message}`),
      );
    }, 3_600_000);
    try {
      log(`watching ${values.channel!.join(', ')}; Ctrl+C stops`);
      const stored = await runMonitor(source, pipeline, log);
      log(`stopped; ${stored} new message(s) stored`);
    } finally {
      clearInterval(recheck);
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      await pipeline.stop();
      await index.stop();
      await gateway.disconnect?.();
    }
    return 0;
  });
}

function apiCredentials(): { apiId: number; apiHash: string } {
  const apiId = Number(process.env.TELEGRAM_API_ID);
  const apiHash = process.env.TELEGRAM_API_HASH ?? '';
  if (!Number.isSafeInteger(apiId) || apiId <= 0 || !apiHash) {
    throw new UsageError('set TELEGRAM_API_ID and TELEGRAM_API_HASH (from https://my.telegram.org)');
  }
  return { apiId, apiHash };
}

async function sessionVault(dataDir: string): Promise<SessionVault> {
  const master = await loadMasterKey({ dataDir });
  return new SessionVault(join(dataDir, 'keys', 'mtproto.session'), master.key);
}

async function connect(dataDir: string): Promise<MtprotoGateway & { disconnect?: () => Promise<void> }> {
  const { TelegramClientGateway } = await import('../sources/telegram-mtproto/client-gateway.js');
  const credentials = apiCredentials();
  const session = await (await sessionVault(dataDir)).load();
  if (!session)
    throw new UsageError('no Telegram session yet: run perisai monitor telegram-login --phone +CC... first');
  return TelegramClientGateway.connect({ ...credentials, session });
}

/** Interactive: phone, login code, two-step password; the session goes straight into the vault. */
async function loginTelegram(argv: string[], err: NodeJS.WritableStream): Promise<number> {
  const { values } = parseCommandArgs(argv, { data: { type: 'string' }, phone: { type: 'string' } });
  if (!values.phone) throw new UsageError('give the account phone number with --phone +CC...');
  const { apiId, apiHash } = apiCredentials();
  const vault = await sessionVault(dataDirOf(values.data));
  const { TelegramClient, sessions } = await import('telegram');
  const client = new TelegramClient(new sessions.StringSession(''), apiId, apiHash, { connectionRetries: 3 });
  const prompt = createInterface({ input: process.stdin, output: process.stderr });
  try {
    await client.start({
      phoneNumber: values.phone,
      phoneCode: () => prompt.question('login code sent by Telegram: '),
      password: () => prompt.question('two-step verification password (if set): '),
      onError: (e) => {
        err.write(`perisai monitor: ${e.message}\n`);
      },
    });
    await vault.save(String(client.session.save()));
    err.write(`perisai monitor: logged in; session stored encrypted in ${vault.path}\n`);
    return 0;
  } finally {
    prompt.close();
    await client.disconnect();
  }
}

/** Per-channel cursors in a small JSON file, replaced atomically on every move. */
class CursorFile {
  private cache: Record<string, number> | null = null;

  constructor(private readonly path: string) {}

  async read(): Promise<Record<string, number>> {
    if (this.cache) return this.cache;
    try {
      this.cache = JSON.parse(await readFile(this.path, 'utf8')) as Record<string, number>;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw new Error(`${this.path}: ${(e as Error).message}`);
      this.cache = {};
    }
    return this.cache;
  }

  async write(chatId: string, last: number): Promise<void> {
    const all = { ...(await this.read()), [chatId]: last };
    this.cache = all;
    await mkdir(join(this.path, '..'), { recursive: true });
    const temp = `${this.path}.${randomBytes(4).toString('hex')}`;
    await writeFile(temp, JSON.stringify(all, null, 2));
    await rename(temp, this.path);
  }
}

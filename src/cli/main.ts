/** The `perisai` command: dispatches to subcommands. */
import { VERSION } from '../version.js';
import { APIKEY_USAGE, apikeyCommand } from './apikey.js';
import { UsageError } from './args.js';
import { BANK_USAGE, bankCommand } from './bank.js';
import { EVIDENCE_USAGE, evidenceCommand } from './evidence.js';
import { HASH_USAGE, hashCommand } from './hash.js';
import { MATCH_USAGE, matchCommand } from './match.js';
import { MONITOR_USAGE, monitorCommand } from './monitor.js';
import { SCAN_USAGE, scanCommand } from './scan.js';
import { SERVE_USAGE, serveCommand } from './serve.js';
import { SIGNALS_USAGE, signalsCommand } from './signals.js';
import { WORKER_USAGE, workerCommand } from './worker.js';

type Command = { run: (argv: string[]) => Promise<number>; usage: string; summary: string };

const COMMANDS: Record<string, Command> = {
  hash: { run: (a) => hashCommand(a), usage: HASH_USAGE, summary: 'PDQ, MD5 and SHA-256 of images' },
  match: { run: (a) => matchCommand(a), usage: MATCH_USAGE, summary: 'match files or hashes against the banks' },
  bank: { run: (a) => bankCommand(a), usage: BANK_USAGE, summary: 'create, fill, export and withdraw hash banks' },
  apikey: { run: (a) => apikeyCommand(a), usage: APIKEY_USAGE, summary: 'create, list and revoke API keys' },
  scan: {
    run: (a) => scanCommand(a),
    usage: SCAN_USAGE,
    summary: 'scan an export or folder: hash, match, find personal data, report',
  },
  signals: {
    run: (a) => signalsCommand(a, process.stdin, process.stdout, process.stderr),
    usage: SIGNALS_USAGE,
    summary: 'personal data and intent in messages, one per stdin line',
  },
  evidence: {
    run: (a) => evidenceCommand(a),
    usage: EVIDENCE_USAGE,
    summary: 'export sealed evidence packages and verify them offline',
  },
  monitor: {
    run: (a) => monitorCommand(a),
    usage: MONITOR_USAGE,
    summary: 'watch public Telegram channels (MTProto) into the pipeline',
  },
  serve: { run: serveCommand, usage: SERVE_USAGE, summary: 'run the HTTP server' },
  worker: { run: (a) => workerCommand(a), usage: WORKER_USAGE, summary: 'hash and match queued media (scale-out)' },
};

function mainUsage(): string {
  const lines = Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(8)} ${c.summary}`);
  return `perisai ${VERSION}: hash banks, matching and evidence against image-based sexual abuse\n\nusage: perisai <command> [options]\n\n${lines.join('\n')}\n\nRun 'perisai <command> --help' for a command's options.`;
}

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === 'help' || name === '--help' || name === '-h') {
    process.stdout.write(`${mainUsage()}\n`);
    return name ? 0 : 2;
  }
  if (name === '--version' || name === 'version') {
    process.stdout.write(`${VERSION}\n`);
    return 0;
  }
  const command = COMMANDS[name];
  if (!command) {
    process.stderr.write(`perisai: unknown command '${name}'\n\n${mainUsage()}\n`);
    return 2;
  }
  try {
    return await command.run(rest);
  } catch (err) {
    if (err instanceof UsageError) {
      process.stderr.write(`perisai ${name}: ${err.message}\n\n${command.usage}\n`);
      return 2;
    }
    process.stderr.write(`perisai ${name}: ${(err as Error)?.stack ?? err}\n`);
    return 1;
  }
}

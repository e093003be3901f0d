/**
 * `perisai evidence export|verify|keygen|tree-head|public-key`
 *
 * export:    a sealed package for police or a court, from the vault in --data.
 * verify:    checks a package offline (no server, no database) and prints a verdict.
 * keygen:    an X25519 key pair for a recipient of sealed packages.
 * tree-head: the log's current signed tree head with a consistency proof from an
 *            earlier size, to check an old package against the log as it is now.
 */
import { access, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import libsodium from 'libsodium-wrappers';
import type { Database } from '../db/open.js';
import { exportPublicKey, LOG_KEY_PATH, type LogKey, loadOrCreateLogKey } from '../evidence/log/log-key.js';
import { EvidenceLog } from '../evidence/log/log-store.js';
import { type OpenedEvidence, openEvidence } from '../evidence/open.js';
import { exportPackage, PackageRefusedError } from '../evidence/sealed/export.js';
import { type LaterTreeHead, parseLaterTreeHead, verifyPackage } from '../evidence/sealed/verify.js';
import { parseCommandArgs, positiveIntFlag, UsageError } from './args.js';
import { dataDirOf, withDatabase } from './context.js';

export const EVIDENCE_USAGE = `usage: perisai evidence export [--data DIR] (--case ID... | --all) --out package.zip
                               (--recipient-key FILE | --clear) [--purpose TEXT]
       perisai evidence verify package.zip [--log-key FILE] [--later-tree-head FILE]
                               [--recipient-secret FILE [--recipient-key FILE]]
       perisai evidence keygen --out DIR
       perisai evidence tree-head [--data DIR] --since N --out FILE
       perisai evidence public-key [--data DIR]

export seals every item to the recipient's X25519 public key (from keygen), or writes it in clear
with --clear (refused when any item is child sexual abuse material). verify works offline and
exits 0 only when every check passes (1: invalid, 2: usage). Give the operator's published log
key (public-key) with --log-key, and the recipient's secret key to check sealed items' content.
tree-head writes the log's current signed tree head with a consistency proof from size N (the
package's tree size), for verify --later-tree-head.`;

export async function evidenceCommand(
  argv: string[],
  out: NodeJS.WritableStream = process.stdout,
  err: NodeJS.WritableStream = process.stderr,
): Promise<number> {
  const [what, ...rest] = argv;
  if (what === 'export') return exportCommand(rest, out, err);
  if (what === 'verify') return verifyCommand(rest, out);
  if (what === 'keygen') return keygenCommand(rest, out);
  if (what === 'tree-head') return treeHeadCommand(rest, out);
  if (what === 'public-key') return publicKeyCommand(rest, out);
  throw new UsageError('say export, verify, keygen, tree-head or public-key');
}

async function withVault<T>(dataFlag: string | undefined, fn: (d: Database, e: OpenedEvidence) => Promise<T>) {
  return withDatabase(dataFlag, async (database) => {
    const evidence = await openEvidence(database, dataDirOf(dataFlag));
    try {
      return await fn(database, evidence);
    } finally {
      evidence.close();
    }
  });
}

async function exportCommand(argv: string[], out: NodeJS.WritableStream, err: NodeJS.WritableStream): Promise<number> {
  const { values } = parseCommandArgs(argv, {
    data: { type: 'string' },
    case: { type: 'string', multiple: true },
    all: { type: 'boolean', default: false },
    out: { type: 'string' },
    'recipient-key': { type: 'string' },
    clear: { type: 'boolean', default: false },
    purpose: { type: 'string' },
  });
  if (!values.out) throw new UsageError('give --out package.zip');
  if (!values.all && !values.case?.length) throw new UsageError('give --case ID (repeatable) or --all');
  if (!values.clear === !values['recipient-key']) throw new UsageError('give either --recipient-key FILE or --clear');
  const recipient = values['recipient-key'] ? await readKey(values['recipient-key'], 'public') : null;
  return withVault(values.data, async (database, { vault, log, logKey }) => {
    const built = await exportPackage({
      db: database.db,
      vault,
      log,
      logKey,
      caseIds: values.all ? null : values.case!,
      recipientPublicKey: recipient,
      actor: { kind: 'user', id: process.env.USER ?? 'cli' },
      purpose: values.purpose ?? 'evidence export',
    }).catch((e: unknown) => {
      if (!(e instanceof PackageRefusedError)) throw e;
      err.write(`perisai evidence export: refused: ${e.message}\n`);
      return null;
    });
    if (!built) return 1;
    const { zip, manifest } = built;
    await writeFile(values.out!, zip, { mode: 0o600 });
    out.write(
      `wrote ${values.out}: ${manifest.items.length} item(s) of ${manifest.cases.length} case(s), ${manifest.recipient.sealed ? 'sealed to the recipient' : 'in clear'}; tree head size ${manifest.log.tree_head.treeSize}, log id ${manifest.log.log_id}\n`,
    );
    return 0;
  });
}

async function verifyCommand(argv: string[], out: NodeJS.WritableStream): Promise<number> {
  const { values, positionals } = parseCommandArgs(argv, {
    'later-tree-head': { type: 'string' },
    'log-key': { type: 'string' },
    'recipient-key': { type: 'string' },
    'recipient-secret': { type: 'string' },
  });
  if (positionals.length !== 1) throw new UsageError('give the package to verify');
  if (values['recipient-key'] && !values['recipient-secret'])
    throw new UsageError('--recipient-key needs --recipient-secret (the secret key opens the sealed items)');
  const zip = await readFile(positionals[0]!);
  const later = values['later-tree-head'] ? await readLater(values['later-tree-head']) : undefined;
  const secretKey = values['recipient-secret'] ? await readRecipientSecret(values) : undefined;
  const verdict = await verifyPackage(zip, {
    ...(values['log-key'] ? { trustedLogKey: await readFile(values['log-key'], 'utf8') } : {}),
    ...(later ? { laterTreeHead: later } : {}),
    ...(secretKey ? { recipientSecretKey: secretKey } : {}),
  });
  for (const c of verdict.checks) out.write(`${c.ok ? 'ok  ' : 'FAIL'} ${c.what}\n`);
  for (const w of verdict.warnings) out.write(`note ${w}\n`);
  const failed = verdict.checks.filter((c) => !c.ok).length;
  out.write(
    verdict.valid ? `VERDICT: VALID (${verdict.checks.length} checks)\n` : `VERDICT: INVALID (${failed} problem(s))\n`,
  );
  return verdict.valid ? 0 : 1;
}

async function readLater(path: string): Promise<LaterTreeHead> {
  try {
    return parseLaterTreeHead(await readFile(path, 'utf8'));
  } catch (e) {
    throw new UsageError(`--later-tree-head ${path}: ${(e as Error).message}`);
  }
}

/** The secret key, and when the public key is given too, proof that they are one pair. */
async function readRecipientSecret(values: { 'recipient-key'?: string; 'recipient-secret'?: string }) {
  const secretKey = await readKey(values['recipient-secret']!, 'secret');
  if (values['recipient-key']) {
    await libsodium.ready;
    const publicKey = await readKey(values['recipient-key'], 'public');
    if (!Buffer.from(libsodium.crypto_scalarmult_base(secretKey)).equals(publicKey))
      throw new UsageError('--recipient-key and --recipient-secret are not one key pair');
  }
  return secretKey;
}

async function keygenCommand(argv: string[], out: NodeJS.WritableStream): Promise<number> {
  const { values } = parseCommandArgs(argv, { out: { type: 'string' } });
  if (!values.out) throw new UsageError('give --out DIR');
  await libsodium.ready;
  const pair = libsodium.crypto_box_keypair();
  await mkdir(values.out, { recursive: true, mode: 0o700 });
  // 'wx': an existing key pair is never overwritten (packages sealed to it would be lost).
  const write = (name: string, key: Uint8Array, mode: number) =>
    writeFile(join(values.out!, name), `${Buffer.from(key).toString('hex')}\n`, { mode, flag: 'wx' }).catch(
      (e: NodeJS.ErrnoException) => {
        if (e.code === 'EEXIST')
          throw new UsageError(`${join(values.out!, name)} exists already: choose another --out`);
        throw e;
      },
    );
  await write('recipient.key', pair.privateKey, 0o600);
  await write('recipient.pub', pair.publicKey, 0o644);
  out.write(
    `wrote ${join(values.out, 'recipient.pub')} (give it to the sender) and recipient.key (keep it secret, 0600)\n`,
  );
  return 0;
}

async function treeHeadCommand(argv: string[], out: NodeJS.WritableStream): Promise<number> {
  const { values } = parseCommandArgs(argv, {
    data: { type: 'string' },
    since: { type: 'string' },
    out: { type: 'string' },
  });
  if (!values.out) throw new UsageError('give --out FILE');
  const since = positiveIntFlag(values.since, '--since', 1);
  const key = await existingLogKey(values.data);
  return withDatabase(values.data, async (database) => {
    const log = new EvidenceLog(database.db, { key });
    const head = await log.signTreeHead();
    if (since > head.treeSize) throw new UsageError(`--since ${since} is beyond the log's size ${head.treeSize}`);
    const proof = await log.consistencyProof(since, head.treeSize);
    const { timestampedAt: _t, ...tree_head } = head;
    const later: LaterTreeHead = { tree_head, consistency_proof: proof.proof };
    await writeFile(values.out!, `${JSON.stringify(later, null, 2)}\n`);
    out.write(`wrote ${values.out}: tree size ${head.treeSize}, consistent from ${since}\n`);
    return 0;
  });
}

async function publicKeyCommand(argv: string[], out: NodeJS.WritableStream): Promise<number> {
  const { values } = parseCommandArgs(argv, { data: { type: 'string' } });
  const key = exportPublicKey(await existingLogKey(values.data));
  out.write(`${key.pem.trim()}\n# log id ${key.logId}\n`);
  return 0;
}

/** The data folder's log key; a folder without one is a mistake, not a reason to make a new key. */
async function existingLogKey(dataFlag: string | undefined): Promise<LogKey> {
  const dir = dataDirOf(dataFlag);
  try {
    await access(join(dir, LOG_KEY_PATH));
  } catch {
    throw new UsageError(`no evidence log key in ${join(dir, LOG_KEY_PATH)}: is --data right?`);
  }
  return loadOrCreateLogKey(dir);
}

async function readKey(path: string, what: 'public' | 'secret'): Promise<Uint8Array> {
  const text = (await readFile(path, 'utf8')).trim();
  if (!/^[0-9a-f]{64}$/i.test(text))
    throw new UsageError(`${path}: expected a ${what} key of 64 hex digits (see perisai evidence keygen)`);
  return Buffer.from(text, 'hex');
}

/**
 * The evidence log on the database (migrations/0003_evidence_log.ts): sign tree heads
 * and serve inclusion and consistency proofs. Appending is log-append.ts.
 *
 * Each EvidenceLog keeps a MerkleTree of the leaf hashes in memory and catches up from
 * the table when asked for a head or a proof, re-deriving every new leaf hash from its
 * kind and payload: an entry altered in the database is reported, never signed over.
 * Signing also checks the new tree against the latest stored head, so a rewritten
 * history is refused rather than papered over with a fresh signature.
 */
import type { Kysely } from 'kysely';
import type { Schema } from '../../db/schema.js';
import { bytesEqual, fromHex, toHex } from './bytes.js';
import { evidenceLeafHash } from './leaf.js';
import { type AppendedLeaf, appendLeaf, lockLog, logSize } from './log-append.js';
import { type ExportedPublicKey, exportPublicKey, type LogKey } from './log-key.js';
import { MerkleTree } from './merkle.js';
import { sha256 } from './node-sha256.js';
import { checkTimestampToken } from './timestamp.js';
import { encodeTreeHead, type SignedTreeHead, signTreeHead } from './tree-head.js';

export { type AppendedLeaf, appendLeaf, logSize } from './log-append.js';

const SIGN_LOCK_CLASS = 0x50454c32; // "PEL2"
const CATCH_UP_BATCH = 5_000;

export class EvidenceLogError extends Error {
  override name = 'EvidenceLogError';
}

export interface LogLeaf extends AppendedLeaf {
  kind: string;
  payload: Record<string, unknown>;
  createdAt: Date;
}

export interface StoredTreeHead extends SignedTreeHead {
  /** RFC 3161 TimeStampToken (DER), base64; null until a TSA has answered. */
  timestampToken: string | null;
  timestampedAt: Date | null;
}

export interface InclusionProof {
  leafIndex: number;
  treeSize: number;
  leafHash: string;
  rootHash: string;
  /** Sibling hashes from the leaf upwards (RFC 9162 PATH), hex. */
  proof: string[];
}

export interface ConsistencyProof {
  first: number;
  second: number;
  /** RFC 9162 PROOF(first, D[second]), hex. */
  proof: string[];
}

/** Returns the stored RFC 3161 token for these signed tree-head bytes (timestamp.ts). */
export type Timestamper = (treeHeadBytes: Uint8Array) => Promise<Uint8Array>;

export interface EvidenceLogOptions {
  key: LogKey;
  timestamper?: Timestamper;
  /** Where failures of the periodic signer and of timestamping go; default stderr. */
  onError?: (err: Error) => void;
  /** Milliseconds since the epoch; tests pin it. */
  now?: () => number;
}

export interface TreeHeadSigner {
  /** Stops the timer and waits for a round in progress. */
  stop(): Promise<void>;
}

export class EvidenceLog {
  private readonly key: LogKey;
  private readonly timestamper: Timestamper | undefined;
  private readonly onError: (err: Error) => void;
  private readonly now: () => number;
  private readonly tree = new MerkleTree(sha256);
  private catchingUp: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly db: Kysely<Schema>,
    options: EvidenceLogOptions,
  ) {
    this.key = options.key;
    this.timestamper = options.timestamper;
    this.onError = options.onError ?? ((err) => console.warn(`perisai: evidence log: ${err.message}`));
    this.now = options.now ?? Date.now;
  }

  get logId(): string {
    return this.key.logId;
  }

  publicKey(): ExportedPublicKey {
    return exportPublicKey(this.key);
  }

  /** See appendLeaf; pass the caller's transaction to commit with it. */
  append(kind: string, payload: Record<string, unknown>, trx?: Kysely<Schema>): Promise<AppendedLeaf> {
    return appendLeaf(trx ?? this.db, kind, payload);
  }

  size(): Promise<number> {
    return logSize(this.db);
  }

  async leaf(seq: number): Promise<LogLeaf | null> {
    const row = await this.db.selectFrom('evidence_log_leaves').selectAll().where('seq', '=', seq).executeTakeFirst();
    if (!row) return null;
    const { kind, payload, created_at: createdAt } = row;
    return { seq: row.seq, leafHash: toHex(row.leaf_hash), kind, payload, createdAt };
  }

  async treeHeadAt(treeSize: number): Promise<StoredTreeHead | null> {
    const row = await this.db
      .selectFrom('evidence_tree_heads')
      .selectAll()
      .where('tree_size', '=', treeSize)
      .executeTakeFirst();
    return row ? storedHead(row) : null;
  }

  async latestTreeHead(): Promise<StoredTreeHead | null> {
    return latestHead(this.db);
  }

  /**
   * Signs and stores a head over every committed entry, and timestamps it when a TSA is
   * configured (a TSA failure goes to onError; the head is kept without a token). When
   * a head at this size or a larger one exists already, that newest head is returned.
   */
  async signTreeHead(): Promise<StoredTreeHead> {
    const tree = await this.caughtUp();
    const treeSize = tree.size;
    const rootHash = toHex(tree.root(treeSize));
    // Signers serialize, so stored heads grow in size and in time together.
    let head = await this.db.transaction().execute(async (trx) => {
      await lockLog(trx, SIGN_LOCK_CLASS);
      const latest = await latestHead(trx);
      if (latest && latest.treeSize >= treeSize) return latest;
      if (latest && toHex(tree.root(latest.treeSize)) !== latest.rootHash) {
        throw new EvidenceLogError(
          `the log's first ${latest.treeSize} entries no longer match the tree head signed for them: refusing to sign`,
        );
      }
      const signed = signTreeHead(this.key, { treeSize, rootHash, timestamp: this.now() });
      await trx
        .insertInto('evidence_tree_heads')
        .values({
          tree_size: treeSize,
          root_hash: Buffer.from(fromHex(signed.rootHash)),
          signed_at: new Date(signed.timestamp),
          log_id: Buffer.from(fromHex(signed.logId)),
          signature: Buffer.from(fromHex(signed.signature)),
        })
        .execute();
      return { ...signed, timestampToken: null, timestampedAt: null };
    });
    if (head.timestampToken === null && this.timestamper) {
      head = await this.timestampTreeHead(head.treeSize).catch((err: Error) => {
        this.onError(
          new EvidenceLogError(`tree head ${head.treeSize} not timestamped: ${err.message}`, { cause: err }),
        );
        return head;
      });
    }
    return head;
  }

  /** Gets and stores the RFC 3161 token of a stored head that has none yet. */
  async timestampTreeHead(treeSize: number): Promise<StoredTreeHead> {
    if (!this.timestamper) throw new EvidenceLogError('no timestamp authority is configured');
    const head = await this.treeHeadAt(treeSize);
    if (!head) throw new EvidenceLogError(`no tree head of size ${treeSize}`);
    if (head.timestampToken !== null) return head;
    const bytes = encodeTreeHead(head);
    const token = await this.timestamper(bytes);
    checkTimestampToken(token, sha256(bytes)); // a token for something else is never stored
    await this.db
      .updateTable('evidence_tree_heads')
      .set({ timestamp_token: Buffer.from(token), timestamped_at: new Date(this.now()) })
      .where('tree_size', '=', treeSize)
      .where('timestamp_token', 'is', null)
      .execute();
    return (await this.treeHeadAt(treeSize))!;
  }

  async inclusionProof(seq: number, treeSize: number): Promise<InclusionProof> {
    const tree = await this.caughtUpTo(treeSize);
    return {
      leafIndex: seq,
      treeSize,
      leafHash: toHex(tree.leafHash(seq)),
      rootHash: toHex(tree.root(treeSize)),
      proof: tree.inclusionProof(seq, treeSize).map(toHex),
    };
  }

  async consistencyProof(first: number, second: number): Promise<ConsistencyProof> {
    const tree = await this.caughtUpTo(second);
    return { first, second, proof: tree.consistencyProof(first, second).map(toHex) };
  }

  /** Signs a head every `intervalMs` when the log has grown; retries a missing timestamp. */
  startTreeHeadSigner(options: { intervalMs: number }): TreeHeadSigner {
    let stopped = false;
    let timer: NodeJS.Timeout | undefined;
    const round = async () => {
      try {
        const latest = await this.latestTreeHead();
        if ((await this.size()) !== (latest?.treeSize ?? 0)) await this.signTreeHead();
        else if (latest?.timestampToken === null && this.timestamper) await this.timestampTreeHead(latest.treeSize);
      } catch (err) {
        this.onError(err instanceof Error ? err : new Error(String(err)));
      }
    };
    const schedule = (): void => {
      if (stopped) return;
      timer = setTimeout(() => {
        current = round().finally(schedule);
      }, options.intervalMs);
    };
    let current = round().finally(schedule);
    return {
      async stop() {
        stopped = true;
        clearTimeout(timer);
        await current;
      },
    };
  }

  private async caughtUpTo(treeSize: number): Promise<MerkleTree> {
    const tree = await this.caughtUp();
    if (!Number.isSafeInteger(treeSize) || treeSize < 0 || treeSize > tree.size) {
      throw new RangeError(`tree size ${treeSize} is not between 0 and the log's ${tree.size} entries`);
    }
    return tree;
  }

  /** The in-memory tree with every committed entry; catch-ups run one at a time. */
  private async caughtUp(): Promise<MerkleTree> {
    const run = this.catchingUp.then(() => this.catchUp());
    this.catchingUp = run.catch(() => {});
    await run;
    return this.tree;
  }

  private async catchUp(): Promise<void> {
    for (;;) {
      const rows = await this.db
        .selectFrom('evidence_log_leaves')
        .select(['seq', 'kind', 'payload', 'leaf_hash'])
        .where('seq', '>=', this.tree.size)
        .orderBy('seq')
        .limit(CATCH_UP_BATCH)
        .execute();
      for (const row of rows) {
        if (row.seq !== this.tree.size) {
          throw new EvidenceLogError(`evidence log entry ${this.tree.size} is missing (the next stored is ${row.seq})`);
        }
        if (!bytesEqual(evidenceLeafHash(sha256, row.kind, row.payload), row.leaf_hash)) {
          throw new EvidenceLogError(`evidence log entry ${row.seq} does not match its leaf hash: it was altered`);
        }
        this.tree.append(row.leaf_hash);
      }
      if (rows.length < CATCH_UP_BATCH) return;
    }
  }
}

async function latestHead(db: Kysely<Schema>): Promise<StoredTreeHead | null> {
  const row = await db
    .selectFrom('evidence_tree_heads')
    .selectAll()
    .orderBy('tree_size', 'desc')
    .limit(1)
    .executeTakeFirst();
  return row ? storedHead(row) : null;
}

function storedHead(row: {
  tree_size: number;
  root_hash: Buffer;
  signed_at: Date;
  log_id: Buffer;
  signature: Buffer;
  timestamp_token: Buffer | null;
  timestamped_at: Date | null;
}): StoredTreeHead {
  return {
    treeSize: row.tree_size,
    rootHash: toHex(row.root_hash),
    timestamp: row.signed_at.getTime(),
    logId: toHex(row.log_id),
    signature: toHex(row.signature),
    timestampToken: row.timestamp_token ? row.timestamp_token.toString('base64') : null,
    timestampedAt: row.timestamped_at,
  };
}

/** What the routes work with: the database, the live index and the matcher, plus limits. */
import type { Database } from '../db/open.js';
import type { EvidenceLog } from '../evidence/log/log-store.js';
import type { OpenedEvidence } from '../evidence/open.js';
import type { FloodDetector } from '../matching/flood.js';
import type { LiveIndex } from '../matching/live-index.js';
import type { Matcher } from '../matching/matcher.js';
import type { MediaLimits } from '../media/limits.js';
import { mediaLimitsFromEnv, positiveInt } from '../media/limits.js';
import { HttpError } from './errors.js';

export interface MatchingServices {
  readonly database: Database;
  readonly index: LiveIndex;
  readonly matcher: Matcher;
  readonly flood: FloodDetector;
  /** The tamper-evident log (capture records, custody, audit); absent in tests that need none. */
  readonly evidenceLog?: EvidenceLog;
  /** The evidence vault with its log and signing key; absent in tests that need none. */
  readonly evidence?: OpenedEvidence;
}

/**
 * Services that arrive after the server listens. Opening the database (PGlite's
 * first-run initdb, migrations) can take many seconds; the server listens first
 * so /status answers at once, and other routes answer 503 until this is filled.
 */
export class LazyServices implements MatchingServices {
  #value: MatchingServices | null = null;

  set(services: MatchingServices): void {
    this.#value = services;
  }

  /** The services if the database is open, else null; never throws. */
  get current(): MatchingServices | null {
    return this.#value;
  }

  private need(): MatchingServices {
    if (!this.#value) throw new HttpError(503, 'the database is still opening; try again in a moment');
    return this.#value;
  }

  get database() {
    return this.need().database;
  }
  get index() {
    return this.need().index;
  }
  get matcher() {
    return this.need().matcher;
  }
  get flood() {
    return this.need().flood;
  }
}

/** The services if available now, without throwing. */
export function currentServices(services: MatchingServices | null): MatchingServices | null {
  return services instanceof LazyServices ? services.current : services;
}

export interface ServerLimits {
  /** Largest uploaded file (multipart), PERISAI_MAX_UPLOAD_BYTES. */
  readonly maxUploadBytes: number;
  /** Largest JSON body. A 1,000-query batch lookup with dihedral hashes is about 0.6 MiB. */
  readonly bodyLimit: number;
  /** Pixel and file limits for decoding images. */
  readonly media: MediaLimits;
  /**
   * Fetch media from URLs given by clients (HMA's `url=` parameters). Off by
   * default: a server that fetches arbitrary URLs can be made to reach
   * internal services (SSRF). PERISAI_ALLOW_URL_FETCH=1 turns it on.
   */
  readonly allowUrlFetch: boolean;
}

export const DEFAULT_MAX_UPLOAD_BYTES = 100 * 1024 * 1024;
export const DEFAULT_BODY_LIMIT = 1024 * 1024;

export function serverLimitsFromEnv(env: NodeJS.ProcessEnv = process.env): ServerLimits {
  const maxUploadBytes = positiveInt(
    env.PERISAI_MAX_UPLOAD_BYTES,
    DEFAULT_MAX_UPLOAD_BYTES,
    'PERISAI_MAX_UPLOAD_BYTES',
  );
  return {
    maxUploadBytes,
    bodyLimit: DEFAULT_BODY_LIMIT,
    media: mediaLimitsFromEnv(env),
    allowUrlFetch: env.PERISAI_ALLOW_URL_FETCH === '1' || env.PERISAI_ALLOW_URL_FETCH === 'true',
  };
}

/**
 * After a write through the API: pull the change feed and bank settings into
 * this process's index now, so the write is matchable (or unmatchable) before
 * the response goes out, instead of at the follower's next poll.
 */
export async function applyWrites(services: MatchingServices): Promise<void> {
  await services.index.refresh();
  await services.matcher.refreshBanks();
}

/** What route plugins are given. */
export interface RouteContext {
  readonly services: MatchingServices;
  readonly limits: ServerLimits;
}

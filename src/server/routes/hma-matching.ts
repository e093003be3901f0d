/**
 * HMA matching routes, /m (docs/hma-compat.md §3): lookups by hash, by
 * upload and by URL, raw index lookups, index status and hash comparison.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { hammingDistanceHex } from '../../core/hash256.js';
import { vpdqFromSignal } from '../../core/vpdq/format.js';
import { matchVpdqBrute } from '../../core/vpdq/match.js';
import { HttpError } from '../errors.js';
import { hashForHma, hmaUpload, hmaUrlMedia, type MediaInput, selectSignalTypes } from '../hma/hashing.js';
import { boolQueryParam, queryParam, requiredQueryParams, sortKeys } from '../hma/json.js';
import {
  bankFilter,
  bankMap,
  type CheckedSignal,
  checkQuerySignal,
  findHmaHits,
  requireReadyIndex,
} from '../hma/lookup.js';
import { requireJson } from '../hma/request.js';
import { checkSignal, HMA_SIGNAL_TYPES, type HmaSignalType, isHmaSignalType, perisaiType } from '../hma/signals.js';
import { Permission } from '../permissions.js';
import type { RouteContext } from '../services.js';
import { VpdqScanner } from '../vpdq-scan.js';

const TAGS = ['HMA matching'];

export function hmaMatchingRoutes(app: FastifyInstance, ctx: RouteContext): void {
  const { services, limits } = ctx;
  const vpdq = new VpdqScanner(services);
  const lookupOne = async (query: CheckedSignal, banks: Set<string> | null) =>
    bankMap(await findHmaHits(services, vpdq, query), banks);

  app.get(
    '/m/raw_lookup',
    {
      config: { permission: Permission.MatchRead },
      schema: {
        tags: TAGS,
        summary: 'Raw index lookup: content ids matching one hash',
        description: 'Query: signal, signal_type (required), banks (comma list), include_distance (bool).',
      },
    },
    async (request) => {
      const [signal, signalType] = requiredQueryParams(request, ['signal', 'signal_type']) as [string, string];
      const withDistance = boolQueryParam(request, 'include_distance', false);
      const query = checkQuerySignal(signalType, signal);
      requireReadyIndex(services);
      const only = bankFilter(queryParam(request, 'banks'));
      const hits = (await findHmaHits(services, vpdq, query))
        .filter((h) => !only || only.has(h.bank))
        .sort((a, b) => a.rank - b.rank || a.contentId - b.contentId);
      return sortKeys({
        matches: withDistance
          ? hits.map((h) => ({ bank_content_id: h.contentId, distance: h.distance }))
          : hits.map((h) => h.contentId),
      });
    },
  );

  app.get(
    '/m/lookup',
    {
      config: { permission: Permission.MatchRead },
      schema: {
        tags: TAGS,
        summary: 'Look up a hash (signal + signal_type) or media at a URL; actionable matches by bank',
        description:
          'Query: signal and signal_type, or url [content_type, types]; banks (comma list); seed (ignored: bank ratios are 0 or 1).',
      },
    },
    async (request) => {
      const url = queryParam(request, 'url');
      const signalType = queryParam(request, 'signal_type');
      const only = bankFilter(queryParam(request, 'banks'));
      if (url === undefined) {
        const signal = queryParam(request, 'signal');
        if (signal === undefined || signalType === undefined) {
          throw new HttpError(400, 'Either url or both signal and signal_type are required');
        }
        const query = checkQuerySignal(signalType, signal);
        requireReadyIndex(services);
        return sortKeys(await lookupOne(query, only));
      }
      const media = await hmaUrlMedia(url, queryParam(request, 'content_type'), limits);
      const byType = await lookupMedia(request, media, only);
      if (signalType === undefined) return sortKeys(byType);
      return sortKeys(byType[signalType] ?? {});
    },
  );

  app.post(
    '/m/lookup',
    {
      config: { permission: Permission.MatchRead },
      schema: {
        tags: TAGS,
        summary: 'Hash an uploaded file (field "photo" or "video") and look it up; matches by signal type and bank',
        description: 'Query: types, banks, seed, bypass_coinflip (accepted; bank ratios are 0 or 1).',
      },
    },
    async (request) => {
      const media = await hmaUpload(request, limits);
      return sortKeys(await lookupMedia(request, media, bankFilter(queryParam(request, 'banks'))));
    },
  );

  /** Hashes media and looks each hash up: `{signal_type: bank map}`. */
  async function lookupMedia(request: FastifyRequest, media: MediaInput, only: Set<string> | null) {
    const types = selectSignalTypes(media.contentType, queryParam(request, 'types'));
    const hashes = await hashForHma(media, types, limits);
    const out: Record<string, Record<string, unknown[]>> = {};
    for (const [type, value] of Object.entries(hashes)) {
      const query = checkQuerySignal(type, value);
      requireReadyIndex(services);
      out[type] = await lookupOne(query, only);
    }
    return out;
  }

  app.get(
    '/m/index/status',
    {
      config: { permission: Permission.MatchRead },
      schema: { tags: TAGS, summary: 'Index state per signal type', description: 'Query: signal_type (optional).' },
    },
    async (request) => {
      const wanted = queryParam(request, 'signal_type');
      if (wanted !== undefined && !isHmaSignalType(wanted)) throw new HttpError(400, `No such signal type '${wanted}'`);
      const status = services.index.status();
      const ready = status.state === 'ready';
      const out: Record<string, { present: boolean; built_to: number; size: number }> = {};
      for (const type of wanted ? [wanted] : HMA_SIGNAL_TYPES) {
        // The index follows the change feed, so once loaded it is built up to now.
        out[type] = {
          present: ready,
          built_to: ready ? Math.floor(Date.now() / 1000) : -1,
          size: status.counts[perisaiType(type)],
        };
      }
      return sortKeys(out);
    },
  );

  app.post(
    '/m/compare',
    {
      config: { permission: Permission.MatchRead },
      schema: { tags: TAGS, summary: 'Compare pairs of hashes: {"pdq": ["<a>", "<b>"]}' },
    },
    async (request) => sortKeys(compareAll(requireJson(request))),
  );
}

function compareAll(body: unknown): Record<string, unknown> {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw new HttpError(400, 'Request input was not a dict');
  }
  const out: Record<string, unknown> = {};
  for (const [type, pair] of Object.entries(body)) {
    if (!Array.isArray(pair)) throw new HttpError(400, `Comparison hashes for ${type} was not a list`);
    if (pair.length !== 2) throw new HttpError(400, 'Comparison hash list length must be exactly 2');
    if (!isHmaSignalType(type)) throw new HttpError(400, `No such SignalType '${type}'`);
    const [a, b] = pair.map((h) => checked(type, h)) as [string, string];
    out[type] = compareSignals(type, a, b);
  }
  return out;
}

function checked(type: HmaSignalType, value: unknown): string {
  const result = checkSignal(type, typeof value === 'string' ? value : String(value));
  if (!result.ok) throw new HttpError(400, `Invalid ${type} hash: ${result.reason}`);
  return result.value;
}

function compareSignals(type: HmaSignalType, a: string, b: string): [boolean, Record<string, number>] {
  if (type === 'pdq') {
    const distance = hammingDistanceHex(a, b);
    return [distance <= 31, { distance }];
  }
  if (type === 'video_md5') return [a === b, {}];
  const r = matchVpdqBrute(vpdqFromSignal(a), vpdqFromSignal(b));
  return [r.isMatch, { compared_match_percent: r.compareMatchPercent, query_match_percent: r.queryMatchPercent }];
}

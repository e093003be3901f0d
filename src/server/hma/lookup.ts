/**
 * HMA's lookup core (docs/hma-compat.md §3.0-3.2) on top of Perisai's matcher.
 *
 * Differences that follow from Perisai's richer model:
 * - Matches are the matcher's, so each bank's own PDQ threshold and quality
 *   floor apply (HMA: 31 for every bank).
 * - Disabled content and disabled banks are not in the live index, so even
 *   raw_lookup never returns them (HMA's raw index still holds them until the
 *   next rebuild). Writes are matchable the moment the write returns.
 * - `/m/lookup` returns only actionable matches: block-bank matches that no
 *   allow-bank hit vetoed and whose signal is not held for flooding. Allow
 *   banks are never listed there, so a client acting on every listed bank
 *   cannot act on a known-benign image. raw_lookup lists everything.
 */
import { listBanks } from '../../banks/banks.js';
import { toFixedTiesEven, vpdqFromSignal } from '../../core/vpdq/format.js';
import type { BankKind } from '../../db/schema.js';
import { HttpError } from '../errors.js';
import type { MatchingServices } from '../services.js';
import type { VpdqScanner } from '../vpdq-scan.js';
import { checkSignal, type HmaSignalType, isHmaSignalType } from './signals.js';

export interface HmaHit {
  contentId: number;
  bank: string;
  bankKind: BankKind;
  /** HMA's distance string: "12" for PDQ, "-" for MD5, "100%[100%]" for vPDQ. */
  distance: string;
  /** Sort key: smaller is closer. */
  rank: number;
  actionable: boolean;
}

export interface CheckedSignal {
  type: HmaSignalType;
  value: string;
}

/** Signal type and value as HMA validates them before touching the index. */
export function checkQuerySignal(signalType: string, signal: string): CheckedSignal {
  if (!isHmaSignalType(signalType)) throw new HttpError(400, `No such SignalType '${signalType}'`);
  const checked = checkSignal(signalType, signal);
  if (!checked.ok) throw new HttpError(400, `invalid signal: ${checked.reason}`);
  return { type: signalType, value: checked.value };
}

/** HMA answers 503 until its index cache has loaded; a partial index must not pass for a final miss. */
export function requireReadyIndex(services: MatchingServices): void {
  if (!services.index.ready) throw new HttpError(503, 'index not yet ready');
}

export async function findHmaHits(
  services: MatchingServices,
  vpdq: VpdqScanner,
  query: CheckedSignal,
): Promise<HmaHit[]> {
  if (query.type === 'vpdq') return vpdqHits(services, vpdq, query.value);
  // HMA answers carry only bank, content id and distance: no database read needed.
  const signal = query.type === 'pdq' ? { pdq: query.value } : { md5: query.value };
  const result = await services.matcher.lookup({ ...signal, details: false });
  const best = new Map<number, HmaHit>();
  for (const m of result.matches) {
    const hit: HmaHit = {
      contentId: m.contentId,
      bank: m.bank,
      bankKind: m.bankKind,
      distance: query.type === 'pdq' ? String(m.distance) : '-',
      rank: m.distance,
      actionable: m.bankKind === 'block' && !m.suppressed && !m.held,
    };
    const seen = best.get(m.contentId);
    // One content item may hold several signals of a type; HMA lists an item once.
    if (!seen || hit.rank < seen.rank) best.set(m.contentId, hit);
  }
  return [...best.values()];
}

async function vpdqHits(services: MatchingServices, vpdq: VpdqScanner, signal: string): Promise<HmaHit[]> {
  const hits = await vpdq.query(vpdqFromSignal(signal));
  if (hits.length === 0) return [];
  const banks = new Map((await listBanks(services.database.db)).map((b) => [b.id, b]));
  const allowed = hits.some((h) => banks.get(h.bankId)?.kind === 'allow');
  return hits.flatMap((h) => {
    const bank = banks.get(h.bankId);
    if (!bank?.enabled) return [];
    const q = toFixedTiesEven(h.queryMatchPercent, 0);
    const c = toFixedTiesEven(h.compareMatchPercent, 0);
    return [
      {
        contentId: h.contentId,
        bank: bank.name,
        bankKind: bank.kind,
        distance: `${q}%[${c}%]`,
        rank: 100 - h.queryMatchPercent,
        actionable: bank.kind === 'block' && !allowed,
      },
    ];
  });
}

/** `banks=A,B` as HMA splits it: on commas, nothing trimmed. */
export function bankFilter(banks: string | undefined): Set<string> | null {
  return banks === undefined ? null : new Set(banks.split(','));
}

/** HMA's bank map: `{BANK: [{bank_content_id, distance}]}`, actionable hits only, banks sorted. */
export function bankMap(hits: readonly HmaHit[], only: Set<string> | null): Record<string, unknown[]> {
  const byBank = new Map<string, HmaHit[]>();
  for (const h of hits) {
    if (!h.actionable || (only && !only.has(h.bank))) continue;
    const list = byBank.get(h.bank) ?? [];
    list.push(h);
    byBank.set(h.bank, list);
  }
  const out: Record<string, unknown[]> = {};
  for (const bank of [...byBank.keys()].sort()) {
    out[bank] = byBank
      .get(bank)!
      .sort((a, b) => a.rank - b.rank || a.contentId - b.contentId)
      .map((h) => ({ bank_content_id: h.contentId, distance: h.distance }));
  }
  return out;
}

/**
 * Flood quarantine. A signal that suddenly matches far more than its usual
 * rate is suspicious: a benign image slipped into a bank (a logo, a meme, a
 * blank frame) or a poisoned submission. Its matches are held for review
 * instead of being acted on, until an analyst releases it.
 *
 * Usual rate: an exponentially weighted average of matches per window. A
 * window is a flood when it has at least `minMatches` and more than `factor`
 * times the usual rate.
 */
export interface FloodOptions {
  /** Window length in ms. Default 5 minutes. */
  windowMs: number;
  /** How many times the usual rate counts as a flood. Default 10. */
  factor: number;
  /** Fewer matches than this in a window is never a flood. Default 50. */
  minMatches: number;
  /** Weight of the newest window in the usual rate. Default 0.2. */
  smoothing: number;
}

export const DEFAULT_FLOOD_OPTIONS: FloodOptions = Object.freeze({
  windowMs: 5 * 60_000,
  factor: 10,
  minMatches: 50,
  smoothing: 0.2,
});

interface SignalRate {
  windowStart: number;
  count: number;
  usual: number;
}

export interface FloodVerdict {
  flooded: boolean;
  /** Matches in the current window, including this one. */
  count: number;
  usual: number;
}

export class FloodDetector {
  private readonly rates = new Map<number, SignalRate>();
  private readonly held = new Map<number, { since: Date; reason: string }>();
  readonly options: FloodOptions;

  constructor(
    options: Partial<FloodOptions> = {},
    private readonly now: () => number = Date.now,
  ) {
    this.options = { ...DEFAULT_FLOOD_OPTIONS, ...options };
  }

  /** Records one match of a signal; returns whether the signal is (now) quarantined. */
  record(signalId: number): FloodVerdict {
    const t = this.now();
    const { windowMs, factor, minMatches, smoothing } = this.options;
    let r = this.rates.get(signalId);
    if (!r) {
      r = { windowStart: t, count: 0, usual: 0 };
      this.rates.set(signalId, r);
    }
    if (t - r.windowStart >= windowMs) {
      // Close the elapsed window(s): empty windows pull the usual rate down too.
      const elapsed = Math.floor((t - r.windowStart) / windowMs);
      r.usual = r.usual * (1 - smoothing) + r.count * smoothing;
      for (let i = 1; i < Math.min(elapsed, 50); i++) r.usual *= 1 - smoothing;
      r.windowStart += elapsed * windowMs;
      r.count = 0;
    }
    r.count++;
    if (!this.held.has(signalId) && r.count >= minMatches && r.count > factor * r.usual) {
      this.held.set(signalId, {
        since: new Date(t),
        reason: `${r.count} matches in ${Math.round(windowMs / 1000)} s against a usual ${r.usual.toFixed(1)}`,
      });
    }
    return { flooded: this.held.has(signalId), count: r.count, usual: r.usual };
  }

  isHeld(signalId: number): boolean {
    return this.held.has(signalId);
  }

  heldSignals(): { signalId: number; since: Date; reason: string }[] {
    return [...this.held].map(([signalId, h]) => ({ signalId, ...h }));
  }

  /** An analyst reviewed the signal: its matches count again, and its rate starts afresh. */
  release(signalId: number): boolean {
    this.rates.delete(signalId);
    return this.held.delete(signalId);
  }

  /** Marks a signal held (e.g. restored from the database at start). */
  hold(signalId: number, reason: string, since = new Date(this.now())): void {
    this.held.set(signalId, { since, reason });
  }
}

/**
 * Limits of the public tip endpoint, from the environment:
 *   PERISAI_TIPS_PER_IP_PER_MINUTE  one address (default 30)
 *   PERISAI_TIPS_PER_MINUTE         all addresses together, per process (default 600)
 *   PERISAI_TIP_ORGANISATION        the organisation public tips go to (default: the first)
 *
 * The Korean volunteers sent about 1,000 tips in 12 hours, under 2 a minute on
 * average; the defaults leave room for bursts a hundred times that while a
 * spam run from many addresses is still capped.
 */
import { positiveInt } from '../media/limits.js';

export interface TipIntakeSettings {
  readonly perIpPerMinute: number;
  readonly globalPerMinute: number;
  readonly organisation: string | undefined;
}

export const DEFAULT_TIPS_PER_IP_PER_MINUTE = 30;
export const DEFAULT_TIPS_PER_MINUTE = 600;

export function tipSettingsFromEnv(env: NodeJS.ProcessEnv = process.env): TipIntakeSettings {
  return {
    perIpPerMinute: positiveInt(
      env.PERISAI_TIPS_PER_IP_PER_MINUTE,
      DEFAULT_TIPS_PER_IP_PER_MINUTE,
      'PERISAI_TIPS_PER_IP_PER_MINUTE',
    ),
    globalPerMinute: positiveInt(env.PERISAI_TIPS_PER_MINUTE, DEFAULT_TIPS_PER_MINUTE, 'PERISAI_TIPS_PER_MINUTE'),
    organisation: env.PERISAI_TIP_ORGANISATION?.trim() || undefined,
  };
}

/** At most `max` takes per window; the window restarts on the first take after it ends. */
export class FixedWindow {
  private started = Number.NEGATIVE_INFINITY;
  private taken = 0;

  constructor(
    private readonly max: number,
    private readonly windowMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** True if allowed; otherwise the seconds until the window ends. */
  take(): true | { retryAfterS: number } {
    const t = this.now();
    if (t - this.started >= this.windowMs) {
      this.started = t;
      this.taken = 0;
    }
    if (this.taken >= this.max)
      return { retryAfterS: Math.max(1, Math.ceil((this.started + this.windowMs - t) / 1000)) };
    this.taken++;
    return true;
  }
}

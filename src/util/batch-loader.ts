/**
 * Coalesces lookups by key: every key asked for while a load runs (or before the
 * next turn of the event loop) goes out in one `load` call. Each database query
 * has a fixed cost, large on the embedded PGlite, so many concurrent single-key
 * lookups become a few multi-key ones.
 */
export class BatchLoader<K, V> {
  private waiting = new Map<K, { resolve: (v: V | undefined) => void; reject: (err: unknown) => void }[]>();
  private scheduled = false;

  /** `load` returns what it found; keys it leaves out resolve to undefined. */
  constructor(private readonly load: (keys: K[]) => Promise<Map<K, V>>) {}

  get(key: K): Promise<V | undefined> {
    return new Promise((resolve, reject) => {
      const list = this.waiting.get(key);
      if (list) list.push({ resolve, reject });
      else this.waiting.set(key, [{ resolve, reject }]);
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => void this.flush());
      }
    });
  }

  private async flush(): Promise<void> {
    const waiting = this.waiting;
    this.waiting = new Map();
    this.scheduled = false;
    try {
      const found = await this.load([...waiting.keys()]);
      for (const [key, list] of waiting) for (const w of list) w.resolve(found.get(key));
    } catch (err) {
      for (const list of waiting.values()) for (const w of list) w.reject(err);
    }
  }
}

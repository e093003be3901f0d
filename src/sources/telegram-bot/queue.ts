/**
 * A first-in first-out queue read by one async reader. It never refuses an item:
 * the bound is enforced by whoever admits items (the webhook answers 503 when the
 * source is full), because an item already acknowledged to Telegram must not be lost.
 */
export class AsyncQueue<T> {
  private items: T[] = [];
  private head = 0;
  private waiter: ((result: IteratorResult<T, undefined>) => void) | null = null;
  private closed = false;

  get size(): number {
    return this.items.length - this.head;
  }

  get isClosed(): boolean {
    return this.closed;
  }

  push(item: T): void {
    if (this.closed) throw new Error('queue is closed');
    if (this.waiter) {
      const wake = this.waiter;
      this.waiter = null;
      wake({ done: false, value: item });
      return;
    }
    this.items.push(item);
  }

  /** No more items; the reader still gets those already queued, then `done`. */
  close(): void {
    this.closed = true;
    if (this.waiter && this.size === 0) {
      const wake = this.waiter;
      this.waiter = null;
      wake({ done: true, value: undefined });
    }
  }

  next(): Promise<IteratorResult<T, undefined>> {
    if (this.size > 0) {
      const value = this.items[this.head++] as T;
      // Drop the consumed prefix now and then, so the array does not grow for ever.
      if (this.head > 1024 && this.head * 2 > this.items.length) {
        this.items = this.items.slice(this.head);
        this.head = 0;
      }
      return Promise.resolve({ done: false, value });
    }
    if (this.closed) return Promise.resolve({ done: true, value: undefined });
    if (this.waiter) return Promise.reject(new Error('the queue has one reader at a time'));
    return new Promise((resolve) => {
      this.waiter = resolve;
    });
  }
}

/**
 * Maps an async source with bounded concurrency, yielding results in input
 * order. Lets image decoding (libuv threads) overlap hashing (main thread).
 */
export async function* mapOrdered<T, R>(
  source: AsyncIterable<T>,
  concurrency: number,
  fn: (item: T) => Promise<R>,
): AsyncGenerator<R> {
  const pending: Promise<R>[] = [];
  for await (const item of source) {
    const p = fn(item);
    // Avoid unhandled-rejection warnings while the promise waits its turn.
    p.catch(() => {});
    pending.push(p);
    if (pending.length >= concurrency) yield await pending.shift()!;
  }
  while (pending.length > 0) yield await pending.shift()!;
}

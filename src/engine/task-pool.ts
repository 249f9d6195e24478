/**
 * Runs async work over items with at most `concurrency` in flight.
 */

/**
 * Calls `work` for every item, keeping up to `concurrency` calls running. Stops starting new work
 * once `signal` aborts (work already running finishes). `work` must not throw: it reports.
 * Resolves to the number of items started: the first that many, in order (all of them unless
 * the signal aborted). Items are taken from `items` one at a time as workers get free, so an
 * iterator that makes its items on demand is never drained ahead of the work; when the signal
 * aborts, an iterator passed in still holds the items not started.
 */
export async function runPool<T>(items: Iterable<T>, concurrency: number, work: (item: T) => Promise<void>, signal?: AbortSignal): Promise<number> {
  const iterator = items[Symbol.iterator]();
  let started = 0;
  const worker = async (): Promise<void> => {
    while (!signal?.aborted) {
      const next = iterator.next();
      if (next.done) return;
      started++;
      await work(next.value);
    }
  };
  const count = Math.max(1, Array.isArray(items) ? Math.min(concurrency, items.length) : concurrency);
  await Promise.all(Array.from({ length: count }, worker));
  return started;
}

/**
 * Runs `fn` over `items`, at most `limit` at a time, starting them in order. The first failure
 * aborts the signal the running ones were given and stops the ones not started; it is the error
 * thrown (not the aborts it caused). Results are in the items' order.
 */
export async function mapBounded<T, R>(items: readonly T[], limit: number, signal: AbortSignal, fn: (item: T, signal: AbortSignal) => Promise<R>): Promise<R[]> {
  const abort = new AbortController();
  const inner = AbortSignal.any([signal, abort.signal]);
  const results: R[] = new Array<R>(items.length);
  let next = 0;
  let failure: { err: unknown } | undefined;
  const worker = async (): Promise<void> => {
    while (next < items.length && !inner.aborted) {
      const i = next++;
      try {
        results[i] = await fn(items[i]!, inner);
      } catch (err) {
        failure ??= { err };
        abort.abort(err);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  if (failure) throw failure.err;
  signal.throwIfAborted();
  return results;
}

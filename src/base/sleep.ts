/**
 * Waits `ms` (beyond setTimeout's 2^31-1 ms too), or until `signal` aborts, whichever comes first;
 * never rejects. Its abort listener goes when it ends either way: a follower that sleeps 100 ms at
 * a time on one request's signal for hours must not pile listeners on it. `unref`: the wait alone
 * does not keep the process alive (a loop that runs for a container's whole life).
 */
export async function sleep(ms: number, signal?: AbortSignal, opts: { unref?: boolean } = {}): Promise<void> {
  const MAX = 2 ** 31 - 1;
  for (let left = ms; left > 0 && !signal?.aborted; left -= MAX) {
    await new Promise<void>((resolve) => {
      const done = (): void => {
        clearTimeout(t);
        signal?.removeEventListener('abort', done);
        resolve();
      };
      const t = setTimeout(done, Math.min(left, MAX));
      if (opts.unref) t.unref();
      signal?.addEventListener('abort', done, { once: true });
    });
  }
}

/**
 * Gives the memory that glibc's malloc keeps after `free` back to the kernel, now and then, as Go's
 * scavenger does for dockerd. Node's own allocations (buffers, http parsers, libuv requests, koffi
 * calls) come and go with every request; malloc keeps their freed chunks for reuse, so a busy
 * daemon's RSS creeps up with memory it is not using. Measured (issue 14): after 300
 * `docker run --rm`, malloc_trim(0) released 4.2 MB of a 99 MB daemon in 3.9 ms.
 *
 * Each trim runs on libuv's threadpool (it takes malloc's locks, as any allocation does), never on
 * the event loop; the timer does not keep the process alive.
 */
import { libcFunction, type AsyncFn } from './libc.js';

/** How often: a trim costs a few ms of a pool thread, and bounds what malloc holds to ~10 s of work. */
export const TRIM_INTERVAL_MS = 10_000;

/**
 * Starts trimming every `intervalMs`; returns the function that stops it. A libc without
 * malloc_trim (it is glibc's) or a failed call stops the trimming, reported once to `onError`.
 */
export function startMallocTrim(intervalMs = TRIM_INTERVAL_MS, onError: (err: Error) => void = () => {}): () => void {
  let trim: AsyncFn | undefined;
  let running = false;
  const stop = (): void => clearInterval(timer);
  const fail = (err: unknown): void => {
    stop();
    onError(err as Error);
  };
  const timer = setInterval(() => {
    if (running) return;
    try {
      trim ??= libcFunction('int malloc_trim(size_t pad)');
    } catch (err) {
      fail(err);
      return;
    }
    running = true;
    trim.async(0, (err: unknown) => {
      running = false;
      if (err) fail(err);
    });
  }, intervalMs);
  timer.unref();
  return stop;
}

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mapBounded } from './bounded.js';

const tick = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

test('results in order, never more than the limit at once', async () => {
  let running = 0;
  let peak = 0;
  const out = await mapBounded([5, 1, 4, 2, 3], 2, new AbortController().signal, async (n) => {
    running++;
    peak = Math.max(peak, running);
    await tick(n);
    running--;
    return n * 10;
  });
  assert.deepEqual(out, [50, 10, 40, 20, 30]);
  assert.equal(peak, 2);
});

test('the first failure is thrown; running items see the abort, later ones never start', async () => {
  const started: number[] = [];
  let sawAbort = false;
  await assert.rejects(
    mapBounded([1, 2, 3, 4], 2, new AbortController().signal, async (n, signal) => {
      started.push(n);
      if (n === 1) {
        await tick(1);
        throw new Error('first');
      }
      await new Promise<void>((resolve, reject) => signal.addEventListener('abort', () => ((sawAbort = true), reject(new Error('aborted'))), { once: true }));
      return n;
    }),
    /first/,
  );
  assert.deepEqual(started, [1, 2]);
  assert.ok(sawAbort);
});

test('an outer abort before any failure is thrown as the abort', async () => {
  const outer = new AbortController();
  outer.abort(new Error('cancelled'));
  await assert.rejects(mapBounded([1], 1, outer.signal, () => Promise.resolve(1)), /cancelled/);
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { getEventListeners } from 'node:events';
import { sleep } from './sleep.js';

test('sleep: waits, leaves no listener on the signal, and ends at once on abort', async () => {
  const ac = new AbortController();
  const t0 = performance.now();
  for (let i = 0; i < 20; i++) await sleep(5, ac.signal);
  assert.ok(performance.now() - t0 >= 90);
  assert.equal(getEventListeners(ac.signal, 'abort').length, 0);

  const long = sleep(60_000, ac.signal);
  setTimeout(() => ac.abort(), 20);
  const t1 = performance.now();
  await long;
  assert.ok(performance.now() - t1 < 1000);
  assert.equal(getEventListeners(ac.signal, 'abort').length, 0);
  // Already aborted: no wait at all.
  await sleep(60_000, ac.signal);
});

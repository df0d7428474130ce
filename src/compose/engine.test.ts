import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ApiClient } from '../client/index.js';
import { Engine } from './engine.js';

/** A client whose inspect takes a while, counting how many run at once. */
function slowClient(): { client: ApiClient; peak: () => number } {
  let now = 0;
  let peak = 0;
  const client = {
    json: async () => {
      now++;
      peak = Math.max(peak, now);
      await sleep(20);
      now--;
      return { Id: 'x' };
    },
  } as unknown as ApiClient;
  return { client, peak: () => peak };
}

test('Engine: --parallel bounds the requests in flight; -1 leaves them unbounded', async () => {
  const limited = slowClient();
  const e = new Engine(limited.client, 2);
  await Promise.all(Array.from({ length: 6 }, (_, i) => e.inspect(`c${i}`)));
  assert.equal(limited.peak(), 2);
  const free = slowClient();
  const u = new Engine(free.client);
  await Promise.all(Array.from({ length: 6 }, (_, i) => u.inspect(`c${i}`)));
  assert.equal(free.peak(), 6);
});

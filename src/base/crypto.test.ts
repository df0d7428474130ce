import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes, randomInt } from './crypto.js';

test('randomBytes: the size asked for, different each time', () => {
  for (const n of [0, 1, 32, 100_000]) assert.equal(randomBytes(n).length, n);
  const seen = new Set(Array.from({ length: 100 }, () => randomBytes(16).toString('hex')));
  assert.equal(seen.size, 100);
  // Every byte value turns up over 64 kB: not a short or constant source.
  assert.equal(new Set(randomBytes(65536)).size, 256);
});

test('randomInt: [0, max) with one argument, [min, max) with two', () => {
  for (let i = 0; i < 200; i++) {
    const a = randomInt(3);
    assert.ok(a >= 0 && a < 3);
    const b = randomInt(10, 12);
    assert.ok(b >= 10 && b < 12);
  }
});

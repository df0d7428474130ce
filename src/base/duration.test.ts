import { test } from 'node:test';
import assert from 'node:assert/strict';
import { goDuration } from './duration.js';

test('goDuration prints as Go time.Duration.String', () => {
  const cases: [number, string][] = [
    [0, '0s'],
    [1, '1ns'],
    [1500, '1.5µs'],
    [1_000_000, '1ms'],
    [250_000_000, '250ms'],
    [1_000_000_000, '1s'],
    [1_500_000_000, '1.5s'],
    [30_000_000_000, '30s'],
    [90_000_000_000, '1m30s'],
    [3_600_000_000_000, '1h0m0s'],
    [3_723_000_000_000, '1h2m3s'],
    [-2_000_000_000, '-2s'],
  ];
  for (const [ns, text] of cases) assert.equal(goDuration(ns), text, String(ns));
});

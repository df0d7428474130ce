import { test } from 'node:test';
import assert from 'node:assert/strict';
import { getTimestamp } from './timestamp.js';

test('getTimestamp: durations back from now, dates to seconds.nanoseconds, unix times as is', () => {
  const now = Date.UTC(2024, 0, 2, 3, 4, 5, 500);
  assert.equal(getTimestamp('1m', now), String(Math.floor(now / 1000) - 60));
  assert.equal(getTimestamp('1h30m', now), String(Math.floor(now / 1000) - 5400));
  assert.equal(getTimestamp('1700000000', now), '1700000000');
  assert.equal(getTimestamp('1700000000.5', now), '1700000000.5');
  assert.equal(getTimestamp('2024-01-02T03:04:05Z', now), '1704164645.000000000');
  assert.equal(getTimestamp('2024-01-02T03:04:05.123456789Z', now), '1704164645.123456789');
  assert.equal(getTimestamp('2024-01-02T03:04:05+01:00', now), '1704161045.000000000');
  assert.throws(() => getTimestamp('garbage', now), /^Error: failed to parse value as time or duration: "garbage"$/);
});

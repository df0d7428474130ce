import { test } from 'node:test';
import assert from 'node:assert/strict';
import { hasProbe, healthFromImageConfig, healthTimings, healthToImageConfig, mergeHealthcheck, probeArgv, validateHealthcheck } from './health-config.js';
import type { HealthConfig } from './types.js';

const S = 1_000_000_000;
const hc = (h: Partial<HealthConfig>): HealthConfig => ({ test: [], interval: 0, timeout: 0, startPeriod: 0, startInterval: 0, retries: 0, ...h });

test('validation refuses what moby refuses, with its messages', () => {
  validateHealthcheck(undefined);
  validateHealthcheck(hc({ test: ['CMD', 'true'], interval: 1_000_000, timeout: S, retries: 0 }));
  assert.throws(() => validateHealthcheck(hc({ interval: 999_999 })), { message: 'Interval in Healthcheck cannot be less than 1ms' });
  assert.throws(() => validateHealthcheck(hc({ timeout: 1 })), { message: 'Timeout in Healthcheck cannot be less than 1ms' });
  assert.throws(() => validateHealthcheck(hc({ retries: -1 })), { message: 'Retries in Healthcheck cannot be negative' });
  assert.throws(() => validateHealthcheck(hc({ startPeriod: -S })), { message: 'StartPeriod in Healthcheck cannot be less than 1ms' });
  assert.throws(() => validateHealthcheck(hc({ startInterval: 5 })), { message: 'StartInterval in Healthcheck cannot be less than 1ms' });
  assert.throws(() => validateHealthcheck(hc({ interval: -1 })), { name: 'BerthError' });
});

test('the body overrides the image field by field; zero values take the image\'s', () => {
  const image = hc({ test: ['CMD-SHELL', 'curl -f localhost'], interval: 5 * S, timeout: 2 * S, retries: 4, startPeriod: S, startInterval: S });
  assert.deepEqual(mergeHealthcheck(undefined, image), image);
  assert.deepEqual(mergeHealthcheck(hc({ test: ['CMD', 'true'] }), undefined), hc({ test: ['CMD', 'true'] }));
  assert.deepEqual(mergeHealthcheck(hc({ interval: S, retries: 1 }), image), { ...image, interval: S, retries: 1 });
  assert.deepEqual(mergeHealthcheck(hc({ test: ['NONE'] }), image), { ...image, test: ['NONE'] });
  assert.equal(mergeHealthcheck(undefined, undefined), undefined);
});

test('image configs are read leniently and written without zero fields', () => {
  assert.equal(healthFromImageConfig(null), undefined);
  assert.equal(healthFromImageConfig('x'), undefined);
  const h = healthFromImageConfig({ Test: ['CMD', 'true'], Interval: 5 * S, Retries: 'x' });
  assert.deepEqual(h, hc({ test: ['CMD', 'true'], interval: 5 * S }));
  assert.deepEqual(healthToImageConfig(h!), { Test: ['CMD', 'true'], Interval: 5 * S });
  assert.deepEqual(healthToImageConfig(hc({ test: ['NONE'] })), { Test: ['NONE'] });
});

test('probes: CMD runs its argv, CMD-SHELL goes through /bin/sh -c, NONE and unknown types have none', () => {
  assert.equal(hasProbe(undefined), false);
  assert.equal(hasProbe(hc({ test: ['NONE'] })), false);
  assert.equal(hasProbe(hc({ test: [] })), false);
  assert.equal(hasProbe(hc({ test: ['FOO', 'x'] })), false);
  assert.equal(hasProbe(hc({ test: ['CMD'] })), true);
  assert.deepEqual(probeArgv(hc({ test: ['CMD', 'cat', '/etc/hosts'] })), ['cat', '/etc/hosts']);
  assert.deepEqual(probeArgv(hc({ test: ['CMD-SHELL', 'echo "a b"'] })), ['/bin/sh', '-c', 'echo "a b"']);
  assert.deepEqual(probeArgv(hc({ test: ['CMD'] })), []);
});

test('timings default as moby\'s: 30 s interval and timeout, 5 s start interval, 3 retries', () => {
  assert.deepEqual(healthTimings(hc({})), { intervalMs: 30_000, timeoutMs: 30_000, timeoutNs: 30 * S, startPeriodMs: 0, startIntervalMs: 5000, retries: 3 });
  assert.deepEqual(healthTimings(hc({ interval: S, timeout: 500_000_000, startPeriod: 3 * S, startInterval: 100_000_000, retries: 1 })), {
    intervalMs: 1000,
    timeoutMs: 500,
    timeoutNs: 500_000_000,
    startPeriodMs: 3000,
    startIntervalMs: 100,
    retries: 1,
  });
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { applyProbeResult, nextProbeDelay } from './health-monitor.js';
import { LimitedOutput } from './health-probe.js';
import type { ContainerRecord, HealthConfig, HealthResult, HealthState } from './types.js';

const S = 1_000_000_000;
const cfg = (h: Partial<HealthConfig>): HealthConfig => ({ test: ['CMD', 'true'], interval: 0, timeout: 0, startPeriod: 0, startInterval: 0, retries: 0, ...h });
const started = '2024-01-01T00:00:00.000Z';
const at = (ms: number, exitCode: number): HealthResult => ({ start: new Date(Date.parse(started) + ms).toISOString(), end: new Date(Date.parse(started) + ms + 10).toISOString(), exitCode, output: `run at ${ms}` });
const fresh: HealthState = { status: 'starting', failingStreak: 0, log: [] };

test('a pass makes it healthy and clears the streak', () => {
  const h = applyProbeResult({ status: 'unhealthy', failingStreak: 4, log: [] }, at(1000, 0), cfg({}), started);
  assert.deepEqual(h, { status: 'healthy', failingStreak: 0, log: [at(1000, 0)] });
});

test('failures count up to Retries (3 by default), then unhealthy', () => {
  let h = fresh;
  h = applyProbeResult(h, at(1000, 1), cfg({}), started);
  assert.deepEqual([h.status, h.failingStreak], ['starting', 1]);
  h = applyProbeResult(h, at(2000, 1), cfg({}), started);
  assert.deepEqual([h.status, h.failingStreak], ['starting', 2]);
  h = applyProbeResult(h, at(3000, -1), cfg({}), started);
  assert.deepEqual([h.status, h.failingStreak], ['unhealthy', 3]);
  const healthy = applyProbeResult({ status: 'healthy', failingStreak: 0, log: [] }, at(1000, 1), cfg({ retries: 1 }), started);
  assert.deepEqual([healthy.status, healthy.failingStreak], ['unhealthy', 1]);
});

test('failures within the start period do not count while starting; after it they do', () => {
  const c = cfg({ startPeriod: 3 * S, retries: 1 });
  let h = applyProbeResult(fresh, at(1000, 1), c, started);
  assert.deepEqual([h.status, h.failingStreak, h.log.length], ['starting', 0, 1]);
  h = applyProbeResult(h, at(2999, 1), c, started);
  assert.deepEqual([h.status, h.failingStreak], ['starting', 0]);
  h = applyProbeResult(h, at(3000, 1), c, started);
  assert.deepEqual([h.status, h.failingStreak], ['unhealthy', 1]);
  // Once it was healthy, the start period no longer shields a failure.
  const healthy = applyProbeResult({ status: 'healthy', failingStreak: 0, log: [] }, at(1000, 1), c, started);
  assert.deepEqual([healthy.status, healthy.failingStreak], ['unhealthy', 1]);
});

test('the log keeps the last five probes, oldest first', () => {
  let h = fresh;
  for (let i = 1; i <= 7; i++) h = applyProbeResult(h, at(i * 1000, 0), cfg({}), started);
  assert.deepEqual(h.log.map((r) => r.output), ['run at 3000', 'run at 4000', 'run at 5000', 'run at 6000', 'run at 7000']);
});

test('the start interval applies only while starting within the start period', () => {
  const rec = (status: HealthState['status']): ContainerRecord => ({ state: { startedAt: started, health: { status, failingStreak: 0, log: [] } } }) as unknown as ContainerRecord;
  const c = cfg({ interval: 10 * S, startPeriod: 5 * S, startInterval: S });
  const t0 = Date.parse(started);
  assert.equal(nextProbeDelay(rec('starting'), c, t0 + 1000), 1000);
  assert.equal(nextProbeDelay(rec('healthy'), c, t0 + 1000), 10_000);
  assert.equal(nextProbeDelay(rec('starting'), c, t0 + 5000), 10_000);
  assert.equal(nextProbeDelay(rec('starting'), cfg({}), t0), 30_000);
});

test('probe output is kept up to 4096 bytes, with "..." when some was dropped', () => {
  const small = new LimitedOutput();
  small.write(Buffer.from('hello '));
  small.write(Buffer.from('world\n'));
  assert.equal(small.toString(), 'hello world\n');
  const big = new LimitedOutput();
  big.write(Buffer.alloc(4000, 'a'));
  big.write(Buffer.alloc(200, 'b'));
  big.write(Buffer.from('c'));
  assert.equal(big.toString(), 'a'.repeat(4000) + 'b'.repeat(96) + '...');
});

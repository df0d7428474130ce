import { test } from 'node:test';
import assert from 'node:assert/strict';
import { restartsAfterExit } from './restart-policy.js';

const rec = (name: string, exitCode: number, opts: { max?: number; count?: number; stopped?: boolean } = {}) =>
  ({ hostConfig: { restartPolicy: { name, maximumRetryCount: opts.max ?? 0 } }, state: { exitCode, stoppedByUser: opts.stopped ?? false }, restartCount: opts.count ?? 0 }) as unknown as Parameters<typeof restartsAfterExit>[0];

test('restart policies decide at the exit, as moby\'s ShouldRestart', () => {
  assert.equal(restartsAfterExit(rec('no', 1)), false);
  assert.equal(restartsAfterExit(rec('always', 0)), true);
  assert.equal(restartsAfterExit(rec('unless-stopped', 0)), true);
  assert.equal(restartsAfterExit(rec('always', 0, { stopped: true })), false);
  assert.equal(restartsAfterExit(rec('on-failure', 0)), false);
  assert.equal(restartsAfterExit(rec('on-failure', 2)), true);
  assert.equal(restartsAfterExit(rec('on-failure', 2, { max: 3, count: 2 })), true);
  assert.equal(restartsAfterExit(rec('on-failure', 2, { max: 3, count: 3 })), false);
});

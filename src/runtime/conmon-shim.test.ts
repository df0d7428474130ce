import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import { ConmonShim } from './conmon-shim.js';

test('kill never signals a PID outside the container\'s cgroup (a PID reused after the exit)', async () => {
  const stranger = spawn('sleep', ['30'], { stdio: 'ignore' });
  try {
    const shim = new ConmonShim(tmpdir());
    const c = { id: 'a'.repeat(64), bundle: tmpdir(), persistDir: tmpdir(), runtime: { name: 'runc', path: '/usr/sbin/runc', root: tmpdir() } };
    await assert.rejects(shim.kill(c, 15, stranger.pid!), /container not running/);
    assert.equal(stranger.exitCode, null);
    assert.equal(stranger.signalCode, null);
    process.kill(stranger.pid!, 0);
  } finally {
    stranger.kill('SIGKILL');
    await once(stranger, 'exit');
  }
});

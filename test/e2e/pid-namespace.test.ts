/**
 * `--pid container:X` (compose's `pid: "service:x"`): the container joins X's PID namespace, which
 * X must be running to give, with moby's messages when it is not.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { busyboxRootfs, cliFor, isRoot, startDaemon, type TestDaemon } from '../helpers/daemon.js';

describe('sharing a PID namespace', { skip: !isRoot }, () => {
  let d: TestDaemon;
  const dk = cliFor('docker', () => d);

  before(async () => {
    d = await startDaemon();
    dk.ok(['import', '-c', 'CMD ["sh"]', '-', 'busybox:latest'], busyboxRootfs());
  });
  after(async () => {
    await d.cleanup();
  });

  test('a container with --pid container:X sees X as PID 1, and X sees it', () => {
    dk.ok(['run', '-d', '--name', 'donor', 'busybox', 'sleep', '300']);
    dk.ok(['run', '-d', '--name', 'guest', '--pid', 'container:donor', 'busybox', 'sleep', '301']);
    assert.match(dk.ok(['exec', 'guest', 'ps', '-o', 'pid,args']), /^PID\s+COMMAND\n\s+1 sleep 300\n(.*\n)*\s+\d+ sleep 301\n/);
    assert.match(dk.ok(['exec', 'donor', 'ps', '-o', 'args']), /\nsleep 301\n/);
    assert.equal(dk.ok(['inspect', '-f', '{{.HostConfig.PidMode}}', 'guest']), 'container:donor\n');
    dk.ok(['rm', '-f', 'guest', 'donor']);
  });

  test('the donor must exist and run: moby\'s messages, nothing started', () => {
    dk.ok(['create', '--name', 'idle', 'busybox', 'sleep', '300']);
    dk.fails(['run', '--rm', '--pid', 'container:idle', 'busybox', 'true'], /Error response from daemon: failed to join PID namespace: container idle is not running/);
    dk.fails(['run', '--rm', '--pid', 'container:nothere', 'busybox', 'true'], /Error response from daemon: failed to join PID namespace: No such container: nothere/);
    assert.equal(dk.ok(['ps', '-a', '--format', '{{.Names}}']), 'idle\n');
    dk.ok(['rm', 'idle']);
  });
});

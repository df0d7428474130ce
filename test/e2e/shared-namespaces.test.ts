/**
 * `--pid container:X` and `--ipc container:X` (compose's `pid:`/`ipc: "service:x"`): the container
 * joins X's namespace, which X must be running (and for IPC, shareable) to give, with moby's
 * messages when it is not; `--ipc shareable` keeps its /dev/shm on a host tmpfs that goes with it.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { busyboxRootfs, cliFor, isRoot, startDaemon, type TestDaemon } from '../helpers/daemon.js';

describe('sharing PID and IPC namespaces', { skip: !isRoot }, () => {
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

  test('--ipc container:X shares X\'s IPC namespace and /dev/shm; the shm tmpfs goes when X stops', () => {
    const donor = dk.ok(['run', '-d', '--name', 'ipcdonor', '--ipc', 'shareable', '--shm-size', '8m', 'busybox', 'sh', '-c', 'echo from the donor > /dev/shm/note; exec sleep 300']).trim();
    const shmDir = `${d.dataRoot}/containers/${donor}/shm`;
    const mounted = (): boolean => readFileSync('/proc/self/mountinfo', 'utf8').split('\n').some((l) => l.split(' ')[4] === shmDir);
    assert.ok(mounted(), 'the shareable container\'s /dev/shm is a tmpfs on the host');
    assert.match(dk.ok(['exec', 'ipcdonor', 'df', '-k', '/dev/shm']), /\s8192\s/);
    const guest = dk.run(['run', '--rm', '--ipc', 'container:ipcdonor', 'busybox', 'sh', '-c', 'cat /dev/shm/note; readlink /proc/self/ns/ipc']);
    assert.equal(guest.code, 0, guest.stderr);
    const donorNs = dk.ok(['exec', 'ipcdonor', 'readlink', '/proc/self/ns/ipc']);
    assert.equal(guest.stdout, `from the donor\n${donorNs}`);
    assert.notEqual(dk.ok(['run', '--rm', 'busybox', 'readlink', '/proc/self/ns/ipc']), donorNs);
    assert.equal(dk.ok(['inspect', '-f', '{{.HostConfig.IpcMode}}', 'ipcdonor']), 'shareable\n');
    dk.ok(['stop', '-t', '0', 'ipcdonor']);
    assert.ok(!mounted(), 'stopping the donor unmounts its /dev/shm');
    dk.ok(['rm', 'ipcdonor']);
  });

  test('--ipc: a private or stopped donor is refused with moby\'s messages; none has no /dev/shm', () => {
    dk.ok(['run', '-d', '--name', 'private', 'busybox', 'sleep', '300']);
    dk.fails(['run', '--rm', '--ipc', 'container:private', 'busybox', 'true'], /Error response from daemon: failed to join IPC namespace: container private: non-shareable IPC \(hint: use IpcMode:shareable for the donor container\)/);
    dk.ok(['create', '--name', 'idle2', '--ipc', 'shareable', 'busybox', 'true']);
    dk.fails(['run', '--rm', '--ipc', 'container:idle2', 'busybox', 'true'], /Error response from daemon: failed to join IPC namespace: container idle2 is not running/);
    assert.equal(dk.ok(['run', '--rm', '--ipc', 'none', 'busybox', 'sh', '-c', 'grep -c " /dev/shm " /proc/mounts || true']), '0\n');
    assert.equal(dk.ok(['ps', '-a', '--format', '{{.Names}}']).split('\n').filter(Boolean).sort().join(' '), 'idle2 private');
    dk.ok(['rm', '-f', 'private', 'idle2']);
  });
});

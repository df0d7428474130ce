import { test } from 'node:test';
import assert from 'node:assert/strict';
import { lstatSync } from 'node:fs';
import { deviceCgroupRule, devicesFromPath, hostDevices } from './devices.js';

test('device cgroup rules parse with moby regexp and messages', () => {
  assert.deepEqual(deviceCgroupRule('c 1:3 mr'), { allow: true, type: 'c', major: 1, minor: 3, access: 'mr' });
  assert.deepEqual(deviceCgroupRule('a *:* rwm'), { allow: true, type: 'a', major: -1, minor: -1, access: 'rwm' });
  assert.deepEqual(deviceCgroupRule('b 7:* r'), { allow: true, type: 'b', major: 7, minor: -1, access: 'r' });
  for (const bad of ['c 1:3', 'x 1:3 r', 'c 1:3 rwmx', 'c a:3 r', ' c 1:3 r', 'c 1:3 r\n']) {
    assert.throws(() => deviceCgroupRule(bad), (err: Error) => err.message === `invalid device cgroup rule format: '${bad}'`);
  }
  assert.throws(() => deviceCgroupRule('c 99999999999999999999:1 r'), /invalid major value in device cgroup rule format/);
});

const linux = { skip: process.platform !== 'linux' };

test("the host's device nodes as containerd lists them for --privileged", linux, async () => {
  const devs = await hostDevices();
  const paths = devs.map((d) => d.path);
  const null_ = devs.find((d) => d.path === '/dev/null');
  assert.deepEqual(null_, { path: '/dev/null', type: 'c', major: 1, minor: 3, fileMode: 0o666, uid: 0, gid: 0 });
  // Skipped: the console, pts/shm/mqueue and symlinks (/dev/fd, /dev/stdin, /dev/core).
  for (const p of paths) assert.doesNotMatch(p, /^\/dev\/(console|pts\/|shm\/|mqueue\/|fd$|stdin$|stdout$|stderr$|core$)/);
  for (const d of devs) assert.ok(lstatSync(d.path).isCharacterDevice() || lstatSync(d.path).isBlockDevice(), d.path);
});

test('--device: a node, or a directory of nodes; moby messages otherwise', linux, async () => {
  assert.deepEqual(await devicesFromPath('/dev/null', '/dev/mynull', 'r'), {
    devices: [{ path: '/dev/mynull', type: 'c', major: 1, minor: 3, fileMode: 0o666, uid: 0, gid: 0 }],
    rules: [{ allow: true, type: 'c', major: 1, minor: 3, access: 'r' }],
  });
  await assert.rejects(devicesFromPath('/dev/nope', '/dev/nope', 'rwm'), { message: 'error gathering device information while adding custom device "/dev/nope": no such file or directory' });
  await assert.rejects(devicesFromPath('/etc/hostname', '/x', 'rwm'), { message: 'error gathering device information while adding custom device "/etc/hostname": not a device node' });
  const dir = await devicesFromPath('/dev/net', '/dev/mynet', 'rw').catch(() => undefined);
  if (dir) for (const d of dir.devices) assert.match(d.path, /^\/dev\/mynet\//);
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildOciSpec, DEFAULT_CAPS, DEFAULT_DEVICE_RULES, type SpecInput } from './spec.js';

const base: SpecInput = {
  id: 'c'.repeat(64), rootfs: '/r', readonlyRootfs: false, hostname: 'h', domainname: '', args: ['sh'], env: ['PATH=/bin'], cwd: '/',
  user: { uid: 0, gid: 0, additionalGids: [] }, terminal: false, capabilities: DEFAULT_CAPS, privileged: false, noNewPrivileges: false,
  rlimits: [], network: { mode: 'new' }, ipc: { mode: 'new' }, pid: { mode: 'new' }, uts: { mode: 'new' }, shmSize: 64 << 20,
  mounts: [{ destination: '/etc/hosts', type: 'bind', source: '/x/hosts', options: ['rbind'] }], resources: {}, cgroupsPath: '/berth/c',
  devices: [], deviceRules: DEFAULT_DEVICE_RULES, sysctl: {}, annotations: {},
};

test("Docker's defaults: namespaces, mounts in parent-first order, masked paths, device rules", () => {
  const s = buildOciSpec(base);
  assert.deepEqual(s.linux.namespaces.map((n) => n.type), ['mount', 'network', 'pid', 'ipc', 'uts']);
  const dests = s.mounts.map((m) => m.destination);
  assert.ok(dests.indexOf('/dev') < dests.indexOf('/dev/pts') && dests.indexOf('/dev') < dests.indexOf('/dev/shm'));
  assert.ok(dests.includes('/etc/hosts'));
  assert.match(s.mounts.find((m) => m.destination === '/dev/shm')!.options.join(','), /size=67108864/);
  assert.ok(s.linux.maskedPaths?.includes('/proc/kcore'));
  assert.ok(s.linux.readonlyPaths?.includes('/proc/sys'));
  assert.deepEqual(s.process.capabilities.bounding, DEFAULT_CAPS);
  assert.equal(s.linux.resources.devices?.[0]?.allow, false);
  assert.equal(s.hostname, 'h');
});

test('host namespaces, privileged and an empty hostname', () => {
  const s = buildOciSpec({ ...base, network: { mode: 'host' }, ipc: { mode: 'host' }, pid: { mode: 'host' }, uts: { mode: 'host' }, hostname: '', privileged: true });
  assert.deepEqual(s.linux.namespaces.map((n) => n.type), ['mount']);
  assert.equal(s.hostname, undefined);
  assert.equal(s.linux.maskedPaths, undefined);
  assert.equal(s.mounts.find((m) => m.destination === '/dev/shm')?.type, 'bind');
  assert.ok(!s.mounts.find((m) => m.destination === '/sys')!.options.includes('ro'));
  const joined = buildOciSpec({ ...base, network: { mode: 'path', path: '/run/netns/x' } });
  assert.deepEqual(joined.linux.namespaces.find((n) => n.type === 'network'), { type: 'network', path: '/run/netns/x' });
  const pidJoined = buildOciSpec({ ...base, pid: { mode: 'path', path: '/proc/42/ns/pid' } });
  assert.deepEqual(pidJoined.linux.namespaces.filter((n) => n.type === 'pid'), [{ type: 'pid', path: '/proc/42/ns/pid' }]);
});

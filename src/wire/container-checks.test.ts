import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ALL_CAPS, checkCreate, checkResources, decode, parseUintList, CreateRequest, type ResourceCaps } from './index.js';

const caps: ResourceCaps = { ...ALL_CAPS, ncpu: 2, cpus: '0-1', mems: '0' };
const ctx = { apiMinor: 50, caps, runtimes: ['runc', 'crun'], defaultRuntime: 'runc' };
const check = (body: unknown, c: Partial<typeof ctx> = {}): string[] => checkCreate(decode(CreateRequest, body), { ...ctx, ...c });
const refused = (body: unknown, message: string | RegExp, c: Partial<typeof ctx> = {}): void => {
  assert.throws(() => check(body, c), (err: Error & { kind?: string }) => {
    assert.equal(err.kind, 'InvalidArgument');
    if (typeof message === 'string') assert.equal(err.message, message);
    else assert.match(err.message, message);
    return true;
  });
};
const hc = (h: Record<string, unknown>): Record<string, unknown> => ({ Image: 'busybox', HostConfig: h });

test('an empty config, bad isolation, QoS and conflicting network modes are refused as runconfig refuses them', () => {
  refused({}, 'config cannot be empty in order to create a container');
  refused({ HostConfig: {} }, 'config cannot be empty in order to create a container');
  refused(hc({ Isolation: 'hyperv' }), "invalid isolation (hyperv): linux only supports 'default'");
  refused(hc({ IOMaximumIOps: 5 }), 'invalid option: QoS maximum IOPs configuration is not supported on linux');
  refused(hc({ NetworkMode: 'container:' }), 'invalid network mode: invalid container format container:<name|id>');
  refused({ Image: 'b', Hostname: 'h', HostConfig: { NetworkMode: 'container:x' } }, 'conflicting options: hostname and the network mode');
  refused(hc({ NetworkMode: 'container:x', PublishAllPorts: true }), 'conflicting options: port publishing and the container type network mode');
  refused(hc({ CpuShares: -1 }), 'invalid CPU shares (-1): value must be a positive integer');
  assert.deepEqual(check(hc({ Isolation: 'Default' })), []);
});

test('resource limits that cannot work get moby messages', () => {
  refused(hc({ Memory: -1 }), 'Minimum memory limit allowed is 6MB');
  refused(hc({ Memory: 4 << 20 }), 'Minimum memory limit allowed is 6MB');
  refused(hc({ Memory: 64 << 20, MemorySwap: 32 << 20 }), 'Minimum memoryswap limit should be larger than memory limit, see usage');
  refused(hc({ MemorySwap: 64 << 20 }), 'You should always set the Memory limit when using Memoryswap limit, see usage');
  refused(hc({ MemorySwappiness: 101 }), 'Invalid value: 101, valid memory swappiness range is 0-100');
  refused(hc({ MemoryReservation: 1 }), 'Minimum memory reservation allowed is 6MB');
  refused(hc({ Memory: 8 << 20, MemoryReservation: 16 << 20 }), 'Minimum memory limit can not be less than memory reservation limit, see usage');
  refused(hc({ NanoCpus: 1e9, CpuPeriod: 100000 }), 'Conflicting options: Nano CPUs and CPU Period cannot both be set');
  refused(hc({ NanoCpus: 1e9, CpuQuota: 50000 }), 'Conflicting options: Nano CPUs and CPU Quota cannot both be set');
  refused(hc({ NanoCpus: 3e9 }), 'range of CPUs is from 0.01 to 2.00, as there are only 2 CPUs available');
  refused(hc({ NanoCpus: -1 }), 'range of CPUs is from 0.01 to 2.00, as there are only 2 CPUs available');
  refused(hc({ CpuPeriod: -1 }), 'CPU cfs period can not be less than 1ms (i.e. 1000) or larger than 1s (i.e. 1000000)');
  refused(hc({ CpuQuota: 10 }), 'CPU cfs quota can not be less than 1ms (i.e. 1000)');
  refused(hc({ CpusetCpus: '1-0' }), 'Invalid value 1-0 for cpuset cpus: invalid format: 1-0');
  refused(hc({ CpusetCpus: '7' }), 'Requested CPUs are not available - requested 7, available: 0-1');
  refused(hc({ CpusetMems: 'x' }), 'Invalid value x for cpuset mems: invalid format: x');
  refused(hc({ BlkioWeight: 5 }), 'Range of blkio weight is from 10 to 1000');
  refused(hc({ OomScoreAdj: 1001 }), 'Invalid value 1001, range for oom score adj is [-1000, 1000]');
  refused(hc({ ShmSize: -1 }), 'SHM size can not be less than 0');
});

test('limits the host cannot apply are dropped with moby warnings, and MemorySwappiness -1 means unset', () => {
  const body = decode(CreateRequest, hc({ BlkioWeight: 300, Memory: 64 << 20, CpuPercent: 5, MemorySwappiness: -1 }));
  const warnings = checkCreate(body, { ...ctx, caps: { ...caps, blkioWeight: false, swapLimit: false } });
  assert.deepEqual(warnings, [
    'Your kernel does not support swap limit capabilities or the cgroup is not mounted. Memory limited without swap.',
    'linux does not support CPU percent. Percent discarded.',
    'Your kernel does not support Block I/O weight or the cgroup is not mounted. Weight discarded.',
  ]);
  assert.equal(body.HostConfig?.BlkioWeight, 0);
  assert.equal(body.HostConfig?.MemorySwap, -1);
  assert.equal(body.HostConfig?.MemorySwappiness, undefined);
  assert.deepEqual(check({ Image: 'b', HostConfig: { NetworkMode: 'host', PortBindings: { '80/tcp': [{ HostPort: '8080' }] } } }), ['Published ports are discarded when using host network mode']);
});

test('modes, restart policies, capabilities, hosts, ports, signals, env, workdir, healthcheck, tmpfs, runtime', () => {
  refused(hc({ IpcMode: 'weird' }), 'invalid IPC mode: weird');
  refused(hc({ PidMode: 'container:' }), 'invalid PID mode: container:');
  refused(hc({ UTSMode: 'private' }), 'invalid UTS mode: private');
  refused(hc({ CgroupnsMode: 'shared' }), 'invalid cgroup namespace mode: shared');
  refused(hc({ RestartPolicy: { Name: 'sometimes' } }), "invalid restart policy: unknown policy 'sometimes'; use one of 'no', 'always', 'on-failure', or 'unless-stopped'");
  refused(hc({ RestartPolicy: { Name: 'always', MaximumRetryCount: 3 } }), "invalid restart policy: maximum retry count can only be used with 'on-failure'");
  refused(hc({ RestartPolicy: { Name: 'on-failure', MaximumRetryCount: -1 } }), 'invalid restart policy: maximum retry count cannot be negative');
  refused(hc({ AutoRemove: true, RestartPolicy: { Name: 'always' } }), "can't create 'AutoRemove' container with restart policy");
  refused(hc({ CapAdd: ['NET_ADMIN', 'FLY'] }), 'invalid CapAdd: unknown capability: "CAP_FLY"');
  refused(hc({ ExtraHosts: ['db:999.1.1.1'] }), 'invalid IP address in add-host: "999.1.1.1"');
  refused(hc({ ExtraHosts: ['nohost'] }), 'bad format for add-host: "nohost"');
  refused(hc({ PortBindings: { 'x/tcp': [] } }), 'invalid port specification: "x"');
  refused(hc({ PortBindings: { '80/tcp': [{ HostPort: '99999' }] } }), 'invalid port specification: "99999"');
  refused({ Image: 'b', StopSignal: 'SIGFOO' }, 'Invalid signal: SIGFOO');
  refused({ Image: 'b', Env: ['=x'] }, 'invalid environment variable: =x');
  refused({ Image: 'b', WorkingDir: 'rel' }, "the working directory 'rel' is invalid, it needs to be an absolute path");
  refused({ Image: 'b', Healthcheck: { Interval: 10 } }, 'Interval in Healthcheck cannot be less than 1ms');
  refused({ Image: 'b', Healthcheck: { Retries: -1 } }, 'Retries in Healthcheck cannot be negative');
  refused(hc({ Tmpfs: { rel: '' } }), "invalid mount path: 'rel' mount path must be absolute");
  refused(hc({ Runtime: 'kata' }), 'unknown or invalid runtime name: kata');
  const body = decode(CreateRequest, hc({ CapAdd: ['net_admin', 'ALL'], ExtraHosts: ['gw:host-gateway', 'v6=[::1]'], StopSignal: 'rtmin+3' }));
  assert.deepEqual(checkCreate(body, ctx), []);
  assert.equal(body.HostConfig?.Runtime, 'runc');
  assert.equal(body.HostConfig?.RestartPolicy?.Name, 'no');
});

test('per API version: multiple endpoints before 1.44, subpath before 1.45, mount options on the wrong type from 1.42', () => {
  const twoNets = { Image: 'b', NetworkingConfig: { EndpointsConfig: { a: {}, b: {} } } };
  refused(twoNets, 'Container cannot be created with multiple network endpoints: a, b', { apiMinor: 43 });
  assert.deepEqual(check(twoNets), []);
  const subpath = hc({ Mounts: [{ Type: 'volume', Source: 'v', Target: '/v', VolumeOptions: { Subpath: 'x' } }] });
  refused(subpath, 'VolumeOptions.Subpath needs API v1.45 or newer', { apiMinor: 44 });
  const wrongType = hc({ Mounts: [{ Type: 'bind', Source: '/tmp', Target: '/t', VolumeOptions: {} }] });
  refused(wrongType, 'VolumeOptions must not be specified on mount type "bind"');
  assert.deepEqual(check(wrongType, { apiMinor: 41 }), []);
  const old = decode(CreateRequest, hc({ AutoRemove: true, ConsoleSize: [24, 80] }));
  checkCreate(old, { ...ctx, apiMinor: 24 });
  assert.equal(old.HostConfig?.AutoRemove, false);
  assert.deepEqual(old.HostConfig?.ConsoleSize, [0, 0]);
  assert.equal(old.HostConfig?.IpcMode, 'shareable');
});

test('update checks allow swap without memory and report what they drop', () => {
  assert.deepEqual(checkResources({ MemorySwap: 64 << 20 }, caps, true), []);
  assert.throws(() => checkResources({ Memory: 1 }, caps, true), /Minimum memory limit allowed is 6MB/);
});

test("moby's parseUintList", () => {
  assert.deepEqual([...parseUintList('0-2,5', 0)], [0, 1, 2, 5]);
  assert.throws(() => parseUintList('0-9999', 8192), /value of out range, maximum is 8192/);
  assert.throws(() => parseUintList('a', 0), /invalid format: a/);
  assert.equal(parseUintList('', 0).size, 0);
});

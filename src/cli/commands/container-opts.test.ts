// Expected bodies are what the docker CLI 28.2.2 sent for the same flags (captured on the wire).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { StatusError, UsageError } from '../errors.js';
import { addContainerFlags, buildCreateRequest, type ContainerFlags, type CreateRequest } from './container-opts.js';

/** Parses `create` arguments through the real flag definitions. */
function parse(args: string[], env: NodeJS.ProcessEnv = {}): CreateRequest {
  let got: CreateRequest | undefined;
  const cmd = addContainerFlags(new Command('create').argument('<IMAGE>').argument('[COMMAND...]').helpOption('--help').passThroughOptions().exitOverride());
  cmd.action((image: string, rest: string[], o: ContainerFlags) => {
    got = buildCreateRequest('create', image, rest, o, [0, 0], env);
  });
  cmd.parse(args, { from: 'user' });
  assert.ok(got);
  return got;
}

const DOCKER_DEFAULT = String.raw`{"Hostname":"","Domainname":"","User":"","AttachStdin":false,"AttachStdout":true,"AttachStderr":true,"Tty":false,"OpenStdin":false,"StdinOnce":false,"Env":null,"Cmd":["echo","hi"],"Image":"busybox","Volumes":{},"WorkingDir":"","Entrypoint":null,"OnBuild":null,"Labels":{},"HostConfig":{"Binds":null,"ContainerIDFile":"","LogConfig":{"Type":"","Config":{}},"NetworkMode":"default","PortBindings":{},"RestartPolicy":{"Name":"no","MaximumRetryCount":0},"AutoRemove":false,"VolumeDriver":"","VolumesFrom":null,"ConsoleSize":[0,0],"CapAdd":null,"CapDrop":null,"CgroupnsMode":"","Dns":[],"DnsOptions":[],"DnsSearch":[],"ExtraHosts":null,"GroupAdd":null,"IpcMode":"","Cgroup":"","Links":null,"OomScoreAdj":0,"PidMode":"","Privileged":false,"PublishAllPorts":false,"ReadonlyRootfs":false,"SecurityOpt":null,"UTSMode":"","UsernsMode":"","ShmSize":0,"Isolation":"","CpuShares":0,"Memory":0,"NanoCpus":0,"CgroupParent":"","BlkioWeight":0,"BlkioWeightDevice":[],"BlkioDeviceReadBps":[],"BlkioDeviceWriteBps":[],"BlkioDeviceReadIOps":[],"BlkioDeviceWriteIOps":[],"CpuPeriod":0,"CpuQuota":0,"CpuRealtimePeriod":0,"CpuRealtimeRuntime":0,"CpusetCpus":"","CpusetMems":"","Devices":[],"DeviceCgroupRules":null,"DeviceRequests":null,"MemoryReservation":0,"MemorySwap":0,"MemorySwappiness":-1,"OomKillDisable":false,"PidsLimit":0,"Ulimits":[],"CpuCount":0,"CpuPercent":0,"IOMaximumIOps":0,"IOMaximumBandwidth":0,"MaskedPaths":null,"ReadonlyPaths":null},"NetworkingConfig":{"EndpointsConfig":{"default":{"IPAMConfig":null,"Links":null,"Aliases":null,"MacAddress":"","DriverOpts":null,"GwPriority":0,"NetworkID":"","EndpointID":"","Gateway":"","IPAddress":"","IPPrefixLen":0,"IPv6Gateway":"","GlobalIPv6Address":"","GlobalIPv6PrefixLen":0,"DNSNames":null}}}}`;
const DOCKER_MANY_FLAGS = String.raw`{"Hostname":"myhost","Domainname":"","User":"1000:1000","AttachStdin":true,"AttachStdout":true,"AttachStderr":true,"ExposedPorts":{"53/udp":{},"7000/tcp":{},"80/tcp":{},"9000/tcp":{}},"Tty":true,"OpenStdin":true,"StdinOnce":true,"Env":["A=1","X=1","FOO=bar","NOPE"],"Cmd":["sh","-c","echo x"],"Image":"busybox","Volumes":{"/anon":{}},"WorkingDir":"/tmp","Entrypoint":[""],"OnBuild":null,"Labels":{"a":"b","c":""},"StopSignal":"SIGINT","StopTimeout":5,"HostConfig":{"Binds":["/tmp:/data"],"ContainerIDFile":"","LogConfig":{"Type":"","Config":{}},"NetworkMode":"host","PortBindings":{"53/udp":[{"HostIp":"127.0.0.1","HostPort":"53"}],"80/tcp":[{"HostIp":"","HostPort":"8080"}],"9000/tcp":[{"HostIp":"","HostPort":""}]},"RestartPolicy":{"Name":"on-failure","MaximumRetryCount":3},"AutoRemove":false,"VolumeDriver":"","VolumesFrom":null,"ConsoleSize":[0,0],"CapAdd":["CAP_NET_ADMIN"],"CapDrop":["ALL"],"CgroupnsMode":"","Dns":["8.8.8.8"],"DnsOptions":["ndots:2"],"DnsSearch":["example.com"],"ExtraHosts":["foo:1.2.3.4"],"GroupAdd":["10"],"IpcMode":"","Cgroup":"","Links":null,"OomScoreAdj":0,"PidMode":"","Privileged":true,"PublishAllPorts":false,"ReadonlyRootfs":true,"SecurityOpt":["no-new-privileges"],"UTSMode":"","UsernsMode":"","ShmSize":1073741824,"Runtime":"runc","Isolation":"","CpuShares":512,"Memory":67108864,"NanoCpus":1500000000,"CgroupParent":"","BlkioWeight":300,"BlkioWeightDevice":[],"BlkioDeviceReadBps":[],"BlkioDeviceWriteBps":[],"BlkioDeviceReadIOps":[],"BlkioDeviceWriteIOps":[],"CpuPeriod":0,"CpuQuota":0,"CpuRealtimePeriod":0,"CpuRealtimeRuntime":0,"CpusetCpus":"0","CpusetMems":"","Devices":[{"PathOnHost":"/dev/null","PathInContainer":"/dev/mynull","CgroupPermissions":"r"}],"DeviceCgroupRules":null,"DeviceRequests":null,"MemoryReservation":33554432,"MemorySwap":134217728,"MemorySwappiness":-1,"OomKillDisable":true,"PidsLimit":100,"Ulimits":[{"Name":"nofile","Hard":2048,"Soft":1024},{"Name":"nproc","Hard":10,"Soft":10}],"CpuCount":0,"CpuPercent":0,"IOMaximumIOps":0,"IOMaximumBandwidth":0,"MaskedPaths":null,"ReadonlyPaths":null,"Init":true},"NetworkingConfig":{"EndpointsConfig":{}}}`;

const DOCKER_STORAGE_FLAGS = String.raw`{"Hostname":"","Domainname":"","User":"","AttachStdin":false,"AttachStdout":true,"AttachStderr":true,"Tty":false,"OpenStdin":false,"StdinOnce":false,"Env":null,"Cmd":null,"Image":"busybox","Volumes":{"/anon":{}},"WorkingDir":"","Entrypoint":null,"OnBuild":null,"Labels":{},"HostConfig":{"Binds":["/a:/b"],"ContainerIDFile":"","LogConfig":{"Type":"","Config":{}},"NetworkMode":"default","PortBindings":{},"RestartPolicy":{"Name":"no","MaximumRetryCount":0},"AutoRemove":false,"VolumeDriver":"local","VolumesFrom":["other:ro"],"ConsoleSize":[0,0],"CapAdd":null,"CapDrop":null,"CgroupnsMode":"","Dns":[],"DnsOptions":[],"DnsSearch":[],"ExtraHosts":null,"GroupAdd":null,"IpcMode":"","Cgroup":"","Links":null,"OomScoreAdj":0,"PidMode":"","Privileged":false,"PublishAllPorts":false,"ReadonlyRootfs":false,"SecurityOpt":null,"Tmpfs":{"/run":"rw,size=1m"},"UTSMode":"","UsernsMode":"","ShmSize":0,"Isolation":"","CpuShares":0,"Memory":0,"NanoCpus":0,"CgroupParent":"","BlkioWeight":0,"BlkioWeightDevice":[],"BlkioDeviceReadBps":[],"BlkioDeviceWriteBps":[],"BlkioDeviceReadIOps":[],"BlkioDeviceWriteIOps":[],"CpuPeriod":0,"CpuQuota":0,"CpuRealtimePeriod":0,"CpuRealtimeRuntime":0,"CpusetCpus":"","CpusetMems":"","Devices":[],"DeviceCgroupRules":null,"DeviceRequests":null,"MemoryReservation":0,"MemorySwap":0,"MemorySwappiness":-1,"OomKillDisable":false,"PidsLimit":0,"Ulimits":[],"CpuCount":0,"CpuPercent":0,"IOMaximumIOps":0,"IOMaximumBandwidth":0,"Mounts":[{"Type":"bind","Source":"/x","Target":"/y","ReadOnly":true,"BindOptions":{"Propagation":"rshared"}},{"Type":"volume","Source":"vol","Target":"/data","VolumeOptions":{"NoCopy":true,"Labels":{"a":"b"},"DriverConfig":{"Name":"local","Options":{"type":"tmpfs"}}}},{"Type":"tmpfs","Target":"/t","TmpfsOptions":{"SizeBytes":67108864,"Mode":1016}}],"MaskedPaths":null,"ReadonlyPaths":null},"NetworkingConfig":{"EndpointsConfig":{"default":{"IPAMConfig":null,"Links":null,"Aliases":null,"MacAddress":"","DriverOpts":null,"GwPriority":0,"NetworkID":"","EndpointID":"","Gateway":"","IPAddress":"","IPPrefixLen":0,"IPv6Gateway":"","GlobalIPv6Address":"","GlobalIPv6PrefixLen":0,"DNSNames":null}}}}`;

test('no flags: the body docker sends, byte for byte', () => {
  const r = parse(['busybox', 'echo', 'hi']);
  assert.equal(JSON.stringify(r.body), DOCKER_DEFAULT);
  assert.equal(r.name, undefined);
});

test('many flags: the body docker sends, byte for byte', () => {
  const dir = mkdtempSync(join(tmpdir(), 'berth-opts-'));
  try {
    const envFile = join(dir, 'env.list');
    writeFileSync(envFile, 'A=1\n# comment\nB\n');
    const r = parse([
      '--name', 'full', '-e', 'X=1', '-e', 'FOO', '-e', 'NOPE', '--env-file', envFile, '-w', '/tmp', '-u', '1000:1000', '--group-add', '10',
      '-h', 'myhost', '--entrypoint', '', '-l', 'a=b', '-l', 'c', '--init', '--stop-signal', 'SIGINT', '--stop-timeout', '5', '--runtime', 'runc',
      '--network', 'host', '--privileged', '--read-only', '--cap-add', 'NET_ADMIN', '--cap-drop', 'ALL', '--security-opt', 'no-new-privileges',
      '-m', '64m', '--memory-swap', '128m', '--memory-reservation', '32m', '--oom-kill-disable', '--cpus', '1.5', '--cpu-shares', '512',
      '--cpuset-cpus', '0', '--pids-limit', '100', '--ulimit', 'nofile=1024:2048', '--ulimit', 'nproc=10', '--shm-size', '1g', '--blkio-weight', '300',
      '--device', '/dev/null:/dev/mynull:r', '--restart', 'on-failure:3', '--dns', '8.8.8.8', '--dns-search', 'example.com', '--dns-option', 'ndots:2',
      '--add-host', 'foo:1.2.3.4', '-v', '/tmp:/data', '-v', '/anon', '-p', '8080:80', '-p', '127.0.0.1:53:53/udp', '-p', '9000', '--expose', '7000',
      '-t', '-i', 'busybox', 'sh', '-c', 'echo x',
    ], { FOO: 'bar' });
    assert.equal(JSON.stringify(r.body), DOCKER_MANY_FLAGS);
    assert.equal(r.name, 'full');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('--link and --device-cgroup-rule: HostConfig lists as docker sends them, bad rules as its flag error', () => {
  const r = parse(['--link', 'db:alias', '--link', 'web', '--device-cgroup-rule', 'c 1:3 mr', '--device-cgroup-rule', 'a *:* rwm', 'busybox']);
  assert.deepEqual(r.body.HostConfig.Links, ['db:alias', 'web']);
  assert.deepEqual(r.body.HostConfig.DeviceCgroupRules, ['c 1:3 mr', 'a *:* rwm']);
  assert.throws(
    () => parse(['--device-cgroup-rule', 'c 1:3', 'busybox']),
    (err: unknown) => err instanceof UsageError && err.status === 125 && err.message === `invalid argument "c 1:3" for "--device-cgroup-rule" flag: invalid device cgroup format 'c 1:3'`,
  );
});

test('flags after the image belong to the command', () => {
  const r = parse(['--rm', 'busybox', 'ls', '-l', '--rm']);
  assert.deepEqual(r.body.Cmd, ['ls', '-l', '--rm']);
  assert.equal(r.body.HostConfig.AutoRemove, true);
});

test('ports: ranges, host IPs, published=/target= syntax', () => {
  const r = parse(['-p', '8000-8001:80-81', '-p', '[::1]:53:53/udp', '-p', 'published=9090,target=90', '-p', '127.0.0.1::5000', 'busybox']);
  assert.deepEqual(r.body.ExposedPorts, { '5000/tcp': {}, '53/udp': {}, '80/tcp': {}, '81/tcp': {}, '90/tcp': {} });
  assert.deepEqual(r.body.HostConfig.PortBindings, {
    '5000/tcp': [{ HostIp: '127.0.0.1', HostPort: '' }],
    '53/udp': [{ HostIp: '::1', HostPort: '53' }],
    '80/tcp': [{ HostIp: '', HostPort: '8000' }],
    '81/tcp': [{ HostIp: '', HostPort: '8001' }],
    '90/tcp': [{ HostIp: '', HostPort: '9090' }],
  });
});

test('bad values: docker flag errors (UsageError) and parse errors (withHelp), both exit 125', () => {
  const flagError = (args: string[], message: string): void => {
    assert.throws(() => parse([...args, 'busybox']), (err: unknown) => err instanceof UsageError && err.status === 125 && err.message === message);
  };
  flagError(['-m', 'lots'], `invalid argument "lots" for "-m, --memory" flag: invalid size: 'lots'`);
  flagError(['--cpus', 'abc'], 'invalid argument "abc" for "--cpus" flag: failed to parse abc as a rational number');
  flagError(['--cpu-shares', 'x'], 'invalid argument "x" for "-c, --cpu-shares" flag: strconv.ParseInt: parsing "x": invalid syntax');
  flagError(['--blkio-weight', '70000'], 'invalid argument "70000" for "--blkio-weight" flag: strconv.ParseUint: parsing "70000": value out of range');
  flagError(['--ulimit', 'nofile=5:2'], 'invalid argument "nofile=5:2" for "--ulimit" flag: ulimit soft limit must be less than or equal to hard limit: 5 > 2');
  flagError(['--ulimit', 'bogus=1'], 'invalid argument "bogus=1" for "--ulimit" flag: invalid ulimit type: bogus');
  flagError(['-e', '=x'], 'invalid argument "=x" for "-e, --env" flag: invalid environment variable: =x');
  flagError(['--add-host', 'nohost'], `invalid argument "nohost" for "--add-host" flag: bad format for add-host: "nohost"`);
  flagError(['--dns', 'x.y'], 'invalid argument "x.y" for "--dns" flag: IP address is not correctly formatted: x.y');
  const parseError = (args: string[], message: string): void => {
    assert.throws(() => parse([...args, 'busybox']), (err: unknown) => err instanceof StatusError && err.status === 125 && err.message === `berth: ${message}\n\nRun 'berth create --help' for more information`);
  };
  parseError(['--rm', '--restart', 'always'], 'conflicting options: cannot specify both --restart and --rm');
  parseError(['--restart', 'on-failure:x'], 'invalid restart policy format: maximum retry count must be an integer');
  parseError(['-p', '1:2:3:4/xx'], 'invalid IP address: 1:2');
  parseError(['-p', '80/xx'], 'invalid proto: xx');
  parseError(['--device', 'rel'], 'rel is not an absolute path');
  parseError(['--memory-swappiness', '101'], 'invalid value: 101. Valid memory swappiness range is 0-100');
  parseError(['--security-opt', 'bogus'], 'Invalid --security-opt: "bogus"');
  parseError(['--no-healthcheck', '--health-cmd', 'true'], '--no-healthcheck conflicts with --health-* options');
});

test('storage flags (--mount, -v, --tmpfs, --volumes-from, --volume-driver): the body docker sends, byte for byte', () => {
  const r = parse([
    '--mount', 'type=bind,src=/x,target=/y,ro,bind-propagation=rshared',
    '--mount', 'type=volume,src=vol,dst=/data,volume-nocopy,volume-label=a=b,volume-driver=local,volume-opt=type=tmpfs',
    '--mount', 'type=tmpfs,dst=/t,tmpfs-size=64m,tmpfs-mode=1770',
    '-v', '/a:/b', '-v', '/anon', '--tmpfs', '/run:rw,size=1m', '--volumes-from', 'other:ro', '--volume-driver', 'local', 'busybox',
  ]);
  assert.equal(JSON.stringify(r.body), DOCKER_STORAGE_FLAGS);
});

test('-v: relative ./ and ../ host paths made absolute, named volumes and ~ left alone, repeats counted once', () => {
  const r = parse(['-v', './rel:/b:ro', '-v', 'rel:/z', '-v', '~/h:/h', '-v', '/a:/b', '-v', '/a:/b', '-v', 'c:/foo', '-v', 'ab', 'busybox']);
  assert.deepEqual(r.body.HostConfig.Binds, [`${process.cwd()}/rel:/b:ro`, 'rel:/z', '~/h:/h', '/a:/b']);
  assert.deepEqual(r.body.Volumes, { ab: {}, 'c:/foo': {} });
});

test('bad --mount and -v values: docker\'s flag error and parse error', () => {
  assert.throws(() => parse(['--mount', 'type=bind,src=/x', 'busybox']), (err: unknown) => err instanceof UsageError && err.status === 125 && err.message === 'invalid argument "type=bind,src=/x" for "--mount" flag: target is required');
  assert.throws(() => parse(['-v', '/a::/b', 'busybox']), (err: unknown) => err instanceof StatusError && err.status === 125 && err.message === "berth: invalid spec: /a::/b: empty section between colons\n\nRun 'berth create --help' for more information");
});

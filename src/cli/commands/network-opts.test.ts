// Expected bodies and messages are what the docker CLI 28.2.2 sent and printed for the same flags
// (captured by a logging Engine API server on a unix socket).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Command } from 'commander';
import { encodeJsonBody } from '../../client/index.js';
import { StatusError, UsageError } from '../errors.js';
import { addContainerFlags, buildCreateRequest, type ContainerFlags, type CreateRequest } from './container-opts.js';
import { localhostDNSWarning, parseNetworkFlag, readCsvRecord, validateDNSSearch, validateIPAddress } from './network-opts.js';

/** Parses `create` arguments through the real flag definitions. */
function parse(args: string[]): CreateRequest {
  let got: CreateRequest | undefined;
  const cmd = addContainerFlags(new Command('create').argument('<IMAGE>').argument('[COMMAND...]').helpOption('--help').passThroughOptions().exitOverride());
  cmd.action((image: string, rest: string[], o: ContainerFlags) => {
    got = buildCreateRequest('create', image, rest, o, [0, 0], {});
  });
  cmd.parse([...args, 'busybox'], { from: 'user' });
  assert.ok(got);
  return got;
}

/** The networking parts of the body, in the shape the docker captures below were reduced to. */
function networking(r: CreateRequest): string {
  const b = r.body as unknown as Record<string, unknown> & { HostConfig: Record<string, unknown>; NetworkingConfig: { EndpointsConfig: unknown } };
  const h = b.HostConfig;
  return JSON.stringify({
    NetworkMode: h.NetworkMode, Links: h.Links, PortBindings: h.PortBindings, ExposedPorts: b.ExposedPorts, PublishAllPorts: h.PublishAllPorts, Dns: h.Dns, DnsSearch: h.DnsSearch,
    DnsOptions: h.DnsOptions, ExtraHosts: h.ExtraHosts, Hostname: b.Hostname, EndpointsConfig: b.NetworkingConfig.EndpointsConfig,
  });
}

const EP = '"MacAddress":"","DriverOpts":null,"GwPriority":0,"NetworkID":"","EndpointID":"","Gateway":"","IPAddress":"","IPPrefixLen":0,"IPv6Gateway":"","GlobalIPv6Address":"","GlobalIPv6PrefixLen":0,"DNSNames":null';
const EP_TAIL = '"NetworkID":"","EndpointID":"","Gateway":"","IPAddress":"","IPPrefixLen":0,"IPv6Gateway":"","GlobalIPv6Address":"","GlobalIPv6PrefixLen":0,"DNSNames":null';

test('run/create: the whole body docker sends with network flags, byte for byte', () => {
  const r = parse(['--network', 'net2', '-h', 'myhost', '--network-alias', 'web', '--ip', '172.18.0.5', '-p', '8080:80', '--dns', '9.9.9.9', '--add-host', 'x:1.1.1.1', '--mac-address', '02:42:ac:11:00:02', '-l', 'x=<&>']);
  const docker = String.raw`{"Hostname":"myhost","Domainname":"","User":"","AttachStdin":false,"AttachStdout":true,"AttachStderr":true,"ExposedPorts":{"80/tcp":{}},"Tty":false,"OpenStdin":false,"StdinOnce":false,"Env":null,"Cmd":null,"Image":"busybox","Volumes":{},"WorkingDir":"","Entrypoint":null,"OnBuild":null,"Labels":{"x":"\u003c\u0026\u003e"},"HostConfig":{"Binds":null,"ContainerIDFile":"","LogConfig":{"Type":"","Config":{}},"NetworkMode":"net2","PortBindings":{"80/tcp":[{"HostIp":"","HostPort":"8080"}]},"RestartPolicy":{"Name":"no","MaximumRetryCount":0},"AutoRemove":false,"VolumeDriver":"","VolumesFrom":null,"ConsoleSize":[0,0],"CapAdd":null,"CapDrop":null,"CgroupnsMode":"","Dns":["9.9.9.9"],"DnsOptions":[],"DnsSearch":[],"ExtraHosts":["x:1.1.1.1"],"GroupAdd":null,"IpcMode":"","Cgroup":"","Links":null,"OomScoreAdj":0,"PidMode":"","Privileged":false,"PublishAllPorts":false,"ReadonlyRootfs":false,"SecurityOpt":null,"UTSMode":"","UsernsMode":"","ShmSize":0,"Isolation":"","CpuShares":0,"Memory":0,"NanoCpus":0,"CgroupParent":"","BlkioWeight":0,"BlkioWeightDevice":[],"BlkioDeviceReadBps":[],"BlkioDeviceWriteBps":[],"BlkioDeviceReadIOps":[],"BlkioDeviceWriteIOps":[],"CpuPeriod":0,"CpuQuota":0,"CpuRealtimePeriod":0,"CpuRealtimeRuntime":0,"CpusetCpus":"","CpusetMems":"","Devices":[],"DeviceCgroupRules":null,"DeviceRequests":null,"MemoryReservation":0,"MemorySwap":0,"MemorySwappiness":-1,"OomKillDisable":false,"PidsLimit":0,"Ulimits":[],"CpuCount":0,"CpuPercent":0,"IOMaximumIOps":0,"IOMaximumBandwidth":0,"MaskedPaths":null,"ReadonlyPaths":null},"NetworkingConfig":{"EndpointsConfig":{"net2":{"IPAMConfig":{"IPv4Address":"172.18.0.5"},"Links":null,"Aliases":["web"],"MacAddress":"02:42:ac:11:00:02","DriverOpts":null,"GwPriority":0,"NetworkID":"","EndpointID":"","Gateway":"","IPAddress":"","IPPrefixLen":0,"IPv6Gateway":"","GlobalIPv6Address":"","GlobalIPv6PrefixLen":0,"DNSNames":null}}}}` + '\n';
  assert.equal(encodeJsonBody(r.body), docker);
});

test('run/create: endpoints, links, ports, DNS and hosts as docker sends them', () => {
  assert.equal(
    networking(parse(['--network', 'name=net2,alias=a,alias=b,ip=172.18.0.9,driver-opt=com.x=1,gw-priority=5', '--network', 'net10', '--link', 'web:w'])),
    `{"NetworkMode":"net2","Links":["web:w"],"PortBindings":{},"PublishAllPorts":false,"Dns":[],"DnsSearch":[],"DnsOptions":[],"ExtraHosts":null,"Hostname":"","EndpointsConfig":{"net10":{"IPAMConfig":null,"Links":null,"Aliases":null,${EP}},"net2":{"IPAMConfig":{"IPv4Address":"172.18.0.9"},"Links":["web:w"],"Aliases":["a","b"],"MacAddress":"","DriverOpts":{"com.x":"1"},"GwPriority":5,${EP_TAIL}}}}`,
  );
  assert.equal(
    networking(parse([
      '--ip', '172.17.0.5', '--ip6', 'fd00::5', '--link-local-ip', '169.254.1.1', '--link', 'web', '-p', '127.0.0.1:8000-8001:80-81/udp', '-p', '[::1]::53', '-p', '9000', '-P', '--expose', '7000-7001',
      '--dns', '::ffff:1.2.3.4', '--dns-search', 'ok.', '--dns-opt', 'a', '--dns-option', 'b', '--add-host', 'v6:[::1]', '--add-host', 'gw:host-gateway',
    ])),
    `{"NetworkMode":"default","Links":["web"],"PortBindings":{"53/tcp":[{"HostIp":"::1","HostPort":""}],"80/udp":[{"HostIp":"127.0.0.1","HostPort":"8000"}],"81/udp":[{"HostIp":"127.0.0.1","HostPort":"8001"}],"9000/tcp":[{"HostIp":"","HostPort":""}]},"ExposedPorts":{"53/tcp":{},"7000/tcp":{},"7001/tcp":{},"80/udp":{},"81/udp":{},"9000/tcp":{}},"PublishAllPorts":true,"Dns":["1.2.3.4"],"DnsSearch":["ok"],"DnsOptions":["a","b"],"ExtraHosts":["v6:::1","gw:host-gateway"],"Hostname":"","EndpointsConfig":{"default":{"IPAMConfig":{"IPv4Address":"172.17.0.5","IPv6Address":"fd00::5","LinkLocalIPs":["169.254.1.1"]},"Links":null,"Aliases":null,${EP}}}}`,
  );
  // --net and --network share one list, in command-line order; so do --net-alias and --network-alias.
  assert.equal(
    networking(parse(['--net', 'net10', '--network', 'name=net2', '--net-alias', 'a'])),
    `{"NetworkMode":"net10","Links":null,"PortBindings":{},"PublishAllPorts":false,"Dns":[],"DnsSearch":[],"DnsOptions":[],"ExtraHosts":null,"Hostname":"","EndpointsConfig":{"net10":{"IPAMConfig":null,"Links":null,"Aliases":["a"],${EP}},"net2":{"IPAMConfig":null,"Links":null,"Aliases":null,${EP}}}}`,
  );
  // A single network without options: no endpoint entry (the daemon makes it).
  assert.match(networking(parse(['--network', 'net2'])), /"NetworkMode":"net2".*"EndpointsConfig":\{\}\}$/);
  assert.match(networking(parse(['--network', 'name=net2'])), /"NetworkMode":"net2".*"EndpointsConfig":\{\}\}$/);
  // docker lower-cases the long syntax whole, values too.
  assert.deepEqual((parse(['--network', 'name=net2,Alias=UP']).body.NetworkingConfig as { EndpointsConfig: { net2: { Aliases: string[] } } }).EndpointsConfig.net2.Aliases, ['up']);
});

test('run/create: network flag errors, worded and exiting as docker', () => {
  const usage = (args: string[], message: string): void => {
    assert.throws(() => parse(args), (err: unknown) => err instanceof UsageError && err.status === 125 && err.message === message);
  };
  usage(['--network', 'alias=x'], 'invalid argument "alias=x" for "--network" flag: network name/id is not specified');
  usage(['--net', 'name=net2,foo=bar'], 'invalid argument "name=net2,foo=bar" for "--net" flag: invalid field key foo');
  usage(['--network', 'name=net2,alias="x'], 'invalid argument "name=net2,alias=\\"x" for "--network" flag: parse error on line 1, column 17: bare " in non-quoted-field');
  usage(['--network', 'name=net2,gw-priority=abc'], 'invalid argument "name=net2,gw-priority=abc" for "--network" flag: invalid gw-priority (abc): invalid syntax');
  usage(['--network', 'name=net2,driver-opt=nokey'], 'invalid argument "name=net2,driver-opt=nokey" for "--network" flag: invalid key value pair format in driver options');
  usage(['--dns', 'nope'], 'invalid argument "nope" for "--dns" flag: IP address is not correctly formatted: nope');
  usage(['--dns-search', '-bad'], 'invalid argument "-bad" for "--dns-search" flag: -bad is not a valid domain');
  usage(['--link', 'a:b:c'], 'invalid argument "a:b:c" for "--link" flag: bad format for links: a:b:c');
  usage(['--add-host', 'foo:nope'], 'invalid argument "foo:nope" for "--add-host" flag: invalid IP address in add-host: "nope"');
  const help = (args: string[], message: string): void => {
    assert.throws(() => parse(args), (err: unknown) => err instanceof StatusError && err.status === 125 && err.message === `berth: ${message}\n\nRun 'berth create --help' for more information`);
  };
  help(['--mac-address', 'nope'], 'nope is not a valid mac address');
  help(['--network-alias', 'x'], 'network-scoped aliases are only supported for user-defined networks');
  help(['--network', 'bridge', '--network-alias', 'x'], 'network-scoped aliases are only supported for user-defined networks');
  help(['--network', 'bridge', '--link', 'web:w', '--network-alias', 'y'], 'network-scoped aliases are only supported for user-defined networks');
  help(['--network', 'net2', '--network', 'host'], 'conflicting options: cannot attach both user-defined and non-user-defined network-modes');
  help(['--network', 'net2', '--network', 'net2'], 'network "net2" is specified multiple times');
  help(['--network', 'name=net2,alias=a', '--network-alias', 'b'], 'conflicting options: cannot specify both --network-alias and per-network alias');
  help(['--network', 'name=net2,ip=1.2.3.4', '--ip', '5.6.7.8'], 'conflicting options: cannot specify both --ip and per-network IPv4 address');
  help(['--network', 'name=host,alias=x'], 'network-scoped aliases are only supported for user-defined networks');
  help(['--network', 'name=net2,mac-address=zz'], 'zz is not a valid mac address');
  help(['--network', '   '], 'no name set for network');
});

test('network flag parsing and validators', () => {
  assert.deepEqual(readCsvRecord('a,"b,c","d""e",'), ['a', 'b,c', 'd"e', '']);
  const n = parseNetworkFlag('name=net2,ip6=2001:db8::1,link-local-ip=169.254.0.1,link-local-ip=169.254.0.2,mac-address=02:42:AC:11:00:09');
  assert.deepEqual([n.target, n.ipv6Address, n.linkLocalIps, n.macAddress], ['net2', '2001:db8::1', ['169.254.0.1', '169.254.0.2'], '02:42:ac:11:00:09']);
  assert.equal(parseNetworkFlag('container:web').target, 'container:web');
  assert.equal(validateIPAddress(' 0:0:0:0:0:0:0:1 '), '::1');
  assert.equal(validateDNSSearch('.'), '.');
  // docker's pattern has `(:?` where `(?:` was meant: a leading colon passes.
  assert.equal(validateDNSSearch(':a.com'), ':a.com');
  assert.throws(() => validateDNSSearch('a:b.com'), { message: 'a:b.com is not a valid domain' });
  assert.equal(validateDNSSearch('x. '), 'x');
  assert.throws(() => validateDNSSearch('123'), { message: '123 is not a valid domain' });
  assert.equal(localhostDNSWarning(['8.8.8.8', '127.0.0.53', '::1']), 'Localhost DNS (127.0.0.53) may fail in containers.');
  assert.equal(localhostDNSWarning(['8.8.8.8']), undefined);
});

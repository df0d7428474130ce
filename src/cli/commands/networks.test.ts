// Expected output is what the docker CLI 28.2.2 printed and sent for the same Engine API replies
// (a logging server answered both CLIs with these networks).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { encodeJsonBody } from '../../client/index.js';
import { StatusError } from '../errors.js';
import { naturalCompare } from '../format/natural-sort.js';
import { inspectNetworks, networkConnectBody, networkCreateBody, renderNetworkList, renderNetworkPruneReport, type CreateFlags, type WireNetwork } from './networks.js';

const hex = (c: string): string => c.repeat(64);
const net = (name: string, id: string, extra: Partial<WireNetwork> = {}): WireNetwork => ({
  Name: name, Id: id, Created: '2026-11-24T05:00:00.123456789Z', Scope: 'local', Driver: 'bridge', EnableIPv4: true, EnableIPv6: false,
  IPAM: { Driver: 'default', Options: null, Config: [{ Subnet: '172.18.0.0/16', Gateway: '172.18.0.1' }] },
  Internal: false, Attachable: false, Ingress: false, ConfigFrom: { Network: '' }, ConfigOnly: false, Containers: {}, Options: {}, Labels: {}, ...extra,
});
const NETS = [
  net('bridge', hex('1'), { Created: '2026-11-20T01:02:03Z', IPAM: { Driver: 'default', Options: null, Config: [{ Subnet: '172.17.0.0/16', Gateway: '172.17.0.1' }] } }),
  net('host', hex('2'), { Driver: 'host', IPAM: { Driver: 'default', Options: null, Config: [] }, Created: '2026-11-20T01:02:03.5+01:00' }),
  net('none', hex('3'), { Driver: 'null', IPAM: { Driver: 'default', Options: null, Config: [] } }),
  net('net10', 'abcdef0123456789' + hex('4').slice(16), {
    Labels: { b: '2', a: '1', 'com.example.x-y_z': 'v<>&' }, Internal: true, EnableIPv6: true,
    IPAM: { Driver: 'default', Options: { foo: 'bar' }, Config: [{ Subnet: '10.10.0.0/24', IPRange: '10.10.0.128/25', Gateway: '10.10.0.1' }] },
  }),
  net('net2', hex('5'), {
    Attachable: true,
    Containers: {
      [hex('c')]: { Name: 'web', EndpointID: hex('e'), MacAddress: '02:42:ac:12:00:02', IPv4Address: '172.18.0.2/16', IPv6Address: '' },
      [hex('d')]: { Name: 'db', EndpointID: hex('f'), MacAddress: '02:42:ac:12:00:03', IPv4Address: '172.18.0.3/16', IPv6Address: '' },
    },
    Options: { 'com.docker.network.driver.mtu': '1400' },
  }),
];
const SORTED = [...NETS].sort((a, b) => naturalCompare(a.Name, b.Name));

test('network ls: natural order, default table, -q, raw, --no-trunc', () => {
  assert.deepEqual(SORTED.map((n) => n.Name), ['bridge', 'host', 'net2', 'net10', 'none']);
  const table = [
    'NETWORK ID     NAME      DRIVER    SCOPE',
    '111111111111   bridge    bridge    local',
    '222222222222   host      host      local',
    '555555555555   net2      bridge    local',
    'abcdef012345   net10     bridge    local',
    '333333333333   none      null      local',
    '',
  ].join('\n');
  assert.equal(renderNetworkList(SORTED, {}), table);
  assert.equal(renderNetworkList(SORTED, { format: 'table' }), table);
  assert.equal(renderNetworkList([], {}), 'NETWORK ID   NAME      DRIVER    SCOPE\n');
  assert.equal(renderNetworkList(SORTED, { quiet: true }), '111111111111\n222222222222\n555555555555\nabcdef012345\n333333333333\n');
  assert.equal(renderNetworkList(SORTED, { quiet: true, format: 'table' }), renderNetworkList(SORTED, { quiet: true }));
  assert.equal(renderNetworkList(SORTED.slice(0, 1), { format: 'raw' }), 'network_id: 111111111111\nname: bridge\ndriver: bridge\nscope: local\n\n');
  assert.equal(renderNetworkList(SORTED.slice(0, 2), { format: 'raw', quiet: true }), 'network_id: 111111111111\nnetwork_id: 222222222222\n');
  assert.equal(renderNetworkList(SORTED.slice(3, 4), { format: '{{.ID}}', noTrunc: true }), 'abcdef0123456789444444444444444444444444444444444444444444444444\n');
});

test('network ls --format: json keys, fields, Label header, errors', () => {
  const json = renderNetworkList(SORTED, { format: 'json' }).split('\n');
  assert.equal(json[0], '{"CreatedAt":"2026-11-20 01:02:03 +0000 UTC","Driver":"bridge","ID":"111111111111","IPv4":"true","IPv6":"false","Internal":"false","Labels":"","Name":"bridge","Scope":"local"}');
  assert.equal(json[1], '{"CreatedAt":"2026-11-20 01:02:03.5 +0100 +0100","Driver":"host","ID":"222222222222","IPv4":"true","IPv6":"false","Internal":"false","Labels":"","Name":"host","Scope":"local"}');
  assert.equal(json[3], '{"CreatedAt":"2026-11-24 05:00:00.123456789 +0000 UTC","Driver":"bridge","ID":"abcdef012345","IPv4":"true","IPv6":"true","Internal":"true","Labels":"b=2,a=1,com.example.x-y_z=v\\u003c\\u003e\\u0026","Name":"net10","Scope":"local"}');
  assert.equal(
    renderNetworkList(SORTED, { format: 'table {{.Name}}\\t{{.Label "com.example.x-y_z"}}\\t{{.Internal}}' }),
    'NAME      x y z     INTERNAL\nbridge              false\nhost                false\nnet2                false\nnet10     v<>&      true\nnone                false\n',
  );
  assert.equal(
    renderNetworkList(SORTED.slice(0, 4), { format: '{{.Name}}|{{.Labels}}|{{.CreatedAt}}|{{.IPv6}}' }),
    'bridge||2026-11-20 01:02:03 +0000 UTC|false\nhost||2026-11-20 01:02:03.5 +0100 +0100|false\nnet2||2026-11-24 05:00:00.123456789 +0000 UTC|false\nnet10|b=2,a=1,com.example.x-y_z=v<>&|2026-11-24 05:00:00.123456789 +0000 UTC|true\n',
  );
  assert.equal(
    renderNetworkList(SORTED.slice(3, 4), { format: '{{.ID}} {{.Label "a"}} {{.Labels}}', noTrunc: true, quiet: true }),
    'abcdef0123456789444444444444444444444444444444444444444444444444 1 b=2,a=1,com.example.x-y_z=v<>&\n',
  );
  assert.throws(() => renderNetworkList(SORTED, { format: '{{.Nope}}' }), {
    message: 'template parsing error: template: :1:2: executing "" at <.Nope>: can\'t evaluate field Nope in type *network.networkContext',
  });
});

/** A fetch over the fixtures, answering as the daemon would (its JSON text). */
const fetchRaw = async (name: string): Promise<string> => {
  const n = NETS.find((x) => x.Name === name);
  return n ? Promise.resolve(`${JSON.stringify(n)}\n`) : Promise.reject(new Error(`Error response from daemon: network ${name} not found`));
};

test('network inspect: the daemon\'s JSON re-indented or compacted, in its key order', async () => {
  const out: string[] = [];
  await inspectNetworks((t) => out.push(t), ['host'], undefined, fetchRaw);
  assert.equal(
    out.pop(),
    '[\n    {\n        "Name": "host",\n        "Id": "2222222222222222222222222222222222222222222222222222222222222222",\n        "Created": "2026-11-20T01:02:03.5+01:00",\n        "Scope": "local",\n        "Driver": "host",\n        "EnableIPv4": true,\n        "EnableIPv6": false,\n        "IPAM": {\n            "Driver": "default",\n            "Options": null,\n            "Config": []\n        },\n        "Internal": false,\n        "Attachable": false,\n        "Ingress": false,\n        "ConfigFrom": {\n            "Network": ""\n        },\n        "ConfigOnly": false,\n        "Containers": {},\n        "Options": {},\n        "Labels": {}\n    }\n]\n',
  );
  await inspectNetworks((t) => out.push(t), ['net10'], 'json', fetchRaw);
  assert.equal(
    out.pop(),
    '[{"Name":"net10","Id":"abcdef0123456789444444444444444444444444444444444444444444444444","Created":"2026-11-24T05:00:00.123456789Z","Scope":"local","Driver":"bridge","EnableIPv4":true,"EnableIPv6":true,"IPAM":{"Driver":"default","Options":{"foo":"bar"},"Config":[{"Subnet":"10.10.0.0/24","IPRange":"10.10.0.128/25","Gateway":"10.10.0.1"}]},"Internal":true,"Attachable":false,"Ingress":false,"ConfigFrom":{"Network":""},"ConfigOnly":false,"Containers":{},"Options":{},"Labels":{"b":"2","a":"1","com.example.x-y_z":"v<>&"}}]\n',
  );
  await assert.rejects(inspectNetworks((t) => out.push(t), ['nosuch', 'host'], 'json', fetchRaw), (err: unknown) => err instanceof StatusError && err.status === 1 && err.message === 'Error response from daemon: network nosuch not found');
  assert.match(out.pop()!, /^\[\{"Name":"host",/);
  await assert.rejects(inspectNetworks((t) => out.push(t), ['nosuch'], undefined, fetchRaw), StatusError);
  assert.equal(out.pop(), '[]\n');
});

test('network inspect -f: docker\'s network.Inspect struct, then the raw JSON', async () => {
  const out: string[] = [];
  const run = async (format: string, ...names: string[]): Promise<string> => {
    await inspectNetworks((t) => out.push(t), names, format, fetchRaw);
    return out.pop()!;
  };
  assert.equal(
    await run('{{.Name}} {{.Containers}} {{.Peers}} {{.Services}} {{json .}}', 'net2'),
    'net2 map[cccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc:{web eeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee 02:42:ac:12:00:02 172.18.0.2/16 } dddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddd:{db ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff 02:42:ac:12:00:03 172.18.0.3/16 }] [] map[] {"Name":"net2","Id":"5555555555555555555555555555555555555555555555555555555555555555","Created":"2026-11-24T05:00:00.123456789Z","Scope":"local","Driver":"bridge","EnableIPv4":true,"EnableIPv6":false,"IPAM":{"Driver":"default","Options":null,"Config":[{"Subnet":"172.18.0.0/16","Gateway":"172.18.0.1"}]},"Internal":false,"Attachable":true,"Ingress":false,"ConfigFrom":{"Network":""},"ConfigOnly":false,"Containers":{"cccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc":{"Name":"web","EndpointID":"eeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee","MacAddress":"02:42:ac:12:00:02","IPv4Address":"172.18.0.2/16","IPv6Address":""},"dddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddd":{"Name":"db","EndpointID":"ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff","MacAddress":"02:42:ac:12:00:03","IPv4Address":"172.18.0.3/16","IPv6Address":""}},"Options":{"com.docker.network.driver.mtu":"1400"},"Labels":{}}\n',
  );
  // The struct: Go's time, struct printing, sorted maps; `json` of the struct sorts Labels.
  assert.equal(
    await run('{{.ID}} {{.Created}} {{.IPAM}} {{.Labels}} {{.ConfigFrom}} {{json .Labels}}', 'net10', 'host'),
    'abcdef0123456789444444444444444444444444444444444444444444444444 2026-11-24 05:00:00.123456789 +0000 UTC {default map[foo:bar] [{10.10.0.0/24 10.10.0.128/25 10.10.0.1 map[]}]} map[a:1 b:2 com.example.x-y_z:v<>&] {} {"a":"1","b":"2","com.example.x-y_z":"v<>&"}\n' +
      '2222222222222222222222222222222222222222222222222222222222222222 2026-11-20 01:02:03.5 +0100 +0100 {default map[] []} map[] {} {}\n',
  );
  // `.Id` is not a field of the struct: docker runs the template on the raw JSON instead.
  assert.equal(
    await run('{{.Name}} {{.Id}} {{.Created}} {{.IPAM}} {{.ConfigFrom}} {{json .IPAM}}', 'net2', 'host'),
    'net2 5555555555555555555555555555555555555555555555555555555555555555 2026-11-24T05:00:00.123456789Z map[Config:[map[Gateway:172.18.0.1 Subnet:172.18.0.0/16]] Driver:default Options:<nil>] map[Network:] {"Config":[{"Gateway":"172.18.0.1","Subnet":"172.18.0.0/16"}],"Driver":"default","Options":null}\n' +
      'host 2222222222222222222222222222222222222222222222222222222222222222 2026-11-20T01:02:03.5+01:00 map[Config:[] Driver:default Options:<nil>] map[Network:] {"Config":[],"Driver":"default","Options":null}\n',
  );
  assert.equal(await run('{{range $k, $v := .Containers}}{{$v.Name}}={{$v.IPv4Address}} {{end}}', 'net2'), 'web=172.18.0.2/16 db=172.18.0.3/16 \n');
  assert.equal(await run('{{.Created.Format "2006-01-02T15:04:05.000Z07:00 Mon Jan _2 3:04PM"}} {{.Created.Year}} {{len .Containers}}', 'net2'), '2026-11-24T05:00:00.123Z Tue Nov 24 5:00AM 2026 2\n');
  // Failing on both: docker's raw-map error, one line per network, after a blank output line.
  await assert.rejects(inspectNetworks((t) => out.push(t), ['net10', 'bridge'], '{{.Name}} {{.ID}} {{.Id}}', fetchRaw), {
    message: 'template parsing error: template: :1:12: executing "" at <.ID>: map has no entry for key "ID"\ntemplate parsing error: template: :1:12: executing "" at <.ID>: map has no entry for key "ID"',
  });
  assert.equal(out.pop(), '\n');
  await assert.rejects(inspectNetworks((t) => out.push(t), ['net2'], '{{', fetchRaw), (err: unknown) => err instanceof StatusError && err.status === 64 && err.message === 'template parsing error: template: :1: unclosed action');
});

const CREATE_DEFAULTS: CreateFlags = { driver: 'bridge', ipamDriver: 'default' };

test('network create: the body docker sends, byte for byte', () => {
  assert.equal(
    encodeJsonBody(networkCreateBody('x', CREATE_DEFAULTS)),
    '{"Driver":"bridge","Scope":"","IPAM":{"Driver":"default","Options":{},"Config":[]},"Internal":false,"Attachable":false,"Ingress":false,"ConfigOnly":false,"ConfigFrom":null,"Options":{},"Labels":{},"Name":"x"}\n',
  );
  const all: CreateFlags = {
    driver: 'macvlan', subnet: ['10.1.0.0/24'], gateway: ['10.1.0.1'], ipRange: ['10.1.0.128/25'], internal: true, attachable: true, label: ['b=1', 'a'], opt: ['com.x=1', 'y'],
    ipamDriver: 'foo', ipamOpt: ['k=v'], ipv6: true, ipv4: false, auxAddress: ['h1=10.1.0.5'], scope: 'local', configFrom: 'other', configOnly: true, ingress: true,
  };
  assert.equal(
    encodeJsonBody(networkCreateBody('y2', all)),
    '{"Driver":"macvlan","Scope":"local","EnableIPv4":false,"EnableIPv6":true,"IPAM":{"Driver":"foo","Options":{"k":"v"},"Config":[{"Subnet":"10.1.0.0/24","IPRange":"10.1.0.128/25","Gateway":"10.1.0.1","AuxiliaryAddresses":{"h1":"10.1.0.5"}}]},"Internal":true,"Attachable":true,"Ingress":true,"ConfigOnly":true,"ConfigFrom":{"Network":"other"},"Options":{"com.x":"1","y":""},"Labels":{"a":"","b":"1"},"Name":"y2"}\n',
  );
  assert.equal(
    encodeJsonBody(networkCreateBody('z', { ...CREATE_DEFAULTS, label: ['x=<&>'], opt: ['a=>'] })),
    '{"Driver":"bridge","Scope":"","IPAM":{"Driver":"default","Options":{},"Config":[]},"Internal":false,"Attachable":false,"Ingress":false,"ConfigOnly":false,"ConfigFrom":null,"Options":{"a":"\\u003e"},"Labels":{"x":"\\u003c\\u0026\\u003e"},"Name":"z"}\n',
  );
  // Without any gateway or range, a subnet is not checked (the daemon refuses it).
  assert.deepEqual((networkCreateBody('z', { ...CREATE_DEFAULTS, subnet: ['foo'] }).IPAM as { Config: unknown }).Config, [{ Subnet: 'foo' }]);
});

test('network create: IPAM errors, worded as docker', () => {
  const fails = (o: Partial<CreateFlags>, message: string): void => assert.throws(() => networkCreateBody('z', { ...CREATE_DEFAULTS, ...o }), { message });
  fails({ subnet: ['10.0.0.0/8', '10.1.0.0/16'] }, 'multiple overlapping subnet configuration is not supported');
  fails({ gateway: ['10.0.0.1'] }, 'every ip-range or gateway must have a corresponding subnet');
  fails({ subnet: ['10.0.0.0/8'], gateway: ['11.0.0.1'] }, 'no matching subnet for gateway 11.0.0.1');
  fails({ subnet: ['foo'], gateway: ['1.2.3.4'] }, 'invalid subnet: invalid CIDR address: foo');
  fails({ subnet: ['10.0.0.0/8'], ipRange: ['10.0.0.0/33'] }, 'invalid CIDR address: 10.0.0.0/33');
  fails({ subnet: ['10.0.0.0/8', '11.0.0.0/8'], ipRange: ['10.1.0.0/16', '10.2.0.0/16'] }, 'cannot configure multiple ranges (10.2.0.0/16, 10.1.0.0/16) on the same subnet (10.0.0.0/8)');
  fails({ subnet: ['10.0.0.0/8'], auxAddress: ['a=11.0.0.1'] }, 'no matching subnet for aux-address 11.0.0.1');
});

test('network connect: the body docker sends', () => {
  const tail = '"MacAddress":"","DriverOpts":{},"GwPriority":0,"NetworkID":"","EndpointID":"","Gateway":"","IPAddress":"","IPPrefixLen":0,"IPv6Gateway":"","GlobalIPv6Address":"","GlobalIPv6PrefixLen":0,"DNSNames":null}}\n';
  assert.equal(encodeJsonBody(networkConnectBody('web', {})), `{"Container":"web","EndpointConfig":{"IPAMConfig":{},"Links":null,"Aliases":[],${tail}`);
  assert.equal(
    encodeJsonBody(networkConnectBody('web', { ip: '10.0.0.5', alias: ['a', 'b', 'c'], link: ['web:w'] })),
    `{"Container":"web","EndpointConfig":{"IPAMConfig":{"IPv4Address":"10.0.0.5"},"Links":["web:w"],"Aliases":["a","b","c"],${tail}`,
  );
  assert.equal(
    encodeJsonBody(networkConnectBody('web', { ip6: 'fd00::5', linkLocalIp: ['169.254.0.1', '169.254.0.2'], driverOpt: ['b=2', 'a=1'], gwPriority: '7' })),
    '{"Container":"web","EndpointConfig":{"IPAMConfig":{"IPv6Address":"fd00::5","LinkLocalIPs":["169.254.0.1","169.254.0.2"]},"Links":null,"Aliases":[],"MacAddress":"","DriverOpts":{"a":"1","b":"2"},"GwPriority":7,"NetworkID":"","EndpointID":"","Gateway":"","IPAddress":"","IPPrefixLen":0,"IPv6Gateway":"","GlobalIPv6Address":"","GlobalIPv6PrefixLen":0,"DNSNames":null}}\n',
  );
  assert.throws(() => networkConnectBody('web', { driverOpt: ['nokey'] }), { message: 'invalid key/value pair format in driver options' });
});

test('network prune report', () => {
  assert.equal(renderNetworkPruneReport({ NetworksDeleted: ['net10', 'net2'] }), 'Deleted Networks:\nnet10\nnet2\n\n');
  assert.equal(renderNetworkPruneReport({ NetworksDeleted: null }), '');
});

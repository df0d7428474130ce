import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isBerthError } from '../base/errors.js';
import {
  broadcast,
  contains,
  firstHost,
  formatCidr,
  formatIp,
  hostRoutes,
  overlaps,
  parseCidr,
  parseIp,
  parseIpRoute,
  parseProcNetRoute,
  parseSubnet,
  pickSubnet,
  type Cidr,
} from './subnet.js';

const c = (s: string): Cidr => parseCidr(s);
const fmt = (x: Cidr | undefined): string | undefined => (x === undefined ? undefined : formatCidr(x));

test('IPs and CIDRs round-trip; host bits are cleared like net.ParseCIDR', () => {
  assert.equal(parseIp('172.17.0.1'), 0xac110001);
  assert.equal(formatIp(parseIp('255.255.255.255')), '255.255.255.255');
  assert.equal(formatIp(0), '0.0.0.0');
  assert.equal(fmt(c('172.30.0.1/16')), '172.30.0.0/16');
  assert.equal(fmt(c('0.0.0.0/0')), '0.0.0.0/0');
  assert.equal(fmt(c('10.1.2.3/32')), '10.1.2.3/32');
});

test('malformed addresses are InvalidArgument with Go-style messages', () => {
  for (const bad of ['', '1.2.3', '1.2.3.4.5', '256.0.0.0', '01.2.3.4', '1.2.3.-4', 'a.b.c.d', ' 1.2.3.4']) {
    assert.throws(() => parseIp(bad), (e: unknown) => isBerthError(e, 'InvalidArgument') && e.message === `invalid IP address: ${bad}`);
  }
  for (const bad of ['10.0.0.0', '10.0.0.0/33', '10.0.0.0/', '10.0.0.0/08', '10.0.0.0/-1', 'foobar', 'fd00::/64', '10.0.0.0/24/1']) {
    assert.throws(() => parseCidr(bad), (e: unknown) => isBerthError(e, 'InvalidArgument') && e.message === `invalid CIDR address: ${bad}`);
  }
});

test('parseSubnet refuses host bits with moby ValidateIPAM messages', () => {
  assert.equal(fmt(parseSubnet('172.30.0.0/16')), '172.30.0.0/16');
  assert.throws(() => parseSubnet('172.30.0.1/16'), { message: 'invalid subnet 172.30.0.1/16: it should be 172.30.0.0/16' });
  assert.throws(() => parseSubnet('foobar'), { message: 'invalid subnet foobar: invalid CIDR block notation' });
  assert.throws(() => parseSubnet('10.0.0.0/33'), { message: 'invalid subnet 10.0.0.0/33: invalid CIDR block notation' });
});

test('contains, gateway and broadcast', () => {
  const n = c('172.18.0.0/16');
  assert.equal(contains(n, parseIp('172.18.255.254')), true);
  assert.equal(contains(n, parseIp('172.19.0.1')), false);
  assert.equal(contains(c('0.0.0.0/0'), parseIp('8.8.8.8')), true);
  assert.equal(formatIp(firstHost(n)), '172.18.0.1');
  assert.equal(formatIp(broadcast(n)), '172.18.255.255');
  assert.equal(formatIp(broadcast(c('192.168.16.0/20'))), '192.168.31.255');
  assert.equal(formatIp(broadcast(c('0.0.0.0/0'))), '255.255.255.255');
  assert.equal(formatIp(broadcast(c('10.0.0.7/32'))), '10.0.0.7');
});

test('overlaps is symmetric and prefix-aware', () => {
  assert.equal(overlaps(c('172.17.0.0/16'), c('172.17.5.0/24')), true);
  assert.equal(overlaps(c('172.17.5.0/24'), c('172.17.0.0/16')), true);
  assert.equal(overlaps(c('172.17.0.0/16'), c('172.18.0.0/16')), false);
  assert.equal(overlaps(c('192.168.0.0/20'), c('192.168.16.0/20')), false);
  assert.equal(overlaps(c('10.0.0.0/8'), c('10.255.255.255/32')), true);
  assert.equal(overlaps(c('0.0.0.0/0'), c('203.0.113.0/24')), true);
  assert.equal(overlaps(c('128.0.0.0/1'), c('127.0.0.0/8')), false);
});

test('pickSubnet walks the default pools, skipping used networks and host routes', () => {
  assert.equal(fmt(pickSubnet([], [])), '172.17.0.0/16');
  assert.equal(fmt(pickSubnet([c('172.17.0.0/16')], [])), '172.18.0.0/16');
  // A route inside a pool subnet blocks it, as does a used network; a default route blocks nothing.
  assert.equal(fmt(pickSubnet([c('172.17.0.0/16')], [c('172.18.3.0/24'), c('0.0.0.0/0')])), '172.19.0.0/16');
  // A wide route covering several pool subnets blocks all of them.
  assert.equal(fmt(pickSubnet([], [c('172.16.0.0/12')])), '192.168.0.0/20');
});

test('pickSubnet falls back to 192.168.0.0/16 in /20s, then gives up', () => {
  const all172 = Array.from({ length: 15 }, (_, i) => c(`172.${17 + i}.0.0/16`));
  assert.equal(fmt(pickSubnet(all172, [])), '192.168.0.0/20');
  assert.equal(fmt(pickSubnet(all172, [c('192.168.1.0/24')])), '192.168.16.0/20');
  assert.equal(fmt(pickSubnet([...all172, c('192.168.0.0/20'), c('192.168.32.0/20')], [c('192.168.20.0/24')])), '192.168.48.0/20');
  assert.equal(pickSubnet([...all172, c('192.168.0.0/16')], []), undefined);
});

test('/proc/net/route is parsed in host byte order, without the default and down routes', () => {
  const text = [
    'Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT',
    'eth0\t00000000\t010200C0\t0003\t0\t0\t0\t00000000\t0\t0\t0',
    'tbr0\t0000630A\t00000000\t0001\t0\t0\t0\t00FFFFFF\t0\t0\t0',
    'eth0\t000200C0\t00000000\t0001\t0\t0\t0\t00FFFFFF\t0\t0\t0',
    'br1\t000010AC\t00000000\t0001\t0\t0\t0\t0000F0FF\t0\t0\t0',
    'down0\t0000000B\t00000000\t0000\t0\t0\t0\t000000FF\t0\t0\t0',
    '',
  ].join('\n');
  assert.deepEqual(parseProcNetRoute(text, true).map(fmt), ['10.99.0.0/24', '192.0.2.0/24', '172.16.0.0/12']);
  const bigEndian = 'Iface\tDestination\tGateway\tFlags\tRefCnt\tUse\tMetric\tMask\nx\t0A630000\t0\t0001\t0\t0\t0\tFFFFFF00\n';
  assert.deepEqual(parseProcNetRoute(bigEndian, false).map(fmt), ['10.99.0.0/24']);
});

test('ip -4 route output is parsed, including typed and host routes', () => {
  const text = [
    'default via 192.0.2.1 dev eth0 ',
    '10.99.0.0/24 dev tbr0 proto kernel scope link src 10.99.0.1 linkdown ',
    '192.0.2.0/24 dev eth0 proto kernel scope link src 192.0.2.2 ',
    'unreachable 10.200.0.0/16 ',
    '198.51.100.7 via 192.0.2.1 dev eth0',
    '',
  ].join('\n');
  assert.deepEqual(parseIpRoute(text).map(fmt), ['10.99.0.0/24', '192.0.2.0/24', '10.200.0.0/16', '198.51.100.7/32']);
});

test('hostRoutes reads this host without the default route', { skip: process.platform !== 'linux' && 'Linux only' }, () => {
  const routes = hostRoutes();
  assert.ok(routes.length > 0, 'expected at least one non-default route');
  for (const r of routes) {
    assert.ok(r.prefix > 0 && r.prefix <= 32);
    assert.equal(fmt(c(fmt(r) ?? '')), fmt(r), 'routes come back normalized');
  }
});

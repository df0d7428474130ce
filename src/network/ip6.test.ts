import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isBerthError } from '../base/errors.js';
import { contains6, formatCidr6, formatIp6, isLinkLocal6, lastAddr6, overlaps6, parseCidr6, parseIp6, parseProcIpv6Route, parseSubnet6, pickSubnet6, tryParseIp6, ulaBase } from './ip6.js';

test('IPv6 addresses parse and print as Go prints them (RFC 5952)', () => {
  for (const [given, printed] of [
    ['2001:db8::1', '2001:db8::1'],
    ['2001:0DB8:0000:0000:0000:0000:0000:0001', '2001:db8::1'],
    ['::', '::'],
    ['::1', '::1'],
    ['fe80::', 'fe80::'],
    ['2001:db8:0:0:1:0:0:1', '2001:db8::1:0:0:1'],
    ['2001:db8:0:1:1:1:1:1', '2001:db8:0:1:1:1:1:1'],
    ['1:0:0:2:0:0:0:3', '1:0:0:2::3'],
  ]) {
    assert.equal(formatIp6(parseIp6(given!)), printed, given);
  }
  for (const bad of ['', '1.2.3.4', '2001:db8::g', '1::2::3', 'fe80::1%eth0', '12345::']) assert.equal(tryParseIp6(bad), undefined, bad);
  assert.throws(() => parseIp6('nope'), (e: unknown) => isBerthError(e, 'InvalidArgument') && e.message === 'invalid IP address: nope');
});

test('IPv6 subnets: moby ValidateIPAM messages, containment and overlap', () => {
  assert.equal(formatCidr6(parseSubnet6('2001:db8::/64')), '2001:db8::/64');
  assert.throws(() => parseSubnet6('2001:389::1/64'), (e: unknown) => isBerthError(e, 'InvalidArgument') && e.message === 'invalid subnet 2001:389::1/64: it should be 2001:389::/64');
  assert.throws(() => parseSubnet6('2001:db8::/129'), /invalid subnet 2001:db8::\/129: invalid CIDR block notation/);
  assert.equal(formatCidr6(parseCidr6('2001:389::1/64')), '2001:389::/64');
  const net = parseCidr6('2001:db8::/64');
  assert.ok(contains6(net, parseIp6('2001:db8::ffff')));
  assert.ok(!contains6(net, parseIp6('2001:db8:0:1::1')));
  assert.ok(overlaps6(net, parseCidr6('2001:db8::/96')));
  assert.ok(!overlaps6(net, parseCidr6('2001:db8:1::/64')));
  assert.equal(formatIp6(lastAddr6(parseCidr6('2001:db8::/120'))), '2001:db8::ff');
  assert.ok(isLinkLocal6(parseIp6('fe80::1')) && isLinkLocal6(parseIp6('febf::1')) && !isLinkLocal6(parseIp6('fec0::1')));
});

test("the ULA pool is moby's: fd + 40 bits of sha256(engine ID), a /48 cut into /64s", () => {
  const base = ulaBase('engine-a');
  assert.equal(base.prefix, 48);
  assert.equal(base.network >> 120n, 0xfdn);
  assert.deepEqual(ulaBase('engine-a'), base);
  assert.notDeepEqual(ulaBase('engine-b'), base);
  const first = pickSubnet6(base, 64, []);
  assert.equal(first?.network, base.network);
  const second = pickSubnet6(base, 64, [first!, parseCidr6('::/0')]);
  assert.equal(second?.network, base.network + (1n << 64n));
  assert.equal(pickSubnet6(parseCidr6('fd00::/63'), 64, [parseCidr6('fd00::/63')]), undefined);
});

test('/proc/net/ipv6_route: networks, without link-local, multicast, host and default routes', () => {
  const text = [
    'fd000000000000000000000000000000 40 00000000000000000000000000000000 00 00000000000000000000000000000000 00000100 00000001 00000000 00000001     eth0',
    'fe800000000000000000000000000000 40 00000000000000000000000000000000 00 00000000000000000000000000000000 00000100 00000001 00000000 00000001     eth0',
    '00000000000000000000000000000000 00 00000000000000000000000000000000 00 fd000000000000000000000000000001 00000400 00000001 00000000 00000003     eth0',
    'fd000000000000000000000000000002 80 00000000000000000000000000000000 00 00000000000000000000000000000000 00000000 00000002 00000000 80200001     eth0',
    'ff000000000000000000000000000000 08 00000000000000000000000000000000 00 00000000000000000000000000000000 00000100 00000004 00000000 00000001     eth0',
  ].join('\n');
  assert.deepEqual(parseProcIpv6Route(text).map(formatCidr6), ['fd00::/64']);
});

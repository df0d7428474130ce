// Expected values are what Go's net package (go1.24) gives for the same input.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cidrContains, ipString, isValidMAC, parseCIDR, parseIP } from './ip-addr.js';

test('parseIP and ipString: Go canonical forms', () => {
  const canon = (s: string): string | undefined => {
    const ip = parseIP(s);
    return ip ? ipString(ip) : undefined;
  };
  assert.equal(canon('1.2.3.4'), '1.2.3.4');
  assert.equal(canon('0:0:0:0:0:0:0:1'), '::1');
  assert.equal(canon('::ffff:1.2.3.4'), '1.2.3.4');
  assert.equal(canon('2001:DB8:0:0:1:0:0:1'), '2001:db8::1:0:0:1');
  assert.equal(canon('2001:db8:0:1:1:1:1:1'), '2001:db8:0:1:1:1:1:1');
  assert.equal(canon('::'), '::');
  assert.equal(canon('fe80::1:2'), 'fe80::1:2');
  assert.equal(canon('1::'), '1::');
  assert.equal(canon('::1.2.3.4'), '::102:304');
  for (const bad of ['010.1.1.1', '1.2.3', '256.1.1.1', 'fe80::1%eth0', '1:2', ':::1', '1::2::3', '12345::', 'nope', '', '1.2.3.4.5', '1:2:3:4:5:6:7:8:9']) assert.equal(parseIP(bad), undefined, bad);
});

test('parseCIDR and cidrContains, as subnetMatches uses them', () => {
  const n = parseCIDR('10.1.0.0/16');
  assert.ok(cidrContains(n, parseIP('10.1.255.1')));
  assert.ok(!cidrContains(n, parseIP('10.2.0.1')));
  assert.ok(cidrContains(n, parseCIDR('10.1.3.0/24').ip));
  assert.ok(cidrContains(parseCIDR('10.1.0.5/16'), parseIP('10.1.9.9')));
  assert.ok(cidrContains(n, parseIP('::ffff:10.1.0.1')));
  assert.ok(!cidrContains(n, parseIP('fd00::1')));
  assert.ok(cidrContains(parseCIDR('fd00::/64'), parseIP('fd00::1')));
  assert.ok(!cidrContains(parseCIDR('fd00::/64'), parseIP('10.1.0.1')));
  assert.ok(!cidrContains(n, undefined));
  assert.throws(() => parseCIDR('foo'), { message: 'invalid CIDR address: foo' });
  assert.throws(() => parseCIDR('10.0.0.0/33'), { message: 'invalid CIDR address: 10.0.0.0/33' });
  assert.throws(() => parseCIDR('10.0.0.0'), { message: 'invalid CIDR address: 10.0.0.0' });
});

test('isValidMAC: net.ParseMAC forms', () => {
  for (const ok of ['02:42:ac:11:00:02', '02:42:AC:11:00:02', '02-42-ac-11-00-02', '0201.0304.0506', '02:42:ac:11:00:02:03:04']) assert.ok(isValidMAC(ok), ok);
  for (const bad of ['nope', '02:42:ac:11:00', '02:42-ac:11:00:02', '02:42:ac:11:00:0g', '0201.0304.050']) assert.ok(!isValidMAC(bad), bad);
});

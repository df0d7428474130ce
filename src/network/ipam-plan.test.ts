import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isBerthError } from '../base/errors.js';
import { parseCidr6, ulaBase } from './ip6.js';
import { activePools, planPools, validateIpam, type PlanInput } from './ipam-plan.js';
import { parseCidr } from './subnet.js';

const input = (over: Partial<PlanInput>): PlanInput => ({
  config: [],
  enableIPv4: true,
  enableIPv6: false,
  taken: { v4: [], v6: [] },
  routes: { v4: [], v6: [] },
  ula: ulaBase('test-engine'),
  ...over,
});
const fails = (fn: () => unknown, kind: string, message: string): void => {
  assert.throws(fn, (e: unknown) => isBerthError(e) && e.kind === kind && e.message === message);
};

test('dual stack: the given IPv6 subnet with its first address as gateway, and a default IPv4 pool', () => {
  const pools = planPools(input({ enableIPv6: true, config: [{ subnet: '2001:db8:1::/64' }], taken: { v4: [parseCidr('172.17.0.0/16')], v6: [] } }));
  assert.deepEqual(pools, [
    { subnet: '172.18.0.0/16', gateway: '172.18.0.1', auto: true },
    { subnet: '2001:db8:1::/64', gateway: '2001:db8:1::1' },
  ]);
});

test('IPv6 without a subnet: the next /64 of the engine ULA prefix; IPv6 only', () => {
  const ula = ulaBase('test-engine');
  const taken = { network: ula.network, prefix: 64 };
  const [pool] = planPools(input({ enableIPv4: false, enableIPv6: true, taken: { v4: [], v6: [taken] } }));
  const next = parseCidr6(pool!.subnet);
  assert.equal(next.network, ula.network + (1n << 64n));
  assert.equal(next.prefix, 64);
  fails(() => planPools(input({ enableIPv4: false })), 'InvalidArgument', 'IPv4 or IPv6 must be enabled');
});

test("an IPv6 entry of a network without IPv6 is kept as given and not checked (moby's ValidateIPAM skips it)", () => {
  const pools = planPools(input({ config: [{ subnet: '2001:389::1/64' }] }));
  assert.equal(pools.length, 2);
  assert.deepEqual(pools[1], { subnet: '2001:389::1/64', gateway: '' });
  assert.equal(activePools({ ipam: { config: pools } }).v6, undefined);
  assert.equal(activePools({ ipam: { config: pools } }).v4?.subnet, pools[0]!.subnet);
});

test('ValidateIPAM messages, one or several', () => {
  fails(() => validateIpam([{ subnet: '2001:389::1/64' }], true), 'InvalidArgument', 'invalid network config:\ninvalid subnet 2001:389::1/64: it should be 2001:389::/64');
  fails(() => validateIpam([{ subnet: 'nope' }], false), 'InvalidArgument', 'invalid network config:\ninvalid subnet nope: invalid CIDR block notation');
  fails(
    () => validateIpam([{ subnet: '10.1.0.0/16', ipRange: '10.2.0.0/24', gateway: '2001:db8::1', auxAddresses: { a: '10.3.0.1' } }], false),
    'InvalidArgument',
    [
      'invalid network config:',
      "* invalid ip-range 10.2.0.0/24: parent subnet 10.1.0.0/16 doesn't contain ip-range",
      '* invalid gateway 2001:db8::1: parent subnet is an IPv4 block',
      "* invalid auxiliary address a: parent subnet 10.1.0.0/16 doesn't contain this address",
    ].join('\n'),
  );
  fails(() => validateIpam([{ subnet: '2001:db8::/64', ipRange: '2001:db8::/48' }], true), 'InvalidArgument', 'invalid network config:\ninvalid ip-range 2001:db8::/48: CIDR block is bigger than its parent subnet 2001:db8::/64');
  validateIpam([{ subnet: '172.28.0.0/16', ipRange: '172.28.5.0/24', gateway: '172.28.5.254', auxAddresses: { a: '172.28.1.5' } }], false);
});

test('overlaps with other networks are refused; exhausted pools say so', () => {
  fails(() => planPools(input({ enableIPv6: true, config: [{ subnet: '2001:db8::/64' }], taken: { v4: [], v6: [parseCidr6('2001:db8::/48')] } })), 'Forbidden', 'invalid pool request: Pool overlaps with other one on this address space');
  fails(() => planPools(input({ config: [{ subnet: '10.0.0.0/24' }], taken: { v4: [parseCidr('10.0.0.0/8')], v6: [] } })), 'Forbidden', 'invalid pool request: Pool overlaps with other one on this address space');
  fails(() => planPools(input({ routes: { v4: [parseCidr('172.16.0.0/12'), parseCidr('192.168.0.0/16')], v6: [] } })), 'InvalidArgument', 'all predefined address pools have been fully subnetted');
});

test('gateway, ip-range and auxiliary addresses are kept', () => {
  const [pool] = planPools(input({ config: [{ subnet: '172.28.0.0/16', ipRange: '172.28.5.0/24', gateway: '172.28.5.254', auxAddresses: { a: '172.28.1.5' } }] }));
  assert.deepEqual(pool, { subnet: '172.28.0.0/16', gateway: '172.28.5.254', ipRange: '172.28.5.0/24', auxAddresses: { a: '172.28.1.5' } });
});

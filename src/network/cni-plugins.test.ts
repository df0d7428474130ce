import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cniPlugins, ipamRanges } from './cni-plugins.js';
import type { NetworkRecord } from './types.js';

const net = (over: Partial<NetworkRecord>): NetworkRecord => ({
  schemaVersion: 1, id: 'n1', name: 'mynet', driver: 'bridge', created: '', internal: false, attachable: false, labels: {}, options: {}, bridge: 'br-n1', mtu: 0,
  ipam: { driver: 'default', options: {}, config: [] },
  ...over,
});
const ipamOf = (n: NetworkRecord, o: Parameters<typeof cniPlugins>[1]): Record<string, unknown> => cniPlugins(n, o)[0]!.ipam as Record<string, unknown>;

test('dual stack: one host-local range set per family, a default route each', () => {
  const n = net({ enableIPv6: true, ipam: { driver: 'default', options: {}, config: [{ subnet: '10.5.0.0/24', gateway: '10.5.0.1', ipRange: '10.5.0.128/25' }, { subnet: '2001:db8::/64', gateway: '2001:db8::1', ipRange: '2001:db8::/96' }] } });
  const ipam = ipamOf(n, { ipamDir: '/x', withPorts: false });
  assert.deepEqual(ipam.ranges, [
    [{ subnet: '10.5.0.0/24', gateway: '10.5.0.1', rangeStart: '10.5.0.129', rangeEnd: '10.5.0.254' }],
    [{ subnet: '2001:db8::/64', gateway: '2001:db8::1', rangeStart: '2001:db8::1', rangeEnd: '2001:db8::ffff:ffff' }],
  ]);
  assert.deepEqual(ipam.routes, [{ dst: '0.0.0.0/0' }, { dst: '::/0' }]);
  // A static address may be anywhere in its subnet: that family's range is the whole subnet.
  assert.deepEqual(ipamOf(n, { ipamDir: '/x', withPorts: false, staticV6: true }).ranges, [
    [{ subnet: '10.5.0.0/24', gateway: '10.5.0.1', rangeStart: '10.5.0.129', rangeEnd: '10.5.0.254' }],
    [{ subnet: '2001:db8::/64', gateway: '2001:db8::1' }],
  ]);
});

test('an IPv6 pool of a network without IPv6 gives no addresses; internal networks no routes; ports add portmap', () => {
  const n = net({ internal: true, ipam: { driver: 'default', options: {}, config: [{ subnet: '10.5.0.0/24', gateway: '10.5.0.1' }, { subnet: '2001:389::1/64', gateway: '' }] } });
  const plugins = cniPlugins(n, { ipamDir: '/x', withPorts: true });
  assert.deepEqual((plugins[0]!.ipam as Record<string, unknown>).ranges, [[{ subnet: '10.5.0.0/24', gateway: '10.5.0.1' }]]);
  assert.deepEqual((plugins[0]!.ipam as Record<string, unknown>).routes, []);
  assert.deepEqual(plugins[1], { type: 'portmap', capabilities: { portMappings: true }, snat: true, conditionsV4: ['!', '-d', '127.0.0.0/8'], conditionsV6: ['!', '-d', '::1'] });
});

test('ipamRanges: the range sets in order, IPv4 first (set i is last_reserved_ip.i)', () => {
  const n = net({ enableIPv4: false, enableIPv6: true, ipam: { driver: 'default', options: {}, config: [{ subnet: '10.5.0.0/24', gateway: '10.5.0.1' }, { subnet: '2001:db8::/64', gateway: '2001:db8::1' }] } });
  assert.deepEqual(ipamRanges(n, {}), [{ subnet: '2001:db8::/64', gateway: '2001:db8::1' }]);
});

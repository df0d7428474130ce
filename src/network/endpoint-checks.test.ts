import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isBerthError } from '../base/errors.js';
import { checkLinkLocal, joinErrors, linkLocalCidr, validateEndpoint } from './endpoint-checks.js';
import type { EndpointRequest, NetworkRecord } from './types.js';

const net = (config: NetworkRecord['ipam']['config']): NetworkRecord => ({
  schemaVersion: 1, id: 'n1', name: 'mynet', driver: 'bridge', created: '', internal: false, attachable: false, labels: {}, options: {}, ipam: { driver: 'default', options: {}, config }, bridge: 'br-n1', mtu: 0,
});
const req = (over: Partial<EndpointRequest>): EndpointRequest => ({ aliases: [], ipv4Address: '', macAddress: '', links: [], ...over });
const fails = (fn: () => unknown, message: string): void => {
  assert.throws(fn, (e: unknown) => isBerthError(e, 'InvalidArgument') && e.message === message);
};

test("static addresses: moby's messages, every problem at once", () => {
  const n = net([{ subnet: '10.5.0.0/24', gateway: '10.5.0.1' }, { subnet: '2001:389::1/64', gateway: '' }]);
  validateEndpoint(n, 'mynet', req({ ipv4Address: '10.5.0.9', ipv6Address: '2001:389::f00d' }));
  fails(() => validateEndpoint(n, 'mynet', req({ ipv4Address: '10.6.0.9' })), 'invalid endpoint settings:\nno configured subnet or ip-range contain the IP address 10.6.0.9');
  fails(
    () => validateEndpoint(undefined, 'bridge', req({ ipv4Address: '10.0.0.9', ipv6Address: 'zz::1', aliases: ['x'] })),
    'invalid endpoint settings:\n* user specified IP address is supported on user defined networks only\n* network-scoped alias is supported only for containers in user defined networks\n* invalid IPv6 address: zz::1',
  );
  fails(() => validateEndpoint(net([{ subnet: '172.18.0.0/16', gateway: '172.18.0.1', auto: true }]), 'auto', req({ ipv4Address: '172.18.0.9' })), 'invalid endpoint settings:\nuser specified IP address is supported only when connecting to networks with user configured subnets');
  fails(() => validateEndpoint(n, 'mynet', req({ linkLocalIps: ['nope'] })), 'invalid endpoint settings:\ninvalid link-local IP address: nope');
  fails(() => validateEndpoint(n, 'mynet', req({ macAddress: '02:42' })), 'invalid MAC address 02:42');
});

test('link-local addresses: only 169.254/16 and fe80::/10, with the prefix libnetwork gives them', () => {
  checkLinkLocal(['169.254.8.8', 'fe80::8']);
  fails(() => checkLinkLocal(['10.0.0.1']), 'invalid link local IP address: 10.0.0.1');
  assert.equal(linkLocalCidr('169.254.8.8'), '169.254.8.8/16');
  assert.equal(linkLocalCidr('fe80::8'), 'fe80::8/64');
  assert.equal(joinErrors(['a\nb', 'c']), '* a\n\tb\n* c');
});

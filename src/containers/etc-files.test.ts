import { test } from 'node:test';
import assert from 'node:assert/strict';
import { hostsContent, resolvConfContent, type EtcInput } from './etc-files.js';

const input: EtcInput = { hostname: 'box', domainname: '', ip: '', extraHosts: [], dns: [], dnsSearch: [], dnsOptions: [], hostNetwork: false };

test("/etc/hosts and resolv.conf as Docker writes them", () => {
  const hosts = hostsContent({ ...input, ip: '10.0.0.2', extraHosts: ['db:10.0.0.9', 'gw=host-gateway'] }, '172.30.0.1');
  assert.match(hosts, /^127\.0\.0\.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n/);
  assert.match(hosts, /\n10\.0\.0\.9\tdb\n172\.30\.0\.1\tgw\n10\.0\.0\.2\tbox\n$/);
  // Legacy links' targets come after --add-host entries and before the container's own.
  const linked = hostsContent({ ...input, ip: '10.0.0.2', extraHosts: ['db:10.0.0.9'], links: [{ ip: '10.0.0.7', names: ['w', '0123456789ab', 'web'] }] });
  assert.match(linked, /\n10\.0\.0\.9\tdb\n10\.0\.0\.7\tw 0123456789ab web\n10\.0\.0\.2\tbox\n$/);
  // Loopback resolvers are unreachable from a container: dropped, and Google's used if none is left.
  assert.equal(resolvConfContent(input, 'nameserver 127.0.0.53\nsearch corp\noptions edns0\n'), 'search corp\nnameserver 8.8.8.8\nnameserver 8.8.4.4\noptions edns0\n');
  assert.equal(resolvConfContent({ ...input, dns: ['1.1.1.1'], dnsSearch: ['a.b'], dnsOptions: ['ndots:2'] }, 'nameserver 10.0.0.1\n'), 'search a.b\nnameserver 1.1.1.1\noptions ndots:2\n');
  assert.equal(resolvConfContent({ ...input, hostNetwork: true }, 'nameserver 127.0.0.53\n'), 'nameserver 127.0.0.53\n');
});

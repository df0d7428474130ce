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

test('every endpoint address names the container in /etc/hosts, IPv6 too', () => {
  const hosts = hostsContent({ ...input, ip: '10.0.0.2', ips: ['10.0.0.2', '2001:db8::2', '10.1.0.5'], domainname: 'corp' });
  assert.match(hosts, /\n10\.0\.0\.2\tbox\.corp box\n2001:db8::2\tbox\.corp box\n10\.1\.0\.5\tbox\.corp box\n$/);
});

test('a resolv.conf rewritten for a new embedded resolver keeps the container options, in place', async () => {
  const { mkdtemp, readFile, rm, stat, writeFile } = await import('node:fs/promises');
  const { tmpdir } = await import('node:os');
  const { join } = await import('node:path');
  const { rewriteResolvConf } = await import('./etc-files.js');
  const dir = await mkdtemp(join(tmpdir(), 'berth-etc-'));
  try {
    const path = join(dir, 'resolv.conf');
    await writeFile(path, 'nameserver 9.9.9.9\n');
    const inode = (await stat(path)).ino;
    await rewriteResolvConf(path, { dns: ['9.9.9.9'], dnsSearch: ['x.test'], dnsOptions: ['rotate'], resolver: '10.5.0.1' });
    assert.equal(await readFile(path, 'utf8'), 'search x.test\nnameserver 10.5.0.1\noptions rotate ndots:0\n');
    assert.equal((await stat(path)).ino, inode, 'the bind-mounted inode is the one written');
    await rewriteResolvConf(path, { dns: ['9.9.9.9'], dnsSearch: [], dnsOptions: [], resolver: undefined });
    assert.equal(await readFile(path, 'utf8'), 'nameserver 9.9.9.9\n');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

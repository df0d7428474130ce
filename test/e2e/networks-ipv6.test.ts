/**
 * IPv6 networks, network names, DNS for networks joined after start, and the swarm endpoints of
 * a node in no swarm, through the real docker CLI against a private berthd.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { busyboxRootfs, cliFor, docker, isRoot, ROOT, startDaemon, type TestDaemon } from '../helpers/daemon.js';

const hasDocker = docker('unix:///nonexistent', ['--version']).code === 0;
const hasCni = existsSync('/usr/lib/cni/bridge');
const hasIpv6 = existsSync('/proc/net/if_inet6');

function curl(url: string): string {
  return spawnSync('curl', ['-s', '-g', '--max-time', '5', url]).stdout.toString();
}

/** Every rule of both families that names one of these (container IDs, bridges). */
function rulesNaming(words: string[]): string[] {
  const all = ['iptables-save', 'ip6tables-save'].flatMap((t) => spawnSync(t).stdout.toString().split('\n'));
  return all.filter((l) => words.some((w) => l.includes(w)));
}

/** A DNS server of the test's own on a loopback address, answering `ext.test` (the daemon forwards from the host). */
async function fakeResolver(address: string): Promise<{ stop: () => void }> {
  const code = `
    import dnsPacket from ${JSON.stringify(join(ROOT, 'node_modules/dns-packet/index.js'))};
    import { createSocket } from 'node:dgram';
    const s = createSocket('udp4');
    s.on('message', (msg, rinfo) => {
      const q = dnsPacket.decode(msg);
      const name = q.questions[0].name;
      const answers = name === 'ext.test' && q.questions[0].type === 'A' ? [{ type: 'A', name, ttl: 60, data: '10.9.8.7' }] : [];
      s.send(dnsPacket.encode({ id: q.id, type: 'response', flags: dnsPacket.RECURSION_DESIRED | dnsPacket.RECURSION_AVAILABLE, questions: q.questions, answers }), rinfo.port, rinfo.address);
    });
    s.bind(53, ${JSON.stringify(address)}, () => console.log('ready'));`;
  const p = spawn(process.execPath, ['--input-type=module', '-e', code], { stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise<void>((resolve, reject) => {
    p.stdout.once('data', () => resolve());
    p.once('exit', (c) => reject(new Error(`fake resolver exited ${c}`)));
  });
  return { stop: () => p.kill() };
}

describe('IPv6, network names, DNS after connect, swarm answers', { skip: !isRoot || !hasDocker || !hasCni || !hasIpv6 }, () => {
  let d: TestDaemon;
  const { run: dk, ok, fails } = cliFor('docker', () => d);
  const inspect = (ref: string, fmt: string): string => ok(['inspect', '-f', fmt, ref]).trim();
  const bridgeOf = (net: string): string => `br-${ok(['network', 'inspect', '-f', '{{.Id}}', net]).trim().slice(0, 12)}`;
  /** busybox httpd answering `/` with `text` and `/cgi-bin/ip` with the client's address. */
  const web = (name: string, extra: string[], text = name): string =>
    ok(['run', '-d', '--name', name, ...extra, 'busybox', 'sh', '-c',
      `mkdir -p /www/cgi-bin && echo ${text} > /www/index.html && printf '#!/bin/sh\\necho Content-Type: text/plain\\necho\\necho $REMOTE_ADDR\\n' > /www/cgi-bin/ip && chmod +x /www/cgi-bin/ip && exec httpd -f -p 80 -h /www`]).trim();
  const ids: string[] = [];
  const bridges: string[] = [];

  before(async () => {
    d = await startDaemon();
    ok(['import', '-c', 'CMD ["sh"]', '-', 'busybox:latest'], busyboxRootfs());
  });
  after(async () => {
    await d.cleanup();
  });

  test('a dual-stack network: inspect, --ip6, ping over IPv6, AAAA from the embedded DNS, /etc/hosts', () => {
    ok(['network', 'create', '--ipv6', '--subnet', '2001:db8:77::/64', '--subnet', '10.234.0.0/24', 'dual']);
    bridges.push(bridgeOf('dual'));
    const n = JSON.parse(ok(['network', 'inspect', 'dual']))[0] as { EnableIPv4: boolean; EnableIPv6: boolean; IPAM: { Config: Record<string, string>[] } };
    assert.equal(n.EnableIPv4, true);
    assert.equal(n.EnableIPv6, true);
    assert.deepEqual(n.IPAM.Config, [{ Subnet: '10.234.0.0/24', Gateway: '10.234.0.1' }, { Subnet: '2001:db8:77::/64', Gateway: '2001:db8:77::1' }]);
    assert.match(ok(['network', 'ls', '--filter', 'name=dual', '--format', '{{.Name}} {{.IPv4}} {{.IPv6}}']), /^dual true true\n$/);
    ids.push(ok(['run', '-d', '--name', 'six', '--network', 'dual', '--ip6', '2001:db8:77::66', '--network-alias', 'sixer', 'busybox', 'sleep', '300']).trim());
    assert.equal(inspect('six', '{{.NetworkSettings.Networks.dual.GlobalIPv6Address}}'), '2001:db8:77::66');
    assert.equal(inspect('six', '{{.NetworkSettings.Networks.dual.GlobalIPv6PrefixLen}}'), '64');
    assert.equal(inspect('six', '{{.NetworkSettings.Networks.dual.IPv6Gateway}}'), '2001:db8:77::1');
    assert.equal(inspect('six', '{{json .NetworkSettings.Networks.dual.IPAMConfig}}'), '{"IPv6Address":"2001:db8:77::66"}');
    // The deprecated top-level fields are the default bridge's, which this container is not on.
    assert.equal(inspect('six', '{{.NetworkSettings.GlobalIPv6Address}}'), '');
    const v4 = inspect('six', '{{.NetworkSettings.Networks.dual.IPAddress}}');
    assert.match(v4, /^10\.234\.0\.\d+$/);
    const entry = Object.values((JSON.parse(ok(['network', 'inspect', 'dual']))[0] as { Containers: Record<string, { Name: string; IPv6Address: string }> }).Containers).find((c) => c.Name === 'six');
    assert.equal(entry?.IPv6Address, '2001:db8:77::66/64');
    assert.match(ok(['exec', 'six', 'cat', '/etc/hosts']), /\n2001:db8:77::66\t[0-9a-f]{12}\n/);
    const out = ok(['run', '--rm', '--network', 'dual', 'busybox', 'sh', '-c', 'ip -6 route; ping6 -c1 -W2 2001:db8:77::66 && nslookup -type=aaaa sixer && nslookup -type=a six']);
    assert.match(out, /default via 2001:db8:77::1 dev eth0/);
    assert.match(out, /1 packets received/);
    assert.match(out, /Name:\s+sixer\nAddress: 2001:db8:77::66\n/);
    assert.match(out, new RegExp(`Name:\\s+six\\nAddress: ${v4.replace(/\./g, '\\.')}\\n`));
    // Connected later, with an address asked for.
    ids.push(ok(['run', '-d', '--name', 'hopper', 'busybox', 'sleep', '300']).trim());
    ok(['network', 'connect', '--ip6', '2001:db8:77::77', 'dual', 'hopper']);
    assert.match(ok(['exec', 'hopper', 'ip', '-6', 'addr', 'show', 'eth1']), /inet6 2001:db8:77::77\/64 scope global/);
    assert.match(ok(['exec', 'six', 'ping6', '-c1', '-W2', 'hopper']), /1 packets received/);
    ok(['rm', '-f', 'hopper']);
    fails(['run', '--rm', '--network', 'dual', '--ip6', '2001:db8:78::1', 'busybox', 'true'], /no configured subnet or ip-range contain the IP address 2001:db8:78::1/);
    fails(['run', '--rm', '--ip6', '2001:db8:77::9', 'busybox', 'true'], /user specified IP address is supported on user defined networks only/);
    fails(['network', 'create', '--ipv6', '--subnet', '2001:db8:77::1/64', 'hostbits'], /invalid subnet 2001:db8:77::1\/64: it should be 2001:db8:77::\/64/);
    fails(['network', 'create', '--ipv6', '--subnet', '2001:db8:77:0:1::/80', 'overlap6'], /Pool overlaps with other one on this address space/);
  });

  test('an IPv6-only network: no IPv4 at all, its resolver on the IPv6 gateway; --link-local-ip', () => {
    ok(['network', 'create', '--ipv4=false', '--ipv6', 'only6']);
    bridges.push(bridgeOf('only6'));
    const cfg = JSON.parse(ok(['network', 'inspect', '-f', '{{json .IPAM.Config}}', 'only6'])) as { Subnet: string; Gateway: string }[];
    assert.equal(cfg.length, 1);
    // moby 28's default IPv6 pool: a /64 of the engine's ULA /48 (fd00::/8).
    assert.match(cfg[0]!.Subnet, /^fd[0-9a-f]{2}:[0-9a-f]{1,4}:[0-9a-f]{1,4}::\/64$/);
    assert.equal(ok(['network', 'inspect', '-f', '{{.EnableIPv4}}', 'only6']).trim(), 'false');
    ids.push(ok(['run', '-d', '--name', 'lonely', '--network', 'only6', 'busybox', 'sleep', '300']).trim());
    const out = ok(['run', '--rm', '--network', 'only6', '--link-local-ip', '169.254.8.8', '--link-local-ip', 'fe80::8', 'busybox', 'sh', '-c', 'ip addr show eth0; cat /etc/resolv.conf; nslookup lonely']);
    assert.deepEqual(out.match(/inet \S+/g), ['inet 169.254.8.8/16']);
    assert.match(out, /inet6 fe80::8\/64/);
    assert.match(out, new RegExp(`nameserver ${cfg[0]!.Gateway}\\n`));
    assert.match(out, new RegExp(`Name:\\s+lonely\\nAddress: ${inspect('lonely', '{{.NetworkSettings.Networks.only6.GlobalIPv6Address}}')}\\n`));
    fails(['run', '--rm', '--network', 'only6', '--link-local-ip', '10.1.1.1', 'busybox', 'true'], /invalid link local IP address: 10\.1\.1\.1/);
    // Networks are kept apart over IPv6 as over IPv4.
    const apart = dk(['run', '--rm', '--network', 'only6', 'busybox', 'ping6', '-c1', '-W1', '2001:db8:77::66']);
    assert.match(apart.stdout + apart.stderr, /0 packets received|100% packet loss/);
    // On an IPv4-only network the interface has no IPv6 at all, as with moby.
    assert.doesNotMatch(ok(['run', '--rm', 'busybox', 'ip', 'addr', 'show', 'eth0']), /inet6/);
  });

  test('outbound IPv6 NAT: a container reaching a namespace outside its bridge arrives from the host address', () => {
    const ns = `b6${Date.now().toString(16).slice(-6)}`;
    const sh = (args: string[]): void => assert.equal(spawnSync(args[0]!, args.slice(1)).status, 0, args.join(' '));
    sh(['ip', 'netns', 'add', ns]);
    try {
      sh(['ip', 'link', 'add', `${ns}h`, 'type', 'veth', 'peer', 'name', `${ns}o`]);
      sh(['ip', 'link', 'set', `${ns}o`, 'netns', ns]);
      sh(['ip', '-6', 'addr', 'add', 'fd99:77::1/64', 'dev', `${ns}h`, 'nodad']);
      sh(['ip', 'link', 'set', `${ns}h`, 'up']);
      sh(['ip', 'netns', 'exec', ns, 'ip', '-6', 'addr', 'add', 'fd99:77::2/64', 'dev', `${ns}o`, 'nodad']);
      sh(['ip', 'netns', 'exec', ns, 'ip', 'link', 'set', `${ns}o`, 'up']);
      // No route back to the network's subnet out there: only a masqueraded connection can answer.
      const server = spawn('ip', ['netns', 'exec', ns, 'socat', 'TCP6-LISTEN:9977,reuseaddr', 'SYSTEM:echo seen-from=$SOCAT_PEERADDR'], { stdio: 'ignore' });
      try {
        spawnSync('sleep', ['0.3']);
        assert.equal(ok(['run', '--rm', '--network', 'dual', 'busybox', 'sh', '-c', 'sleep 1 | nc fd99:77::2 9977']), 'seen-from=[fd99:0077:0000:0000:0000:0000:0000:0001]\n');
      } finally {
        server.kill();
      }
    } finally {
      spawnSync('ip', ['netns', 'del', ns]);
      spawnSync('ip', ['link', 'del', `${ns}h`]);
    }
  });

  test('published ports answer on [::1] too: proxied to IPv4 on the default bridge, to IPv6 on a dual-stack network', async () => {
    const gw4 = (JSON.parse(ok(['network', 'inspect', 'bridge']))[0] as { IPAM: { Config: { Gateway: string }[] } }).IPAM.Config[0]!.Gateway;
    ids.push(web('p4', ['-p', '18580:80']));
    ids.push(web('p6', ['--network', 'dual', '-p', '18581:80']));
    assert.match(ok(['port', 'p4']), /^80\/tcp -> 0\.0\.0\.0:18580\n80\/tcp -> \[::\]:18580\n$/);
    assert.match(ok(['port', 'p6']), /^80\/tcp -> 0\.0\.0\.0:18581\n80\/tcp -> \[::\]:18581\n$/);
    assert.match(ok(['ps', '--filter', 'name=p4', '--format', '{{.Ports}}']), /0\.0\.0\.0:18580->80\/tcp, \[::\]:18580->80\/tcp/);
    assert.deepEqual(JSON.parse(inspect('p4', '{{json .NetworkSettings.Ports}}')), { '80/tcp': [{ HostIp: '0.0.0.0', HostPort: '18580' }, { HostIp: '::', HostPort: '18580' }] });
    for (let i = 0; i < 20 && curl('http://127.0.0.1:18580/') !== 'p4\n'; i++) spawnSync('sleep', ['0.1']);
    assert.equal(curl('http://[::1]:18580/'), 'p4\n');
    // Who the container sees connecting (httpd listens on IPv6: IPv4 peers are ::ffff:-mapped).
    const peer = (url: string): string => curl(url).trim().replace(/^\[|\]$/g, '').replace(/^::ffff:/, '');
    assert.equal(peer('http://[::1]:18580/cgi-bin/ip'), gw4);
    assert.equal(curl('http://[::1]:18581/'), 'p6\n');
    assert.equal(peer('http://[::1]:18581/cgi-bin/ip'), '2001:db8:77::1');
    assert.equal(peer('http://127.0.0.1:18581/cgi-bin/ip'), '10.234.0.1');
    // An explicit IPv6 host address binds only that one.
    ids.push(web('p6only', ['-p', '[::1]:18582:80']));
    assert.match(ok(['port', 'p6only']), /^80\/tcp -> \[::1\]:18582\n$/);
    assert.equal(curl('http://[::1]:18582/'), 'p6only\n');
    assert.equal(curl('http://127.0.0.1:18582/'), '');
    fails(['run', '--rm', '-p', '18580:80', 'busybox', 'true'], /Bind for 0\.0\.0\.0:18580 failed: port is already allocated/);
    // After a daemon restart the proxies are back, IPv6 ones included.
    await d.stop();
    await d.restart();
    assert.equal(curl('http://[::1]:18580/'), 'p4\n');
    assert.equal(peer('http://[::1]:18581/cgi-bin/ip'), '2001:db8:77::1');
    ok(['rm', '-f', 'p4', 'p6', 'p6only']);
    assert.equal(curl('http://[::1]:18580/'), '');
  });

  test('any network name works (a space, dots, slashes): nothing on the host is named after it', () => {
    // (A name with slashes is reached by ID: HTTP routers clean `..` out of URL paths, moby's too.)
    for (const name of ['test 01', '../../escape']) {
      const id = ok(['network', 'create', name]).trim();
      assert.equal(ok(['network', 'inspect', '-f', '{{.Name}} {{.Id}}', name.includes('/') ? id : name]).trim(), `${name} ${id}`);
      assert.match(ok(['run', '--rm', '--network', name, 'busybox', 'ip', '-4', '-o', 'addr', 'show', 'eth0']), /inet \d+\./);
      // host-local's lease directory is the network's ID.
      const ipamDir = join(d.dir, 'exec', 'cni', 'ipam');
      assert.ok(readdirSync(ipamDir).includes(id), readdirSync(ipamDir).join(' '));
      assert.ok(!existsSync(join(ipamDir, name)));
      ok(['network', 'rm', name.includes('/') ? id : name]);
      assert.ok(!existsSync(join(ipamDir, id)));
    }
    assert.ok(!existsSync(join(d.dir, 'escape')) && !existsSync(join(d.dir, 'exec', 'escape')));
    fails(['network', 'create', ' '], /invalid name: name is empty/);
    fails(['network', 'create', '-d', 'host', 'anotherhost'], /only one instance of "host" network is allowed/);
  });

  test("a network record of an older berth (no IPv6 fields, leases under its name) still works after an upgrade", async () => {
    const id = 'ab'.repeat(32);
    const bridge = `bl${id.slice(0, 8)}`;
    bridges.push(bridge);
    await d.stop();
    writeFileSync(join(d.dataRoot, 'networks', `${id}.json`), JSON.stringify({
      schemaVersion: 1, id, name: 'legacy', driver: 'bridge', created: new Date().toISOString(), internal: false, attachable: false, labels: {}, options: {},
      ipam: { driver: 'default', options: {}, config: [{ subnet: '10.236.0.0/24', gateway: '10.236.0.1' }] }, bridge, mtu: 0,
    }));
    await d.restart();
    assert.equal(ok(['network', 'inspect', '-f', '{{.EnableIPv4}} {{.EnableIPv6}} {{json .IPAM.Config}}', 'legacy']).trim(), 'true false [{"Subnet":"10.236.0.0/24","Gateway":"10.236.0.1"}]');
    ids.push(ok(['run', '-d', '--name', 'old', '--network', 'legacy', '--ip', '10.236.0.9', 'busybox', 'sleep', '300']).trim());
    const ipamDir = join(d.dir, 'exec', 'cni', 'ipam');
    assert.ok(existsSync(join(ipamDir, 'legacy', '10.236.0.9')), 'its leases stay where older berths kept them');
    assert.match(ok(['run', '--rm', '--network', 'legacy', 'busybox', 'nslookup', 'old']), /Address: 10\.236\.0\.9\n/);
    ok(['rm', '-f', 'old']);
    assert.ok(!existsSync(join(ipamDir, 'legacy', '10.236.0.9')));
    ok(['network', 'rm', 'legacy']);
    assert.ok(!existsSync(join(ipamDir, 'legacy')));
    assert.equal(spawnSync('ip', ['link', 'show', bridge]).status, 1);
  });

  test('connect after start: resolv.conf moves to the embedded DNS (own --dns still upstream), and back at disconnect', async () => {
    const fake = await fakeResolver('127.0.0.3');
    try {
      ok(['network', 'create', 'later']);
      ok(['network', 'create', 'other']);
      bridges.push(bridgeOf('later'), bridgeOf('other'));
      ids.push(ok(['run', '-d', '--name', 'peer', '--network', 'later', 'busybox', 'sleep', '300']).trim());
      ids.push(ok(['run', '-d', '--name', 'far', '--network', 'other', 'busybox', 'sleep', '300']).trim());
      // On the default bridge: its own server, no embedded DNS.
      ids.push(ok(['run', '-d', '--name', 'roamer', '--dns', '127.0.0.3', 'busybox', 'sleep', '300']).trim());
      assert.equal(ok(['exec', 'roamer', 'cat', '/etc/resolv.conf']), 'nameserver 127.0.0.3\n');
      const gw = ok(['network', 'inspect', '-f', '{{(index .IPAM.Config 0).Gateway}}', 'later']).trim();
      ok(['network', 'connect', 'later', 'roamer']);
      assert.equal(ok(['exec', 'roamer', 'cat', '/etc/resolv.conf']), `nameserver ${gw}\noptions ndots:0\n`);
      const peerIp = inspect('peer', '{{.NetworkSettings.Networks.later.IPAddress}}');
      assert.match(ok(['exec', 'roamer', 'nslookup', 'peer']), new RegExp(`Address: ${peerIp.replace(/\./g, '\\.')}\\n`));
      assert.match(ok(['exec', 'roamer', 'nslookup', 'ext.test']), /Address: 10\.9\.8\.7\n/);
      // A second user-defined network: its names resolve through the same resolver.
      ok(['network', 'connect', 'other', 'roamer']);
      assert.equal(ok(['exec', 'roamer', 'cat', '/etc/resolv.conf']), `nameserver ${gw}\noptions ndots:0\n`);
      const farIp = inspect('far', '{{.NetworkSettings.Networks.other.IPAddress}}');
      assert.match(ok(['exec', 'roamer', 'nslookup', 'far']), new RegExp(`Address: ${farIp.replace(/\./g, '\\.')}\\n`));
      // Leaving the network whose resolver it used: the next one's.
      ok(['network', 'disconnect', 'later', 'roamer']);
      const gw2 = ok(['network', 'inspect', '-f', '{{(index .IPAM.Config 0).Gateway}}', 'other']).trim();
      assert.equal(ok(['exec', 'roamer', 'cat', '/etc/resolv.conf']), `nameserver ${gw2}\noptions ndots:0\n`);
      assert.match(ok(['exec', 'roamer', 'nslookup', 'far']), new RegExp(`Address: ${farIp.replace(/\./g, '\\.')}\\n`));
      assert.doesNotMatch(dk(['exec', 'roamer', 'nslookup', 'peer']).stdout, new RegExp(`Address: ${peerIp.replace(/\./g, '\\.')}`));
      // The last one gone: back to its own servers.
      ok(['network', 'disconnect', 'other', 'roamer']);
      assert.equal(ok(['exec', 'roamer', 'cat', '/etc/resolv.conf']), 'nameserver 127.0.0.3\n');
      // A restart keeps what it is connected to now.
      ok(['network', 'connect', 'later', 'roamer']);
      ok(['restart', '-t', '0', 'roamer']);
      assert.equal(ok(['exec', 'roamer', 'cat', '/etc/resolv.conf']), `nameserver ${gw}\noptions ndots:0\n`);
      ok(['rm', '-f', 'roamer', 'peer', 'far']);
      ok(['network', 'rm', 'later', 'other']);
    } finally {
      fake.stop();
    }
  });

  test('swarm endpoints of a node in no swarm: 503 with moby\'s messages', async () => {
    const notManager = 'This node is not a swarm manager. Use "docker swarm init" or "docker swarm join" to connect this node to swarm and try again.';
    fails(['swarm', 'leave', '--force'], /Error response from daemon: This node is not part of a swarm/);
    for (const args of [['node', 'ls'], ['service', 'ls'], ['secret', 'ls'], ['config', 'ls'], ['swarm', 'unlock-key'], ['node', 'inspect', 'self'], ['service', 'rm', 'x']]) {
      const r = fails(args, /Error response from daemon: /);
      assert.ok(r.stderr.includes(notManager), `${args.join(' ')}: ${r.stderr}`);
    }
    fails(['swarm', 'init'], /swarm mode is not available in berth/);
    fails(['network', 'create', '-d', 'overlay', 'ov'], /This node is not a swarm manager/);
    fails(['network', 'create', '--scope', 'swarm', 'sw'], /cannot create a swarm scoped network when swarm is not active/);
    fails(['network', 'create', '--ingress', 'ing'], /Ingress network can only be global scope network/);
    for (const [method, path, message] of [
      ['GET', '/v1.41/swarm', notManager],
      ['POST', '/v1.41/swarm/leave?force=1', 'This node is not part of a swarm'],
      ['GET', '/tasks', notManager],
      ['POST', '/secrets/create', notManager],
      ['DELETE', '/configs/abc', notManager],
      ['GET', '/services/abc/logs', notManager],
    ] as const) {
      const res = await fetchOverSocket(d.socket, method, path);
      assert.equal(res.status, 503, `${method} ${path}`);
      assert.deepEqual(JSON.parse(res.body), { message });
    }
  });

  test('nothing left behind: no bridges, veths or rules of either family', () => {
    const left = ok(['ps', '-aq']).split('\n').filter(Boolean);
    if (left.length) ok(['rm', '-f', ...left]);
    const custom = ok(['network', 'ls', '-q', '--filter', 'type=custom']).split('\n').filter(Boolean);
    if (custom.length) ok(['network', 'rm', ...custom]);
    for (const br of bridges) assert.equal(spawnSync('ip', ['link', 'show', br]).status, 1, `${br} is gone`);
    assert.deepEqual(rulesNaming([...ids, ...bridges]), []);
    const defaultBridge = ok(['network', 'inspect', '-f', '{{index .Options "com.docker.network.bridge.name"}}', 'bridge']).trim();
    assert.equal(spawnSync('ip', ['-o', 'link', 'show', 'master', defaultBridge]).stdout.toString(), '');
  });
});

/** A raw request on the daemon's socket: status and body as a client sees them. */
async function fetchOverSocket(socket: string, method: string, path: string): Promise<{ status: number; body: string }> {
  const http = await import('node:http');
  return new Promise((resolve, reject) => {
    const req = http.request({ socketPath: socket, method, path }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

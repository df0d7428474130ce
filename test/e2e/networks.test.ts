import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { busyboxRootfs, cliFor, docker, isRoot, ROOT, startDaemon, type TestDaemon } from '../helpers/daemon.js';

const hasDocker = docker('unix:///nonexistent', ['--version']).code === 0;
const hasCni = existsSync('/usr/lib/cni/bridge');

/**
 * What a leak of this daemon's would show (other test files run daemons side by side, so the
 * host's whole state is not ours to compare): veths on its bridges, rules naming its containers.
 */
function leftovers(bridges: string[], containerIds: string[]): { veths: string[]; rules: string[] } {
  const veths = bridges.flatMap((br) => spawnSync('ip', ['-o', 'link', 'show', 'master', br]).stdout.toString().split('\n').filter(Boolean));
  const rules = spawnSync('iptables-save').stdout.toString().split('\n').filter((l) => containerIds.some((id) => l.includes(id)));
  return { veths, rules };
}

function curl(url: string): string {
  const r = spawnSync('curl', ['-s', '--max-time', '5', url]);
  return r.stdout.toString();
}

describe('networks through the real docker CLI', { skip: !isRoot || !hasDocker || !hasCni }, () => {
  let d: TestDaemon;
  const { run: dk, ok, fails } = cliFor('docker', () => d);
  const inspect = (ref: string, fmt: string): string => ok(['inspect', '-f', fmt, ref]).trim();
  const web = (name: string, extra: string[], text = name): string =>
    ok(['run', '-d', '--name', name, ...extra, 'busybox', 'sh', '-c', `mkdir -p /www && echo ${text} > /www/index.html && exec httpd -f -p 80 -h /www`]).trim();
  const leases = (): string[] => {
    const dir = join(d.dir, 'exec', 'cni', 'ipam');
    if (!existsSync(dir)) return [];
    return readdirSync(dir).flatMap((n) => readdirSync(join(dir, n)).filter((f) => /^\d+\.\d+\.\d+\.\d+$/.test(f)).map((f) => `${n}/${f}`));
  };

  before(async () => {
    d = await startDaemon();
    ok(['import', '-c', 'CMD ["sh"]', '-', 'busybox:latest'], busyboxRootfs());
    ok(['commit', '-c', 'EXPOSE 80', '-c', 'EXPOSE 9000/udp', ok(['create', 'busybox', 'true']).trim(), 'exposer']);
    // Debian's busybox has no UDP server: an image of the host's socat (and its libraries) is one.
    const libs = spawnSync('bash', ['-c', "ldd /usr/bin/socat | grep -o '/[^ ]*'"]).stdout.toString().split('\n').filter(Boolean);
    const tar = spawnSync('tar', ['-chf', '-', '-C', '/', ...[...new Set(['usr/bin/socat', ...libs.map((l) => l.slice(1))])]], { maxBuffer: 64 << 20 });
    ok(['import', '-', 'socat:udp'], tar.stdout);
  });
  after(async () => {
    await d.cleanup();
  });

  test('the default bridge: an address, a gateway, NAT out, and containers reach each other', async () => {
    const bridge = JSON.parse(ok(['network', 'inspect', 'bridge']))[0] as { IPAM: { Config: { Subnet: string; Gateway: string }[] }; Options: Record<string, string> };
    const { Subnet: subnet, Gateway: gateway } = bridge.IPAM.Config[0]!;
    assert.match(bridge.Options['com.docker.network.bridge.name']!, /^bt[0-9a-f]{8}$/);
    web('w1', []);
    const ip = inspect('w1', '{{.NetworkSettings.IPAddress}}');
    assert.equal(inspect('w1', '{{.NetworkSettings.Networks.bridge.IPAddress}}'), ip);
    assert.equal(inspect('w1', '{{.NetworkSettings.Gateway}}'), gateway);
    assert.equal(ip.split('.').slice(0, 2).join('.'), subnet.split('.').slice(0, 2).join('.'));
    assert.match(inspect('w1', '{{.NetworkSettings.MacAddress}}'), /^([0-9a-f]{2}:){5}[0-9a-f]{2}$/);
    const sandbox = inspect('w1', '{{.NetworkSettings.SandboxKey}}');
    assert.ok(existsSync(sandbox));
    const out = ok(['run', '--rm', 'busybox', 'sh', '-c', `ip route; wget -qO- http://${ip}/`]);
    assert.match(out, new RegExp(`default via ${gateway.replace(/\./g, '\\.')} dev eth0`));
    assert.match(out, /w1\n$/);
    // The host reaches the container through the bridge too.
    assert.equal(curl(`http://${ip}/`), 'w1\n');
    const net = JSON.parse(ok(['network', 'inspect', 'bridge']))[0] as { Containers: Record<string, { Name: string; IPv4Address: string }> };
    const entry = Object.values(net.Containers).find((c) => c.Name === 'w1');
    assert.equal(entry?.IPv4Address.split('/')[0], ip);
    // stats counts the traffic on eth0 (not lo).
    assert.match(ok(['stats', '--no-stream', '--format', '{{.NetIO}}', 'w1']), /^[1-9][\d.]*k?B \/ [1-9][\d.]*k?B\n$/);
    ok(['rm', '-f', 'w1']);
    assert.equal(existsSync(sandbox), false);
    assert.deepEqual(leases(), []);
    // A stray address on the bridge (a crash, a hand) is gone after a restart; containers run.
    const br = bridge.Options['com.docker.network.bridge.name']!;
    assert.equal(spawnSync('ip', ['addr', 'add', '10.254.253.1/24', 'dev', br]).status, 0);
    await d.stop();
    await d.restart();
    const addrs = spawnSync('ip', ['-4', '-o', 'addr', 'show', 'dev', br]).stdout.toString().trim().split('\n');
    assert.equal(addrs.length, 1, addrs.join('\n'));
    assert.match(addrs[0]!, new RegExp(`inet ${gateway.replace(/\./g, '\\.')}/`));
    assert.match(ok(['run', '--rm', 'busybox', 'ip', '-4', '-o', 'addr', 'show', 'eth0']), /inet /);
  });

  test('outbound NAT: a container reaching a namespace outside its bridge arrives from the host address', () => {
    // "outside": a namespace of the test's own, on a veth pair with its own subnet.
    const ns = `bo${Date.now().toString(16).slice(-6)}`;
    const run = (args: string[]): void => assert.equal(spawnSync(args[0]!, args.slice(1)).status, 0, args.join(' '));
    run(['ip', 'netns', 'add', ns]);
    try {
      run(['ip', 'link', 'add', `${ns}h`, 'type', 'veth', 'peer', 'name', `${ns}o`]);
      run(['ip', 'link', 'set', `${ns}o`, 'netns', ns]);
      run(['ip', 'addr', 'add', '10.250.77.1/30', 'dev', `${ns}h`]);
      run(['ip', 'link', 'set', `${ns}h`, 'up']);
      run(['ip', 'netns', 'exec', ns, 'ip', 'addr', 'add', '10.250.77.2/30', 'dev', `${ns}o`]);
      run(['ip', 'netns', 'exec', ns, 'ip', 'link', 'set', `${ns}o`, 'up']);
      // No route back to the bridge's subnet out there: only a masqueraded connection can answer.
      const server = spawn('ip', ['netns', 'exec', ns, 'socat', 'TCP-LISTEN:9977,reuseaddr', 'SYSTEM:echo seen-from=$SOCAT_PEERADDR'], { stdio: 'ignore' });
      try {
        spawnSync('sleep', ['0.3']);
        const out = ok(['run', '--rm', 'busybox', 'sh', '-c', 'sleep 1 | nc 10.250.77.2 9977']);
        assert.equal(out, 'seen-from=10.250.77.1\n');
      } finally {
        server.kill();
      }
    } finally {
      spawnSync('ip', ['netns', 'del', ns]);
      spawnSync('ip', ['link', 'del', `${ns}h`]);
    }
  });

  test('user-defined networks: create options, inspect, DNS by name, short ID and alias, isolation', () => {
    ok(['network', 'create', '--subnet', '10.231.0.0/24', '--gateway', '10.231.0.254', '--ip-range', '10.231.0.128/25', '--label', 'team=a', '-o', 'com.docker.network.bridge.name=btest-a', '-o', 'com.docker.network.driver.mtu=1400', 'neta']);
    ok(['network', 'create', '--attachable', 'netb']);
    const n = JSON.parse(ok(['network', 'inspect', 'neta']))[0] as Record<string, unknown> & { IPAM: { Config: Record<string, string>[] } };
    assert.deepEqual(n.IPAM.Config, [{ Subnet: '10.231.0.0/24', IPRange: '10.231.0.128/25', Gateway: '10.231.0.254' }]);
    assert.deepEqual(n.Labels, { team: 'a' });
    assert.equal(n.Attachable, false);
    assert.equal(JSON.parse(ok(['network', 'inspect', '-f', '{{json .Attachable}}', 'netb'])), true);
    assert.equal(n.Driver, 'bridge');
    assert.equal(n.Scope, 'local');
    assert.match(spawnSync('ip', ['-o', 'link', 'show', 'btest-a']).stdout.toString(), /mtu 1400/);
    const id = web('srv', ['--network', 'neta', '--network-alias', 'api']);
    const ip = inspect('srv', '{{.NetworkSettings.Networks.neta.IPAddress}}');
    assert.ok(Number(ip.split('.')[3]) >= 128, `${ip} is in the ip-range`);
    const q = ok(['run', '--rm', '--network', 'neta', 'busybox', 'sh', '-c', `cat /etc/resolv.conf; for n in srv SRV ${id.slice(0, 12)} api; do nslookup $n | grep -A1 '^Name:'; done; wget -qO- http://api/`]);
    assert.match(q, /nameserver 10\.231\.0\.254/);
    assert.match(q, /options ndots:0/);
    assert.equal(q.match(new RegExp(`Address: ${ip.replace(/\./g, '\\.')}`, 'g'))?.length, 4, q);
    assert.match(q, /srv\n$/);
    // moby 28's order: name, aliases, short ID.
    assert.deepEqual(JSON.parse(inspect('srv', '{{json .NetworkSettings.Networks.neta.DNSNames}}')), ['srv', 'api', id.slice(0, 12)]);
    // A rename is seen at once: the new name answers, the old one no longer does.
    ok(['rename', 'srv', 'srv2']);
    const renamed = dk(['run', '--rm', '--network', 'neta', 'busybox', 'sh', '-c', 'nslookup srv2; nslookup srv']);
    assert.equal(renamed.stdout.match(new RegExp(`Address: ${ip.replace(/\./g, '\\.')}`, 'g'))?.length, 1, renamed.stdout);
    assert.match(renamed.stdout, /Name:\s+srv2\n/);
    assert.deepEqual(JSON.parse(inspect('srv2', '{{json .NetworkSettings.Networks.neta.DNSNames}}')), ['srv2', 'api', id.slice(0, 12)]);
    ok(['rename', 'srv2', 'srv']);
    // Another network sees neither the names nor the address.
    const other = dk(['run', '--rm', '--network', 'netb', 'busybox', 'sh', '-c', `nslookup srv; ping -c1 -W1 ${ip}; nslookup srv 10.231.0.254`]);
    assert.doesNotMatch(other.stdout, new RegExp(`Address: ${ip.replace(/\./g, '\\.')}`));
    assert.match(other.stdout + other.stderr, /0 packets received|100% packet loss/);
    // The default bridge has no embedded DNS.
    assert.doesNotMatch(ok(['run', '--rm', 'busybox', 'cat', '/etc/resolv.conf']), /10\.231\.0\.254/);
    fails(['network', 'rm', 'neta'], /has active endpoints/);
    fails(['network', 'create', 'neta'], /network with name neta already exists/);
    fails(['network', 'create', '--subnet', '10.231.0.0/16', 'overlap'], /Pool overlaps with other one on this address space/);
    fails(['network', 'create', '--subnet', '10.232.0.1/16', 'badsub'], /invalid subnet 10\.232\.0\.1\/16/);
    fails(['network', 'rm', 'bridge'], /bridge is a pre-defined network and cannot be removed/);
    // A host interface is never taken over as a network's bridge.
    fails(['network', 'create', '-o', 'com.docker.network.bridge.name=lo', 'takeover'], /already in use by an interface of the host/);
    // (`run` would take the 404 for a missing image and try to pull, as it does against Docker.)
    fails(['create', '--network', 'nosuchnet', 'busybox', 'true'], /network nosuchnet not found|pulling .* is not possible|registry-1\.docker\.io/);
    fails(['network', 'connect', 'nosuchnet', 'srv'], /network nosuchnet not found/);
    fails(['run', '--rm', '--ip', '10.0.0.9', 'busybox', 'true'], /user specified IP address is supported on user defined networks only/);
    assert.equal(ok(['network', 'ls', '-q', '--filter', 'label=team=a']).trim().length, 12);
    assert.match(ok(['network', 'ls', '--filter', 'type=custom', '--format', '{{.Name}}']), /^neta\nnetb\n$|^netb\nneta\n$/);
    ok(['rm', '-f', 'srv']);
    ok(['network', 'rm', 'neta']);
    assert.equal(spawnSync('ip', ['link', 'show', 'btest-a']).status, 1);
  });

  test("the embedded DNS forwards other names to the container's --dns servers, else the daemon's", async () => {
    // A resolver of the test's own on a loopback address (the daemon's default upstream is 127.0.0.1),
    // in a process of its own: this one blocks while the docker CLI runs.
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
      s.bind(53, '127.0.0.2', () => console.log('ready'));`;
    const fake = spawn(process.execPath, ['--input-type=module', '-e', code], { stdio: ['ignore', 'pipe', 'inherit'] });
    await new Promise<void>((resolve, reject) => {
      fake.stdout.once('data', () => resolve());
      fake.once('exit', (c) => reject(new Error(`fake resolver exited ${c}`)));
    });
    try {
      ok(['network', 'create', 'netdns']);
      const withDns = ok(['run', '--rm', '--network', 'netdns', '--dns', '127.0.0.2', 'busybox', 'sh', '-c', 'cat /etc/resolv.conf; nslookup ext.test']);
      assert.doesNotMatch(withDns, /nameserver 127\.0\.0\.2/);
      assert.match(withDns, /Name:\s+ext\.test\nAddress: 10\.9\.8\.7/);
      const without = dk(['run', '--rm', '--network', 'netdns', 'busybox', 'nslookup', 'ext.test']);
      assert.doesNotMatch(without.stdout, /10\.9\.8\.7/);
      ok(['network', 'rm', 'netdns']);
    } finally {
      fake.kill();
    }
  });

  test('connect and disconnect a running container, with --ip and --alias', () => {
    ok(['network', 'create', '--subnet', '10.233.0.0/24', 'netc']);
    web('roamer', ['-p', '18450:80']);
    ok(['network', 'connect', '--ip', '10.233.0.77', '--alias', 'wanderer', 'netc', 'roamer']);
    assert.match(ok(['exec', 'roamer', 'ip', '-4', '-o', 'addr', 'show', 'eth1']), /inet 10\.233\.0\.77\/24/);
    assert.equal(inspect('roamer', '{{.NetworkSettings.Networks.netc.IPAddress}}'), '10.233.0.77');
    assert.match(ok(['run', '--rm', '--network', 'netc', 'busybox', 'nslookup', 'wanderer']), /Address: 10\.233\.0\.77/);
    fails(['network', 'connect', 'netc', 'roamer'], /already exists in network netc/);
    fails(['run', '--rm', '--network', 'netc', '--ip', '10.233.0.77', 'busybox', 'true'], /Address already in use/);
    ok(['network', 'disconnect', 'netc', 'roamer']);
    assert.match(dk(['exec', 'roamer', 'ip', 'link', 'show', 'eth1']).stderr, /can't find device 'eth1'/);
    // Leaving a second network keeps the first network's published port working.
    assert.equal(curl('http://127.0.0.1:18450/'), 'roamer\n');
    // Joining again takes the free interface name.
    ok(['network', 'connect', 'netc', 'roamer']);
    assert.match(ok(['exec', 'roamer', 'ip', '-4', '-o', 'addr', 'show', 'eth1']), /inet 10\.233\.0\./);
    ok(['network', 'disconnect', 'netc', 'roamer']);
    assert.equal(inspect('roamer', '{{index .NetworkSettings.Networks "netc"}}'), '<nil>');
    fails(['network', 'disconnect', 'netc', 'roamer'], /is not connected to network netc/);
    // A created container joins at its start.
    ok(['create', '--name', 'later', 'busybox', 'sleep', '60']);
    ok(['network', 'connect', 'netc', 'later']);
    ok(['start', 'later']);
    assert.match(ok(['exec', 'later', 'ip', '-4', '-o', 'addr']), /eth1\s+inet 10\.233\.0\./);
    ok(['rm', '-f', 'roamer', 'later']);
    assert.match(ok(['network', 'prune', '-f']), /netc/);
  });

  test('none, host and container:<name> network modes', () => {
    assert.deepEqual(ok(['run', '--rm', '--network', 'none', 'busybox', 'ls', '/sys/class/net']).split(/\s+/).filter(Boolean), ['lo']);
    // The host's links (other test files add and remove veths meanwhile: compare with both ends).
    const before = new Set(readdirSync('/sys/class/net'));
    const seen = ok(['run', '--rm', '--network', 'host', 'busybox', 'ls', '/sys/class/net']).split(/\s+/).filter(Boolean);
    const after = new Set(readdirSync('/sys/class/net'));
    // Veths and test bridges come and go with other test files; every other host link is seen, and only those.
    const steady = (l: string): boolean => !/^(veth|bt|br-|bd)/.test(l);
    for (const link of before) if (after.has(link) && steady(link)) assert.ok(seen.includes(link), `${link} is on the host`);
    for (const link of seen.filter(steady)) assert.ok(before.has(link) || after.has(link), `${link} is not a host link`);
    const ownBridge = (JSON.parse(ok(['network', 'inspect', 'bridge']))[0] as { Options: Record<string, string> }).Options['com.docker.network.bridge.name']!;
    assert.ok(seen.includes(ownBridge));
    web('owner', []);
    const ip = inspect('owner', '{{.NetworkSettings.IPAddress}}');
    assert.match(ok(['run', '--rm', '--network', 'container:owner', 'busybox', 'sh', '-c', 'ip -4 -o addr show eth0; wget -qO- http://127.0.0.1/']), new RegExp(`inet ${ip.replace(/\./g, '\\.')}/[\\s\\S]*owner\\n$`));
    ok(['stop', '-t', '1', 'owner']);
    fails(['run', '--rm', '--network', 'container:owner', 'busybox', 'true'], /non running container/);
    ok(['rm', 'owner']);
  });

  test('published ports: TCP and UDP, loopback and other namespaces, -P, port and ps, conflicts', async () => {
    const gateway = (JSON.parse(ok(['network', 'inspect', 'bridge']))[0] as { IPAM: { Config: { Gateway: string }[] } }).IPAM.Config[0]!.Gateway;
    web('pub', ['-p', '18380:80', '-p', '127.0.0.1::80', '-p', '18381:9000/udp'], 'published');
    assert.equal(curl('http://127.0.0.1:18380/'), 'published\n');
    const ports = ok(['port', 'pub']);
    assert.match(ports, /^80\/tcp -> 0\.0\.0\.0:18380$/m);
    assert.match(ports, /^9000\/udp -> 0\.0\.0\.0:18381$/m);
    const eph = /^80\/tcp -> 127\.0\.0\.1:(\d+)$/m.exec(ports)?.[1];
    assert.ok(eph && Number(eph) >= 1024, ports);
    assert.equal(curl(`http://127.0.0.1:${eph}/`), 'published\n');
    fails(['port', 'pub', '80/udp'], /No public port '80\/udp' published for pub/);
    assert.match(ok(['ps', '--filter', 'name=pub', '--format', '{{.Ports}}']), /0\.0\.0\.0:18380->80\/tcp/);
    // From another network namespace: a container reaching the host's address (DNAT).
    assert.equal(ok(['run', '--rm', 'busybox', 'wget', '-qO-', `http://${gateway}:18380/`]), 'published\n');
    // UDP: what the host sends arrives in the container.
    ok(['run', '-d', '--name', 'udp', '-p', '18382:9000/udp', 'socat:udp', '/usr/bin/socat', '-u', 'UDP-RECV:9000', 'STDOUT']);
    await new Promise((r) => setTimeout(r, 500));
    spawnSync('bash', ['-c', 'echo over-udp > /dev/udp/127.0.0.1/18382']);
    for (let i = 0; i < 20 && !ok(['logs', 'udp']).includes('over-udp'); i++) await new Promise((r) => setTimeout(r, 100));
    assert.equal(ok(['logs', 'udp']), 'over-udp\n');
    // Ranges map port to port; a bare container port gets an ephemeral host port.
    ok(['run', '-d', '--name', 'ranged', '-p', '18410-18411:80-81', '-p', '8080', 'busybox', 'sleep', '60']);
    const ranged = ok(['port', 'ranged']);
    assert.match(ranged, /^80\/tcp -> 0\.0\.0\.0:18410$/m);
    assert.match(ranged, /^81\/tcp -> 0\.0\.0\.0:18411$/m);
    assert.match(ranged, /^8080\/tcp -> 0\.0\.0\.0:\d{4,5}$/m);
    ok(['rm', '-f', 'ranged']);
    // -P publishes every EXPOSEd port on ephemeral host ports.
    ok(['run', '-d', '--name', 'allp', '-P', 'exposer', 'sleep', '60']);
    const all = ok(['port', 'allp']);
    assert.match(all, /^80\/tcp -> 0\.0\.0\.0:\d+$/m);
    assert.match(all, /^9000\/udp -> 0\.0\.0\.0:\d+$/m);
    // A port taken by berth, or by another process: Docker's errors, and nothing left running.
    fails(['run', '-d', '--name', 'clash', '-p', '18380:80', 'busybox', 'sleep', '60'], /Bind for 0\.0\.0\.0:18380 failed: port is already allocated/);
    assert.equal(inspect('clash', '{{.State.Status}}'), 'created');
    const squatter: Server = createServer();
    await new Promise<void>((r) => squatter.listen(18383, '0.0.0.0', r));
    try {
      fails(['run', '--rm', '-p', '18383:80', 'busybox', 'true'], /listen tcp4 0\.0\.0\.0:18383: bind: address already in use/);
    } finally {
      squatter.close();
    }
    ok(['rm', '-f', 'pub', 'udp', 'allp', 'clash']);
    assert.equal(curl('http://127.0.0.1:18380/'), '');
  });

  test('kill -9 and restart: published ports and DNS come back; removal leaves nothing behind', async () => {
    ok(['network', 'create', 'netd']);
    const survivorId = web('survivor', ['--network', 'netd', '-p', '18390:80']);
    const netdBridge = `br-${ok(['network', 'inspect', '-f', '{{.Id}}', 'netd']).trim().slice(0, 12)}`;
    const defaultBridge = ok(['network', 'inspect', '-f', '{{index .Options "com.docker.network.bridge.name"}}', 'bridge']).trim();
    assert.equal(curl('http://127.0.0.1:18390/'), 'survivor\n');
    // And one that dies while berthd is down: its network is taken down at the restart.
    const casualtyId = ok(['run', '-d', '--name', 'casualty', '--network', 'netd', '-p', '18391:80', 'busybox', 'sleep', '300']).trim();
    const pid = Number(inspect('casualty', '{{.State.Pid}}'));
    await d.kill9();
    process.kill(pid, 'SIGKILL');
    await new Promise((r) => setTimeout(r, 500));
    await d.restart();
    assert.equal(inspect('casualty', '{{.State.Status}}'), 'exited');
    assert.equal(curl('http://127.0.0.1:18391/'), '');
    ok(['rm', 'casualty']);
    assert.equal(curl('http://127.0.0.1:18390/'), 'survivor\n');
    assert.match(ok(['run', '--rm', '--network', 'netd', 'busybox', 'wget', '-qO-', 'http://survivor/']), /survivor/);
    // The detector sees a live container's veth and rules (so its empty answer below means something).
    const live = leftovers([netdBridge], [survivorId]);
    assert.equal(live.veths.length, 1);
    assert.ok(live.rules.length > 0);
    ok(['rm', '-f', 'survivor']);
    ok(['network', 'rm', 'netd']);
    assert.deepEqual(leases(), []);
    assert.deepEqual(readdirSync(join(d.dir, 'exec', 'netns')), []);
    assert.equal(spawnSync('ip', ['link', 'show', netdBridge]).status, 1, 'the network\'s bridge is gone');
    assert.deepEqual(leftovers([defaultBridge], [survivorId, casualtyId]), { veths: [], rules: [] });
    assert.doesNotMatch(readFileSync('/proc/self/mounts', 'utf8'), new RegExp(join(d.dir, 'exec', 'netns').replace(/\//g, '\\/') + '/'));
  });
});

describe('the default address pool and per-container network options', { skip: !isRoot || !hasDocker || !hasCni }, () => {
  test('a fresh daemon skips a pool the host already routes (a Docker host has 172.17.0.0/16 on docker0)', async () => {
    const { pickSubnet, hostRoutes, formatCidr, overlaps, parseCidr } = await import('../../src/network/subnet.js');
    const expected = pickSubnet([], hostRoutes());
    assert.ok(expected);
    // Take that pool on the host, as docker0 would (a bridge: this kernel has no dummy links).
    const dummy = `bd${Date.now().toString(16).slice(-8)}`;
    const gw = formatCidr(expected).replace(/\.0\/(\d+)$/, '.1/$1');
    assert.equal(spawnSync('ip', ['link', 'add', dummy, 'type', 'bridge']).status, 0);
    spawnSync('ip', ['addr', 'add', gw, 'dev', dummy]);
    spawnSync('ip', ['link', 'set', dummy, 'up']);
    const d = await startDaemon();
    try {
      const subnet = (JSON.parse(docker(d.host, ['network', 'inspect', 'bridge']).stdout)[0] as { IPAM: { Config: { Subnet: string }[] } }).IPAM.Config[0]!.Subnet;
      assert.notEqual(subnet, formatCidr(expected));
      assert.ok(!overlaps(parseCidr(subnet), expected), `${subnet} overlaps ${formatCidr(expected)}`);
      const created = docker(d.host, ['network', 'create', 'fresh']);
      assert.equal(created.code, 0, created.stderr);
      const fresh = (JSON.parse(docker(d.host, ['network', 'inspect', 'fresh']).stdout)[0] as { IPAM: { Config: { Subnet: string }[] } }).IPAM.Config[0]!.Subnet;
      assert.ok(!overlaps(parseCidr(fresh), expected) && fresh !== subnet);
    } finally {
      await d.cleanup();
      spawnSync('ip', ['link', 'del', dummy]);
    }
  });

  test('--internal, --hostname, --add-host host-gateway, --dns*, --mac-address', async () => {
    const d = await startDaemon();
    const ok = (args: string[], input?: Buffer | string): string => {
      const r = docker(d.host, args, input);
      assert.equal(r.code, 0, `docker ${args.join(' ')}: ${r.stderr}`);
      return r.stdout;
    };
    try {
      ok(['import', '-c', 'CMD ["sh"]', '-', 'busybox:latest'], busyboxRootfs());
      const gateway = (JSON.parse(ok(['network', 'inspect', 'bridge']))[0] as { IPAM: { Config: { Gateway: string }[] } }).IPAM.Config[0]!.Gateway;
      ok(['network', 'create', '--internal', 'inside']);
      const internal = ok(['run', '--rm', '--network', 'inside', 'busybox', 'sh', '-c', 'ip route; ip -4 -o addr show eth0']);
      assert.doesNotMatch(internal, /default via/);
      assert.match(internal, /inet \d+\.\d+\.\d+\.\d+\//);
      assert.equal(JSON.parse(ok(['network', 'inspect', '-f', '{{json .Internal}}', 'inside'])), true);
      const out = ok(['run', '--rm', '--hostname', 'named', '--add-host', 'gw:host-gateway', '--add-host', 'db:10.1.2.3', '--dns', '10.9.9.9', '--dns-search', 'example.test', '--dns-option', 'ndots:2', '--mac-address', '02:42:ac:11:00:99', 'busybox', 'sh', '-c', 'hostname; cat /etc/hosts /etc/resolv.conf; cat /sys/class/net/eth0/address']);
      assert.match(out, /^named\n/);
      assert.match(out, new RegExp(`${gateway.replace(/\./g, '\\.')}\\tgw\\n`));
      assert.match(out, /10\.1\.2\.3\tdb\n/);
      assert.match(out, /\d+\.\d+\.\d+\.\d+\tnamed\n/);
      assert.match(out, /search example\.test\nnameserver 10\.9\.9\.9\noptions ndots:2\n/);
      assert.match(out, /02:42:ac:11:00:99\n$/);
      ok(['network', 'rm', 'inside']);
    } finally {
      await d.cleanup();
    }
  });
});

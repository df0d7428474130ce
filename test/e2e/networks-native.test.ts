/**
 * Container networking set up in-process (rtnetlink, host-local's lease format), through the
 * real docker CLI against a private berthd: no helper process on a start or stop, the veth as
 * the CNI bridge plugin made it, leases an older berth left honoured, concurrent starts on one
 * network, and the daemon's main thread always back in the host's network namespace.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, readlinkSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { busyboxRootfs, cliFor, docker, isRoot, startDaemon, type TestDaemon } from '../helpers/daemon.js';

const hasDocker = docker('unix:///nonexistent', ['--version']).code === 0;
const hasCni = existsSync('/usr/lib/cni/bridge');
const hasStrace = spawnSync('strace', ['-V']).status === 0;

/** Programs the start and stop paths used to run, and must not any more. */
const HELPERS = ['unshare', 'ip', 'nsenter', 'bridge', 'host-local', 'portmap', 'loopback'];

/** Every program `pid` and its descendants exec while `fn` runs, by basename (strace attached to all threads). */
async function execsDuring(pid: number, fn: () => Promise<void>): Promise<string[]> {
  const out = join('/tmp', `berth-execs-${process.pid}-${Date.now()}.txt`);
  const tracer = spawn('strace', ['-f', '-e', 'trace=execve', '-o', out, '-p', String(pid)], { stdio: ['ignore', 'ignore', 'pipe'] });
  // strace says "Process N attached" on stderr once it holds the process.
  await new Promise<void>((resolve, reject) => {
    let err = '';
    tracer.stderr.on('data', (d: Buffer) => {
      err += d.toString();
      if (/attached/.test(err)) resolve();
    });
    tracer.once('exit', (code) => reject(new Error(`strace exited ${code}: ${err}`)));
  });
  try {
    await fn();
  } finally {
    const done = new Promise((r) => tracer.once('exit', r));
    tracer.kill('SIGINT');
    await done;
  }
  const text = readFileSync(out, 'utf8');
  spawnSync('rm', ['-f', out]);
  return [...text.matchAll(/execve\("([^"]+)"/g)].map((m) => m[1]!.split('/').pop()!);
}

function dockerAsync(host: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const p = spawn('docker', args, { env: { ...process.env, DOCKER_HOST: host }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    p.stdout.on('data', (d: Buffer) => (out += d.toString()));
    p.stderr.on('data', (d: Buffer) => (err += d.toString()));
    p.once('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(`docker ${args.join(' ')}: ${err}`))));
  });
}

describe('container networking without helper processes', { skip: !isRoot || !hasDocker || !hasCni }, () => {
  let d: TestDaemon;
  const { run: dk, ok } = cliFor('docker', () => d);
  const inspect = (ref: string, fmt: string): string => ok(['inspect', '-f', fmt, ref]).trim();
  const netnsOf = (pid: number, tid = pid): string => readlinkSync(`/proc/${pid}/task/${tid}/ns/net`);

  before(async () => {
    d = await startDaemon();
    ok(['import', '-c', 'CMD ["sh"]', '-', 'busybox:latest'], busyboxRootfs());
  });
  after(async () => {
    await d?.cleanup();
  });

  test('a default-bridge container starts and stops without unshare, ip, nsenter or a CNI plugin', { skip: !hasStrace }, async () => {
    // Warm: the daemon's lazily loaded code and the default bridge's lease directory.
    ok(['run', '--rm', 'busybox', 'true']);
    const execs = await execsDuring(d.proc.pid!, async () => {
      assert.match(await dockerAsync(d.host, ['run', '--rm', 'busybox', 'sh', '-c', 'ip -4 -o addr show eth0; ip route']), /eth0\s+inet 172\.\d+\.\d+\.\d+\/\d+[\s\S]*default via/);
    });
    // The tracer saw the start (the runtime and its monitor run as ever)...
    assert.ok(execs.includes('conmon') || execs.includes('runc'), execs.join(' '));
    // ...and none of the helpers the network set-up and teardown used to run.
    assert.deepEqual(execs.filter((e) => HELPERS.includes(e)), []);
  });

  test('the veth as the CNI bridge plugin made it: veth<8 hex> on the bridge, hairpin, the network MTU, a given MAC', () => {
    ok(['network', 'create', '--subnet', '10.238.0.0/24', '-o', 'com.docker.network.driver.mtu=1380', 'netmtu']);
    const id = ok(['run', '-d', '--name', 'vethy', '--network', 'netmtu', '--mac-address', '02:42:0a:ee:00:42', 'busybox', 'sleep', '60']).trim();
    try {
      const bridge = `br-${inspect('netmtu', '{{.Id}}').slice(0, 12)}`;
      const ports = spawnSync('ip', ['-o', 'link', 'show', 'master', bridge]).stdout.toString();
      const veth = /^\d+: (veth[0-9a-f]{8})@/m.exec(ports)?.[1];
      assert.ok(veth, ports);
      assert.match(ports, /mtu 1380 .*state UP/);
      assert.equal(readFileSync(`/sys/class/net/${veth}/brport/hairpin_mode`, 'utf8').trim(), '1');
      const inside = ok(['exec', 'vethy', 'ip', '-o', 'link', 'show', 'eth0']);
      assert.match(inside, /mtu 1380 .*link\/ether 02:42:0a:ee:00:42/);
      assert.equal(inspect('vethy', '{{.NetworkSettings.Networks.netmtu.MacAddress}}'), '02:42:0a:ee:00:42');
      ok(['rm', '-f', id]);
      assert.equal(existsSync(`/sys/class/net/${veth}`), false, 'the host side goes with the container');
    } finally {
      dk(['rm', '-f', 'vethy']);
      ok(['network', 'rm', 'netmtu']);
    }
  });

  test("leases in host-local's format: an older berth's lease is skipped, concurrent starts never share an address, removal releases them", async () => {
    ok(['network', 'create', '--subnet', '10.239.0.0/24', 'netlease']);
    const dir = join(d.dir, 'exec', 'cni', 'ipam', inspect('netlease', '{{.Id}}'));
    mkdirSync(dir, { recursive: true });
    // What host-local wrote for a container of an older berth that still runs.
    writeFileSync(join(dir, '10.239.0.2'), 'f00dcafe\r\neth0');
    const ids = (await Promise.all(Array.from({ length: 6 }, (_, i) => dockerAsync(d.host, ['run', '-d', '--name', `lease${i}`, '--network', 'netlease', 'busybox', 'sleep', '60'])))).map((s) => s.trim());
    try {
      const ips = ids.map((id) => inspect(id, '{{.NetworkSettings.Networks.netlease.IPAddress}}'));
      assert.equal(new Set(ips).size, 6, ips.join(' '));
      assert.ok(!ips.includes('10.239.0.2'), ips.join(' '));
      for (const [i, ip] of ips.entries()) assert.equal(readFileSync(join(dir, ip), 'utf8'), `${ids[i]}\r\neth0`);
      assert.match(readFileSync(join(dir, 'last_reserved_ip.0'), 'utf8'), /^10\.239\.0\.\d+$/);
      // An asked address another container holds, as before.
      assert.match(dk(['run', '--rm', '--network', 'netlease', '--ip', ips[0]!, 'busybox', 'true']).stderr, /Address already in use/);
      assert.match(dk(['run', '--rm', '--network', 'netlease', '--ip', '10.239.0.2', 'busybox', 'true']).stderr, /Address already in use/);
    } finally {
      ok(['rm', '-f', ...ids]);
    }
    assert.deepEqual(readdirSync(dir).filter((f) => /^\d/.test(f)), ['10.239.0.2']);
    ok(['network', 'rm', 'netlease']);
  });

  test('a new container announces its address (gratuitous ARP): a neighbour that knew it under another MAC updates at once', async () => {
    ok(['network', 'create', '--subnet', '10.240.0.0/24', 'netgarp']);
    const bridge = `br-${inspect('netgarp', '{{.Id}}').slice(0, 12)}`;
    try {
      // A bridge flushes its neighbours when it loses its carrier (no port up: a first container's
      // arrival) and when its MAC changes (it takes its lowest port's unless given one): a
      // container keeps it up, and its MAC is fixed, so the entry below stays until updated.
      ok(['run', '-d', '--name', 'keeper', '--network', 'netgarp', 'busybox', 'sleep', '60']);
      const brMac = readFileSync(`/sys/class/net/${bridge}/address`, 'utf8').trim();
      assert.equal(spawnSync('ip', ['link', 'set', 'dev', bridge, 'address', brMac]).status, 0);
      // What the host would remember of an earlier container that had the address.
      assert.equal(spawnSync('ip', ['neigh', 'replace', '10.240.0.50', 'lladdr', '02:00:00:00:00:01', 'dev', bridge, 'nud', 'stale']).status, 0);
      ok(['run', '-d', '--name', 'garp', '--network', 'netgarp', '--ip', '10.240.0.50', '--mac-address', '02:42:0a:f0:00:32', 'busybox', 'sleep', '60']);
      // Announced at once and twice more a second apart (moby's count and interval).
      let neigh = '';
      for (let i = 0; i < 30 && !/02:42:0a:f0:00:32/.test(neigh); i++) {
        neigh = spawnSync('ip', ['neigh', 'show', '10.240.0.50', 'dev', bridge]).stdout.toString();
        if (!/02:42:0a:f0:00:32/.test(neigh)) await new Promise((r) => setTimeout(r, 100));
      }
      assert.match(neigh, /lladdr 02:42:0a:f0:00:32/);
    } finally {
      dk(['rm', '-f', 'garp', 'keeper']);
      ok(['network', 'rm', 'netgarp']);
    }
  });

  test("the daemon's main thread is in the host's network namespace after all of that", () => {
    const pid = d.proc.pid!;
    assert.equal(netnsOf(pid), readlinkSync('/proc/self/ns/net'));
    // And so is every other thread of it.
    for (const tid of readdirSync(`/proc/${pid}/task`)) assert.equal(netnsOf(pid, Number(tid)), readlinkSync('/proc/self/ns/net'));
  });

});

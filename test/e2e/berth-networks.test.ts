import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { busyboxRootfs, cliFor, docker, isRoot, startDaemon, type TestDaemon } from '../helpers/daemon.js';

const hasDocker = docker('unix:///nonexistent', ['--version']).code === 0;
const hasCni = existsSync('/usr/lib/cni/bridge');

describe('the berth CLI drives networks and published ports', { skip: !isRoot || !hasCni }, () => {
  let d: TestDaemon;
  const { run: b, ok } = cliFor('berth', () => d);

  before(async () => {
    d = await startDaemon();
    ok(['import', '-c', 'CMD ["sh"]', '-', 'busybox:latest'], busyboxRootfs());
  });
  after(async () => {
    await d.cleanup();
  });

  test('network create, ls, inspect, connect, disconnect, rm and prune', () => {
    const id = ok(['network', 'create', '--subnet', '10.241.0.0/24', '--label', 'a=b', 'bnet']).trim();
    assert.match(id, /^[0-9a-f]{64}$/);
    assert.match(ok(['network', 'ls']), /^NETWORK ID\s+NAME\s+DRIVER\s+SCOPE\n/);
    assert.match(ok(['network', 'ls', '--filter', 'label=a=b', '--format', '{{.Name}} {{.Driver}} {{.Scope}}']), /^bnet bridge local\n$/);
    assert.equal(ok(['network', 'inspect', '-f', '{{range .IPAM.Config}}{{.Subnet}}{{end}}', 'bnet']), '10.241.0.0/24\n');
    if (hasDocker) {
      for (const args of [['network', 'ls'], ['network', 'inspect', 'bnet', 'bridge']]) assert.equal(ok(args), docker(d.host, args).stdout, args.join(' '));
    }
    ok(['run', '-d', '--name', 'member', '--network', 'bnet', '--network-alias', 'm1', '--ip', '10.241.0.10', 'busybox', 'sleep', '60']);
    assert.match(ok(['run', '--rm', '--network', 'bnet', 'busybox', 'nslookup', 'm1']), /Address: 10\.241\.0\.10/);
    ok(['run', '-d', '--name', 'joiner', 'busybox', 'sleep', '60']);
    ok(['network', 'connect', '--alias', 'j1', 'bnet', 'joiner']);
    assert.match(ok(['run', '--rm', '--network', 'bnet', 'busybox', 'nslookup', 'j1']), /Address: 10\.241\.0\./);
    const rm = b(['network', 'rm', 'bnet']);
    assert.equal(rm.code, 1);
    assert.match(rm.stderr, /has active endpoints/);
    ok(['network', 'disconnect', 'bnet', 'joiner']);
    ok(['rm', '-f', 'member', 'joiner']);
    assert.match(ok(['network', 'prune', '-f']), /Deleted Networks:\nbnet\n/);
    assert.doesNotMatch(ok(['network', 'ls', '--format', '{{.Name}}']), /bnet/);
  });

  test('run -p publishes, port and ps show it, and it answers on loopback', () => {
    ok(['run', '-d', '--name', 'pweb', '-p', '18680:80', '-p', '127.0.0.1::80', 'busybox', 'sh', '-c', 'mkdir -p /www && echo via-berth > /www/index.html && exec httpd -f -p 80 -h /www']);
    const ports = ok(['port', 'pweb']);
    assert.match(ports, /^80\/tcp -> 0\.0\.0\.0:18680$/m);
    assert.match(ports, /^80\/tcp -> 127\.0\.0\.1:\d+$/m);
    assert.equal(ok(['port', 'pweb', '80']).split('\n')[0], '0.0.0.0:18680');
    assert.match(ok(['ps', '--format', '{{.Ports}}', '--filter', 'name=pweb']), /0\.0\.0\.0:18680->80\/tcp/);
    let body = '';
    for (let i = 0; i < 20 && body === ''; i++) {
      body = spawnSync('curl', ['-s', '--max-time', '2', 'http://127.0.0.1:18680/']).stdout.toString();
      if (body === '') spawnSync('sleep', ['0.1']);
    }
    assert.equal(body, 'via-berth\n');
    const missing = b(['port', 'pweb', '81']);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /No public port '81' published for pweb/);
    ok(['rm', '-f', 'pweb']);
  });
});

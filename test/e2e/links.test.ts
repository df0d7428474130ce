import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { hostname } from 'node:os';
import { busyboxRootfs, cliFor, docker, isRoot, startDaemon, type TestDaemon } from '../helpers/daemon.js';

const hasDocker = docker('unix:///nonexistent', ['--version']).code === 0;
const hasCni = existsSync('/usr/lib/cni/bridge');

/** `path major:minor` (hex) of every device node under /dev, but pts/shm/mqueue/fd, as `find` and `stat` print them. */
const LIST_DEVICES = "find /dev \\( -path /dev/pts -o -path /dev/shm -o -path /dev/mqueue -o -path /dev/fd \\) -prune -o \\( -type c -o -type b \\) -print | while read f; do stat -c '%n %t:%T' \"$f\"; done";

describe('legacy links, hostnames, privileged devices and device cgroup rules (docker CLI)', { skip: !isRoot || !hasDocker || !hasCni }, () => {
  let d: TestDaemon;
  const { run: dk, ok, fails } = cliFor('docker', () => d);
  const berth = cliFor('berth', () => d);
  const inspect = (ref: string, fmt: string): string => ok(['inspect', '-f', fmt, ref]).trim();
  const sleeper = (name: string, extra: string[] = []): string => ok(['run', '-d', '--name', name, ...extra, 'busybox', 'sleep', '600']).trim();
  const hostsLine = (ref: string, alias: string): string | undefined =>
    ok(['exec', ref, 'cat', '/etc/hosts'])
      .split('\n')
      .find((l) => l.split('\t')[1]?.split(' ')[0] === alias);

  before(async () => {
    d = await startDaemon();
    ok(['import', '-c', 'CMD ["sh"]', '-', 'busybox:latest'], busyboxRootfs());
    // An image with its own env and exposed ports: links pass both on.
    ok(['commit', '-c', 'ENV FROM_IMAGE=img', '-c', 'EXPOSE 80', '-c', 'EXPOSE 81', '-c', 'EXPOSE 53/udp', ok(['create', 'busybox', 'true']).trim(), 'linked']);
  });
  after(async () => {
    await d.cleanup();
  });

  test('--link on the default bridge: hosts entry, ALIAS_* variables, inspect, ps names, rm --link', async () => {
    const dbId = ok(['run', '-d', '--name', 'db', '-e', 'PASSWORD=secret', '--expose', '6379', 'linked', 'sleep', '600']).trim();
    const dbIp = inspect('db', '{{.NetworkSettings.IPAddress}}');
    const out = ok(['run', '--rm', '--name', 'app', '--link', 'db:my-db', 'busybox', 'sh', '-c', 'cat /etc/hosts; echo ---; env']);
    const [hosts = '', env = ''] = out.split('---\n');
    // moby's order: defaults, link targets, then the container's own address.
    const lines = hosts.trim().split('\n');
    assert.equal(lines[6], `${dbIp}\tmy-db ${dbId.slice(0, 12)} db`);
    assert.match(lines[7]!, /^\d+\.\d+\.\d+\.\d+\t[0-9a-f]{12}$/);
    const vars = env.trim().split('\n').sort();
    for (const v of [
      `MY_DB_NAME=/app/my-db`,
      `MY_DB_PORT=tcp://${dbIp}:80`,
      `MY_DB_PORT_80_TCP=tcp://${dbIp}:80`,
      `MY_DB_PORT_80_TCP_ADDR=${dbIp}`,
      'MY_DB_PORT_80_TCP_PORT=80',
      'MY_DB_PORT_80_TCP_PROTO=tcp',
      `MY_DB_PORT_80_TCP_START=tcp://${dbIp}:80`,
      `MY_DB_PORT_80_TCP_END=tcp://${dbIp}:81`,
      `MY_DB_PORT_53_UDP=udp://${dbIp}:53`,
      `MY_DB_PORT_6379_TCP_ADDR=${dbIp}`,
      'MY_DB_ENV_PASSWORD=secret',
      'MY_DB_ENV_FROM_IMAGE=img',
    ]) {
      assert.ok(vars.includes(v), `${v} in ${vars.join(' ')}`);
    }
    assert.ok(!vars.some((v) => v.startsWith('MY_DB_ENV_PATH=')));

    // A link named like its target gets no third name; both links show in inspect and as names.
    sleeper('web', ['--link', 'db:data', '--link', 'db']);
    assert.equal(hostsLine('web', 'db'), `${dbIp}\tdb ${dbId.slice(0, 12)}`);
    assert.deepEqual(JSON.parse(inspect('web', '{{json .HostConfig.Links}}')), ['/db:/web/data', '/db:/web/db']);
    assert.equal(ok(['ps', '--no-trunc', '--filter', 'name=^db$', '--format', '{{.Names}}']).trim(), 'db,web/data,web/db');
    assert.equal(ok(['ps', '--filter', 'name=^db$', '--format', '{{.Names}}']).trim(), 'db');
    // A link's name finds its target.
    assert.equal(inspect('db', '{{.Id}}'), (await d.client.json<{ Id: string }>('GET', '/containers/web%2Fdata/json')).Id);

    // The target restarts with a new address: the linking container's /etc/hosts follows.
    sleeper('filler');
    ok(['restart', '-t', '0', 'db']);
    const newIp = inspect('db', '{{.NetworkSettings.IPAddress}}');
    assert.notEqual(newIp, dbIp);
    assert.equal(hostsLine('web', 'data'), `${newIp}\tdata ${dbId.slice(0, 12)} db`);

    // rm --link: the link goes from inspect, the names and the hosts file; the containers stay.
    assert.equal(ok(['rm', '--link', '/web/data']).trim(), '/web/data');
    assert.deepEqual(JSON.parse(inspect('web', '{{json .HostConfig.Links}}')), ['/db:/web/db']);
    assert.equal(hostsLine('web', 'data'), undefined);
    assert.equal(inspect('db', '{{.State.Running}}'), 'true');
    fails(['rm', '--link', 'web/data'], /No such container: web\/data/);
    fails(['rm', '--link', 'db'], /Conflict, cannot remove the default link name of the container/);

    // Renames on either side keep the link; it survives a daemon restart.
    ok(['rename', 'db', 'db2']);
    ok(['rename', 'web', 'web2']);
    assert.deepEqual(JSON.parse(inspect('web2', '{{json .HostConfig.Links}}')), ['/db2:/web2/db']);
    await d.stop();
    await d.restart();
    assert.deepEqual(JSON.parse(inspect('web2', '{{json .HostConfig.Links}}')), ['/db2:/web2/db']);

    // A target that is not running fails the start, with moby's message.
    ok(['stop', '-t', '0', 'db2']);
    ok(['stop', '-t', '0', 'web2']);
    fails(['start', 'web2'], /Cannot link to a non running container: \/db2 AS \/web2\/db/);
    ok(['rm', '-f', 'web2', 'db2', 'filler']);
  });

  test('bad links are refused at create with moby messages', () => {
    fails(['create', '--link', 'nothere:x', 'busybox'], /could not get container for nothere: No such container: nothere/);
    sleeper('hostnet', ['--network', 'host']);
    fails(['create', '--link', 'hostnet:x', 'busybox'], /host type networking can't be used with links/);
    ok(['rm', '-f', 'hostnet']);
  });

  test('on a user-defined network a link is a DNS alias for the linking container only', () => {
    ok(['network', 'create', 'lnet']);
    // The target may come later: the alias is resolved when asked.
    sleeper('client', ['--network', 'lnet', '--link', 'upstream:bar']);
    assert.equal(inspect('client', '{{json .HostConfig.Links}}'), 'null');
    assert.deepEqual(JSON.parse(inspect('client', '{{json .NetworkSettings.Networks.lnet.Links}}')), ['upstream:bar']);
    sleeper('upstream', ['--network', 'lnet']);
    const ip = inspect('upstream', '{{.NetworkSettings.Networks.lnet.IPAddress}}');
    assert.match(ok(['exec', 'client', 'nslookup', 'bar']), new RegExp(`Address: ${ip.replaceAll('.', '\\.')}\\n`));
    assert.notEqual(dk(['run', '--rm', '--network', 'lnet', 'busybox', 'nslookup', 'bar']).code, 0);
    // Connected later with --link: the alias comes with the endpoint.
    sleeper('late', ['--network', 'lnet']);
    ok(['network', 'disconnect', 'lnet', 'late']);
    ok(['network', 'connect', '--link', 'upstream:up2', 'lnet', 'late']);
    assert.match(ok(['exec', 'late', 'nslookup', 'up2']), new RegExp(`Address: ${ip.replaceAll('.', '\\.')}\\n`));
    ok(['rm', '-f', 'client', 'upstream', 'late']);
    ok(['network', 'rm', 'lnet']);
  });

  test("hostname: the short ID by default, the host's with --network host, the joined container's with container:", () => {
    const id = ok(['create', '--name', 'plain', 'busybox']).trim();
    assert.equal(inspect('plain', '{{.Config.Hostname}}'), id.slice(0, 12));
    assert.equal(ok(['run', '--rm', '-h', 'given', '--domainname', 'example.org', 'busybox', 'sh', '-c', 'hostname; echo $HOSTNAME']).trim(), 'given\ngiven');
    ok(['create', '--name', 'hostmode', '--network', 'host', 'busybox']);
    assert.equal(inspect('hostmode', '{{.Config.Hostname}}'), hostname());

    sleeper('owner', ['-h', 'ownerhost', '--domainname', 'example.org', '--add-host', 'extra:10.9.8.7', '--dns', '10.0.0.53']);
    const out = ok(['run', '--rm', '--network', 'container:owner', 'busybox', 'sh', '-c', 'hostname; echo $HOSTNAME; cat /etc/hostname; cat /etc/hosts; cat /etc/resolv.conf']);
    assert.match(out, /^ownerhost\nownerhost\nownerhost\n/);
    assert.match(out, /10\.9\.8\.7\textra\n/);
    assert.match(out, /\townerhost\.example\.org ownerhost\n/);
    assert.match(out, /nameserver 10\.0\.0\.53\n/);
    sleeper('joiner', ['--network', 'container:owner']);
    assert.equal(inspect('joiner', '{{.Config.Hostname}} {{.Config.Domainname}}'), 'ownerhost example.org');
    for (const f of ['HostsPath', 'ResolvConfPath', 'HostnamePath']) assert.equal(inspect('joiner', `{{.${f}}}`), inspect('owner', `{{.${f}}}`));
    ok(['rm', '-f', 'plain', 'hostmode', 'owner', 'joiner']);
  });

  test("--privileged: every device node of the host's /dev (moby's filter), all devices allowed", () => {
    const host = spawnSync('sh', ['-c', LIST_DEVICES]).stdout.toString().split('\n').filter(Boolean);
    const inside = ok(['run', '--rm', '--privileged', 'busybox', 'sh', '-c', LIST_DEVICES]).split('\n').filter(Boolean);
    // moby leaves the console out; runc makes /dev/ptmx a link to the container's own pts/ptmx.
    const expected = host.filter((l) => !/^\/dev\/(console|ptmx) /.test(l)).sort();
    assert.ok(expected.length > 20, `only ${expected.length} device nodes on this host`);
    assert.deepEqual(inside.sort(), expected);
    // Unprivileged: Docker's few.
    assert.deepEqual(ok(['run', '--rm', 'busybox', 'sh', '-c', LIST_DEVICES]).split('\n').filter(Boolean).map((l) => l.split(' ')[0]).sort(), ['/dev/full', '/dev/null', '/dev/random', '/dev/tty', '/dev/urandom', '/dev/zero']);
    // A node made inside is usable: the all-devices rule.
    assert.equal(ok(['run', '--rm', '--privileged', 'busybox', 'sh', '-c', 'mknod /tmp/l b 7 0 && dd if=/tmp/l of=/dev/null count=1 2>/dev/null && echo ok']).trim(), 'ok');
  });

  test('--device-cgroup-rule: the rule decides what a node made inside may do', { skip: !existsSync('/sys/module/loop') && !existsSync('/dev/loop0') }, async () => {
    // b 7:0 is a loop device: not among the default rules (mknod is allowed for any node, use is not).
    const probe = 'mknod /tmp/l b 7 0 && (dd if=/tmp/l of=/dev/null count=1 2>/dev/null && echo read-ok || echo read-denied) && (dd if=/dev/zero of=/tmp/l count=1 2>/dev/null && echo write-ok || echo write-denied)';
    assert.equal(ok(['run', '--rm', 'busybox', 'sh', '-c', probe]).trim(), 'read-denied\nwrite-denied');
    assert.equal(ok(['run', '--rm', '--device-cgroup-rule', 'b 7:0 mr', 'busybox', 'sh', '-c', probe]).trim(), 'read-ok\nwrite-denied');
    ok(['create', '--name', 'ruled', '--device-cgroup-rule', 'b 7:* r', '--device-cgroup-rule', 'c 1:3 mr', 'busybox', 'cat', '/sys/fs/cgroup/devices/devices.list']);
    assert.deepEqual(JSON.parse(inspect('ruled', '{{json .HostConfig.DeviceCgroupRules}}')), ['b 7:* r', 'c 1:3 mr']);
    if (existsSync('/sys/fs/cgroup/devices')) {
      ok(['start', 'ruled']);
      ok(['wait', 'ruled']);
      assert.match(ok(['logs', 'ruled']), /^b 7:\* r$/m);
    }
    ok(['rm', 'ruled']);
    fails(['create', '--device-cgroup-rule', 'x 1:3 r', 'busybox'], /invalid argument "x 1:3 r" for "--device-cgroup-rule" flag: invalid device cgroup format 'x 1:3 r'/);
    // Through the API (no CLI check first): moby's message, and no container made.
    const before = ok(['ps', '-aq']);
    await assert.rejects(d.client.json('POST', '/containers/create', { body: { Image: 'busybox', HostConfig: { DeviceCgroupRules: ['c 1:3'] } } }), { message: "invalid device cgroup rule format: 'c 1:3'" });
    assert.equal(ok(['ps', '-aq']), before);
  });

  test('the berth CLI: --link, --device-cgroup-rule and rm --link', () => {
    sleeper('bdb');
    assert.match(berth.ok(['run', '--rm', '--link', 'bdb:x', '--device-cgroup-rule', 'c 1:3 r', 'busybox', 'sh', '-c', 'env; cat /etc/hosts']), /X_NAME=\/[a-z_0-9]+\/x\n[\s\S]*\tx [0-9a-f]{12} bdb\n/);
    sleeper('bweb', ['--link', 'bdb:x']);
    berth.ok(['rm', '--link', 'bweb/x']);
    assert.equal(inspect('bweb', '{{json .HostConfig.Links}}'), 'null');
    ok(['rm', '-f', 'bdb', 'bweb']);
  });
});

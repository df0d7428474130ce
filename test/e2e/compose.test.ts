/**
 * `berth compose` end to end against its own berthd: a multi-service app (a web service built
 * from a Dockerfile, a scaled worker, a db with a healthcheck the web waits for, a named volume,
 * a bind mount, an env file, user networks, a published port) through every command; bad input;
 * and `down -v` leaving nothing behind.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { BERTH, NODE, busyboxRootfs, cliFor, isRoot, startDaemon, type TestDaemon } from '../helpers/daemon.js';
import { APP, freePort, httpGet, writeProject } from '../helpers/compose.js';
import { startRegistryProcess } from '../helpers/registry.js';

describe('berth compose', { skip: !isRoot }, () => {
  let d: TestDaemon;
  let port: number;
  let dir: string;
  const roots: string[] = [];
  const dk = cliFor('docker', () => d);
  const berth = cliFor('berth', () => d);
  /** `berth compose -f <project>/compose.yaml ARGS`. */
  const compose = (args: string[], project = dir): { code: number; stdout: string; stderr: string } => berth.run(['compose', '-f', join(project, 'compose.yaml'), ...args]);
  const composeOk = (args: string[], project = dir): { stdout: string; stderr: string } => {
    const r = compose(args, project);
    assert.equal(r.code, 0, `compose ${args.join(' ')}: ${r.stderr}\n${r.stdout}`);
    return r;
  };
  const project = (name: string, files: Record<string, string>): string => {
    const p = writeProject(name, files);
    roots.push(p.root);
    return p.dir;
  };
  const ids = (): Record<string, string> => Object.fromEntries(dk.ok(['ps', '-a', '--filter', 'label=com.docker.compose.project=shop', '--format', '{{.Names}} {{.ID}}']).trim().split('\n').filter(Boolean).map((l) => l.split(' ') as [string, string]));

  before(async () => {
    d = await startDaemon();
    dk.ok(['import', '-c', 'CMD ["sh"]', '-', 'busybox:latest'], busyboxRootfs());
    port = await freePort();
    dir = project('shop', APP(port));
  });
  after(async () => {
    await d.cleanup();
    for (const r of roots) rmSync(r, { recursive: true, force: true });
  });

  test('up -d builds, creates networks, volume and containers, and starts them in dependency order', async () => {
    const { stderr } = composeOk(['up', '-d']);
    for (const line of [' Service web  Built', ' Network shop_back  Created', ' Network shop_front  Created', ' Volume "shop_dbdata"  Created', ' Container shop-db-1  Healthy', ' Container shop-web-1  Started', ' Container shop-worker-2  Started']) {
      assert.ok(stderr.includes(line), `${line} in:\n${stderr}`);
    }
    assert.ok(stderr.indexOf('shop-db-1  Healthy') < stderr.indexOf('shop-web-1  Starting'), stderr);
    assert.deepEqual(Object.keys(ids()).sort(), ['shop-db-1', 'shop-web-1', 'shop-worker-1', 'shop-worker-2']);
    assert.equal(await httpGet(`http://127.0.0.1:${port}/`), 'built-v1\n');
    const labels = JSON.parse(dk.ok(['inspect', '-f', '{{json .Config.Labels}}', 'shop-web-1'])) as Record<string, string>;
    assert.equal(labels['com.docker.compose.project'], 'shop');
    assert.equal(labels['com.docker.compose.service'], 'web');
    assert.equal(labels['com.docker.compose.container-number'], '1');
    assert.equal(labels['com.docker.compose.oneoff'], 'False');
    assert.equal(labels['com.docker.compose.project.working_dir'], dir);
    assert.equal(labels['com.docker.compose.project.config_files'], join(dir, 'compose.yaml'));
    assert.equal(labels['com.docker.compose.depends_on'], 'db:service_healthy:false');
    assert.equal(labels['com.docker.compose.project.environment_file'], join(dir, '.env'));
    assert.match(labels['com.docker.compose.config-hash'] ?? '', /^[0-9a-f]{64}$/);
    assert.equal(dk.ok(['network', 'inspect', '-f', '{{index .Labels "com.docker.compose.network"}}', 'shop_back']).trim(), 'back');
    assert.equal(dk.ok(['volume', 'inspect', '-f', '{{index .Labels "com.docker.compose.volume"}}', 'shop_dbdata']).trim(), 'dbdata');
    assert.equal(readFileSync(join(dir, 'hostdir', 'marker'), 'utf8'), 'db-up\n');
    assert.equal(composeOk(['exec', '-T', 'web', 'sh', '-c', 'echo $SECRET_WORD $MODE']).stdout, 'swordfish prod\n');
    // The worker reaches the web by its service name over the network they share.
    assert.equal(composeOk(['exec', '-T', '--index', '2', 'worker', 'wget', '-qO-', 'http://web/']).stdout, 'built-v1\n');
  });

  test('a second up changes nothing; a service whose config changed is recreated alone', () => {
    const before = ids();
    const again = composeOk(['up', '-d']).stderr;
    for (const n of Object.keys(before)) assert.ok(again.includes(` Container ${n}  Running`), again);
    assert.deepEqual(ids(), before);
    writeFileSync(join(dir, '.env'), `WEB_PORT=${port}\nTAG=v1\nMODE=debug\n`);
    const changed = composeOk(['up', '-d']).stderr;
    assert.ok(changed.includes(' Container shop-web-1  Recreated'), changed);
    const after = ids();
    assert.notEqual(after['shop-web-1'], before['shop-web-1']);
    for (const n of ['shop-db-1', 'shop-worker-1', 'shop-worker-2']) assert.equal(after[n], before[n], n);
    assert.equal(composeOk(['exec', '-T', 'web', 'sh', '-c', 'echo $MODE']).stdout, 'debug\n');
  });

  test('--scale and replicas: more containers, then back to the file\'s count', () => {
    composeOk(['up', '-d', '--scale', 'worker=3']);
    assert.deepEqual(Object.keys(ids()).filter((n) => n.includes('worker')).sort(), ['shop-worker-1', 'shop-worker-2', 'shop-worker-3']);
    const r = composeOk(['up', '-d']);
    assert.ok(r.stderr.includes(' Container shop-worker-3  Removed'), r.stderr);
    assert.deepEqual(Object.keys(ids()).filter((n) => n.includes('worker')).sort(), ['shop-worker-1', 'shop-worker-2']);
  });

  test('ps, config, logs, top, port, images, ls', () => {
    const ps = composeOk(['ps']).stdout.split('\n');
    assert.match(ps[0]!, /^NAME\s+IMAGE\s+COMMAND\s+SERVICE\s+CREATED\s+STATUS\s+PORTS$/);
    const web = ps.find((l) => l.startsWith('shop-web-1 '));
    assert.ok(web?.includes(`127.0.0.1:${port}->80/tcp`), ps.join('\n'));
    assert.match(ps.find((l) => l.startsWith('shop-db-1 ')) ?? '', /\(healthy\)/);
    assert.deepEqual(composeOk(['ps', '--services']).stdout.trim().split('\n').sort(), ['db', 'web', 'worker']);
    const json = composeOk(['ps', '--format', 'json']).stdout.trim().split('\n').map((l) => JSON.parse(l) as { Name: string; Service: string; State: string; Publishers: { PublishedPort: number }[] });
    assert.equal(json.find((c) => c.Name === 'shop-web-1')?.Publishers[0]?.PublishedPort, port);
    assert.deepEqual(composeOk(['config', '--services']).stdout.trim().split('\n').sort(), ['db', 'web', 'worker']);
    assert.match(composeOk(['config']).stdout, /published: "\d+"/);
    assert.match(composeOk(['logs', 'db']).stdout, /^db-1 +\| db ready$/m);
    const tail = composeOk(['logs', '--tail', '1', 'worker']).stdout.trim().split('\n').sort();
    assert.deepEqual(tail, ['worker-1  | worker started', 'worker-2  | worker started']);
    assert.equal(composeOk(['logs', '--no-log-prefix', 'db']).stdout, 'db ready\n');
    assert.equal(composeOk(['port', 'web', '80']).stdout, `127.0.0.1:${port}\n`);
    const top = composeOk(['top', 'db']).stdout;
    assert.match(top, /^shop-db-1\nUID\s+PID/);
    assert.match(composeOk(['images']).stdout, /shop-web-1\s+shop-web\s+latest\s+[0-9a-f]{12}/);
    assert.match(composeOk(['ls']).stdout, /^shop\s+running\(4\)\s+.*compose\.yaml$/m);
  });

  test('exec and run: exit codes, one-off containers, --rm', () => {
    assert.equal(compose(['exec', '-T', 'db', 'sh', '-c', 'exit 7']).code, 7);
    assert.equal(composeOk(['exec', '-T', '-e', 'X=1', '-u', '1000', '-w', '/tmp', 'db', 'sh', '-c', 'echo $X; id -u; pwd']).stdout, '1\n1000\n/tmp\n');
    const r = composeOk(['run', '--rm', '-T', 'worker', 'echo', 'one-off']);
    assert.equal(r.stdout, 'one-off\n');
    assert.equal(compose(['run', '--rm', '-T', 'worker', 'sh', '-c', 'exit 5']).code, 5);
    assert.equal(dk.ok(['ps', '-aq', '--filter', 'label=com.docker.compose.oneoff=True']), '');
    const name = composeOk(['run', '-d', 'worker', 'sleep', '30']).stdout.trim();
    assert.match(name, /^shop-worker-run-[0-9a-f]{12}$/);
    assert.equal(dk.ok(['inspect', '-f', '{{index .Config.Labels "com.docker.compose.oneoff"}}', name]).trim(), 'True');
  });

  test('stop, start, restart, pause, unpause, kill, rm', () => {
    const state = (n: string): string => dk.ok(['inspect', '-f', '{{.State.Status}}', n]).trim();
    assert.match(composeOk(['stop', 'worker']).stderr, / Container shop-worker-1  Stopped/);
    assert.equal(state('shop-worker-1'), 'exited');
    composeOk(['start', 'worker']);
    assert.equal(state('shop-worker-2'), 'running');
    assert.match(composeOk(['restart', 'db']).stderr, / Container shop-db-1  Started/);
    composeOk(['pause', 'web']);
    assert.equal(state('shop-web-1'), 'paused');
    composeOk(['unpause', 'web']);
    assert.equal(state('shop-web-1'), 'running');
    composeOk(['kill', 'worker']);
    assert.equal(dk.ok(['inspect', '-f', '{{.State.ExitCode}}', 'shop-worker-1']).trim(), '137');
    const asked = berth.run(['compose', '-f', join(dir, 'compose.yaml'), 'rm', 'worker'], 'n\n');
    assert.match(asked.stderr, /^Going to remove shop-worker-1, shop-worker-2\n\? Are you sure\? \(y\/N\) $/m);
    assert.equal(Object.keys(ids()).filter((n) => /shop-worker-\d$/.test(n)).length, 2);
    assert.match(composeOk(['rm', '-f', 'worker']).stderr, / Container shop-worker-2  Removed/);
    assert.equal(Object.keys(ids()).filter((n) => /shop-worker-\d$/.test(n)).length, 0);
    composeOk(['up', '-d']);
    assert.equal(state('shop-worker-1'), 'running');
  });

  test('logs -f follows until the containers stop', async () => {
    const proc = spawn(NODE, [BERTH, '-H', d.host, 'compose', '-f', join(dir, 'compose.yaml'), 'logs', '-f', '--tail', '0', 'worker'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    proc.stdout.on('data', (b: Buffer) => (out += b.toString()));
    const exited = new Promise<number | null>((r) => proc.on('exit', r));
    await sleep(1500);
    composeOk(['exec', '-T', 'worker', 'sh', '-c', 'echo followed > /proc/1/fd/1']);
    composeOk(['stop', 'worker']);
    assert.equal(await exited, 0);
    assert.match(out, /^worker-1 +\| followed$/m);
    composeOk(['start', 'worker']);
  });

  test('cp both ways, and events', async () => {
    writeFileSync(join(dir, 'note.txt'), 'copied in\n');
    composeOk(['cp', join(dir, 'note.txt'), 'db:/tmp/note.txt']);
    assert.equal(composeOk(['exec', '-T', 'db', 'cat', '/tmp/note.txt']).stdout, 'copied in\n');
    composeOk(['cp', 'db:/tmp/note.txt', join(dir, 'back.txt')]);
    assert.equal(readFileSync(join(dir, 'back.txt'), 'utf8'), 'copied in\n');
    const proc = spawn(NODE, [BERTH, '-H', d.host, 'compose', '-f', join(dir, 'compose.yaml'), 'events', '--json'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    proc.stdout.on('data', (b: Buffer) => (out += b.toString()));
    await sleep(1000);
    composeOk(['restart', 'web']);
    for (let i = 0; i < 50 && !/"action":"start"/.test(out); i++) await sleep(100);
    proc.kill();
    const start = out.split('\n').filter(Boolean).map((l) => JSON.parse(l) as { action: string; service: string; type: string }).find((e) => e.action === 'start');
    assert.deepEqual(start && { action: start.action, service: start.service, type: start.type }, { action: 'start', service: 'web', type: 'container' });
  });

  test('attached up: prefixed output, exit lines, --exit-code-from, ctrl-c; wait', async () => {
    const att = project('att', {
      'compose.yaml': "services:\n  a:\n    image: busybox\n    command: sh -c 'echo hello from a; sleep 1'\n  b:\n    image: busybox\n    command: sh -c 'echo hello from b; exit 3'\n",
    });
    const r = composeOk(['up'], att);
    assert.match(r.stdout, /^Attaching to a-1, b-1$/m);
    assert.match(r.stdout, /^a-1 +\| hello from a$/m);
    assert.match(r.stdout, /^b-1 +\| hello from b$/m);
    assert.match(r.stdout, /^b-1 exited with code 3$/m);
    assert.match(r.stdout, /^a-1 exited with code 0$/m);
    assert.equal(compose(['up', '--exit-code-from', 'b'], att).code, 3);
    const ctrlC = project('ctrlc', { 'compose.yaml': "services:\n  s:\n    image: busybox\n    command: sh -c 'trap \"exit 0\" TERM; echo up; while :; do sleep 1; done'\n" });
    const proc = spawn(NODE, [BERTH, '-H', d.host, 'compose', '-f', join(ctrlC, 'compose.yaml'), 'up'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    proc.stdout.on('data', (b: Buffer) => (out += b.toString()));
    proc.stderr.on('data', (b: Buffer) => (err += b.toString()));
    const exited = new Promise<number | null>((r) => proc.on('exit', r));
    for (let i = 0; i < 100 && !/s-1 +\| up/.test(out); i++) await sleep(100);
    proc.kill('SIGINT');
    assert.equal(await exited, 130);
    assert.match(err, /Gracefully stopping\.\.\. \(press Ctrl\+C again to force\)\n Container ctrlc-s-1  Stopping\n Container ctrlc-s-1  Stopped/);
    assert.equal(dk.ok(['inspect', '-f', '{{.State.Status}}', 'ctrlc-s-1']).trim(), 'exited');
    composeOk(['down'], ctrlC);
    composeOk(['up', '-d'], att);
    const w = compose(['wait', 'b'], att);
    assert.equal(w.stdout, '3\n');
    assert.equal(w.code, 3);
    composeOk(['down'], att);
  });

  test('build, push and pull through a registry; up --wait; up --build recreates on a new image', async () => {
    // A process of its own: the CLI runs synchronously here, which would starve an in-process registry.
    const reg = await startRegistryProcess();
    try {
      const app = project('reg', {
        'compose.yaml': `services:\n  app:\n    build: ./app\n    image: ${reg.host}/reg/app:1\n    command: sh -c 'trap "exit 0" TERM; sleep 1; touch /tmp/ok; while :; do sleep 1; done'\n    healthcheck: {test: ["CMD", "test", "-f", "/tmp/ok"], interval: 1s}\n`,
        'app/Dockerfile': 'FROM busybox\nRUN echo one > /version\n',
      });
      assert.match(composeOk(['build'], app).stderr, / Service app  Built/);
      assert.match(composeOk(['push'], app).stderr, / Service app  Pushed/);
      dk.ok(['rmi', `${reg.host}/reg/app:1`]);
      assert.match(composeOk(['pull'], app).stderr, / Service app  Pulled/);
      dk.ok(['image', 'inspect', `${reg.host}/reg/app:1`]);
      const up = composeOk(['up', '-d', '--wait'], app);
      assert.match(up.stderr, / Container reg-app-1  Healthy/);
      assert.equal(dk.ok(['inspect', '-f', '{{.State.Health.Status}}', 'reg-app-1']).trim(), 'healthy');
      writeFileSync(join(app, 'app', 'Dockerfile'), 'FROM busybox\nRUN echo two > /version\n');
      assert.match(composeOk(['up', '-d', '--build'], app).stderr, / Container reg-app-1  Recreated/);
      assert.equal(composeOk(['exec', '-T', 'app', 'cat', '/version'], app).stdout, 'two\n');
      composeOk(['down', '--rmi', 'all'], app);
      assert.equal(dk.run(['image', 'inspect', `${reg.host}/reg/app:1`]).code, 1);
    } finally {
      await reg.stop();
    }
  });

  test('secrets and configs from a file, the environment and inline content', () => {
    const sec = project('sec', {
      'compose.yaml': `services:
  app:
    image: busybox
    command: sh -c 'cat /run/secrets/pw /run/secrets/token /etc/app.conf'
    secrets: [pw, token]
    configs: [{source: appconf, target: /etc/app.conf}]
secrets:
  pw: {file: ./pw.txt}
  token: {environment: TOKEN}
configs:
  appconf: {content: "key=value"}
`,
      'pw.txt': 'from-file\n',
      '.env': 'TOKEN=from-env\n',
    });
    const r = composeOk(['up'], sec);
    assert.match(r.stdout, /^app-1 +\| from-file$/m);
    assert.match(r.stdout, /^app-1 +\| from-envkey=value$/m);
    composeOk(['down'], sec);
  });

  test('watch: sync, delete, restart and rebuild as files change', async () => {
    const w = project('wat', {
      'compose.yaml': `services:
  app:
    build: .
    command: sh -c 'trap "exit 0" TERM; while :; do sleep 1; done'
    develop:
      watch:
        - {path: ./src, target: /app, action: sync, ignore: ["*.tmp"]}
        - {path: ./cfg, action: restart}
        - {path: ./Dockerfile, action: rebuild}
`,
      Dockerfile: 'FROM busybox\nRUN echo one > /version\n',
      'src/.keep': '',
      'cfg/settings': 'v1\n',
    });
    const proc = spawn(NODE, [BERTH, '-H', d.host, 'compose', '-f', join(w, 'compose.yaml'), 'watch'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let err = '';
    proc.stderr.on('data', (b: Buffer) => (err += b.toString()));
    const exited = new Promise<number | null>((r) => proc.on('exit', r));
    const until = async (what: string, check: () => boolean): Promise<void> => {
      for (let i = 0; i < 200 && !check(); i++) await sleep(100);
      assert.ok(check(), `${what}; watch said:\n${err}`);
    };
    const inContainer = (cmd: string): string => compose(['exec', '-T', 'app', 'sh', '-c', cmd], w).stdout;
    try {
      await until('watch enabled', () => err.includes('Watch enabled'));
      writeFileSync(join(w, 'src', 'a.txt'), 'synced\n');
      writeFileSync(join(w, 'src', 'skip.tmp'), 'no\n');
      await until('a.txt synced', () => inContainer('cat /app/a.txt 2>/dev/null') === 'synced\n');
      assert.equal(inContainer('test -e /app/skip.tmp && echo there || echo absent'), 'absent\n');
      rmSync(join(w, 'src', 'a.txt'));
      await until('a.txt removed', () => inContainer('test -e /app/a.txt && echo there || echo gone') === 'gone\n');
      const started = dk.ok(['inspect', '-f', '{{.State.StartedAt}}', 'wat-app-1']);
      writeFileSync(join(w, 'cfg', 'settings'), 'v2\n');
      await until('restarted', () => dk.ok(['inspect', '-f', '{{.State.StartedAt}}', 'wat-app-1']) !== started);
      writeFileSync(join(w, 'Dockerfile'), 'FROM busybox\nRUN echo two > /version\n');
      await until('rebuilt', () => inContainer('cat /version') === 'two\n');
      assert.match(err, /Syncing service "app" after \d+ changes were detected/);
      // The new container can answer before watch's progress line reaches this pipe.
      await until('recreate reported', () => / Container wat-app-1  Recreated/.test(err));
    } finally {
      proc.kill('SIGINT');
      await exited;
      composeOk(['down', '--rmi', 'local'], w);
    }
  });

  test('recreate keeps anonymous volumes and restarts dependents with restart: true; down -v removes them', () => {
    const rec = project('rec', {
      'compose.yaml': `services:
  db:
    image: busybox
    command: sh -c 'trap "exit 0" TERM; while :; do sleep 1; done'
    environment: {V: "\${V:-1}"}
    volumes: ["/data"]
  app:
    image: busybox
    command: sh -c 'trap "exit 0" TERM; while :; do sleep 1; done'
    depends_on:
      db: {condition: service_started, restart: true}
`,
    });
    composeOk(['up', '-d'], rec);
    composeOk(['exec', '-T', 'db', 'sh', '-c', 'echo kept > /data/f'], rec);
    const started = dk.ok(['inspect', '-f', '{{.State.StartedAt}}', 'rec-app-1']);
    writeFileSync(join(rec, '.env'), 'V=2\n');
    const r = composeOk(['up', '-d'], rec);
    assert.match(r.stderr, / Container rec-db-1  Recreated/);
    assert.match(r.stderr, / Container rec-app-1  Restarting/);
    assert.notEqual(dk.ok(['inspect', '-f', '{{.State.StartedAt}}', 'rec-app-1']), started);
    assert.equal(composeOk(['exec', '-T', 'db', 'cat', '/data/f'], rec).stdout, 'kept\n');
    composeOk(['down', '-v'], rec);
    // The shop project (other tests) keeps its own volume meanwhile.
    assert.deepEqual(dk.ok(['volume', 'ls', '-q']).split('\n').filter((v) => v !== '' && v !== 'shop_dbdata'), []);
  });

  test('service options reach the container: user, workdir, hostname, init, capabilities, read-only, limits, logging, devices, static IP, aliases, network_mode and pid service:x', () => {
    const opts = project('opts', {
      'compose.yaml': `services:
  a:
    image: busybox
    command: sh -c 'trap "exit 0" TERM; while :; do sleep 1; done'
    user: "1000:1000"
    working_dir: /tmp
    hostname: ahost
    init: true
    cap_add: [NET_ADMIN]
    cap_drop: [MKNOD]
    read_only: true
    tmpfs: [/run]
    ulimits: {nofile: {soft: 1024, hard: 2048}}
    logging: {driver: json-file, options: {max-size: 1m}}
    deploy: {resources: {limits: {memory: 64m, cpus: "0.5"}}}
    devices: ["/dev/null:/dev/mynull"]
    networks:
      net1: {ipv4_address: 10.231.77.10, aliases: [alpha]}
  b:
    image: busybox
    command: sh -c 'trap "exit 0" TERM; while :; do sleep 2; done'
    network_mode: service:a
    pid: service:a
  c:
    image: busybox
    command: sh -c 'trap "exit 0" TERM; while :; do sleep 1; done'
    networks: [net1]
networks:
  net1:
    ipam:
      config: [{subnet: 10.231.77.0/24}]
`,
    });
    composeOk(['up', '-d'], opts);
    const inspect = JSON.parse(dk.ok(['inspect', 'opts-a-1'])) as [{ Config: Record<string, unknown>; HostConfig: Record<string, unknown>; NetworkSettings: { Networks: Record<string, { IPAddress: string }> } }];
    const { Config, HostConfig, NetworkSettings } = inspect[0];
    assert.equal(Config.User, '1000:1000');
    assert.equal(Config.WorkingDir, '/tmp');
    assert.equal(Config.Hostname, 'ahost');
    assert.equal(HostConfig.Init, true);
    assert.deepEqual(HostConfig.CapAdd, ['NET_ADMIN']);
    assert.deepEqual(HostConfig.CapDrop, ['MKNOD']);
    assert.equal(HostConfig.ReadonlyRootfs, true);
    assert.deepEqual(HostConfig.Ulimits, [{ Name: 'nofile', Soft: 1024, Hard: 2048 }]);
    assert.deepEqual(HostConfig.LogConfig, { Type: 'json-file', Config: { 'max-size': '1m' } });
    assert.equal(HostConfig.Memory, 64 * 1024 * 1024);
    assert.equal(HostConfig.NanoCpus, 500_000_000);
    assert.equal(NetworkSettings.Networks.opts_net1?.IPAddress, '10.231.77.10');
    assert.equal(composeOk(['exec', '-T', 'a', 'sh', '-c', 'id -u; pwd; hostname; test -c /dev/mynull && echo dev; touch /x 2>/dev/null || echo ro'], opts).stdout, '1000\n/tmp\nahost\ndev\nro\n');
    assert.match(composeOk(['exec', '-T', 'b', 'ip', '-4', 'addr'], opts).stdout, /inet 10\.231\.77\.10\//);
    // b shares a's PID namespace: a's loop is among its processes.
    assert.match(composeOk(['exec', '-T', 'b', 'ps', '-o', 'args'], opts).stdout, /^sleep 1$/m);
    assert.match(composeOk(['exec', '-T', 'c', 'nslookup', 'alpha'], opts).stdout, /10\.231\.77\.10/);
    composeOk(['down'], opts);
  });

  test('orphans: warned about, removed with --remove-orphans', () => {
    const orph = project('orph', { 'compose.yaml': 'services:\n  a:\n    image: busybox\n    command: sleep 60\n  b:\n    image: busybox\n    command: sleep 60\n' });
    composeOk(['up', '-d'], orph);
    writeFileSync(join(orph, 'compose.yaml'), 'services:\n  a:\n    image: busybox\n    command: sleep 60\n');
    const warned = composeOk(['up', '-d'], orph);
    assert.match(warned.stderr, /Found orphan containers \(\[orph-b-1\]\) for this project\. If you removed or renamed this service in your compose file, you can run this command with the --remove-orphans flag to clean it up\./);
    assert.equal(dk.ok(['inspect', '-f', '{{.State.Status}}', 'orph-b-1']).trim(), 'running');
    assert.match(composeOk(['up', '-d', '--remove-orphans', '-t', '0'], orph).stderr, / Container orph-b-1  Removed/);
    assert.equal(dk.run(['inspect', 'orph-b-1']).code, 1);
    composeOk(['down', '-t', '0'], orph);
  });

  test('bad input: YAML errors with file and line, unknown keys, cycles, missing variables', () => {
    const bad = project('bad', {
      'yaml/compose.yaml': 'services:\n  a:\n    image: busybox\n   x: [\n',
      'key/compose.yaml': 'services:\n  a:\n    imagee: busybox\n',
      'cycle/compose.yaml': 'services:\n  a:\n    image: busybox\n    depends_on: [b]\n  b:\n    image: busybox\n    depends_on: [a]\n',
      'var/compose.yaml': 'services:\n  a:\n    image: "busybox${NOPE}"\n',
      'req/compose.yaml': 'services:\n  a:\n    image: "${IMG:?IMG must be set}"\n',
    });
    const fails = (sub: string, re: RegExp): void => {
      const r = compose(['config'], join(bad, sub));
      assert.equal(r.code, 1, r.stderr);
      assert.match(r.stderr, re);
    };
    fails('yaml', new RegExp(`^parsing ${join(bad, 'yaml', 'compose.yaml')}: yaml: line 4: `));
    fails('key', /validating .*key\/compose\.yaml: services\.a additional properties 'imagee' not allowed/);
    fails('cycle', /dependency cycle detected: a -> b -> a/);
    fails('req', /error while interpolating services\.a\.image: required variable IMG is missing a value: IMG must be set/);
    const warned = compose(['config'], join(bad, 'var'));
    assert.equal(warned.code, 0);
    assert.match(warned.stderr, /The "NOPE" variable is not set\. Defaulting to a blank string\./);
    assert.match(warned.stdout, /image: busybox$/m);
  });

  test('a port already in use fails its service alone; what started stays up', async () => {
    const busy = await freePort();
    const server: Server = createServer();
    await new Promise<void>((r) => server.listen(busy, '127.0.0.1', r));
    try {
      const clash = project('clash', {
        'compose.yaml': `services:\n  a:\n    image: busybox\n    command: sh -c 'trap "exit 0" TERM; while :; do sleep 1; done'\n  b:\n    image: busybox\n    command: sleep 30\n    ports: ["127.0.0.1:${busy}:80"]\n`,
      });
      const r = compose(['up', '-d'], clash);
      assert.equal(r.code, 1);
      assert.match(r.stderr, / Container clash-b-1  Error/);
      assert.match(r.stderr, new RegExp(`127\\.0\\.0\\.1:${busy}`));
      assert.equal(dk.ok(['inspect', '-f', '{{.State.Status}}', 'clash-a-1']).trim(), 'running');
      composeOk(['down'], clash);
    } finally {
      server.close();
    }
  });

  test('down -v --rmi local leaves no container, network, volume or built image behind', () => {
    // A project is found by its name alone where there is no compose file (-p).
    const empty = project('empty', { '.keep': '' });
    const byName = berth.run(['compose', '-p', 'shop', '--project-directory', empty, 'ps', '--services']);
    assert.equal(byName.code, 0, byName.stderr);
    assert.deepEqual(byName.stdout.trim().split('\n').sort(), ['db', 'web', 'worker']);
    const r = composeOk(['down', '-v', '--rmi', 'local']);
    for (const line of [' Container shop-web-1  Removed', ' Network shop_back  Removed', ' Volume "shop_dbdata"  Removed', ' Image shop-web  Removed']) assert.ok(r.stderr.includes(line), `${line} in:\n${r.stderr}`);
    assert.equal(dk.ok(['ps', '-aq']), '');
    assert.deepEqual(dk.ok(['network', 'ls', '--format', '{{.Name}}']).trim().split('\n').sort(), ['bridge', 'host', 'none']);
    assert.equal(dk.ok(['volume', 'ls', '-q']), '');
    assert.equal(dk.run(['image', 'inspect', 'shop-web']).code, 1);
    assert.ok(existsSync(join(dir, 'hostdir', 'marker')), 'the bind-mounted host directory stays');
  });
});

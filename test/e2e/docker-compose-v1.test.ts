/**
 * Debian's docker-compose 1.29.2 (python, docker-py 5.0.3 underneath) against a private berthd,
 * unchanged: a project with a service built from a Dockerfile, a worker, a named volume, a bind
 * mount, an env file, a user network with an alias, a healthcheck dependency, a published port
 * and a scaled service, through every command, at the API version docker-py negotiates (1.50) and
 * at the old versions compose is pinned to (COMPOSE_API_VERSION, 1.21 to 1.38).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { busyboxRootfs, cliFor, isRoot, startDaemon, type TestDaemon } from '../helpers/daemon.js';

const COMPOSE = '/usr/bin/docker-compose';
const hasCompose = existsSync(COMPOSE);

type Json = Record<string, unknown>;

/** A free TCP port on loopback, for the published port. */
async function freePort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const port = (srv.address() as { port: number }).port;
  await new Promise((r) => srv.close(r));
  return port;
}

async function httpGet(port: number, path: string): Promise<string> {
  const res = await fetch(`http://127.0.0.1:${port}${path}`);
  assert.equal(res.status, 200, `GET ${path}`);
  return res.text();
}

const WORKER_COMMAND =
  // Its first act needs the web service serving under its alias (retried: a v1 file has no health dependency).
  `["sh", "-c", "trap 'exit 0' TERM; echo worker up; until wget -q -O - http://frontend/greeting.txt; do sleep 0.5; done; while true; do sleep 1; done"]`;

/**
 * The compose file for a file version (undefined: no `version` key). "2.0" has no healthcheck
 * (compose refuses one below API 1.24), so the worker depends on the web service's start only;
 * "1" is the version-1 format (API 1.21): no networks or named volumes, a legacy link, and an
 * anonymous volume that compose carries over to the recreated container.
 */
function composeFile(version: string | undefined, port: number): string {
  if (version === '1') {
    return [
      'web:',
      '  build: ./web',
      '  env_file: app.env',
      `  ports: ["127.0.0.1:${port}:80"]`,
      '  volumes: ["/data", "./site:/site:ro"]',
      'worker:',
      '  image: busybox',
      `  command: ${WORKER_COMMAND}`,
      '  env_file: app.env',
      '  links: ["web:frontend"]',
      '',
    ].join('\n');
  }
  const healthy = version !== '2.0';
  return [
    ...(version ? [`version: "${version}"`] : []),
    'services:',
    '  web:',
    '    build: ./web',
    '    env_file: app.env',
    '    ports:',
    `      - "127.0.0.1:${port}:80"`,
    '    volumes:',
    '      - data:/data',
    '      - ./site:/site:ro',
    '    networks:',
    '      default: {}',
    '      appnet:',
    '        aliases: [frontend]',
    ...(healthy
      ? ['    healthcheck:', '      test: ["CMD", "wget", "-q", "-O", "/dev/null", "http://localhost/greeting.txt"]', '      interval: 1s', '      timeout: 2s', '      retries: 20']
      : []),
    '  worker:',
    '    image: busybox',
    `    command: ${WORKER_COMMAND}`,
    '    env_file: app.env',
    ...(healthy ? ['    depends_on:', '      web:', '        condition: service_healthy'] : ['    depends_on: [web]']),
    '    volumes:',
    '      - data:/data',
    '    networks:',
    '      - appnet',
    'volumes:',
    '  data: {}',
    'networks:',
    '  appnet: {}',
    '',
  ].join('\n');
}

/** A project directory: the web service's build context, a bind-mounted site and the env file. */
function makeProject(version: string | undefined, port: number): string {
  const dir = mkdtempSync(join(tmpdir(), 'berth-compose-v1-'));
  mkdirSync(join(dir, 'web'));
  mkdirSync(join(dir, 'site'));
  writeFileSync(join(dir, 'web/Dockerfile'), 'FROM busybox\nRUN mkdir -p /www && echo built > /www/built.txt\nCOPY start.sh /start.sh\nCMD ["sh", "/start.sh"]\n');
  writeFileSync(
    join(dir, 'web/start.sh'),
    [
      'echo "web starting as $GREETING"',
      'cp /site/index.html /www/index.html',
      'echo "$GREETING" > /www/greeting.txt',
      'date >> /data/boots',
      'httpd -f -p 80 -h /www &',
      "trap 'kill $!; exit 0' TERM",
      'wait',
      '',
    ].join('\n'),
  );
  writeFileSync(join(dir, 'site/index.html'), 'hello from the bind mount\n');
  writeFileSync(join(dir, 'app.env'), 'GREETING=howdy\nMODE=first\n');
  writeFileSync(join(dir, 'docker-compose.yml'), composeFile(version, port));
  return dir;
}

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

describe('docker-compose 1.29.2 against berthd', { skip: !isRoot || !hasCompose }, () => {
  let d: TestDaemon;
  const dk = cliFor('docker', () => d);
  const dirs: string[] = [];

  before(async () => {
    d = await startDaemon();
    dk.ok(['import', '-c', 'CMD ["sh"]', '-', 'busybox:latest'], busyboxRootfs());
  });
  after(async () => {
    await d.cleanup();
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  /** docker-compose in a project directory, as a user runs it; `api` pins COMPOSE_API_VERSION. */
  const composeIn = (dir: string, project: string, api?: string) => {
    const env: NodeJS.ProcessEnv = { ...process.env, DOCKER_HOST: d.host };
    for (const k of Object.keys(env)) if (k.startsWith('COMPOSE_')) delete env[k];
    if (api) env.COMPOSE_API_VERSION = api;
    const run = (args: string[]): Run => {
      const r = spawnSync(COMPOSE, ['-p', project, ...args], { cwd: dir, env, timeout: 180_000, maxBuffer: 64 << 20 });
      return { code: r.status ?? -1, stdout: r.stdout?.toString() ?? '', stderr: r.stderr?.toString() ?? '' };
    };
    const ok = (args: string[]): Run => {
      const r = run(args);
      assert.equal(r.code, 0, `docker-compose ${args.join(' ')} exited ${r.code}:\n${r.stderr}\n${r.stdout}`);
      return r;
    };
    /** With a terminal (compose's exec and run allocate one by default), through script(1). */
    const withTty = (args: string[]): string => {
      const cmd = [COMPOSE, '-p', project, ...args].map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');
      const r = spawnSync('script', ['-qec', cmd, '/dev/null'], { cwd: dir, env, timeout: 60_000, input: '' });
      assert.equal(r.status, 0, `script ${cmd}: ${r.stderr?.toString()}`);
      return r.stdout.toString();
    };
    return { run, ok, withTty };
  };

  const inspect = (ref: string): Promise<Json> => d.client.json<Json>('GET', `/containers/${ref}/json`) as Promise<Json>;
  /** `docker-compose ps` rows as {name → the rest of the line}. */
  const psRows = (out: string): Map<string, string> => {
    const rows = new Map<string, string>();
    for (const line of out.split('\n').slice(2)) {
      const m = /^(\S+)\s+(.*)$/.exec(line.trim());
      if (m) rows.set(m[1]!, m[2]!);
    }
    return rows;
  };
  const projectLeft = async (project: string): Promise<{ containers: number; volumes: string[]; networks: string[] }> => {
    const filters = encodeURIComponent(JSON.stringify({ label: [`com.docker.compose.project=${project}`] }));
    const containers = (await d.client.json<Json[]>('GET', `/containers/json?all=1&filters=${filters}`))!;
    const volumes = ((await d.client.json<{ Volumes: { Name: string }[] | null }>('GET', '/volumes'))!.Volumes ?? []).map((v) => v.Name).filter((n) => n.startsWith(`${project}_`));
    const networks = (await d.client.json<{ Name: string }[]>('GET', '/networks'))!.map((n) => n.Name).filter((n) => n.startsWith(`${project}_`));
    return { containers: containers.length, volumes, networks };
  };

  test('a 2.4 project through every command, at the API version docker-py negotiates (1.50)', async () => {
    const port = await freePort();
    const dir = makeProject('2.4', port);
    dirs.push(dir);
    const project = 'cvone';
    const dc = composeIn(dir, project);

    const config = dc.ok(['config']).stdout;
    assert.match(config, /GREETING: howdy/);
    assert.match(config, new RegExp(`- 127\\.0\\.0\\.1:${port}:80/tcp\\n`));
    assert.match(config, /condition: service_healthy/);

    const built = dc.ok(['build']).stdout;
    assert.match(built, /Step 1\/4 : FROM busybox\n/);
    assert.match(built, /Successfully built [0-9a-f]{12}\nSuccessfully tagged cvone_web:latest\n/);

    const up = dc.ok(['up', '-d']);
    assert.match(up.stderr, /Creating network "cvone_default" with the default driver/);
    assert.match(up.stderr, /Creating network "cvone_appnet" with the default driver/);
    assert.match(up.stderr, /Creating volume "cvone_data" with default driver/);
    assert.match(up.stderr, /Creating cvone_web_1 \.\.\. done/);
    assert.match(up.stderr, /Creating cvone_worker_1 \.\.\. done/);

    let ps = psRows(dc.ok(['ps']).stdout);
    assert.match(ps.get('cvone_web_1') ?? '', new RegExp(`^sh /start.sh\\s+Up \\(healthy\\)\\s+127\\.0\\.0\\.1:${port}->80/tcp$`));
    assert.match(ps.get('cvone_worker_1') ?? '', /Up\s*$/);
    assert.equal(await httpGet(port, '/'), 'hello from the bind mount\n');
    assert.equal(await httpGet(port, '/greeting.txt'), 'howdy\n');

    // depends_on condition: service_healthy: the worker started after the web service's first passing probe.
    const web = await inspect('cvone_web_1');
    const worker = await inspect('cvone_worker_1');
    const health = (web.State as { Health: { Log: { End: string; ExitCode: number }[] } }).Health;
    const firstPass = health.Log.find((l) => l.ExitCode === 0);
    assert.ok(firstPass, JSON.stringify(health));
    assert.ok(Date.parse((worker.State as { StartedAt: string }).StartedAt) >= Date.parse(firstPass.End), `worker started ${(worker.State as Json).StartedAt}, web healthy ${firstPass.End}`);

    // The v1 labels compose finds its objects by, on containers, networks and volumes.
    const labels = (web.Config as { Labels: Record<string, string> }).Labels;
    assert.equal(labels['com.docker.compose.project'], 'cvone');
    assert.equal(labels['com.docker.compose.service'], 'web');
    assert.equal(labels['com.docker.compose.container-number'], '1');
    assert.equal(labels['com.docker.compose.oneoff'], 'False');
    assert.equal(labels['com.docker.compose.version'], '1.29.2');
    assert.match(labels['com.docker.compose.config-hash'] ?? '', /^[0-9a-f]{64}$/);
    const net = (await d.client.json<{ Labels: Record<string, string> }>('GET', '/networks/cvone_appnet'))!;
    assert.equal(net.Labels['com.docker.compose.network'], 'appnet');
    assert.equal(net.Labels['com.docker.compose.project'], 'cvone');
    const vol = (await d.client.json<{ Labels: Record<string, string> }>('GET', '/volumes/cvone_data'))!;
    assert.equal(vol.Labels['com.docker.compose.volume'], 'data');

    const logs = dc.ok(['logs', '--no-color']).stdout;
    assert.match(logs, /web_1\s+\| web starting as howdy\n/);
    assert.match(logs, /worker_1\s+\| worker up\n/);
    assert.match(logs, /worker_1\s+\| howdy\n/);
    assert.match(dc.ok(['logs', '--no-color', '--tail=1', 'worker']).stdout, /worker_1\s+\| howdy\n/);

    assert.equal(dc.ok(['exec', '-T', 'web', 'cat', '/www/greeting.txt']).stdout, 'howdy\n');
    assert.match(dc.withTty(['exec', 'web', 'sh', '-c', 'tty; echo "term=$TERM"']), /\/dev\/pts\/\d+\r\nterm=xterm\r\n/);
    const oneOff = dc.ok(['run', '--rm', '-T', 'worker', 'sh', '-c', 'echo "run $GREETING"; wc -l < /data/boots']);
    assert.equal(oneOff.stdout, 'run howdy\n1\n');
    assert.equal((await projectLeft(project)).containers, 2, 'run --rm removed its container');

    const top = dc.ok(['top', 'web']).stdout;
    assert.match(top, /cvone_web_1\n/);
    assert.match(top, /httpd -f -p 80 -h \/www/);
    assert.equal(dc.ok(['port', 'web', '80']).stdout, `127.0.0.1:${port}\n`);
    const images = dc.ok(['images']).stdout;
    assert.match(images, /cvone_web_1\s+cvone_web\s+latest\s+[0-9a-f]{12}\s+\S+ [kM]B/);
    assert.match(images, /cvone_worker_1\s+busybox\s+latest\s+[0-9a-f]{12}/);

    const scaled = dc.ok(['scale', 'worker=3']);
    assert.match(scaled.stderr, /Creating cvone_worker_2 \.\.\. done/);
    assert.match(scaled.stderr, /Creating cvone_worker_3 \.\.\. done/);
    ps = psRows(dc.ok(['ps']).stdout);
    assert.deepEqual([...ps.keys()].sort(), ['cvone_web_1', 'cvone_worker_1', 'cvone_worker_2', 'cvone_worker_3']);
    for (const n of [2, 3]) assert.equal(((await inspect(`cvone_worker_${n}`)).Config as { Labels: Record<string, string> }).Labels['com.docker.compose.container-number'], String(n));

    dc.ok(['pause']);
    for (const row of psRows(dc.ok(['ps']).stdout).values()) assert.match(row, /\sPaused(\s|$)/);
    dc.ok(['unpause']);
    for (const row of psRows(dc.ok(['ps']).stdout).values()) assert.match(row, /\sUp/);

    const before = (await inspect('cvone_worker_1')).State as { StartedAt: string };
    assert.match(dc.ok(['restart', 'worker']).stderr, /Restarting cvone_worker_1 \.\.\. done/);
    assert.notEqual(((await inspect('cvone_worker_1')).State as { StartedAt: string }).StartedAt, before.StartedAt);

    dc.ok(['stop']);
    for (const row of psRows(dc.ok(['ps']).stdout).values()) assert.match(row, /\sExit 0\s*$/);
    dc.ok(['start']);
    ps = psRows(dc.ok(['ps']).stdout);
    assert.match(ps.get('cvone_web_1') ?? '', /\sUp/);
    assert.equal(await httpGet(port, '/greeting.txt'), 'howdy\n');

    dc.ok(['kill', 'worker']);
    ps = psRows(dc.ok(['ps']).stdout);
    for (const n of [1, 2, 3]) assert.match(ps.get(`cvone_worker_${n}`) ?? '', /\sExit 137\s*$/);
    dc.ok(['rm', '-f', 'worker']);
    assert.deepEqual([...psRows(dc.ok(['ps']).stdout).keys()], ['cvone_web_1']);

    const down = dc.ok(['down', '-v']);
    assert.match(down.stderr, /Removing network cvone_appnet/);
    assert.match(down.stderr, /Removing volume cvone_data/);
    assert.deepEqual(await projectLeft(project), { containers: 0, volumes: [], networks: [] });
  });

  // docker-py takes the daemon's newest API version; docker-compose 1.29 must then be pinned for
  // its recreate path (image inspect lost ContainerConfig in API 1.45), as with Docker 25 and later.
  for (const [version, api] of [['3.8', '1.38'], [undefined, '1.30'], ['2.4', '1.25'], ['2.0', '1.22'], ['1', '1.21']] as const) {
    test(`a ${version ? `"${version}"` : 'version-less'} file at API ${api}: up, a recreate keeps the volume, exec, run, down -v`, async () => {
      const port = await freePort();
      const dir = makeProject(version, port);
      dirs.push(dir);
      const project = `cvold${api.replace('.', '')}`;
      const dc = composeIn(dir, project, api);
      dc.ok(['up', '-d']);
      const ps = psRows(dc.ok(['ps']).stdout);
      assert.match(ps.get(`${project}_web_1`) ?? '', new RegExp(`\\sUp.*127\\.0\\.0\\.1:${port}->80/tcp$`));
      assert.match(ps.get(`${project}_worker_1`) ?? '', /\sUp\s*$/);
      assert.equal(await httpGet(port, '/'), 'hello from the bind mount\n');
      assert.match(dc.ok(['logs', '--no-color', 'worker']).stdout, /worker_1\s+\| howdy\n/);

      // A changed env file changes the config hash: compose recreates both services, the named volume stays.
      writeFileSync(join(dir, 'app.env'), 'GREETING=howdy\nMODE=second\n');
      const again = dc.ok(['up', '-d']);
      assert.match(again.stderr, new RegExp(`Recreating ${project}_web_1 \\.\\.\\. done`));
      // (Version 1: the anonymous /data volume, handed over by compose from the old container.)
      assert.equal(dc.ok(['exec', '-T', 'web', 'sh', '-c', 'echo $MODE; wc -l < /data/boots']).stdout, 'second\n2\n');
      assert.equal(dc.ok(['run', '--rm', '-T', 'worker', 'sh', '-c', 'echo "run $MODE"']).stdout, 'run second\n');
      assert.equal(dc.ok(['port', 'web', '80']).stdout, `127.0.0.1:${port}\n`);

      dc.ok(['down', '-v']);
      assert.deepEqual(await projectLeft(project), { containers: 0, volumes: [], networks: [] });
      if (version === '1') {
        // compose handed the old container's anonymous volume to the new one by name: as with
        // moby (removeMountPoints keeps volumes named in the spec), `rm -v` leaves it.
        const all = (await d.client.json<{ Volumes: { Name: string; Labels: Record<string, string> | null }[] | null }>('GET', '/volumes'))!.Volumes ?? [];
        const left = all.filter((v) => v.Labels && 'com.docker.volume.anonymous' in v.Labels);
        assert.equal(left.length, 1, JSON.stringify(all));
        await d.client.json('DELETE', `/volumes/${left[0]!.Name}`);
      }
    });
  }

  test('unpinned (1.50), a recreate fails inside compose 1.29 as against Docker 25 and later', async () => {
    const port = await freePort();
    const dir = makeProject('2.4', port);
    dirs.push(dir);
    const dc = composeIn(dir, 'cvnew');
    dc.ok(['up', '-d']);
    writeFileSync(join(dir, 'app.env'), 'GREETING=howdy\nMODE=second\n');
    const r = dc.run(['up', '-d']);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /KeyError: 'ContainerConfig'/);
    // Pinned below 1.45 the same project converges.
    composeIn(dir, 'cvnew', '1.44').ok(['up', '-d']);
    assert.equal(composeIn(dir, 'cvnew', '1.44').ok(['exec', '-T', 'web', 'sh', '-c', 'echo $MODE']).stdout, 'second\n');
    dc.ok(['down', '-v']);
    assert.deepEqual(await projectLeft('cvnew'), { containers: 0, volumes: [], networks: [] });
  });
});

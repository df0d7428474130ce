/**
 * `docker compose` with berth's compose installed as the docker CLI's plugin (as scripts/setup.sh
 * installs it, here in a private DOCKER_CONFIG): the plugin metadata call, the daemon chosen by
 * DOCKER_HOST, `-H` and a docker context, and a multi-service app up, used and taken down.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { busyboxRootfs, docker, isRoot, ROOT, NODE, startDaemon, type TestDaemon } from '../helpers/daemon.js';
import { freePort, httpGet, pluginConfigDir, writeProject } from '../helpers/compose.js';

const hasDocker = docker('unix:///nonexistent', ['--version']).code === 0;

describe('docker compose (the plugin)', { skip: !isRoot || !hasDocker }, () => {
  let d: TestDaemon;
  let config: string;
  let dir: string;
  let root: string;
  let port: number;
  /** The docker CLI with the plugin's config dir; DOCKER_HOST unless `env` says otherwise. */
  const dk = (args: string[], env: Record<string, string> = {}): { code: number; stdout: string; stderr: string } => docker(d.host, args, undefined, { DOCKER_CONFIG: config, ...env });
  const ok = (args: string[], env: Record<string, string> = {}): { stdout: string; stderr: string } => {
    const r = dk(args, env);
    assert.equal(r.code, 0, `docker ${args.join(' ')}: ${r.stderr}\n${r.stdout}`);
    return r;
  };
  const file = (): string => join(dir, 'docker-compose.yml');

  before(async () => {
    d = await startDaemon();
    config = pluginConfigDir();
    assert.equal(docker(d.host, ['import', '-c', 'CMD ["sh"]', '-', 'busybox:latest'], busyboxRootfs(), { DOCKER_CONFIG: config }).code, 0);
    port = await freePort();
    ({ root, dir } = writeProject('plug', {
      'docker-compose.yml': `
services:
  web:
    build: ./web
    ports: ["127.0.0.1:${port}:80"]
    environment: [COLOR=blue]
    depends_on:
      cache: {condition: service_healthy}
    stop_grace_period: 1s
  cache:
    image: busybox
    command: sh -c 'trap "exit 0" TERM; touch /tmp/ok; while :; do sleep 1; done'
    healthcheck: {test: ["CMD-SHELL", "test -f /tmp/ok"], interval: 1s}
    volumes: [cachedata:/data]
volumes:
  cachedata:
`,
      'web/Dockerfile': 'FROM busybox\nRUN mkdir /www && echo plugin-web > /www/index.html\nCMD ["httpd", "-f", "-p", "80", "-h", "/www"]\n',
    }));
  });
  after(async () => {
    await d.cleanup();
    rmSync(config, { recursive: true, force: true });
    rmSync(root, { recursive: true, force: true });
  });

  test('the plugin answers the metadata call; the CLI lists it and runs its version', () => {
    const r = spawnSync(NODE, [join(ROOT, 'dist/src/cli/compose-plugin.js'), 'docker-cli-plugin-metadata']);
    const meta = JSON.parse(r.stdout.toString()) as { SchemaVersion: string; Vendor: string; Version: string };
    assert.equal(meta.SchemaVersion, '0.1.0');
    assert.match(meta.Version, /^v2\./);
    assert.match(ok(['--help']).stdout, /compose\*\s+Docker Compose/);
    assert.match(ok(['compose', 'version']).stdout, /^Docker Compose version v2\./);
  });

  test('docker compose up -d, then the app works and the docker CLI sees the project', async () => {
    const up = ok(['compose', '-f', file(), 'up', '-d']);
    assert.match(up.stderr, / Container plug-cache-1  Healthy/);
    assert.match(up.stderr, / Container plug-web-1  Started/);
    assert.equal(await httpGet(`http://127.0.0.1:${port}/`), 'plugin-web\n');
    const names = ok(['ps', '--filter', 'label=com.docker.compose.project=plug', '--format', '{{.Names}} {{.Label "com.docker.compose.service"}}']).stdout.trim().split('\n').sort();
    assert.deepEqual(names, ['plug-cache-1 cache', 'plug-web-1 web']);
    assert.match(ok(['compose', '-f', file(), 'ps']).stdout, /^plug-web-1\s+plug-web\s+/m);
    assert.equal(ok(['compose', '-f', file(), 'exec', '-T', 'web', 'sh', '-c', 'echo $COLOR']).stdout, 'blue\n');
    assert.equal(ok(['compose', '-f', file(), 'run', '--rm', '-T', 'cache', 'echo', 'ran']).stdout, 'ran\n');
  });

  test('the daemon comes from -H or a docker context as well as DOCKER_HOST', () => {
    const noHost = { DOCKER_HOST: '' };
    assert.match(ok(['-H', d.host, 'compose', '-f', file(), 'ps', '--services'], noHost).stdout, /^web$/m);
    ok(['context', 'create', 'berthtest', '--docker', `host=${d.host}`], noHost);
    assert.match(ok(['--context', 'berthtest', 'compose', '-f', file(), 'ps', '--services'], noHost).stdout, /^cache$/m);
    ok(['context', 'use', 'berthtest'], noHost);
    assert.match(ok(['compose', '-f', file(), 'ps', '--services'], noHost).stdout, /^web$/m);
    ok(['context', 'use', 'default'], noHost);
    const r = dk(['--context', 'nope', 'compose', '-f', file(), 'ps'], noHost);
    assert.notEqual(r.code, 0);
  });

  test('docker compose down -v leaves nothing behind', () => {
    ok(['compose', '-f', file(), 'down', '-v']);
    assert.equal(ok(['ps', '-aq']).stdout, '');
    assert.deepEqual(ok(['network', 'ls', '--format', '{{.Name}}']).stdout.trim().split('\n').sort(), ['bridge', 'host', 'none']);
    assert.equal(ok(['volume', 'ls', '-q']).stdout, '');
  });
});

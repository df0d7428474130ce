/**
 * `docker compose` with berth's compose installed as the docker CLI's plugin (as scripts/setup.sh
 * installs it, here in a private DOCKER_CONFIG): the plugin metadata call, the daemon chosen by
 * DOCKER_HOST, `-H` and a docker context, and the multi-service app of the berth compose tests
 * (helpers/compose.ts) up, used and taken down.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { busyboxRootfs, docker, isRoot, ROOT, NODE, startDaemon, type TestDaemon } from '../helpers/daemon.js';
import { APP, freePort, httpGet, pluginConfigDir, writeProject } from '../helpers/compose.js';

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
  const file = (): string => join(dir, 'compose.yaml');

  before(async () => {
    d = await startDaemon();
    config = pluginConfigDir();
    assert.equal(docker(d.host, ['import', '-c', 'CMD ["sh"]', '-', 'busybox:latest'], busyboxRootfs(), { DOCKER_CONFIG: config }).code, 0);
    port = await freePort();
    ({ root, dir } = writeProject('plug', APP(port)));
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
    for (const line of [' Service web  Built', ' Network plug_back  Created', ' Volume "plug_dbdata"  Created', ' Container plug-db-1  Healthy', ' Container plug-web-1  Started', ' Container plug-worker-2  Started']) {
      assert.ok(up.stderr.includes(line), `${line} in:\n${up.stderr}`);
    }
    assert.equal(await httpGet(`http://127.0.0.1:${port}/`), 'built-v1\n');
    const names = ok(['ps', '--filter', 'label=com.docker.compose.project=plug', '--format', '{{.Names}} {{.Label "com.docker.compose.service"}}']).stdout.trim().split('\n').sort();
    assert.deepEqual(names, ['plug-db-1 db', 'plug-web-1 web', 'plug-worker-1 worker', 'plug-worker-2 worker']);
    assert.match(ok(['compose', '-f', file(), 'ps']).stdout, /^plug-web-1\s+plug-web\s+/m);
    assert.equal(readFileSync(join(dir, 'hostdir', 'marker'), 'utf8'), 'db-up\n');
    assert.equal(ok(['compose', '-f', file(), 'exec', '-T', 'web', 'sh', '-c', 'echo $SECRET_WORD']).stdout, 'swordfish\n');
    assert.equal(ok(['compose', '-f', file(), 'exec', '-T', 'worker', 'wget', '-qO-', 'http://web/']).stdout, 'built-v1\n');
    assert.equal(ok(['compose', '-f', file(), 'run', '--rm', '-T', '--no-deps', 'worker', 'echo', 'ran']).stdout, 'ran\n');
    assert.match(ok(['compose', '-f', file(), 'logs', 'db']).stdout, /^db-1 +\| db ready$/m);
  });

  test('the daemon comes from -H or a docker context as well as DOCKER_HOST', () => {
    const noHost = { DOCKER_HOST: '' };
    assert.match(ok(['-H', d.host, 'compose', '-f', file(), 'ps', '--services'], noHost).stdout, /^web$/m);
    ok(['context', 'create', 'berthtest', '--docker', `host=${d.host}`], noHost);
    assert.match(ok(['--context', 'berthtest', 'compose', '-f', file(), 'ps', '--services'], noHost).stdout, /^db$/m);
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

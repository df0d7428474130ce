import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { BERTHD, busyboxRootfs, cliFor, docker, isRoot, NODE, startDaemon, type TestDaemon } from '../helpers/daemon.js';
import { rawExchange } from '../helpers/raw-http.js';

const hasDocker = docker('unix:///nonexistent', ['--version']).code === 0;

describe('log drivers json-file, local and none, as dockerd has them', { skip: !isRoot || !hasDocker }, () => {
  let d: TestDaemon;
  const { run: dk, ok, fails } = cliFor('docker', () => d);
  const logConfig = (ref: string): { Type: string; Config: Record<string, string> } => JSON.parse(ok(['inspect', '-f', '{{json .HostConfig.LogConfig}}', ref])) as { Type: string; Config: Record<string, string> };

  before(async () => {
    d = await startDaemon();
    ok(['import', '-c', 'CMD ["sh"]', '-', 'busybox:latest'], busyboxRootfs());
  });
  after(async () => {
    await d.cleanup();
  });

  test('the log read right after a start holds the output of a short command (docker-py starts ls -a and reads it so)', async () => {
    for (let i = 0; i < 10; i++) {
      const id = ok(['create', 'busybox', 'ls', '-a', '/']).trim();
      const started = await rawExchange(d.socket, 'POST', `/v1.41/containers/${id}/start`, undefined);
      assert.equal(started.status, 204);
      const logs = await rawExchange(d.socket, 'GET', `/v1.41/containers/${id}/logs?stdout=1&stderr=1`, undefined);
      assert.equal(logs.status, 200);
      // Multiplexed frames: the listing is whole (ls writes it at once).
      assert.match(logs.body.toString('latin1'), /\.\.\n[^]*bin\n[^]*usr\n/, `run ${i}`);
      ok(['rm', '-f', id]);
    }
  });

  test('a followed log keeps the last lines of a container removed right after its exit (docker-py run(remove=True) reads it after the rm)', async () => {
    for (let i = 0; i < 5; i++) {
      const id = ok(['create', 'busybox', 'sh', '-c', 'sleep 0.3; echo hello']).trim();
      assert.equal((await rawExchange(d.socket, 'POST', `/v1.41/containers/${id}/start`, undefined)).status, 204);
      const follow = rawExchange(d.socket, 'GET', `/v1.41/containers/${id}/logs?stdout=1&follow=1`, undefined);
      // As docker-py does: wait, then remove at once, then read what the follow got.
      assert.equal((await rawExchange(d.socket, 'POST', `/v1.41/containers/${id}/wait`, undefined)).status, 200);
      assert.equal((await rawExchange(d.socket, 'DELETE', `/v1.41/containers/${id}`, undefined)).status, 204);
      const r = await follow;
      assert.equal(r.status, 200);
      assert.match(r.body.toString('latin1'), /hello\n/, `run ${i}`);
    }
  });

  test('json-file is the default, with its log file shown in inspect', () => {
    assert.equal(ok(['info', '-f', '{{.LoggingDriver}}']).trim(), 'json-file');
    ok(['run', '--name', 'jf', '--log-opt', 'max-file=100', 'busybox', 'echo', 'to json-file']);
    assert.deepEqual(logConfig('jf'), { Type: 'json-file', Config: { 'max-file': '100' } });
    assert.equal(ok(['logs', 'jf']), 'to json-file\n');
    const logPath = ok(['inspect', '-f', '{{.LogPath}}', 'jf']).trim();
    assert.ok(logPath.startsWith(d.dataRoot) && existsSync(logPath), logPath);
    ok(['rm', 'jf']);
  });

  test('local keeps logs for docker logs, its file private', () => {
    ok(['run', '--name', 'lo', '--log-driver', 'local', '--log-opt', 'max-size=1m', 'busybox', 'sh', '-c', 'echo to local; echo err >&2']);
    assert.deepEqual(logConfig('lo'), { Type: 'local', Config: { 'max-size': '1m' } });
    const logs = dk(['logs', 'lo']);
    assert.equal(logs.stdout, 'to local\n');
    assert.equal(logs.stderr, 'err\n');
    assert.equal(ok(['inspect', '-f', '{{.LogPath}}', 'lo']).trim(), '');
    ok(['rm', 'lo']);
  });

  test('none keeps nothing: the output still reaches an attached client, docker logs is refused', () => {
    assert.equal(ok(['run', '--name', 'nl', '--log-driver', 'none', 'busybox', 'echo', 'attached']), 'attached\n');
    fails(['logs', 'nl'], /^Error response from daemon: configured logging driver does not support reading\n$/);
    assert.equal(ok(['inspect', '-f', '{{.LogPath}}', 'nl']).trim(), '');
    ok(['rm', 'nl']);
  });

  test('an unknown driver and unknown options are refused at create, nothing created', () => {
    fails(['create', '--log-driver', 'asdf', 'busybox'], /Error response from daemon: error looking up logging plugin asdf: plugin "asdf" not found/);
    fails(['create', '--log-opt', 'max-sise=1m', 'busybox'], /Error response from daemon: unknown log opt 'max-sise' for json-file log driver/);
    fails(['create', '--log-driver', 'local', '--log-opt', 'tag=x', 'busybox'], /Error response from daemon: unknown log opt 'tag' for log driver local/);
    fails(['create', '--log-opt', 'mode=fast', 'busybox'], /logger: logging mode not supported: fast/);
    fails(['create', '--log-driver', 'syslog', 'busybox'], /logging driver "syslog" is not supported by berth/);
    assert.equal(ok(['ps', '-aq']), '');
  });

  test('bad option values fail the start, as the driver reads them then (exit 125, container kept)', () => {
    for (const [driver, opt, message] of [
      ['json-file', 'max-size=lots', "invalid size: 'lots'"],
      ['json-file', 'max-file=0', 'max-file cannot be less than 1'],
      ['local', 'max-file=x', 'invalid value for max-file: x: strconv.Atoi: parsing "x": invalid syntax'],
    ]) {
      const r = dk(['run', '--name', 'badlog', '--log-driver', driver!, '--log-opt', opt!, 'busybox', 'true']);
      assert.equal(r.code, 125);
      assert.ok(r.stderr.includes(`Error response from daemon: failed to create task for container: failed to initialize logging driver: ${message}`), r.stderr);
      assert.equal(ok(['inspect', '-f', '{{.State.Status}} {{.State.ExitCode}}', 'badlog']).trim(), 'created 128');
      ok(['rm', 'badlog']);
    }
  });
});

describe("dockerd's log-driver and log-opts defaults", { skip: !isRoot || !hasDocker }, () => {
  test('a daemon default driver and its options apply to containers that name none', async () => {
    const d = await startDaemon(['--log-driver', 'local', '--log-opt', 'max-size=5m']);
    try {
      const { ok } = cliFor('docker', () => d);
      assert.equal(ok(['info', '-f', '{{.LoggingDriver}}']).trim(), 'local');
      ok(['import', '-c', 'CMD ["sh"]', '-', 'busybox:latest'], busyboxRootfs());
      ok(['create', '--name', 'da', 'busybox']);
      assert.equal(ok(['inspect', '-f', '{{json .HostConfig.LogConfig}}', 'da']).trim(), '{"Type":"local","Config":{"max-size":"5m"}}');
      // Another driver gets none of the default driver's options.
      ok(['create', '--name', 'db', '--log-driver', 'json-file', 'busybox']);
      assert.equal(ok(['inspect', '-f', '{{json .HostConfig.LogConfig}}', 'db']).trim(), '{"Type":"json-file","Config":{}}');
    } finally {
      await d.cleanup();
    }
  });

  test('bad default log options stop the daemon at start-up', () => {
    const r = spawnSync(NODE, [BERTHD, '-H', 'unix:///tmp/berth-never.sock', '--data-root', '/tmp/berth-never', '--log-driver', 'json-file', '--log-opt', 'max-sise=1m'], { encoding: 'utf8', timeout: 30_000 });
    assert.notEqual(r.status, 0);
    assert.match(r.stderr, /failed to set log opts: unknown log opt 'max-sise' for json-file log driver/);
    assert.equal(existsSync('/tmp/berth-never'), false);
  });
});

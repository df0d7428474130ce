/**
 * The berth CLI's registry commands against a test berthd: pull and push output, `search` where
 * the registry offers it (a stand-in for Docker Hub's v1 search API) and where it does not, and
 * `run`/`create` with `--pull missing|always|never`.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { BERTH, busyboxRootfs, cliFor, docker, isRoot, NODE, startDaemon, type TestDaemon } from '../helpers/daemon.js';
import { FakeRegistry } from '../helpers/fake-registry.js';
import { startRegistryProcess, type RegistryProcess } from '../helpers/registry.js';

/** A CLI run that does not block this process (the fake registry answers from its event loop). */
function runAsync(cmd: string, args: string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const p = spawn(cmd, args, { env: { ...process.env, ...env } });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    p.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    p.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

describe('berth pull, push, search, run --pull', { skip: !isRoot }, () => {
  let d: TestDaemon;
  let reg: RegistryProcess;
  const cli = cliFor('berth', () => d);

  before(async () => {
    d = await startDaemon();
    reg = await startRegistryProcess();
    assert.equal(docker(d.host, ['import', '-c', 'CMD ["sh"]', '-', `${reg.host}/cli/bb:1`], busyboxRootfs()).code, 0);
  });
  after(async () => {
    await d.cleanup();
    await reg.stop();
  });

  test('push and pull print what docker prints', () => {
    const push = cli.ok(['push', `${reg.host}/cli/bb:1`]);
    assert.match(push, new RegExp(`^The push refers to repository \\[${reg.host}/cli/bb\\]\n[a-f0-9]{12}: Preparing\n[a-f0-9]{12}: Pushed\n1: digest: sha256:[a-f0-9]{64} size: \\d+\n$`));
    const quiet = cli.ok(['push', '-q', `${reg.host}/cli/bb:1`]);
    assert.equal(quiet, `${reg.host}/cli/bb:1\n`);
    cli.ok(['rmi', `${reg.host}/cli/bb:1`]);
    const latest = cli.run(['image', 'pull', `${reg.host}/cli/bb`]);
    assert.equal(latest.code, 1);
    assert.equal(latest.stdout, 'Using default tag: latest\n');
    assert.equal(latest.stderr, `Error response from daemon: manifest for ${reg.host}/cli/bb:latest not found: manifest unknown: manifest unknown\n`);
    const one = cli.ok(['pull', `${reg.host}/cli/bb:1`]);
    assert.match(one, new RegExp(`^1: Pulling from cli/bb\n[a-f0-9]{12}: Pulling fs layer\n[\\s\\S]*Status: Downloaded newer image for ${reg.host}/cli/bb:1\n${reg.host}/cli/bb:1\n$`));
    assert.equal(cli.ok(['pull', '-q', `${reg.host}/cli/bb:1`]), `${reg.host}/cli/bb:1\n`);
  });

  test('run and create: --pull missing (the default), always and never', () => {
    cli.ok(['rmi', `${reg.host}/cli/bb:1`]);
    const never = cli.run(['run', '--rm', '--pull', 'never', `${reg.host}/cli/bb:1`, 'true']);
    assert.equal(never.code, 125);
    assert.match(never.stderr, new RegExp(`No such image: ${reg.host}/cli/bb:1`));
    const missing = cli.run(['run', '--rm', `${reg.host}/cli/bb:1`, 'echo', 'pulled by run']);
    assert.equal(missing.code, 0, missing.stderr);
    assert.equal(missing.stdout, 'pulled by run\n');
    assert.match(missing.stderr, new RegExp(`^Unable to find image '${reg.host}/cli/bb:1' locally\n1: Pulling from cli/bb\n[\\s\\S]*Status: Downloaded newer image for ${reg.host}/cli/bb:1\n$`));
    const always = cli.run(['run', '--rm', '--pull', 'always', `${reg.host}/cli/bb:1`, 'true']);
    assert.equal(always.code, 0, always.stderr);
    assert.match(always.stderr, new RegExp(`Status: Image is up to date for ${reg.host}/cli/bb:1`));
    cli.ok(['rmi', `${reg.host}/cli/bb:1`]);
    const created = cli.run(['create', `${reg.host}/cli/bb:1`]);
    assert.equal(created.code, 0, created.stderr);
    assert.match(created.stdout, /^[a-f0-9]{64}\n$/);
    assert.match(created.stderr, /Unable to find image/);
    cli.ok(['rm', created.stdout.trim()]);
    const bad = cli.run(['run', '--pull', 'sometimes', `${reg.host}/cli/bb:1`]);
    assert.equal(bad.code, 125);
    assert.match(bad.stderr, /invalid pull option: 'sometimes': must be one of "always", "missing" or "never"/);
  });

  describe('search', () => {
    let hub: FakeRegistry;
    before(async () => {
      hub = new FakeRegistry();
      hub.searchResults = [
        { name: 'tools/busybox', description: 'The smallest Unix toolbox in the world, statically linked, for every purpose', star_count: 12, is_official: true, is_automated: false },
        { name: 'tools/busybox-extras', description: 'Extras', star_count: 2, is_official: false, is_automated: true },
      ];
      await hub.start();
    });
    after(async () => {
      await hub.stop();
    });

    test('a registry with the v1 search API: the table, --no-trunc, --limit, --filter, --format', async () => {
      const berth = (args: string[]) => runAsync(NODE, [BERTH, '-H', d.host, ...args]);
      const table = await berth(['search', `${hub.host}/busybox`]);
      assert.equal(table.code, 0, table.stderr);
      assert.equal(
        table.stdout,
        'NAME                   DESCRIPTION                                     STARS     OFFICIAL\n' +
          'tools/busybox          The smallest Unix toolbox in the world, stat…   12        [OK]\n' +
          'tools/busybox-extras   Extras                                          2         \n',
      );
      assert.match((await berth(['search', '--no-trunc', `${hub.host}/busybox`])).stdout, /statically linked, for every purpose/);
      assert.equal((await berth(['search', '--limit', '1', '--format', '{{.Name}}', `${hub.host}/busybox`])).stdout, 'tools/busybox\n');
      assert.equal((await berth(['search', '--filter', 'is-official=true', '--format', '{{.Name}} {{.StarCount}}', `${hub.host}/busybox`])).stdout, 'tools/busybox 12\n');
      assert.equal((await berth(['search', '--filter', 'stars=5', '--format', '{{.Name}}', `${hub.host}/busybox`])).stdout, 'tools/busybox\n');
      const dockerOut = await runAsync('docker', ['search', '--format', '{{.Name}}:{{.IsOfficial}}', `${hub.host}/busybox`], { DOCKER_HOST: d.host });
      assert.equal(dockerOut.stdout, 'tools/busybox:[OK]\ntools/busybox-extras:\n', dockerOut.stderr);
      const badLimit = await berth(['search', '--limit', '101', `${hub.host}/busybox`]);
      assert.match(badLimit.stderr, /limit 101 is outside the range of \[1, 100\]/);
      const badFilter = await berth(['search', '--filter', 'color=red', `${hub.host}/busybox`]);
      assert.match(badFilter.stderr, /invalid filter 'color'/);
    });

    test("a registry without it (berth's): a clear error", () => {
      const r = cli.run(['search', `${reg.host}/cli`]);
      assert.equal(r.code, 1);
      assert.equal(r.stderr, `Error response from daemon: Unexpected status code 404: ${reg.host} does not offer the search API\n`);
    });
  });
});

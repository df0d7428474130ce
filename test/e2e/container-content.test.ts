import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { busyboxRootfs, cliFor, docker, isRoot, startDaemon, type TestDaemon } from '../helpers/daemon.js';
import { jsonAt, rawExchange } from '../helpers/raw-http.js';

const hasDocker = docker('unix:///nonexistent', ['--version']).code === 0;

describe('commit, cp with volumes and binds, kill, rm, prune and load as Docker answers them', { skip: !isRoot || !hasDocker }, () => {
  let d: TestDaemon;
  let host: string;
  const { run: dk, ok, fails } = cliFor('docker', () => d);
  const state = (ref: string): string => ok(['inspect', '-f', '{{.State.Status}}', ref]).trim();
  const viewMounts = (): string[] => readFileSync('/proc/self/mounts', 'utf8').split('\n').filter((l) => l.includes(`${d.dir}/exec/cp/`));

  before(async () => {
    d = await startDaemon();
    host = mkdtempSync(join(tmpdir(), 'berth-content-'));
    ok(['import', '-c', 'CMD ["sh"]', '-', 'busybox:latest'], busyboxRootfs());
  });
  after(async () => {
    await d.cleanup();
    rmSync(host, { recursive: true, force: true });
  });

  test('commit of a stopped container, with what API 1.41 clients read of it', async () => {
    ok(['run', '--name', 'stopped', 'busybox', 'sh', '-c', 'echo kept > /f']);
    const img = ok(['commit', 'stopped', 'committed:1']).trim();
    assert.equal(ok(['run', '--rm', 'committed:1', 'cat', '/f']), 'kept\n');
    const busybox = ok(['inspect', '-f', '{{.Id}}', 'busybox']).trim();
    assert.equal(ok(['inspect', '-f', '{{.Parent}}', 'committed:1']).trim(), busybox);
    const cid = ok(['inspect', '-f', '{{.Id}}', 'stopped']).trim();
    const old = await jsonAt<{ Container: string; ContainerConfig: { Image: string; Cmd: string[] } }>(d.socket, 'v1.41', 'GET', `/images/${img}/json`);
    assert.equal(old.json.Container, cid);
    assert.equal(old.json.ContainerConfig.Image, 'busybox');
    assert.deepEqual(old.json.ContainerConfig.Cmd, ['sh', '-c', 'echo kept > /f']);
    const current = await jsonAt<Record<string, unknown>>(d.socket, 'v1.50', 'GET', `/images/${img}/json`);
    assert.equal('ContainerConfig' in current.json, false);
    // An imported image has no container: moby's zero Config.
    const imported = await jsonAt<{ Container: string; ContainerConfig: { Image: string; Cmd: null } }>(d.socket, 'v1.41', 'GET', `/images/busybox/json`);
    assert.equal(imported.json.Container, '');
    assert.deepEqual([imported.json.ContainerConfig.Image, imported.json.ContainerConfig.Cmd], ['', null]);
    ok(['rm', 'stopped']);
    ok(['rmi', 'committed:1']);
  });

  test('commit pauses a running container unless --pause=false; one that just exited is committed as is', () => {
    ok(['run', '-d', '--name', 'running', 'busybox', 'sleep', '300']);
    const actions = (args: string[]): string[] => {
      const since = (Date.now() / 1000).toFixed(3);
      ok(['commit', ...args, 'running']);
      const until = (Date.now() / 1000 + 0.5).toFixed(3);
      return ok(['events', '--since', String(since), '--until', String(until), '--filter', 'container=running', '--format', '{{.Action}}']).split('\n').filter(Boolean);
    };
    // moby unpauses after the commit event (a deferred unpause).
    assert.deepEqual(actions([]), ['pause', 'commit', 'unpause']);
    assert.deepEqual(actions(['--pause=false']), ['commit']);
    assert.equal(state('running'), 'running');
    ok(['rm', '-f', 'running']);
    // Started and committed at once: its process may already be gone when the commit pauses it.
    for (let i = 0; i < 5; i++) {
      ok(['run', '-d', '--name', `brief${i}`, 'busybox', 'touch', '/x']);
      ok(['commit', `brief${i}`, `brief:${i}`]);
      ok(['rm', '-f', `brief${i}`]);
      ok(['rmi', `brief:${i}`]);
    }
  });

  test('cp into and out of a volume and a bind mount, running and stopped', () => {
    writeFileSync(join(host, 'in.txt'), 'from the host\n');
    const bind = mkdtempSync(join(host, 'bind-'));
    writeFileSync(join(bind, 'b.txt'), 'in the bind\n');
    ok(['volume', 'create', 'cpvol']);
    ok(['run', '-d', '--name', 'cpc', '-v', 'cpvol:/vol', '-v', `${bind}:/bind`, 'busybox', 'sleep', '300']);
    for (const phase of ['running', 'stopped']) {
      ok(['cp', join(host, 'in.txt'), `cpc:/vol/${phase}.txt`]);
      ok(['cp', join(host, 'in.txt'), `cpc:/bind/${phase}.txt`]);
      assert.equal(readFileSync(join(bind, `${phase}.txt`), 'utf8'), 'from the host\n');
      ok(['cp', 'cpc:/bind/b.txt', join(host, `b-${phase}.txt`)]);
      assert.equal(readFileSync(join(host, `b-${phase}.txt`), 'utf8'), 'in the bind\n');
      ok(['cp', `cpc:/vol/${phase}.txt`, join(host, `vol-${phase}.txt`)]);
      assert.equal(readFileSync(join(host, `vol-${phase}.txt`), 'utf8'), 'from the host\n');
      // A directory above the mounts carries their content.
      const listing = ok(['cp', 'cpc:/', '-']);
      assert.match(listing, new RegExp(`vol/${phase}\\.txt`));
      assert.match(listing, /bind\/b\.txt/);
      if (phase === 'running') {
        assert.equal(ok(['exec', 'cpc', 'cat', '/vol/running.txt']), 'from the host\n');
        ok(['stop', '-t', '0', 'cpc']);
      }
    }
    assert.equal(ok(['run', '--rm', '-v', 'cpvol:/v', 'busybox', 'cat', '/v/stopped.txt']), 'from the host\n');
    assert.deepEqual(viewMounts(), []);
    ok(['rm', 'cpc']);
  });

  test('cp never leaves the container through a symlink in a volume or a bind, nor writes a read-only mount', () => {
    const canary = `berth-cp-canary-${process.pid}`;
    writeFileSync(join('/tmp', canary), 'host secret\n');
    const bind = mkdtempSync(join(host, 'bind-'));
    try {
      ok(['run', '-d', '--name', 'esc', '-v', 'escvol:/vol', '-v', `${bind}:/bind`, '-v', 'escvol:/ro:ro', 'busybox', 'sleep', '300']);
      ok(['exec', 'esc', 'sh', '-c', 'ln -s ../../../../../../tmp /vol/up && ln -s /tmp /bind/abs && echo inside > /tmp/marker']);
      // Reading through them finds the container's /tmp, not the host's.
      fails(['cp', `esc:/vol/up/${canary}`, join(host, 'leak1')], /Could not find the file/);
      fails(['cp', `esc:/bind/abs/${canary}`, join(host, 'leak2')], /Could not find the file/);
      assert.equal(ok(['cp', 'esc:/bind/abs/marker', '-']).includes('inside\n'), true);
      // Writing through them lands in the container's /tmp too.
      writeFileSync(join(host, 'dropped'), 'dropped\n');
      ok(['cp', join(host, 'dropped'), 'esc:/vol/up/']);
      ok(['cp', join(host, 'dropped'), 'esc:/bind/abs/']);
      assert.equal(existsSync('/tmp/dropped'), false);
      assert.equal(ok(['exec', 'esc', 'cat', '/tmp/dropped']), 'dropped\n');
      fails(['cp', join(host, 'dropped'), 'esc:/ro/'], /Error response from daemon: mounted volume is marked read-only/);
      ok(['rm', '-f', 'esc']);
      ok(['run', '-d', '--name', 'rorootfs', '--read-only', 'busybox', 'sleep', '300']);
      fails(['cp', join(host, 'dropped'), 'rorootfs:/tmp/'], /Error response from daemon: container rootfs is marked read-only/);
      ok(['rm', '-f', 'rorootfs']);
      assert.deepEqual(viewMounts(), []);
    } finally {
      rmSync(join('/tmp', canary), { force: true });
    }
  });

  test('kill returns once the container has stopped', () => {
    for (let i = 0; i < 3; i++) {
      ok(['run', '-d', '--name', `k${i}`, 'busybox', 'sleep', '300']);
      ok(['kill', `k${i}`]);
      assert.equal(ok(['inspect', '-f', '{{.State.Status}} {{.State.ExitCode}}', `k${i}`]).trim(), 'exited 137');
      ok(['rm', `k${i}`]);
    }
  });

  test('rm of an active container: moby 28\'s words, and the old ones for API clients before 1.44', async () => {
    ok(['run', '-d', '--name', 'busy', 'busybox', 'sleep', '300']);
    const id = ok(['inspect', '-f', '{{.Id}}', 'busy']).trim();
    fails(['rm', 'busy'], /Error response from daemon: cannot remove container "\/busy": container is running: stop the container before removing or force remove/);
    const old = await jsonAt<{ message: string }>(d.socket, 'v1.41', 'DELETE', '/containers/busy');
    assert.deepEqual([old.status, old.json.message], [409, `You cannot remove a running container ${id}. Stop the container before attempting removal or force remove`]);
    ok(['pause', 'busy']);
    fails(['rm', 'busy'], /cannot remove container "\/busy": container is paused and must be unpaused first/);
    const paused = await jsonAt<{ message: string }>(d.socket, 'v1.41', 'DELETE', '/containers/busy');
    assert.equal(paused.json.message, `You cannot remove a paused container ${id}. Unpause and then stop the container before attempting removal or force remove`);
    ok(['rm', '-f', 'busy']);
  });

  test('container prune reports the space of the writable layers it removed', async () => {
    ok(['run', '--name', 'filler', 'busybox', 'dd', 'if=/dev/zero', 'of=/blob', 'bs=1k', 'count=64']);
    const r = await d.client.json<{ ContainersDeleted: string[]; SpaceReclaimed: number }>('POST', '/containers/prune');
    assert.equal(r.ContainersDeleted.length, 1);
    assert.ok(r.SpaceReclaimed >= 64 * 1024, String(r.SpaceReclaimed));
  });

  test('a failed load is reported in the stream, as moby does (200 with errorDetail)', async () => {
    const r = await rawExchange(d.socket, 'POST', '/v1.41/images/load', undefined, {});
    assert.equal(r.status, 200);
    assert.match(r.body.toString(), /"errorDetail":\{"message":"invalid archive: empty input"\}/);
    const cli = dk(['load'], 'not a tar');
    assert.equal(cli.code, 1);
    assert.match(cli.stderr, /invalid archive/);
  });
});

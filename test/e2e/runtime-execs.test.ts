/**
 * What berthd runs as processes on a container's start and stop, seen by strace on a real daemon:
 * the runtime for `create` (under conmon) only. Start reads runc's exec.fifo, kill signals the
 * init and the delete of an exited container removes its cgroups and runc's state in-process, as
 * runc itself does (each runtime start costs ~20 ms here). What that cannot cover (a shared PID
 * namespace, an init still alive) still goes to `runc delete`.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { busyboxRootfs, docker, isRoot, startDaemon, type TestDaemon } from '../helpers/daemon.js';

const hasDocker = docker('unix:///nonexistent', ['--version']).code === 0;
const hasStrace = spawnSync('strace', ['-V']).status === 0;

describe('the shim and the runtime processes of a start and a stop', { skip: !isRoot || !hasDocker || !hasStrace }, () => {
  let d: TestDaemon;
  const ok = (args: string[], input?: string): string => {
    const r = docker(d.host, args, input);
    assert.equal(r.code, 0, `docker ${args.join(' ')}: ${r.stderr}`);
    return r.stdout;
  };
  before(async () => {
    d = await startDaemon();
    ok(['import', '-c', 'CMD ["sh"]', '-', 'busybox:latest'], busyboxRootfs() as unknown as string);
  });
  after(async () => {
    await d.cleanup();
  });

  /** The runtime's verbs executed (by berthd or its conmons) while `fn` runs. */
  async function runtimeVerbs(fn: () => void): Promise<string[]> {
    const verbs: string[] = [];
    for (const m of (await execs(fn)).matchAll(/execve\("[^"]*\/runc", \[([^\]]*)\]/g)) {
      const args = [...m[1]!.matchAll(/"([^"]*)"/g)].map((a) => a[1]!);
      const root = args.indexOf('--root');
      verbs.push(args[root >= 0 ? root + 2 : 1] ?? '');
    }
    return verbs;
  }

  /** strace's log of the programs executed by berthd and its children while `fn` runs. */
  async function execs(fn: () => void): Promise<string> {
    const log = join(d.dir, `execve-${Date.now()}.log`);
    const tracer = spawn('strace', ['-f', '-qq', '-e', 'trace=execve', '-e', 'signal=none', '-s', '200', '-o', log, '-p', String(d.proc.pid)], { stdio: 'ignore' });
    const traced = (): boolean => /TracerPid:\s+[1-9]/.test(readFileSync(`/proc/${d.proc.pid}/status`, 'utf8'));
    for (const end = Date.now() + 10_000; Date.now() < end && !traced(); ) await new Promise((r) => setTimeout(r, 20));
    assert.ok(traced(), 'strace attached');
    try {
      fn();
    } finally {
      tracer.kill('SIGINT');
      await new Promise((r) => tracer.once('exit', r));
    }
    return readFileSync(log, 'utf8');
  }

  const conmonsOf = (id: string): string[] => readdirSync('/proc').filter((p) => /^\d+$/.test(p)).filter((p) => {
    try {
      const cmd = readFileSync(`/proc/${p}/cmdline`, 'utf8');
      return cmd.startsWith('/usr/bin/conmon') && cmd.includes(id);
    } catch {
      return false;
    }
  });

  /** The container's cgroup directories, one per hierarchy, while they exist. */
  const cgroupDirs = (id: string): string[] => readdirSync('/sys/fs/cgroup').map((h) => join('/sys/fs/cgroup', h, 'berth', id)).filter((p) => existsSync(p));
  const runcState = (id: string): boolean => existsSync(join(d.dir, 'exec', 'runtime', 'runc', id));

  test('run -d, kill and rm run the runtime to create, never to start, kill or delete; nothing of it is left', async () => {
    let id = '';
    let during: string[] = [];
    const verbs = await runtimeVerbs(() => {
      id = ok(['run', '-d', '--name', 'traced', 'busybox', 'sleep', '100']).trim();
      assert.equal(ok(['inspect', '-f', '{{.State.Status}}', 'traced']).trim(), 'running');
      during = cgroupDirs(id);
      ok(['kill', 'traced']);
      assert.equal(ok(['wait', 'traced']).trim(), '137');
      ok(['rm', 'traced']);
    });
    assert.ok(verbs.includes('create'), `runc verbs: ${verbs.join(' ')}`);
    assert.ok(!verbs.includes('start'), `runc verbs: ${verbs.join(' ')}`);
    assert.ok(!verbs.includes('kill'), `runc verbs: ${verbs.join(' ')}`);
    assert.ok(!verbs.includes('delete'), `runc verbs: ${verbs.join(' ')}`);
    assert.ok(during.length >= 5, `cgroups while running: ${during.join(' ')}`);
    assert.deepEqual(cgroupDirs(id), []);
    assert.equal(runcState(id), false);
  });

  test('a container in the host\'s PID namespace is deleted by the runtime, which ends what its init left', async () => {
    let id = '';
    const verbs = await runtimeVerbs(() => {
      id = ok(['run', '-d', '--pid', 'host', 'busybox', 'sh', '-c', 'sleep 100 & exit 3']).trim();
      assert.equal(ok(['wait', id]).trim(), '3');
      ok(['rm', id]);
    });
    assert.ok(verbs.includes('delete'), `runc verbs: ${verbs.join(' ')}`);
    assert.deepEqual(cgroupDirs(id), []);
    assert.equal(runcState(id), false);
  });

  test('the shim starts beside the other start steps; a step that fails after it ends it, and the runtime never runs', async () => {
    const id = ok(['create', '--device', '/dev/berth-no-such-device', 'busybox', 'true']).trim();
    let failed = { code: 0, stderr: '' };
    const log = await execs(() => {
      failed = docker(d.host, ['start', id]);
    });
    assert.notEqual(failed.code, 0);
    assert.match(failed.stderr, /error gathering device information while adding custom device "\/dev\/berth-no-such-device"/);
    assert.match(log, /execve\("\/usr\/bin\/conmon", \[[^\]]*"-c", "[0-9a-f]+"/, 'conmon was started');
    assert.doesNotMatch(log, /execve\("[^"]*\/runc", \[[^\]]*"create"/);
    assert.deepEqual(conmonsOf(id), []);
    assert.equal(ok(['inspect', '-f', '{{.State.Status}}', id]).trim(), 'created');
    assert.deepEqual(cgroupDirs(id), []);
    ok(['rm', id]);
  });

  test('a shim killed under a running container: the poll records the exit with the reason, and nothing runs on', async () => {
    const id = ok(['run', '-d', 'busybox', 'sleep', '100']).trim();
    const conmon = conmonsOf(id)[0];
    assert.ok(conmon, 'the container has a conmon');
    const pid = Number(ok(['inspect', '-f', '{{.State.Pid}}', id]).trim());
    process.kill(Number(conmon), 'SIGKILL');
    let state = '';
    for (const end = Date.now() + 15_000; Date.now() < end; await new Promise((r) => setTimeout(r, 200))) {
      state = ok(['inspect', '-f', '{{.State.Status}} {{.State.ExitCode}} {{.State.Error}}', id]).trim();
      if (state.startsWith('exited')) break;
    }
    assert.equal(state, 'exited 255 container supervisor (conmon) exited without an exit code');
    // The runtime's delete ends what the dead shim left running.
    for (const end = Date.now() + 10_000; Date.now() < end && existsSync(`/proc/${pid}`); ) await new Promise((r) => setTimeout(r, 100));
    assert.ok(!existsSync(`/proc/${pid}`), 'the container\'s process is gone');
    ok(['rm', id]);
  });

  test('stop of a paused container still goes through the runtime, and the container stops', async () => {
    ok(['run', '-d', '--name', 'frozen', 'busybox', 'sleep', '100']);
    ok(['pause', 'frozen']);
    ok(['stop', '-t', '1', 'frozen']);
    assert.equal(ok(['inspect', '-f', '{{.State.Status}}', 'frozen']).trim(), 'exited');
    ok(['rm', 'frozen']);
  });
});

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { detectCgroups } from '../../src/runtime/index.js';
import { busyboxRootfs, docker, isRoot, startDaemon, type TestDaemon } from '../helpers/daemon.js';

const hasDocker = docker('unix:///nonexistent', ['--version']).code === 0;
const cgroups = detectCgroups();

describe('container limits, security and restart policies (docker CLI)', { skip: !isRoot || !hasDocker }, () => {
  let d: TestDaemon;
  const dk = (args: string[], input?: string) => docker(d.host, args, input);
  const ok = (args: string[], input?: string): string => {
    const r = dk(args, input);
    assert.equal(r.code, 0, `docker ${args.join(' ')}: ${r.stderr}`);
    return r.stdout;
  };
  const waitFor = (cond: () => boolean, ms = 10_000): void => {
    for (const end = Date.now() + ms; Date.now() < end && !cond(); ) spawnSync('sleep', ['0.1']);
  };
  before(async () => {
    d = await startDaemon();
    ok(['import', '-c', 'CMD ["sh"]', '-', 'busybox:latest'], busyboxRootfs() as unknown as string);
  });
  after(async () => {
    await d.cleanup();
  });

  test('memory limit: an OOM-killed container shows OOMKilled and 137', () => {
    const r = dk(['run', '--name', 'oom', '-m', '16m', 'busybox', 'sh', '-c', 'x=$(head -c 64000000 /dev/zero | tr "\\0" a); echo survived']);
    assert.equal(r.code, 137, r.stderr);
    assert.doesNotMatch(r.stdout, /survived/);
    assert.equal(ok(['inspect', '-f', '{{.State.OOMKilled}} {{.State.ExitCode}} {{.HostConfig.Memory}}', 'oom']).trim(), `true 137 ${16 * 1024 * 1024}`);
    ok(['rm', 'oom']);
  });

  test('cpu, pids, shm and ulimits reach the kernel', () => {
    const v1 = cgroups.version === '1';
    // runc's init is a Go program with threads of its own in the cgroup until it execs: a limit of 5
    // can kill it before the container starts (with Docker too), so the limit leaves it room.
    assert.equal(ok(['run', '--rm', '--pids-limit', '24', 'busybox', 'cat', v1 ? '/sys/fs/cgroup/pids/pids.max' : '/sys/fs/cgroup/pids.max']).trim(), '24');
    const forks = dk(['run', '--rm', '--pids-limit', '24', 'busybox', 'sh', '-c', 'for i in $(seq 40); do sleep 2 & done; wait']);
    assert.match(forks.stderr, /can't fork/, 'the 25th task is refused');
    const quota = ok(['run', '--rm', '--cpus', '1.5', 'busybox', 'cat', v1 ? '/sys/fs/cgroup/cpu/cpu.cfs_quota_us' : '/sys/fs/cgroup/cpu.max']).trim();
    assert.equal(quota, v1 ? '150000' : '150000 100000');
    assert.equal(ok(['run', '--rm', '--cpu-shares', '512', 'busybox', 'cat', v1 ? '/sys/fs/cgroup/cpu/cpu.shares' : '/sys/fs/cgroup/cpu.weight']).trim(), v1 ? '512' : '20');
    assert.match(ok(['run', '--rm', '--shm-size', '2m', 'busybox', 'df', '-k', '/dev/shm']), /\s2048\s/);
    assert.equal(ok(['run', '--rm', '--ulimit', 'nofile=1000:2000', 'busybox', 'sh', '-c', 'ulimit -n; ulimit -Hn']).trim(), '1000\n2000');
    // Default limits fit the daemon's own: a plain container starts whatever the host caps are.
    const hard = Number(/Max open files\s+\d+\s+(\d+)/.exec(readFileSync('/proc/self/limits', 'utf8'))?.[1]);
    const over = dk(['run', '--rm', '--ulimit', `nofile=${hard + 1}:${hard + 1}`, 'busybox', 'true']);
    if (!readFileSync('/proc/self/status', 'utf8').includes('CapBnd:\t000001ffffffffff')) {
      assert.equal(over.code, 125);
      assert.match(over.stderr, /exceeds the daemon's hard limit/);
    }
  });

  test('capabilities, seccomp, read-only rootfs, masked paths, no-new-privileges, devices', () => {
    assert.notEqual(dk(['run', '--rm', 'busybox', 'sh', '-c', 'mkdir -p /m && mount -t tmpfs x /m']).code, 0);
    assert.equal(dk(['run', '--rm', '--cap-add', 'SYS_ADMIN', 'busybox', 'sh', '-c', 'mkdir -p /m && mount -t tmpfs x /m']).code, 0);
    assert.notEqual(dk(['run', '--rm', '--cap-drop', 'CHOWN', 'busybox', 'chown', '1', '/tmp']).code, 0);
    assert.equal(dk(['run', '--rm', 'busybox', 'chown', '1', '/tmp']).code, 0);
    const hostBnd = /CapBnd:\s*([0-9a-f]+)/.exec(readFileSync('/proc/self/status', 'utf8'))![1];
    assert.match(ok(['run', '--rm', '--privileged', 'busybox', 'grep', 'CapEff', '/proc/self/status']), new RegExp(`CapEff:\\s*${hostBnd}`));
    if (!readFileSync('/proc/self/status', 'utf8').match(/CapBnd:\s*[0-9a-f]*[4-7c-f][0-9a-f]{6}\n/)) {
      // CAP_SYS_RESOURCE (bit 24) is missing from this host's bounding set: asking for it is an error.
      const r = dk(['run', '--rm', '--cap-add', 'SYS_RESOURCE', 'busybox', 'true']);
      assert.equal(r.code, 125);
      assert.match(r.stderr, /CAP_SYS_RESOURCE/);
    }
    assert.match(ok(['run', '--rm', 'busybox', 'grep', 'Seccomp:', '/proc/self/status']), /Seccomp:\s+2/);
    assert.match(ok(['run', '--rm', '--security-opt', 'seccomp=unconfined', 'busybox', 'grep', 'Seccomp:', '/proc/self/status']), /Seccomp:\s+0/);
    assert.match(ok(['run', '--rm', '--security-opt', 'no-new-privileges', 'busybox', 'grep', 'NoNewPrivs', '/proc/self/status']), /NoNewPrivs:\s+1/);
    const ro = dk(['run', '--rm', '--read-only', 'busybox', 'touch', '/x']);
    assert.notEqual(ro.code, 0);
    assert.match(ro.stderr, /Read-only file system/);
    assert.equal(ok(['run', '--rm', 'busybox', 'sh', '-c', 'wc -c < /proc/interrupts']).trim(), '0');
    assert.notEqual(ok(['run', '--rm', '--privileged', 'busybox', 'sh', '-c', 'wc -c < /proc/interrupts']).trim(), '0');
    assert.notEqual(dk(['run', '--rm', 'busybox', 'sh', '-c', 'echo 1 > /proc/sys/kernel/domainname']).code, 0);
    assert.equal(ok(['run', '--rm', '--device', '/dev/null:/dev/mynull', 'busybox', 'sh', '-c', 'echo x > /dev/mynull && echo ok']).trim(), 'ok');
  });

  test('update: new limits reach a running container, and the restart policy is kept', () => {
    const v1 = cgroups.version === '1';
    ok(['run', '-d', '--name', 'upd', '-m', '32m', 'busybox', 'sleep', '300']);
    ok(['update', '--memory', '48m', '--memory-swap', '96m', '--pids-limit', '12', '--cpus', '0.5', '--restart', 'on-failure:3', 'upd']);
    assert.equal(ok(['exec', 'upd', 'cat', v1 ? '/sys/fs/cgroup/memory/memory.limit_in_bytes' : '/sys/fs/cgroup/memory.max']).trim(), String(48 * 1024 * 1024));
    assert.equal(ok(['exec', 'upd', 'cat', v1 ? '/sys/fs/cgroup/pids/pids.max' : '/sys/fs/cgroup/pids.max']).trim(), '12');
    assert.equal(ok(['exec', 'upd', 'cat', v1 ? '/sys/fs/cgroup/cpu/cpu.cfs_quota_us' : '/sys/fs/cgroup/cpu.max']).trim(), v1 ? '50000' : '50000 100000');
    assert.equal(ok(['inspect', '-f', '{{.HostConfig.Memory}} {{.HostConfig.PidsLimit}} {{.HostConfig.RestartPolicy.Name}}:{{.HostConfig.RestartPolicy.MaximumRetryCount}}', 'upd']).trim(), `${48 * 1024 * 1024} 12 on-failure:3`);
    ok(['rm', '-f', 'upd']);
    ok(['run', '-d', '--rm', '--name', 'auto', 'busybox', 'sleep', '300']);
    assert.match(dk(['update', '--restart', 'always', 'auto']).stderr, /Restart policy cannot be updated because AutoRemove is enabled/);
    ok(['rm', '-f', 'auto']);
  });

  test('--init runs tini as PID 1, which forwards stop signals', () => {
    assert.match(ok(['run', '--rm', '--init', 'busybox', 'cat', '/proc/1/cmdline']), /^\/sbin\/docker-init\0--\0cat\0/);
    ok(['run', '-d', '--init', '--name', 'inited', 'busybox', 'sleep', '300']);
    const t0 = Date.now();
    ok(['stop', '-t', '8', 'inited']);
    assert.ok(Date.now() - t0 < 5000, 'sleep got the SIGTERM through tini');
    assert.equal(ok(['inspect', '-f', '{{.State.ExitCode}} {{.HostConfig.Init}}', 'inited']).trim(), '143 true');
    ok(['rm', 'inited']);
  });

  test('crun: used where the host allows it, refused with the reason where it does not', () => {
    const r = dk(['run', '--rm', '--runtime', 'crun', 'busybox', 'echo', 'hi']);
    if (cgroups.hybrid) {
      assert.equal(r.code, 125);
      assert.match(r.stderr, /crun.*hybrid/);
    } else assert.equal(r.stdout, 'hi\n');
    assert.match(dk(['run', '--rm', '--runtime', 'nosuch', 'busybox', 'true']).stderr, /unknown or invalid runtime name: nosuch/);
  });

  test('restart policies: on-failure with a limit, always, and always after a daemon restart', async () => {
    ok(['run', '-d', '--name', 'flaky', '--restart', 'on-failure:2', 'busybox', 'sh', '-c', 'exit 1']);
    waitFor(() => ok(['inspect', '-f', '{{.RestartCount}} {{.State.Status}}', 'flaky']).trim() === '2 exited');
    assert.equal(ok(['inspect', '-f', '{{.RestartCount}} {{.State.Status}} {{.State.ExitCode}}', 'flaky']).trim(), '2 exited 1');
    ok(['run', '-d', '--name', 'always', '--restart', 'always', 'busybox', 'sh', '-c', 'sleep 0.3; exit 0']);
    waitFor(() => Number(ok(['inspect', '-f', '{{.RestartCount}}', 'always']).trim()) >= 2);
    assert.ok(Number(ok(['inspect', '-f', '{{.RestartCount}}', 'always']).trim()) >= 2);
    // `stop` wins over the policy.
    ok(['stop', '-t', '1', 'always']);
    spawnSync('sleep', ['1']);
    assert.equal(ok(['inspect', '-f', '{{.State.Status}}', 'always']).trim(), 'exited');
    // A container whose process dies while berthd is down comes back when berthd does.
    ok(['run', '-d', '--name', 'keeper', '--restart', 'always', 'busybox', 'sleep', '300']);
    const pid = ok(['inspect', '-f', '{{.State.Pid}}', 'keeper']).trim();
    await d.kill9();
    process.kill(Number(pid), 'SIGKILL');
    spawnSync('sleep', ['1']);
    await d.restart();
    waitFor(() => ok(['inspect', '-f', '{{.State.Status}}', 'keeper']).trim() === 'running');
    const after = ok(['inspect', '-f', '{{.State.Status}} {{.State.Pid}}', 'keeper']).trim().split(' ');
    assert.equal(after[0], 'running');
    assert.notEqual(after[1], pid);
    ok(['rm', '-f', 'flaky', 'always', 'keeper']);
  });
});

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { busyboxRootfs, docker, isRoot, startDaemon, type TestDaemon } from '../helpers/daemon.js';

const hasDocker = docker('unix:///nonexistent', ['--version']).code === 0;

describe('containers through the real docker CLI', { skip: !isRoot || !hasDocker }, () => {
  let d: TestDaemon;
  const dk = (args: string[], input?: Buffer | string) => docker(d.host, args, input);
  const ok = (args: string[], input?: Buffer | string): string => {
    const r = dk(args, input);
    assert.equal(r.code, 0, `docker ${args.join(' ')}: ${r.stderr}`);
    return r.stdout;
  };
  before(async () => {
    d = await startDaemon();
    ok(['import', '-c', 'CMD ["sh"]', '-', 'busybox:latest'], busyboxRootfs());
  });
  after(async () => {
    await d.cleanup();
  });

  test('run prints output, propagates exit codes and maps start failures to 127/126', () => {
    assert.equal(ok(['run', '--rm', 'busybox', 'echo', 'hi']), 'hi\n');
    assert.equal(dk(['run', '--rm', 'busybox', 'sh', '-c', 'echo out; echo err >&2; exit 3']).code, 3);
    const both = dk(['run', '--rm', 'busybox', 'sh', '-c', 'echo out; echo err >&2']);
    assert.equal(both.stdout, 'out\n');
    assert.equal(both.stderr, 'err\n');
    const missing = dk(['run', '--rm', 'busybox', 'nosuchcmd']);
    assert.equal(missing.code, 127);
    assert.match(missing.stderr, /executable file not found in \$PATH/);
    const notExec = dk(['run', '--rm', 'busybox', '/etc/passwd']);
    assert.equal(notExec.code, 126);
    assert.match(notExec.stderr, /permission denied/);
    // --rm leaves nothing behind, even after a failed start.
    assert.equal(ok(['ps', '-aq']), '');
  });

  test('stdin with -i, and a real TTY with -it', () => {
    assert.equal(ok(['run', '--rm', '-i', 'busybox', 'sh', '-c', 'tr a-z A-Z'], 'hello\n'), 'HELLO\n');
    // `script` gives the docker CLI a pty, as a terminal would.
    const tty = spawnSync('bash', ['-c', `(sleep 1.5; printf 'tty; echo $((6*7)); exit 5\\r'; sleep 2) | script -qfec "docker run -it --rm busybox sh" /dev/null`], {
      env: { ...process.env, DOCKER_HOST: d.host },
      timeout: 30_000,
    });
    const out = tty.stdout.toString();
    assert.match(out, /\/dev\/pts\/\d+/, out);
    assert.match(out, /\r?\n42\r?\n/, out);
    assert.equal(tty.status, 5, out);
    // ctrl-p ctrl-q detaches and leaves the shell running; a later attach can type into it.
    const env = { ...process.env, DOCKER_HOST: d.host };
    spawnSync('bash', ['-c', `(sleep 1; printf 'echo first\\r'; sleep 0.5; printf '\\020\\021'; sleep 1) | script -qfec "docker run -it --name dt busybox sh" /dev/null`], { env, timeout: 30_000 });
    assert.match(ok(['ps', '--filter', 'name=dt', '--format', '{{.Status}}']), /^Up /);
    spawnSync('bash', ['-c', `(sleep 1.5; printf 'echo second\\r'; sleep 1; printf '\\020\\021'; sleep 0.5) | script -qfec "docker attach dt" /dev/null`], { env, timeout: 30_000 });
    assert.match(ok(['logs', 'dt']), /first\r?\n[\s\S]*second\r?\n/);
    ok(['rm', '-f', 'dt']);
  });

  test('detached containers: ps, logs, inspect, wait, kill, stop, rm', () => {
    const id = ok(['run', '-d', '--name', 'ticker', '-l', 'role=test', 'busybox', 'sh', '-c', 'trap "echo got HUP" HUP; echo started; while true; do sleep 0.1; done']).trim();
    assert.match(id, /^[0-9a-f]{64}$/);
    const ps = ok(['ps', '--format', '{{.ID}} {{.Names}} {{.Status}} {{.Label "role"}}']);
    assert.match(ps, new RegExp(`^${id.slice(0, 12)} ticker Up .+ test$`, 'm'));
    assert.equal(ok(['ps', '-q', '--filter', 'label=role=test']).trim(), id.slice(0, 12));
    assert.equal(ok(['ps', '-q', '--filter', 'status=exited']).trim(), '');
    for (let i = 0; i < 50 && !ok(['logs', 'ticker']).includes('started'); i++) spawnSync('sleep', ['0.1']);
    assert.equal(ok(['logs', 'ticker']), 'started\n');
    ok(['kill', '-s', 'HUP', 'ticker']);
    for (let i = 0; i < 50 && !ok(['logs', 'ticker']).includes('got HUP'); i++) spawnSync('sleep', ['0.1']);
    assert.match(ok(['logs', '--tail', '1', '-t', 'ticker']), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z got HUP\n$/);
    const state = JSON.parse(ok(['inspect', '--format', '{{json .State}}', 'ticker'])) as Record<string, unknown>;
    assert.equal(state.Status, 'running');
    assert.equal(state.Running, true);
    assert.ok((state.Pid as number) > 0);
    // The init's TERM is trapped by nothing here: stop sends SIGTERM, sh as PID 1 ignores it, SIGKILL follows.
    const t0 = Date.now();
    ok(['stop', '-t', '1', 'ticker']);
    assert.ok(Date.now() - t0 < 8000);
    const after = JSON.parse(ok(['inspect', '--format', '{{json .State}}', 'ticker'])) as Record<string, unknown>;
    assert.equal(after.Status, 'exited');
    assert.equal(after.ExitCode, 137);
    assert.equal(after.OOMKilled, false);
    assert.notEqual(after.FinishedAt, '0001-01-01T00:00:00Z');
    assert.match(ok(['ps', '-a', '--filter', 'name=ticker', '--format', '{{.Status}}']), /^Exited \(137\)/);
    assert.equal(ok(['ps', '-aq', '--filter', 'exited=137']).trim(), id.slice(0, 12));
    // Logs outlive the process.
    assert.match(ok(['logs', 'ticker']), /started\ngot HUP\n/);
    ok(['rm', 'ticker']);
    assert.match(dk(['inspect', 'ticker']).stderr, /No such object: ticker/);

    // logs -f follows until the container stops, then ends.
    const follower = ok(['run', '-d', 'busybox', 'sh', '-c', 'echo one; sleep 1; echo two; sleep 0.5']).trim();
    const t1 = Date.now();
    assert.equal(ok(['logs', '-f', follower]), 'one\ntwo\n');
    assert.ok(Date.now() - t1 >= 500, 'logs -f waited for the later line');
    ok(['rm', follower]);

    const waiter = ok(['run', '-d', 'busybox', 'sh', '-c', 'sleep 0.5; exit 6']).trim();
    assert.equal(ok(['wait', waiter]).trim(), '6');
    ok(['rm', waiter]);
  });

  test('isolation: own pid, uts and network namespaces, /etc files, users', () => {
    const out = ok(['run', '--rm', '-h', 'box', 'busybox', 'sh', '-c', 'echo $$; hostname; cat /etc/hostname; grep -c . /proc/net/dev; id -u; id -g']);
    // Two header lines, lo and the bridge network's eth0.
    assert.deepEqual(out.trim().split('\n'), ['1', 'box', 'box', '4', '0', '0']);
    const nobody = ok(['run', '--rm', '-u', 'nobody', 'busybox', 'sh', '-c', 'id -u; id -g; echo $HOME']);
    assert.deepEqual(nobody.trim().split('\n'), ['65534', '65534', '/home']);
    assert.equal(ok(['run', '--rm', '-u', '1000:5', 'busybox', 'sh', '-c', 'echo $(id -u) $(id -g)']).trim(), '1000 5');
    assert.match(dk(['run', '--rm', '-u', 'nosuchuser', 'busybox', 'true']).stderr, /unable to find user nosuchuser/);
    const env = ok(['run', '--rm', '-e', 'A=1', '-w', '/made/here', 'busybox', 'sh', '-c', 'echo $A $PWD $HOSTNAME $PATH']).trim().split(' ');
    assert.equal(env[0], '1');
    assert.equal(env[1], '/made/here');
    assert.match(env[2]!, /^[0-9a-f]{12}$/);
    assert.equal(env[3], '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin');
    assert.match(ok(['run', '--rm', 'busybox', 'cat', '/etc/hosts']), /127\.0\.0\.1\tlocalhost/);
    // Host networking sees the host's interfaces.
    // (Other test files add and remove veths meanwhile: the count lies between before and after.)
    const count = (): number => readFileSync('/proc/net/dev', 'utf8').trim().split('\n').length;
    const before = count();
    const seen = Number(ok(['run', '--rm', '--network', 'host', 'busybox', 'grep', '-c', '.', '/proc/net/dev']).trim());
    const after = count();
    assert.ok(seen >= Math.min(before, after) - 2 && seen <= Math.max(before, after) + 2, `${seen} host interfaces, ${before}..${after}`);
    assert.ok(seen > 4, 'more than a private namespace has');
    // Default capabilities and seccomp: mount is refused, even to root.
    assert.notEqual(dk(['run', '--rm', 'busybox', 'sh', '-c', 'mkdir -p /m && mount -t tmpfs x /m']).code, 0);
  });

  test('bad input gets Docker errors and leaves no container', () => {
    ok(['create', '--name', 'taken', 'busybox', 'true']);
    const dup = dk(['create', '--name', 'taken', 'busybox', 'true']);
    assert.equal(dup.code, 1);
    assert.match(dup.stderr, /Conflict\. The container name "\/taken" is already in use by container/);
    const img = dk(['run', '--rm', 'nosuchimage:1.0', 'true']);
    assert.equal(img.code, 125);
    assert.match(img.stderr, /Unable to find image 'nosuchimage:1\.0' locally/);
    const mem = dk(['run', '--rm', '-m', 'lots', 'busybox', 'true']);
    assert.equal(mem.code, 125);
    assert.match(mem.stderr, /invalid argument "lots" for "-m, --memory" flag/);
    const running = ok(['run', '-d', 'busybox', 'sleep', '30']).trim();
    const rm = dk(['rm', running]);
    assert.notEqual(rm.code, 0);
    assert.match(rm.stderr, /stop the container before removing or force remove/);
    // Starting a running container is not an error (Docker answers 304).
    assert.equal(dk(['start', running]).code, 0);
    ok(['rm', '-f', running]);
    ok(['rm', 'taken']);
    assert.equal(ok(['ps', '-a', '--format', '{{.Names}} {{.Command}} {{.Status}}']), '');
  });

  test('exec: output, exit codes, env/workdir/user, stdin, -it, -d, inspect', () => {
    ok(['run', '-d', '--name', 'ex', 'busybox', 'sleep', '300']);
    assert.equal(ok(['exec', 'ex', 'echo', 'hello']), 'hello\n');
    assert.equal(dk(['exec', 'ex', 'sh', '-c', 'exit 9']).code, 9);
    assert.equal(ok(['exec', '-e', 'X=1', '-w', '/tmp', '-u', 'nobody', 'ex', 'sh', '-c', 'echo $X $PWD $(id -u)']), '1 /tmp 65534\n');
    assert.equal(ok(['exec', '-i', 'ex', 'tr', 'a-z', 'A-Z'], 'data\n'), 'DATA\n');
    const missing = dk(['exec', 'ex', 'nosuch']);
    assert.equal(missing.code, 127);
    assert.match(missing.stdout, /OCI runtime exec failed: .*executable file not found in \$PATH/);
    const tty = spawnSync('bash', ['-c', `(sleep 1; printf 'tty; exit 4\\r'; sleep 1.5) | script -qfec "docker exec -it ex sh" /dev/null`], { env: { ...process.env, DOCKER_HOST: d.host }, timeout: 30_000 });
    assert.match(tty.stdout.toString(), /\/dev\/pts\/\d+/);
    assert.equal(tty.status, 4);
    ok(['exec', '-d', 'ex', 'sh', '-c', 'echo bg > /tmp/bg']);
    for (let i = 0; i < 50 && dk(['exec', 'ex', 'cat', '/tmp/bg']).stdout !== 'bg\n'; i++) spawnSync('sleep', ['0.1']);
    assert.equal(ok(['exec', 'ex', 'cat', '/tmp/bg']), 'bg\n');
    // The exec shares the container's namespaces: it sees the init as PID 1.
    assert.match(ok(['exec', 'ex', 'cat', '/proc/1/cmdline']), /^sleep/);
    ok(['rm', '-f', 'ex']);
    assert.match(dk(['exec', 'ex', 'true']).stderr, /No such container: ex/);
  });

  test('logs rotate with max-size and max-file, and bad log options are refused', () => {
    ok(['run', '-d', '--name', 'chatty', '--log-opt', 'max-size=2k', '--log-opt', 'max-file=2', 'busybox', 'sh', '-c', 'i=0; while [ $i -lt 400 ]; do echo line $i; i=$((i+1)); sleep 0.005; done; echo done; sleep 300']);
    for (let i = 0; i < 100 && !ok(['logs', 'chatty']).includes('done'); i++) spawnSync('sleep', ['0.1']);
    const lines = ok(['logs', 'chatty']).trim().split('\n');
    assert.equal(lines.at(-1), 'done');
    assert.ok(!lines.includes('line 0'), 'the oldest lines were rotated away');
    // At most max-file files of about max-size each (a rotation happens within half a second).
    assert.ok(lines.length < 400, `${lines.length} lines kept`);
    ok(['rm', '-f', 'chatty']);
    const bad = dk(['run', '--rm', '--log-opt', 'max-size=lots', 'busybox', 'true']);
    assert.equal(bad.code, 125);
    assert.match(bad.stderr, /invalid size: 'lots'/);
    assert.match(dk(['run', '--rm', '--log-driver', 'syslog', 'busybox', 'true']).stderr, /logging driver "syslog" is not supported/);
  });

  test('cp both ways, on running and stopped containers, never outside the container', () => {
    const dir = mkdtempSync(join(tmpdir(), 'berth-cp-'));
    try {
      writeFileSync(join(dir, 'f.txt'), 'hello\n');
      mkdirSync(join(dir, 'd'));
      writeFileSync(join(dir, 'd', 'g'), 'inner\n');
      ok(['run', '-d', '--name', 'cpc', 'busybox', 'sh', '-c', 'ln -s / /tmp/escape; ln -s /etc /tmp/lnk; exec sleep 300']);
      ok(['cp', join(dir, 'f.txt'), 'cpc:/tmp/']);
      ok(['cp', join(dir, 'd'), 'cpc:/tmp/']);
      assert.equal(ok(['exec', 'cpc', 'cat', '/tmp/f.txt', '/tmp/d/g']), 'hello\ninner\n');
      ok(['cp', 'cpc:/etc/passwd', join(dir, 'passwd')]);
      assert.match(readFileSync(join(dir, 'passwd'), 'utf8'), /^root:x:0:0:/);
      ok(['cp', 'cpc:/tmp/d', join(dir, 'out')]);
      assert.equal(readFileSync(join(dir, 'out', 'g'), 'utf8'), 'inner\n');
      ok(['cp', 'cpc:/tmp/lnk', join(dir, 'lnk')]);
      assert.equal(readlinkSync(join(dir, 'lnk')), '/etc');
      const missing = dk(['cp', 'cpc:/nonexist', dir]);
      assert.notEqual(missing.code, 0);
      assert.match(missing.stderr, /Could not find the file \/nonexist in container cpc/);
      // A symlink to / inside the container is the container's root, not the host's.
      const canary = `berth-cp-canary-${process.pid}`;
      writeFileSync(join(dir, canary), 'x');
      ok(['cp', join(dir, canary), 'cpc:/tmp/escape/']);
      assert.ok(!existsSync(join('/', canary)), 'nothing written to the host root');
      assert.equal(ok(['exec', 'cpc', 'cat', `/${canary}`]), 'x');
      ok(['stop', '-t', '0', 'cpc']);
      ok(['cp', 'cpc:/tmp/f.txt', join(dir, 'stopped.txt')]);
      assert.equal(readFileSync(join(dir, 'stopped.txt'), 'utf8'), 'hello\n');
      ok(['rm', 'cpc']);
      assert.ok(!readFileSync('/proc/self/mounts', 'utf8').includes(d.dataRoot), 'no rootfs left mounted');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('top, stats, diff and export', () => {
    ok(['run', '-d', '--name', 'fs', '-m', '64m', 'busybox', 'sh', '-c', 'mkdir /newdir; echo x > /newdir/f; rm /etc/group; echo y >> /etc/passwd; exec sleep 300']);
    for (let i = 0; i < 50 && !ok(['diff', 'fs']).includes('/newdir/f'); i++) spawnSync('sleep', ['0.1']);
    assert.match(ok(['top', 'fs']), /^UID\s+PID\s+PPID.*\n.*sleep 300\n$/);
    assert.match(ok(['top', 'fs', '-o', 'pid,comm']), /^PID\s+COMMAND\n\d+\s+sleep\n$/);
    const st = ok(['stats', '--no-stream', '--format', '{{.Name}} {{.MemUsage}} {{.PIDs}}', 'fs']).trim();
    assert.match(st, /^fs [\d.]+[KMG]?i?B \/ 64MiB 1$/);
    assert.deepEqual(ok(['diff', 'fs']).trim().split('\n'), ['C /etc', 'D /etc/group', 'C /etc/passwd', 'A /newdir', 'A /newdir/f']);
    // Sizes: the writable layer alone, and with the image.
    const [rw, rootfs] = ok(['inspect', '-s', '-f', '{{.SizeRw}} {{.SizeRootFs}}', 'fs']).trim().split(' ').map(Number);
    assert.ok(rw! > 0 && rootfs! > rw!, `${rw} ${rootfs}`);
    assert.match(ok(['ps', '-s', '--filter', 'name=fs', '--format', '{{.Size}}']), /^\d+(\.\d+)?[kM]?B \(virtual [\d.]+MB\)$/m);
    const tar = spawnSync('sh', ['-c', 'docker export fs | tar -xO newdir/f'], { env: { ...process.env, DOCKER_HOST: d.host } });
    assert.equal(tar.stdout.toString(), 'x\n');
    ok(['rm', '-f', 'fs']);
    assert.match(dk(['top', 'nosuch']).stderr, /No such container: nosuch/);
  });

  test('commit: the writable layer (whiteouts too) becomes an image, with --change, -m and -a', () => {
    ok(['run', '--name', 'c1', 'busybox', 'sh', '-c', 'echo hello > /greeting; rm /etc/group']);
    const id = ok(['commit', '-c', 'CMD ["cat", "/greeting"]', '-m', 'added greeting', '-a', 'me', 'c1', 'greet:1']).trim();
    assert.match(id, /^sha256:[0-9a-f]{64}$/);
    assert.equal(ok(['run', '--rm', 'greet:1']), 'hello\n');
    assert.notEqual(dk(['run', '--rm', 'greet:1', 'ls', '/etc/group']).code, 0);
    assert.equal(ok(['inspect', '-f', '{{.Author}} {{len .RootFS.Layers}}', 'greet:1']).trim(), 'me 2');
    assert.match(ok(['history', '--format', '{{.CreatedBy}}|{{.Comment}}', 'greet:1']).split('\n')[0]!, /^sh -c echo hello > \/greeting; rm \/etc\/group\|added greeting$/);
    // Nothing changed: the new image adds no layer.
    ok(['run', '--name', 'c2', 'busybox', 'true']);
    assert.equal(ok(['inspect', '-f', '{{len .RootFS.Layers}}', ok(['commit', 'c2']).trim()]).trim(), '1');
    // An image a container uses cannot be removed without -f.
    assert.match(dk(['rmi', 'busybox']).stderr, /conflict: unable to remove repository reference "busybox" \(must force\) - container [0-9a-f]{12} is using its referenced image/);
    ok(['rm', 'c1', 'c2']);
    ok(['rmi', 'greet:1']);
  });

  test('pause, unpause, restart and rename', async () => {
    ok(['run', '-d', '--name', 'p1', 'busybox', 'sleep', '60']);
    ok(['pause', 'p1']);
    assert.equal(ok(['inspect', '-f', '{{.State.Status}} {{.State.Paused}}', 'p1']).trim(), 'paused true');
    assert.match(ok(['ps', '--filter', 'name=p1', '--format', '{{.Status}}']), /\(Paused\)/);
    ok(['unpause', 'p1']);
    const pid1 = ok(['inspect', '-f', '{{.State.Pid}}', 'p1']).trim();
    ok(['restart', '-t', '0', 'p1']);
    const pid2 = ok(['inspect', '-f', '{{.State.Pid}} {{.State.Running}}', 'p1']).trim();
    assert.notEqual(pid2.split(' ')[0], pid1);
    assert.equal(pid2.split(' ')[1], 'true');
    ok(['rename', 'p1', 'p2']);
    assert.equal(ok(['inspect', '-f', '{{.Name}}', 'p2']).trim(), '/p2');
    // The old name is gone at once, and free for another container.
    assert.match(dk(['inspect', 'p1']).stderr, /No such object: p1/);
    ok(['create', '--name', 'p1', 'busybox', 'true']);
    assert.notEqual(ok(['inspect', '-f', '{{.Id}}', 'p1']).trim(), ok(['inspect', '-f', '{{.Id}}', 'p2']).trim());
    // After a daemon restart the names are as they were left.
    await d.stop();
    await d.restart();
    assert.equal(ok(['inspect', '-f', '{{.Name}}', 'p2']).trim(), '/p2');
    ok(['rm', '-f', 'p1', 'p2']);
  });

  test('containers survive kill -9 of berthd and are re-adopted', async () => {
    const live = ok(['run', '-d', '--name', 'survivor', 'busybox', 'sh', '-c', 'trap "exit 7" TERM; echo up; while true; do sleep 0.1; done']).trim();
    ok(['run', '-d', '--name', 'quitter', 'busybox', 'sh', '-c', 'sleep 1; exit 4']);
    await d.kill9();
    spawnSync('sleep', ['2']);
    // Still running without its daemon.
    const pid = Number(readFileSync(`/proc/${JSON.parse(spawnSync('runc', ['--root', `${d.dir}/exec/runtime/runc`, 'state', live]).stdout.toString()).pid as number}/stat`, 'utf8').split(' ')[0]);
    assert.ok(pid > 0);
    await d.restart();
    assert.match(ok(['ps', '--filter', 'name=survivor', '--format', '{{.Status}}']), /^Up /);
    assert.equal(ok(['inspect', '-f', '{{.State.Status}} {{.State.ExitCode}}', 'quitter']).trim(), 'exited 4');
    assert.equal(ok(['logs', 'survivor']), 'up\n');
    ok(['stop', 'survivor']);
    assert.equal(ok(['inspect', '-f', '{{.State.ExitCode}}', 'survivor']).trim(), '7');
    ok(['rm', 'survivor', 'quitter']);
    const mounts = readFileSync('/proc/self/mounts', 'utf8').split('\n').filter((l) => l.includes(d.dataRoot));
    assert.deepEqual(mounts, [], 'no rootfs left mounted');
  });
});

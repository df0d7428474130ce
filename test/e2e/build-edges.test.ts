/**
 * Builds at their edges: cancellation and a daemon killed mid-step, hostile contexts, RUN
 * --mount, COPY/ADD's variants, downloads and remote contexts (served on loopback), and the
 * berth CLI's build.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { busyboxRootfs, cliFor, isRoot, startDaemon, type TestDaemon } from '../helpers/daemon.js';
import { makeContext, serveFilesInChild } from '../helpers/build.js';

describe('builds at their edges', { skip: !isRoot }, () => {
  let d: TestDaemon;
  const dk = cliFor('docker', () => d);
  const bt = cliFor('berth', () => d);
  const dirs: string[] = [];
  const ctx = (files: Record<string, string | Buffer>): string => {
    const dir = makeContext(files);
    dirs.push(dir);
    return dir;
  };
  const buildOk = (args: string[]): string => {
    const r = dk.run(['build', ...args]);
    assert.equal(r.code, 0, `docker build ${args.join(' ')}: ${r.stderr}\n${r.stdout}`);
    return r.stdout;
  };
  const containers = (): string => dk.ok(['ps', '-aq']);
  const waitFor = async (what: string, cond: () => boolean, ms: number): Promise<void> => {
    for (const end = Date.now() + ms; Date.now() < end; await sleep(100)) if (cond()) return;
    assert.fail(`${what}: not within ${ms} ms`);
  };

  before(async () => {
    d = await startDaemon();
    dk.ok(['import', '-c', 'CMD ["sh"]', '-', 'busybox:latest'], busyboxRootfs());
  });
  after(async () => {
    await d.cleanup();
    for (const x of dirs) rmSync(x, { recursive: true, force: true });
  });

  test('ctrl-c of the docker CLI mid-RUN: the step stops and its container goes at once', async () => {
    // The output 42 (not the command's text, which the Step line echoes) says the step runs.
    const dir = ctx({ Dockerfile: `FROM busybox\nRUN echo $((6*7)); sleep 60 # ${Date.now()}\n` });
    const cli = spawn('docker', ['build', dir], { env: { ...process.env, DOCKER_HOST: d.host }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    cli.stdout.on('data', (c: Buffer) => (out += c.toString()));
    await waitFor('the step runs', () => out.includes('\n42\n'), 60_000);
    assert.notEqual(containers(), '');
    const t0 = Date.now();
    cli.kill('SIGINT');
    await waitFor('the container is gone', () => containers() === '', 10_000);
    assert.ok(Date.now() - t0 < 10_000);
    assert.equal(dk.ok(['images', '--filter', 'dangling=true', '-q']), '');
  });

  test('kill -9 of berthd mid-step: the build container is gone after the restart', async () => {
    const dir = ctx({ Dockerfile: `FROM busybox\nRUN echo $((6*7)); sleep 60 # ${Date.now()}\n` });
    const cli = spawn('docker', ['build', dir], { env: { ...process.env, DOCKER_HOST: d.host }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    cli.stdout.on('data', (c: Buffer) => (out += c.toString()));
    await waitFor('the step runs', () => out.includes('\n42\n'), 60_000);
    const cliExited = new Promise((r) => cli.once('exit', r));
    await d.kill9();
    await cliExited;
    await d.restart();
    assert.equal(containers(), '', 'the daemon removed the dead build\'s container');
    const scratch = join(d.dataRoot, 'builder', 'tmp');
    assert.deepEqual(existsSync(scratch) ? execFileSync('ls', ['-A', scratch]).toString() : '', '', 'and its scratch files');
    assert.ok(!readFileSync('/proc/self/mounts', 'utf8').includes(d.dataRoot + '/builder'), 'and its mounts');
  });

  test('hostile contexts: symlinks and ../ never reach outside; a destination symlink writes inside the image', () => {
    const outside = mkdtempSync(join(tmpdir(), 'berth-outside-'));
    dirs.push(outside);
    writeFileSync(join(outside, 'secret'), 'host secret\n');
    const dir = ctx({ Dockerfile: 'FROM busybox\nCOPY ../../../../etc/hostname /from-dotdot\n', 'etc/hostname': 'context hostname\n' });
    symlinkSync(join(outside, 'secret'), join(dir, 'abs-link'));
    symlinkSync('../../../../../../../../etc/passwd', join(dir, 'rel-link'));
    symlinkSync('/', join(dir, 'root-link'));
    assert.match(dk.run(['build', dir]).stderr, /COPY failed: forbidden path outside the build context: \.\.\/\.\.\/\.\.\/\.\.\/etc\/hostname/, 'moby refuses ../');
    writeFileSync(join(dir, 'Dockerfile'), 'FROM busybox\nCOPY root-link/etc/hostname /via-root-link\n');
    buildOk(['-t', 'hostile:1', dir]);
    assert.equal(dk.ok(['run', '--rm', 'hostile:1', 'cat', '/via-root-link']), 'context hostname\n', 'a link to / is the context\'s root');
    for (const link of ['abs-link', 'rel-link']) {
      writeFileSync(join(dir, 'Dockerfile'), `FROM busybox\nCOPY ${link} /x\n`);
      const r = dk.run(['build', dir]);
      assert.notEqual(r.code, 0, `${link} must not resolve outside the context`);
      assert.match(r.stderr, /file not found in build context|no such file/, r.stderr);
    }
    // An image whose paths lead out through absolute symlinks: a COPY through them stays inside.
    const probe = `berth-probe-${process.pid}`;
    writeFileSync(join(dir, 'Dockerfile'), `FROM busybox\nRUN ln -s / /escape && ln -s /tmp /tmplink\nCOPY etc/hostname /escape/tmp/${probe}\nCOPY etc/hostname /tmplink/\nRUN cat /tmp/${probe} /tmp/hostname\n`);
    const out = buildOk(['-t', 'hostile:2', dir]);
    assert.match(out, /context hostname\ncontext hostname\n/);
    assert.ok(!existsSync(`/tmp/${probe}`), 'nothing written on the host');
    assert.equal(dk.ok(['run', '--rm', 'hostile:2', 'readlink', '/escape']), '/\n', 'the symlink itself is kept');
  });

  test('RUN --mount: cache directories persist across builds, bind mounts of the context and stages, tmpfs', () => {
    const id = `c${Date.now()}`;
    const dir = ctx({
      Dockerfile: [
        'FROM busybox AS stage',
        'RUN mkdir /data && echo from-stage > /data/f',
        'FROM busybox',
        `RUN --mount=type=cache,id=${id},target=/cache,uid=65534,mode=0700 echo run >> /cache/log && stat -c "%u %a" /cache && wc -l < /cache/log`,
        'RUN --mount=type=bind,target=/ctx cat /ctx/in.txt && ! touch /ctx/ro 2>/dev/null',
        'RUN --mount=type=bind,target=/ctx,rw touch /ctx/throwaway && ls /ctx',
        'RUN --mount=type=bind,from=stage,source=/data,target=/d cat /d/f',
        'RUN --mount=type=tmpfs,target=/scratch echo t > /scratch/t && grep -q "tmpfs /scratch" /proc/mounts && echo tmpfs-ok',
        'RUN ls -a /cache /ctx /d /scratch 2>&1 | grep -c "No such file"',
      ].join('\n'),
      'in.txt': 'context file\n',
    });
    const first = buildOk(['--no-cache', dir]);
    assert.match(first, /\n65534 700\n1\n/);
    assert.match(first, /context file\n/);
    assert.match(first, /\nDockerfile\nin\.txt\nthrowaway\n/);
    assert.match(first, /from-stage\n/);
    assert.match(first, /tmpfs-ok\n/);
    assert.match(first, /\n4\n/, 'the mount points are no part of the image');
    assert.ok(!existsSync(join(dir, 'throwaway')), 'rw binds write to a throwaway layer');
    assert.match(buildOk(['--no-cache', dir]), /\n65534 700\n2\n/, 'the cache directory persists');
    const changed = buildOk([dir]);
    assert.match(changed, /cat \/ctx\/in\.txt[^\n]*\n ---> Using cache/, 'cached while the bound files are the same');
    writeFileSync(join(dir, 'in.txt'), 'changed\n');
    assert.match(buildOk([dir]), /changed\n/, 'a changed bound file reruns the step');
  });

  test('COPY and ADD: --from an image, wildcards, directories, --exclude, --chown names, heredocs, local archives', () => {
    const dir = ctx({
      Dockerfile: [
        'FROM busybox',
        'COPY --from=busybox /etc/passwd /from-image/',
        'COPY *.txt /txt/',
        'COPY tree /tree',
        'COPY --exclude=*.skip tree /filtered/',
        'COPY --chown=daemon:bin tree/a.txt /owned',
        'COPY <<EOT /inline.sh',
        'echo inline',
        'EOT',
        'ADD arch.tar.gz /arch/',
        'ADD arch.tar.gz /kept.tgz',
        'CMD find /txt /tree /filtered /arch -type f | sort && stat -c "%U:%G" /owned && sh /inline.sh && ls /from-image',
      ].join('\n'),
      'one.txt': '1',
      'two.txt': '2',
      'tree/a.txt': 'a',
      'tree/b.skip': 'b',
      'tree/sub/c.txt': 'c',
    });
    execFileSync('bash', ['-c', `mkdir -p ${dir}/t/in && echo x > ${dir}/t/in/x && tar -C ${dir}/t -czf ${dir}/arch.tar.gz in && rm -r ${dir}/t`]);
    buildOk(['-t', 'copies:1', dir]);
    assert.equal(
      dk.ok(['run', '--rm', 'copies:1']),
      ['/arch/in/x', '/filtered/a.txt', '/filtered/sub/c.txt', '/tree/a.txt', '/tree/b.skip', '/tree/sub/c.txt', '/txt/one.txt', '/txt/two.txt', 'daemon:bin', 'inline', 'passwd', ''].join('\n'),
    );
    const r = dk.run(['build', ctx({ Dockerfile: 'FROM busybox\nCOPY a.txt b.txt /notadir\n', 'a.txt': '', 'b.txt': '' })]);
    assert.match(r.stderr, /When using COPY with more than one source file, the destination must be a directory and end with a \//);
    const missing = dk.run(['build', ctx({ Dockerfile: 'FROM busybox\nCOPY --chown=nosuchuser x /x\n', x: '' })]);
    assert.match(missing.stderr, /unable to convert uid\/gid chown string to host mapping: can't find uid for user nosuchuser: no such user: nosuchuser/);
  });

  test('downloads and remote contexts on loopback; an unreachable host is a clear error', async () => {
    const site = mkdtempSync(join(tmpdir(), 'berth-site-'));
    dirs.push(site);
    writeFileSync(join(site, 'payload.bin'), 'downloaded bytes\n');
    writeFileSync(join(site, 'Dockerfile'), 'FROM busybox\nRUN echo from-a-remote-dockerfile\n');
    const ctxDir = ctx({ Dockerfile: 'FROM busybox\nCOPY in.txt /\nCMD cat /in.txt\n', 'in.txt': 'from a remote tarball\n' });
    execFileSync('tar', ['-czf', join(site, 'ctx.tgz'), '-C', ctxDir, '.']);
    // A git repository served over dumb HTTP, as a `remote` git context.
    const repo = join(site, 'repo.git');
    const work = join(site, 'work');
    mkdirSync(work);
    writeFileSync(join(work, 'Dockerfile'), 'FROM busybox\nCOPY hello /\nCMD cat /hello\n');
    writeFileSync(join(work, 'hello'), 'from git\n');
    const git = (args: string[], cwd: string): string => execFileSync('git', ['-c', 'user.email=t@t', '-c', 'user.name=t', ...args], { cwd }).toString();
    git(['init', '-q', '.'], work);
    git(['add', '.'], work);
    git(['commit', '-qm', 'ctx'], work);
    git(['clone', '-q', '--bare', work, repo], site);
    git(['update-server-info'], repo);
    const server = await serveFilesInChild(site);
    try {
      const added = buildOk(['-t', 'dl:1', ctx({ Dockerfile: `FROM busybox\nADD ${server.url}/payload.bin /dl/\nRUN cat /dl/payload.bin && stat -c %a /dl/payload.bin\n` })]);
      assert.match(added, /downloaded bytes\n600\n/);
      const bad = dk.run(['build', ctx({ Dockerfile: 'FROM busybox\nADD http://no-such-host.invalid/x /x\n' })]);
      assert.notEqual(bad.code, 0);
      assert.match(bad.stderr, /ADD failed: Get "http:\/\/no-such-host\.invalid\/x": dial tcp: lookup no-such-host\.invalid/);
      const refused = dk.run(['build', ctx({ Dockerfile: 'FROM busybox\nADD http://127.0.0.1:9/x /x\n' })]);
      assert.match(refused.stderr, /connect: connection refused/);
      assert.match(dk.run(['build', ctx({ Dockerfile: `FROM busybox\nADD ${server.url}/nope /x\n` })]).stderr, /failed to GET .*\/nope with status 404/);
      // remote= as an API client (docker-py) sends it: the docker CLI fetches URLs itself.
      const tarball = bt.ok(['build', '-q', `${server.url}/ctx.tgz`]).trim();
      assert.equal(dk.ok(['run', '--rm', tarball]), 'from a remote tarball\n');
      assert.match(bt.ok(['build', `${server.url}/Dockerfile`]), /from-a-remote-dockerfile/);
      const fromGit = bt.ok(['build', '-q', `${server.url}/repo.git`]).trim();
      assert.equal(dk.ok(['run', '--rm', fromGit]), 'from git\n');
    } finally {
      await server.close();
    }
  });

  test('the build\'s resource and network options reach RUN steps', () => {
    const cg = existsSync('/sys/fs/cgroup/memory') ? 'cat /sys/fs/cgroup/memory/memory.limit_in_bytes' : 'cat /sys/fs/cgroup/memory.max';
    const dir = ctx({ Dockerfile: `FROM busybox\nRUN ${cg} && df -k /dev/shm | tail -1 && ulimit -n && grep myhost /etc/hosts # ${Date.now()}\nRUN --network=none ip -o link | grep -c -v " lo:" || true\n` });
    const out = buildOk(['--memory', '64m', '--shm-size', '8m', '--ulimit', 'nofile=512:512', '--add-host', 'myhost:10.9.8.7', dir]);
    assert.match(out, /\n67108864\n/);
    assert.match(out, /\s8192\s/);
    assert.match(out, /\n512\n/);
    assert.match(out, /10\.9\.8\.7\s+myhost/);
    assert.match(out, /RUN --network=none[^\n]*\n ---> Running in [0-9a-f]{12}\n0\n/, 'RUN --network=none has only lo');
    const none = dk.run(['build', '--network', 'none', ctx({ Dockerfile: `FROM busybox\nRUN wget -q -T 2 -O /dev/null http://10.255.255.1/ # ${Date.now()}\n` })]);
    assert.notEqual(none.code, 0, 'no network at all with --network none');
  });

  test('berth build: tags, -f outside the context, --iidfile, -q, stdin, build args, a failure\'s exit code', () => {
    const dir = ctx({ Dockerfile: 'FROM busybox\nARG WHO\nCOPY . /ctx\nRUN echo "hi $WHO"\n', '.dockerignore': 'skip\n', skip: 's', keep: 'k' });
    const out = bt.ok(['build', '-t', 'bb:1', '-t', 'bb:2', '--build-arg', 'WHO=berth', dir]);
    assert.match(out, /^Sending build context to Docker daemon {2}\d/);
    assert.match(out, /hi berth\n/);
    assert.match(out, /Successfully tagged bb:1\nSuccessfully tagged bb:2\n$/);
    assert.equal(dk.ok(['run', '--rm', 'bb:1', 'sh', '-c', 'ls -A /ctx']), '.dockerignore\nDockerfile\nkeep\n');
    const other = mkdtempSync(join(tmpdir(), 'berth-df-'));
    dirs.push(other);
    writeFileSync(join(other, 'Build.df'), 'FROM busybox\nCOPY keep /k\n');
    const iid = join(other, 'iid');
    assert.equal(bt.ok(['build', '-q', '--iidfile', iid, '-f', join(other, 'Build.df'), dir]).trim(), readFileSync(iid, 'utf8'));
    assert.match(bt.ok(['build', '-q', '-'], 'FROM busybox\nRUN echo from stdin\n'), /^sha256:[0-9a-f]{64}\n$/);
    const fail = bt.run(['build', ctx({ Dockerfile: 'FROM busybox\nRUN exit 5\n' })]);
    assert.equal(fail.code, 5);
    assert.match(fail.stderr, /The command '\/bin\/sh -c exit 5' returned a non-zero code: 5/);
    assert.equal(containers(), '');
  });
});

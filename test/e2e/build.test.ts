/**
 * Dockerfile builds through the real docker CLI (which posts to /build: no buildx here) against a
 * private berthd: every instruction, the classic stream, multi-stage and --target, the cache,
 * .dockerignore, failures, build args.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { rmSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { busyboxRootfs, cliFor, docker, isRoot, startDaemon, type TestDaemon } from '../helpers/daemon.js';
import { makeContext, messages, postBuild } from '../helpers/build.js';

describe('docker build against berthd', { skip: !isRoot }, () => {
  let d: TestDaemon;
  const dk = cliFor('docker', () => d);
  const contexts: string[] = [];
  const ctx = (files: Record<string, string | Buffer>): string => {
    const dir = makeContext(files);
    contexts.push(dir);
    return dir;
  };
  /** `docker build` output without the CLI's deprecation notice (stderr). */
  const build = (args: string[]): { code: number; stdout: string; stderr: string } => dk.run(['build', ...args]);
  const buildOk = (args: string[]): string => {
    const r = build(args);
    assert.equal(r.code, 0, `docker build ${args.join(' ')}: ${r.stderr}\n${r.stdout}`);
    return r.stdout;
  };
  const containers = (): string => dk.ok(['ps', '-aq']);

  before(async () => {
    d = await startDaemon();
    dk.ok(['import', '-c', 'CMD ["sh"]', '-', 'busybox:latest'], busyboxRootfs());
  });
  after(async () => {
    await d.cleanup();
    for (const c of contexts) rmSync(c, { recursive: true, force: true });
  });

  test('every instruction, into the image config and the history', () => {
    const dir = ctx({
      Dockerfile: [
        'ARG BASE=busybox',
        'FROM ${BASE}',
        'MAINTAINER Jane <jane@example.com>',
        'ENV GREETING="hello world" OTHER=1',
        'ENV LEGACY value with spaces',
        'LABEL org.example.a=1 "org.example.b"="two words"',
        'WORKDIR /app',
        'WORKDIR sub',
        'COPY --chown=nobody:nogroup --chmod=640 file.txt ./',
        'ADD archive.tar /unpacked/',
        'ADD plain.txt /plain/',
        'SHELL ["/bin/sh", "-ec"]',
        'RUN echo "$GREETING from $(pwd)" > /app/sub/greeting && stat -c "%U:%G %a" /app/sub/file.txt > /app/sub/owner',
        'RUN ["/bin/sh", "-c", "echo exec form > /app/sub/exec"]',
        'USER nobody',
        'EXPOSE 8080 53/udp',
        'VOLUME ["/data"]',
        'STOPSIGNAL SIGINT',
        'HEALTHCHECK --interval=5s --retries=2 CMD true',
        'ONBUILD RUN echo triggered',
        'ENTRYPOINT ["/bin/sh", "-c"]',
        'CMD ["cat /app/sub/greeting /app/sub/owner /app/sub/exec /unpacked/inner.txt /plain/plain.txt"]',
      ].join('\n'),
      'file.txt': 'copied\n',
      'plain.txt': 'plain\n',
    });
    execFileSync('bash', ['-c', `mkdir -p ${dir}/t && echo inner > ${dir}/t/inner.txt && tar -C ${dir}/t -cf ${dir}/archive.tar inner.txt && rm -r ${dir}/t`]);
    const out = buildOk(['-t', 'every:1', dir]);
    assert.match(out, /\nStep 1\/22 : ARG BASE=busybox\nStep 2\/22 : FROM \$\{BASE\}\n ---> [0-9a-f]{12}\n/);
    assert.match(out, /Step 13\/22 : RUN echo "\$GREETING from \$\(pwd\)".*\n ---> Running in [0-9a-f]{12}\n ---> Removed intermediate container [0-9a-f]{12}\n ---> [0-9a-f]{12}\n/);
    assert.match(out, /Successfully built [0-9a-f]{12}\nSuccessfully tagged every:1\n$/);
    assert.equal(dk.ok(['run', '--rm', 'every:1']), 'hello world from /app/sub\nnobody:nogroup 640\nexec form\ninner\nplain\n');
    const cfg = JSON.parse(dk.ok(['image', 'inspect', '--format', '{{json .Config}}', 'every:1'])) as Record<string, unknown>;
    assert.equal(cfg.User, 'nobody');
    assert.equal(cfg.WorkingDir, '/app/sub');
    assert.deepEqual(cfg.ExposedPorts, { '53/udp': {}, '8080/tcp': {} });
    assert.deepEqual(cfg.Volumes, { '/data': {} });
    assert.equal(cfg.StopSignal, 'SIGINT');
    assert.deepEqual(cfg.Healthcheck, { Test: ['CMD-SHELL', 'true'], Interval: 5e9, Retries: 2 });
    assert.deepEqual(cfg.OnBuild, ['RUN echo triggered']);
    assert.deepEqual(cfg.Entrypoint, ['/bin/sh', '-c']);
    assert.deepEqual(cfg.Shell, ['/bin/sh', '-ec']);
    assert.deepEqual(cfg.Labels, { 'org.example.a': '1', 'org.example.b': 'two words' });
    assert.ok((cfg.Env as string[]).includes('GREETING=hello world') && (cfg.Env as string[]).includes('LEGACY=value with spaces'));
    assert.equal(dk.ok(['image', 'inspect', '--format', '{{.Author}}', 'every:1']).trim(), 'Jane <jane@example.com>');
    const history = dk.ok(['history', '--no-trunc', '--format', '{{.ID}} {{.CreatedBy}}', 'every:1']).trim().split('\n');
    assert.equal(history.length, 21, 'one entry per step and one for the base');
    assert.match(history[0]!, /^sha256:[0-9a-f]{64} \/bin\/sh -ec #\(nop\)  CMD \["cat \/app/, 'metadata comments use the SHELL, as in moby');
    assert.ok(history.some((h) => / \/bin\/sh -c #\(nop\) WORKDIR \/app\/sub$/.test(h)));
    assert.ok(history.some((h) => / \/bin\/sh -c #\(nop\) COPY --chown=nobody:nogroup --chmod=640 file:[0-9a-f]{64} in \.\/ $/.test(h)));
    assert.ok(history.some((h) => / \/bin\/sh -ec echo "\$GREETING/.test(h)), 'RUN after SHELL uses it');
    assert.ok(!history.some((h) => h.startsWith('<missing>')), 'intermediate images are named in the history');
    // ONBUILD runs in the next build that uses the image, and is not inherited further.
    const child = ctx({ Dockerfile: 'FROM every:1\nRUN true\n' });
    const childOut = buildOk(['-t', 'every:child', child]);
    assert.match(childOut, /# Executing 1 build trigger\n ---> Running in [0-9a-f]{12}\ntriggered\n/);
    assert.equal(dk.ok(['image', 'inspect', '--format', '{{json .Config.OnBuild}}', 'every:child']).trim(), 'null');
  });

  test('the stream is the classic builder\'s, message for message', async () => {
    const dir = ctx({ Dockerfile: 'FROM busybox\nENV A=1\nRUN echo out && echo err >&2\n' });
    const tar = execFileSync('tar', ['-c', '-C', dir, '.']);
    const r = await postBuild(d.socket, 't=stream%3Atest', tar);
    assert.equal(r.status, 200);
    assert.ok(r.body.endsWith('\r\n'), 'each message ends with \\r\\n, as moby writes them');
    const m = messages(r.body);
    const streams = m.map((x) => x.stream);
    assert.deepEqual(streams.slice(0, 6), ['Step 1/3 : FROM busybox', '\n', streams[2], 'Step 2/3 : ENV A=1', '\n', streams[5]]);
    assert.match(String(streams[2]), /^ ---> [0-9a-f]{12}\n$/);
    assert.ok(streams.includes('out\n'));
    assert.ok(streams.includes('\x1b[91merr\n\x1b[0m'), 'stderr in red, as moby sends it');
    const aux = m.find((x) => x.aux !== undefined)?.aux as { ID: string };
    assert.match(aux.ID, /^sha256:[0-9a-f]{64}$/);
    assert.deepEqual(m.slice(-3).map((x) => x.stream ?? x.aux), [aux, `Successfully built ${aux.ID.slice(7, 19)}\n`, 'Successfully tagged stream:test\n']);
    const quiet = await postBuild(d.socket, 'q=1', tar);
    assert.deepEqual(messages(quiet.body), [{ stream: `${aux.ID}\n` }], 'q: only the ID');
  });

  test('errors before the stream are HTTP errors with Docker\'s messages', async () => {
    const tar = (df: string): Buffer => execFileSync('tar', ['-c', '-C', ctx({ Dockerfile: df }), '.']);
    const bad = await postBuild(d.socket, '', tar('FROM busybox\nRUNN true\n'));
    assert.equal(bad.status, 400);
    assert.match(bad.body, /dockerfile parse error on line 2: unknown instruction: RUNN \(did you mean RUN\?\)/);
    assert.equal((await postBuild(d.socket, 'squash=1', tar('FROM busybox\n'))).status, 400);
    const message = async (query: string): Promise<string> => {
      const r = await postBuild(d.socket, query, tar('FROM busybox\n'));
      assert.equal(r.status, 400, query);
      return (JSON.parse(r.body) as { message: string }).message;
    };
    assert.equal(await message('dockerfile=nope'), 'Cannot locate specified Dockerfile: nope');
    assert.equal(await message('target=nope'), 'target stage "nope" could not be found');
    assert.match(await message('buildargs=%7Bx'), /^error reading build args: /);
    assert.match(await message('t=UPPER'), /invalid reference format/);
    assert.equal(await message('isolation=hyperv'), 'unsupported isolation: "hyperv"');
    const r = dk.fails(['build', '-'], /the Dockerfile \(Dockerfile\) cannot be empty|cannot be empty/);
    assert.notEqual(r.code, 0);
  });

  test('multi-stage with --target: stages the target does not need never run; independent ones run at once', () => {
    // Each side waits for the other's mark in a shared cache mount: built one after the other,
    // the first would give up after 20 s and fail the build.
    const wait = (me: string, other: string): string => `RUN --mount=type=cache,id=sync-${process.pid},target=/sync touch /sync/${me} && for i in $(seq 100); do [ -f /sync/${other} ] && exit 0; sleep 0.2; done; exit 1`;
    const dir = ctx({
      Dockerfile: [
        'FROM busybox AS left',
        wait('left', 'right'),
        'RUN echo left > /left',
        'FROM busybox AS broken',
        'RUN echo BROKEN-RAN && exit 7',
        'FROM busybox AS right',
        wait('right', 'left'),
        'RUN echo right > /right',
        'FROM busybox AS final',
        'COPY --from=left /left /',
        'COPY --from=2 /right /',
        'CMD cat /left /right',
        'FROM busybox AS after',
        'RUN exit 9',
      ].join('\n'),
    });
    const out = buildOk(['--target', 'final', '-t', 'multi:1', dir]);
    assert.ok(!out.includes('BROKEN-RAN') && !out.includes('exit 7') && !out.includes('exit 9'), out);
    assert.match(out, /\nStep 1\/10 : FROM busybox AS left\n/, 'steps counted over the stages that run');
    assert.ok(out.indexOf('AS left') < out.indexOf('AS right') && out.indexOf('AS right') < out.indexOf('AS final'), 'output in Dockerfile order');
    assert.equal(dk.ok(['run', '--rm', 'multi:1']), 'left\nright\n');
    const early = buildOk(['--target', 'left', '-q', dir]).trim();
    assert.equal(dk.ok(['run', '--rm', early, 'cat', '/left']), 'left\n');
  });

  test('cache: a changed file rebuilds its step and the later ones; a touched one nothing; --no-cache everything', () => {
    const dir = ctx({ Dockerfile: `FROM busybox\nENV A=${Date.now()}\nCOPY a.txt /a.txt\nCOPY b.txt /b.txt\nRUN cat /a.txt /b.txt > /both\n`, 'a.txt': 'a\n', 'b.txt': 'b\n' });
    const first = buildOk(['-t', 'cached:1', dir]);
    assert.ok(!first.includes('Using cache'));
    const again = buildOk(['-t', 'cached:1', dir]);
    assert.equal((again.match(/ ---> Using cache\n/g) ?? []).length, 4);
    assert.equal(again.match(/Successfully built (\w+)/)?.[1], first.match(/Successfully built (\w+)/)?.[1]);
    utimesSync(join(dir, 'a.txt'), new Date(2001, 1, 1), new Date(2001, 1, 1));
    assert.equal((buildOk([dir]).match(/Using cache/g) ?? []).length, 4, 'an mtime is no content');
    writeFileSync(join(dir, 'b.txt'), 'B\n');
    const changed = buildOk(['-t', 'cached:2', dir]);
    assert.equal((changed.match(/Using cache/g) ?? []).length, 2, 'ENV and the first COPY only');
    assert.match(changed, /Step 4\/5 : COPY b\.txt \/b\.txt\n ---> [0-9a-f]{12}\n/);
    assert.equal(dk.ok(['run', '--rm', 'cached:2', 'cat', '/both']), 'a\nB\n');
    assert.ok(!buildOk(['--no-cache', dir]).includes('Using cache'));
    // Intermediate images: hidden from `images`, listed by `images -a`, kept by `image prune`.
    const listed = dk.ok(['images', '-q']).trim().split('\n').length;
    const all = dk.ok(['images', '-aq']).trim().split('\n').length;
    assert.ok(all > listed + 3, `${all} images with -a, ${listed} without`);
    dk.ok(['image', 'prune', '-f']);
    assert.equal((buildOk(['-t', 'cached:2', dir]).match(/Using cache/g) ?? []).length, 4, 'the cache of a tagged build survives prune');
  });

  test('rmi of a built image takes its untagged parents with it; image prune takes dangling builds', () => {
    const dir = ctx({ Dockerfile: `FROM busybox\nENV UNIQUE=${Date.now()}\nRUN echo x > /x\n` });
    const id = buildOk(['-q', '-t', 'gone:1', dir]).trim();
    const before = dk.ok(['images', '-aq']).trim().split('\n').length;
    const rm = dk.ok(['rmi', 'gone:1']);
    assert.match(rm, /^Untagged: gone:1\nDeleted: sha256:[0-9a-f]{64}\nDeleted: sha256:[0-9a-f]{64}\n/);
    assert.ok(rm.includes(`Deleted: ${id}`));
    assert.equal(dk.ok(['images', '-aq']).trim().split('\n').length, before - 2);
    const dangling = buildOk(['-q', ctx({ Dockerfile: `FROM busybox\nENV UNIQUE2=${Date.now()}\n` })]).trim();
    assert.ok(dk.ok(['images', '-q', '--filter', 'dangling=true', '--no-trunc']).includes(dangling));
    const pruned = dk.ok(['image', 'prune', '-f']);
    assert.ok(pruned.includes(dangling), pruned);
    assert.ok(dk.ok(['image', 'inspect', 'busybox']).includes('"Id"'), 'the base stays');
  });

  test('.dockerignore, with exceptions, as the CLI sends the context', () => {
    const dir = ctx({
      Dockerfile: 'FROM busybox\nCOPY . /ctx\nCMD find /ctx -type f | sort\n',
      '.dockerignore': '# comment\n*.log\nsecret/\n!secret/public.txt\n**/tmp\nDockerfile\n',
      'keep.txt': 'k',
      'a.log': 'l',
      'secret/key': 'k',
      'secret/public.txt': 'p',
      'deep/dir/tmp/x': 'x',
      'deep/dir/y': 'y',
    });
    buildOk(['-t', 'ignored:1', dir]);
    assert.equal(dk.ok(['run', '--rm', 'ignored:1']), '/ctx/.dockerignore\n/ctx/deep/dir/y\n/ctx/keep.txt\n/ctx/secret/public.txt\n');
  });

  test('a failing step: Docker\'s message and exit code, no image for it, no container left', () => {
    const dir = ctx({ Dockerfile: `FROM busybox\nRUN echo partial > /p; exit 3 # ${Date.now()}\n` });
    const images = dk.ok(['images', '-aq']);
    const r = build([dir]);
    assert.equal(r.code, 3);
    assert.match(r.stderr, /The command '\/bin\/sh -c echo partial > \/p; exit 3 # \d+' returned a non-zero code: 3/);
    assert.equal(containers(), '');
    assert.equal(dk.ok(['images', '-aq']), images, 'no image for the failed step');
    const forced = build(['--force-rm', '--rm=false', dir]);
    assert.equal(forced.code, 3);
    assert.equal(containers(), '', '--force-rm removes it too');
  });

  test('build args: defaults, values, scope, the unused warning, the history prefix', () => {
    const dir = ctx({ Dockerfile: `ARG V=meta\nFROM busybox\nARG V\nARG W=dflt\nRUN echo "$V $W" > /args # ${Date.now()}\nCMD cat /args\n` });
    const out = buildOk(['--build-arg', 'W=given', '--build-arg', 'NOPE=1', '-t', 'args:1', dir]);
    assert.match(out, /\[Warning\] One or more build-args \[NOPE\] were not consumed\n/);
    assert.equal(dk.ok(['run', '--rm', 'args:1']), 'meta given\n');
    const history = dk.ok(['history', '--no-trunc', '--format', '{{.CreatedBy}}', 'args:1']);
    assert.match(history, /\|2 V=meta W=given \/bin\/sh -c echo "\$V \$W" > \/args #/);
    assert.ok(!dk.ok(['image', 'inspect', '--format', '{{json .Config.Env}}', 'args:1']).includes('W='), 'args stay out of the image');
    const other = buildOk(['--build-arg', 'W=other', dir]);
    assert.equal((other.match(/Using cache/g) ?? []).length, 2, 'the ARG steps; the RUN sees another value');
  });

  after(() => {
    assert.equal(docker(d.host, ['ps', '-aq']).stdout, '', 'no build container anywhere');
  });
});

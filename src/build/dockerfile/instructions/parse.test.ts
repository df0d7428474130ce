/**
 * Typed instructions: BuildKit's instructions/parse_test.go, bflag_test.go and
 * parse_heredoc_test.go cases, plus Docker's messages for bad input.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { DockerfileError } from '../errors.js';
import { parseDockerfile } from '../parser/parser.js';
import { ShellLex, envsFromList } from '../shell/lex.js';
import { BFlags } from './bflag.js';
import { expandCommand, expandPorts, runMounts, wordExpander } from './expand.js';
import { parseGoDuration, ramInBytes, csvFields } from './go-formats.js';
import { parseInstruction, parseInstructions } from './parse.js';
import type { Command, CommandOf, Stage } from './types.js';

function one(text: string): Stage | Command {
  return parseInstruction(parseDockerfile(text).ast.children[0]!);
}

function cmd<K extends Command['kind']>(text: string, kind: K): CommandOf<K> {
  const c = one(text);
  assert.ok(!('commands' in c) && c.kind === kind, `${text} is ${kind}`);
  return c as CommandOf<K>;
}

function fails(text: string, message: string | RegExp): void {
  assert.throws(() => one(text), (err: unknown) => {
    assert.ok(err instanceof DockerfileError, String(err));
    if (typeof message === 'string') assert.equal(err.message, message);
    else assert.match(err.message, message);
    return true;
  });
}

describe('instructions: argument counts (BuildKit cases)', () => {
  test('exactly one argument', () => {
    for (const name of ['MAINTAINER', 'WORKDIR', 'USER', 'STOPSIGNAL']) fails(name, `${name} requires exactly one argument`);
  });
  test('at least one argument', () => {
    for (const name of ['ENV', 'LABEL', 'ONBUILD', 'HEALTHCHECK', 'EXPOSE', 'VOLUME']) fails(name, `${name} requires at least one argument`);
  });
  test('no destination', () => {
    for (const name of ['ADD', 'COPY']) {
      fails(`${name} arg1`, `${name} requires at least two arguments, but only one was provided. Destination could not be determined`);
    }
    fails('COPY\t\n\t\tquux \\\n      bar', /COPY requires at least two arguments/);
  });
  test('errors', () => {
    fails('ONBUILD FROM scratch', "FROM isn't allowed as an ONBUILD trigger");
    fails('ONBUILD MAINTAINER me', "MAINTAINER isn't allowed as an ONBUILD trigger");
    fails('MAINTAINER --boo joe@example.com', 'unknown flag: --boo');
    fails('ONBUILD ONBUILD RUN touch foobar', 'Chaining ONBUILD via `ONBUILD ONBUILD` isn\'t allowed');
    fails('FOO bar', 'unknown instruction: FOO (did you mean FROM?)');
    fails('foo bar', 'unknown instruction: foo (did you mean from?)');
    fails('BLAH bar', 'unknown instruction: BLAH');
    fails('RUNN x', 'unknown instruction: RUNN (did you mean RUN?)');
    fails('copyy a b', 'unknown instruction: copyy (did you mean copy?)');
    fails('COPY --fromm=a b c', 'unknown flag: --fromm (did you mean from?)');
    fails('COPY --from a b', 'missing a value on flag: --from');
    fails('COPY --link=maybe a b', 'expecting boolean value for flag --link, not: maybe');
    fails('COPY --from=a --from=b c d', 'duplicate flag specified: --from');
    fails('SHELL sh -c', 'SHELL requires the arguments to be in JSON form');
    fails('SHELL []', 'SHELL requires at least one argument');
    fails('VOLUME [""]', 'VOLUME specified can not be an empty string');
    fails('ARG =x', 'ARG names can not be blank');
    fails('FROM a b', 'FROM requires either one or three arguments');
    fails('FROM a AS 1x', 'invalid name for build stage: "1x", name can\'t start with a number or contain symbols');
    fails('COPY <<EOF <<EOF2\nEOF\nEOF2', 'COPY cannot accept a heredoc as a destination');
  });
  test('the line is named once the whole Dockerfile is parsed', () => {
    assert.throws(() => parseInstructions(parseDockerfile('FROM a\n\nRUNN x\n').ast), { message: 'dockerfile parse error on line 3: unknown instruction: RUNN (did you mean RUN?)' });
    assert.throws(() => parseInstructions(parseDockerfile('RUN x\n').ast), { message: 'no build stage in current context' });
  });
});

describe('instructions: forms', () => {
  test('FROM with --platform and AS (case-insensitive, lower-cased)', () => {
    const s = one('FROM --platform=$BUILDPLATFORM golang:1 As Builder') as Stage;
    assert.deepEqual([s.baseName, s.name, s.platform, s.code], ['golang:1', 'builder', '$BUILDPLATFORM', 'FROM --platform=$BUILDPLATFORM golang:1 As Builder']);
  });

  test('RUN/CMD/ENTRYPOINT: shell form is one string, exec form as written', () => {
    assert.deepEqual(cmd('RUN echo  "a b"', 'run').cmdLine, ['echo  "a b"']);
    assert.deepEqual(cmd('RUN ["ls", "-l"]', 'run').prependShell, false);
    assert.deepEqual(cmd('CMD ["a", "b"]', 'cmd').cmdLine, ['a', 'b']);
    assert.deepEqual(cmd('ENTRYPOINT []', 'entrypoint').cmdLine, []);
  });

  test('RUN flags: mounts, network, security; flagsUsed for the classic refusal', () => {
    const run = cmd('RUN --mount=type=cache,target=/root/.cache,sharing=locked --network=none --security=insecure make', 'run');
    assert.deepEqual([run.mounts, run.network, run.security, [...run.flagsUsed].sort()], [['type=cache,target=/root/.cache,sharing=locked'], 'none', 'insecure', ['mount', 'network', 'security']]);
    fails('RUN --network=bridge x', 'invalid network mode "bridge"');
    fails('RUN --security=x y', 'security "x" is not valid');
    fails('RUN --mount=from=$X,target=/x y', "'from' doesn't support variable expansion, define alias stage instead");
  });

  test('RUN --mount specs parse with the step variables', () => {
    const run = cmd('RUN --mount=type=cache,id=$ID,target=/c,uid=1000,mode=0700 --mount=type=bind,from=build,source=/out,target=/in,rw --mount=type=tmpfs,target=/t,size=64m x', 'run');
    const mounts = runMounts(run, wordExpander(new ShellLex(), envsFromList(['ID=go'])));
    assert.deepEqual(mounts.map((m) => [m.type, m.cacheId, m.target, m.readOnly, m.uid, m.mode, m.from, m.source, m.sizeLimit]), [
      ['cache', 'go', '/c', false, 1000, 0o700, '', '', 0],
      ['bind', '', '/in', false, undefined, undefined, 'build', '/out', 0],
      ['tmpfs', '', '/t', false, undefined, undefined, '', '', 64 << 20],
    ]);
    const bad = (spec: string, message: string): void => {
      const r = cmd(`RUN --mount=${spec} x`, 'run');
      assert.throws(() => runMounts(r, (w) => w), { message });
    };
    bad('type=volume,target=/x', 'unsupported mount type "volume"');
    bad('type=cahce,target=/x', 'unsupported mount type "cahce" (did you mean cache?)');
    bad('type=cache,sharing=all,target=/x', 'unsupported sharing value "all"');
    bad('type=bind,target=/x,uid=1', 'uid not allowed for "bind" type mounts');
    bad('type=bind,sharing=locked,target=/x', 'invalid cache sharing set for bind mount');
    bad('type=bind,targett=/x', "unexpected key 'targett' in 'targett=/x' (did you mean target?)");
    bad('type=bind,size=1m,target=/x', "unexpected key 'size' for mount type 'bind'");
    bad('type=cache,bogus', "invalid field 'bogus' must be a key=value pair");
    bad('type=bind,ro=maybe', 'invalid value for ro: maybe');
    const bind = runMounts(cmd('RUN --mount=target=/x y', 'run'), (w) => w)[0]!;
    assert.deepEqual([bind.type, bind.readOnly], ['bind', true]);
  });

  test('ENV, LABEL and ARG', () => {
    assert.deepEqual(cmd('ENV a=1 b="x y"', 'env').env, [{ key: 'a', value: '1', noDelim: false }, { key: 'b', value: '"x y"', noDelim: false }]);
    assert.deepEqual(cmd('ENV a x y', 'env').env, [{ key: 'a', value: 'x y', noDelim: true }]);
    assert.deepEqual(cmd('ARG A B=1 C=', 'arg').args, [{ key: 'A' }, { key: 'B', value: '1' }, { key: 'C', value: '' }]);
  });

  test('COPY and ADD flags', () => {
    const c = cmd('COPY --from=build --chown=app:app --chmod=755 --link --exclude=*.md --exclude=tmp --parents a b /dst/', 'copy');
    assert.deepEqual([c.from, c.chown, c.chmod, c.link, c.excludes, c.parents, c.sources, c.dest], ['build', 'app:app', '755', true, ['*.md', 'tmp'], true, ['a', 'b'], '/dst/']);
    const a = cmd('ADD --checksum=sha256:abc --keep-git-dir https://x/y.git /src', 'add');
    assert.deepEqual([a.checksum, a.keepGitDir, a.unpack, a.sources], ['sha256:abc', true, undefined, ['https://x/y.git']]);
    assert.deepEqual(cmd('COPY ["a b", "/c d/"]', 'copy').sources, ['a b']);
  });

  test('COPY heredocs (BuildKit cases)', () => {
    assert.deepEqual(cmd('COPY <<EOF /bar\nEOF', 'copy').contents, [{ path: 'EOF', data: '', expand: true }]);
    assert.deepEqual(cmd('COPY <<-EOF /bar\n\tTESTING\nEOF', 'copy').contents, [{ path: 'EOF', data: 'TESTING\n', expand: true }]);
    assert.deepEqual(cmd("COPY <<'EOF' /bar\nTESTING\nEOF", 'copy').contents, [{ path: 'EOF', data: 'TESTING\n', expand: false }]);
    const two = cmd('COPY <<EOF1 <<EOF2 /bar\nthis is the first file\nEOF1\nthis is the second file\nEOF2', 'copy');
    assert.deepEqual(two.contents.map((c) => c.data), ['this is the first file\n', 'this is the second file\n']);
    assert.deepEqual(two.sources, []);
    // A malformed opener is a plain path, as with BuildKit's MustParseHeredoc.
    assert.deepEqual(cmd("COPY <<'EOF /x", 'copy').sources, ["<<'EOF"]);
  });

  test('RUN heredocs become inline files', () => {
    const run = cmd('RUN <<EOF bash\necho hi\nEOF', 'run');
    assert.deepEqual([run.cmdLine, run.files], [['<<EOF bash'], [{ name: 'EOF', data: 'echo hi\n', chomp: false }]]);
  });

  test('ONBUILD keeps the trigger text, heredocs appended', () => {
    assert.equal(cmd('onbuild  RUN echo hi', 'onbuild').expression, 'RUN echo hi');
    assert.equal(cmd('ONBUILD RUN <<X\nbody\nX', 'onbuild').expression, 'RUN <<X\nbody\nX');
  });

  test('EXPOSE sorts; VOLUME JSON or words; STOPSIGNAL', () => {
    assert.deepEqual(cmd('EXPOSE 8080 443/tcp 53/udp', 'expose').ports, ['443/tcp', '53/udp', '8080']);
    assert.deepEqual(cmd('VOLUME ["/a", "/b"]', 'volume').volumes, ['/a', '/b']);
    assert.deepEqual(cmd('VOLUME /a /b', 'volume').volumes, ['/a', '/b']);
    assert.equal(cmd('STOPSIGNAL SIGKILL', 'stopsignal').signal, 'SIGKILL');
  });
});

describe('instructions: HEALTHCHECK', () => {
  test('CMD forms and NONE', () => {
    assert.deepEqual(cmd('HEALTHCHECK CMD hello world', 'healthcheck').health.test, ['CMD-SHELL', 'hello world']);
    assert.deepEqual(cmd('HEALTHCHECK CMD ["curl", "-f", "x"]', 'healthcheck').health.test, ['CMD', 'curl', '-f', 'x']);
    assert.deepEqual(cmd('healthcheck none', 'healthcheck').health.test, ['NONE']);
  });

  test('flags in nanoseconds', () => {
    const h = cmd('HEALTHCHECK --interval=5s --timeout=1m30s --start-period=100ms --start-interval=2s --retries=4 CMD true', 'healthcheck').health;
    assert.deepEqual([h.interval, h.timeout, h.startPeriod, h.startInterval, h.retries], [5e9, 90e9, 1e8, 2e9, 4]);
    assert.equal(cmd('HEALTHCHECK --interval=0ms CMD true', 'healthcheck').health.interval, 0);
  });

  test('validation messages', () => {
    fails('HEALTHCHECK NONE x', 'HEALTHCHECK NONE takes no arguments');
    fails('HEALTHCHECK CMD', 'Missing command after HEALTHCHECK CMD');
    fails('HEALTHCHECK RUN x', 'Unknown type "RUN" in HEALTHCHECK (try CMD)');
    fails('HEALTHCHECK --interval=50ns CMD x', 'Interval "interval" cannot be less than 1ms');
    fails('HEALTHCHECK --timeout=5 CMD x', 'time: missing unit in duration "5"');
    fails('HEALTHCHECK --retries=-1 CMD x', '--retries cannot be negative (-1)');
    fails('HEALTHCHECK --retries=x CMD x', 'strconv.ParseInt: parsing "x": invalid syntax');
    fails('HEALTHCHECK --intervall=5s CMD x', 'unknown flag: --intervall (did you mean interval?)');
  });
});

describe('instructions: expansion', () => {
  const lex = new ShellLex();
  const env = envsFromList(['NAME=app', 'PORTS=80 443/udp', 'DIR=/srv']);
  const x = wordExpander(lex, env);

  test('the fields BuildKit expands', () => {
    assert.deepEqual(expandCommand(cmd('COPY --chown=$NAME ${DIR}/a $DIR/', 'copy'), x).sources, ['/srv/a']);
    assert.equal(expandCommand(cmd('WORKDIR $DIR/$NAME', 'workdir'), x).path, '/srv/app');
    assert.deepEqual(expandCommand(cmd('ENV A=$NAME B="${NAME} x"', 'env'), x).env.map((e) => e.value), ['app', 'app x']);
    assert.deepEqual(expandCommand(cmd('LABEL "k-$NAME"=\'$NAME\'', 'label'), x).labels[0], { key: 'k-app', value: '$NAME', noDelim: false });
    assert.equal(expandCommand(cmd('USER $NAME:$NAME', 'user'), x).user, 'app:app');
    assert.deepEqual(expandCommand(cmd('ARG V=${NAME}-1', 'arg'), x).args, [{ key: 'V', value: 'app-1' }]);
    assert.deepEqual(expandCommand(cmd('COPY <<EOF /x\n$NAME\nEOF', 'copy'), x).contents[0]!.data, 'app\n');
    assert.deepEqual(expandCommand(cmd("COPY <<'EOF' /x\n$NAME\nEOF", 'copy'), x).contents[0]!.data, '$NAME\n');
  });

  test('RUN, CMD and ONBUILD are left alone; EXPOSE splits words', () => {
    assert.deepEqual(expandCommand(cmd('RUN echo $NAME', 'run'), x).cmdLine, ['echo $NAME']);
    assert.deepEqual(expandPorts(cmd('EXPOSE $PORTS 8080', 'expose'), lex, env), ['80', '443/udp', '8080']);
  });

  test('expansion errors keep the lexer text', () => {
    assert.throws(() => expandCommand(cmd('WORKDIR ${UNSET:?must be set}', 'workdir'), x), { message: 'failed to process "${UNSET:?must be set}": UNSET: must be set' });
  });
});

describe('instructions: flags and formats (BuildKit bflag cases)', () => {
  test('defaults, use, errors', () => {
    const empty = new BFlags([]);
    empty.parse();
    new BFlags(['--']).parse();
    const f = new BFlags([]);
    const str = f.addString('str1', 'HI');
    const bool = f.addBool('bool1', false);
    f.parse();
    assert.deepEqual([str.value, bool.value, f.isUsed('str1'), f.isUsed('bool1')], ['HI', 'false', false, false]);
    const g = new BFlags(['--str1']);
    g.addString('str1', 'HI');
    assert.throws(() => g.parse(), { message: 'missing a value on flag: --str1' });
    const h = new BFlags(['--bool1=false', '--str1=', '--', '--ignored']);
    const b2 = h.addBool('bool1', true);
    const s2 = h.addString('str1', 'x');
    h.parse();
    assert.deepEqual([b2.value, s2.value], ['false', '']);
    const i = new BFlags(['str']);
    assert.throws(() => i.parse(), { message: 'arg should start with -- : str' });
  });

  test('Go durations, sizes and CSV', () => {
    assert.equal(parseGoDuration('1h2m3.5s'), 3723.5e9);
    assert.equal(parseGoDuration('300ms'), 3e8);
    assert.throws(() => parseGoDuration('1x'), { message: 'time: unknown unit "x" in duration "1x"' });
    assert.throws(() => parseGoDuration(''), { message: 'time: invalid duration ""' });
    assert.deepEqual([ramInBytes('64m'), ramInBytes('1GiB'), ramInBytes('512'), ramInBytes('1.5k')], [64 << 20, 1 << 30, 512, 1536]);
    assert.deepEqual(csvFields('a=1,"b=2,3","c=""x"""'), ['a=1', 'b=2,3', 'c="x"']);
    assert.throws(() => csvFields('a="x'), /bare " in non-quoted-field/);
  });
});

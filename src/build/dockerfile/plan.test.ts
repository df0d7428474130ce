/**
 * Stages, build-arg scoping and the --target plan: moby's buildargs_test.go cases and the
 * documented Docker semantics (meta ARGs in FROM, ARG scope per stage, ENV over ARG, the proxy
 * args, unused-arg warnings, stage references by name and index).
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { BuildArgs, platformArgs, unusedArgsWarning } from './args.js';
import { parseInstructions } from './instructions/parse.js';
import { parseDockerfile } from './parser/parser.js';
import { planBuild, unconsumedBuildArgs, type PlanOptions } from './plan.js';

function plan(text: string, opts: Partial<PlanOptions> = {}): ReturnType<typeof planBuild> {
  const parsed = parseDockerfile(text);
  return planBuild(parseInstructions(parsed.ast), { buildArgs: new Map(), escapeToken: parsed.escapeToken, ...opts });
}

const strPtr = (s: string): string => s;

describe('build args (moby buildargs_test.go)', () => {
  test('GetAllAllowed: options win, defaults next, meta fallback, undeclared hidden', () => {
    const args = new BuildArgs(new Map<string, string | null>([
      ['ArgNotUsedInDockerfile', 'fromopt1'],
      ['ArgOverriddenByOptions', 'fromopt2'],
      ['ArgNoDefaultInDockerfileFromOptions', 'fromopt3'],
      ['HTTP_PROXY', 'theproxy'],
    ]));
    args.addMetaArg('ArgFromMeta', strPtr('frommeta1'));
    args.addMetaArg('ArgFromMetaOverridden', strPtr('frommeta2'));
    args.addMetaArg('ArgFromMetaNotUsed', strPtr('frommeta3'));
    const stage = args.forStage();
    stage.addArg('ArgOverriddenByOptions', 'fromdockerfile2');
    stage.addArg('ArgWithDefaultInDockerfile', 'fromdockerfile1');
    stage.addArg('ArgNoDefaultInDockerfile', undefined);
    stage.addArg('ArgNoDefaultInDockerfileFromOptions', undefined);
    stage.addArg('ArgFromMeta', undefined);
    stage.addArg('ArgFromMetaOverridden', 'fromdockerfile3');
    assert.deepEqual(Object.fromEntries(stage.allowedValues()), {
      HTTP_PROXY: 'theproxy',
      ArgOverriddenByOptions: 'fromopt2',
      ArgWithDefaultInDockerfile: 'fromdockerfile1',
      ArgNoDefaultInDockerfileFromOptions: 'fromopt3',
      ArgFromMeta: 'frommeta1',
      ArgFromMetaOverridden: 'fromdockerfile3',
    });
  });

  test('GetAllMeta', () => {
    const args = new BuildArgs(new Map([['ArgOverriddenByOptions', 'fromopt2'], ['HTTP_PROXY', 'theproxy']]));
    args.addMetaArg('ArgFromMeta', 'frommeta1');
    args.addMetaArg('ArgOverriddenByOptions', 'frommeta2');
    assert.deepEqual(Object.fromEntries(args.metaValues()), { HTTP_PROXY: 'theproxy', ArgFromMeta: 'frommeta1', ArgOverriddenByOptions: 'fromopt2' });
  });

  test('warning for unused args, builtins excepted', () => {
    const args = new BuildArgs(new Map<string, string | null>([['ThisArgIsUsed', 'x'], ['ThisArgIsNotUsed', 'y'], ['HTTPS_PROXY', 'p'], ['HTTP_PROXY', null]]));
    args.addArg('ThisArgIsUsed', undefined);
    assert.equal(unusedArgsWarning(args.unused()), '[Warning] One or more build-args [ThisArgIsNotUsed] were not consumed\n');
    assert.equal(unusedArgsWarning([]), undefined);
  });

  test('ENV wins over ARG; RUN history records the args in scope', () => {
    const args = new BuildArgs(new Map<string, string | null>([['A', '1'], ['B', '2'], ['http_proxy', 'p']]));
    const stage = args.forStage();
    stage.addArg('A', undefined);
    stage.addArg('B', undefined);
    const env = ['PATH=/bin', 'B=env'];
    assert.deepEqual(stage.filterAllowed(env).sort(), ['A=1', 'http_proxy=p']);
    assert.equal(stage.envFor(env).get('B'), 'env');
    assert.deepEqual(stage.runCmdForHistory(env, ['/bin/sh', '-c', 'make']), ['|1', 'A=1', '/bin/sh', '-c', 'make']);
    assert.deepEqual(args.forStage().runCmdForHistory([], ['x']), ['|0', 'x'], 'unreferenced proxies still prefix the count, as in moby');
    assert.deepEqual(new BuildArgs(new Map()).forStage().runCmdForHistory([], ['x']), ['x']);
  });

  test('a null value (--build-arg NAME with NAME unset in the client) leaves the default', () => {
    const stage = new BuildArgs(new Map([['V', null]])).forStage();
    stage.addArg('V', 'default');
    assert.equal(stage.allowedValues().get('V'), 'default');
    assert.deepEqual(stage.unused(), []);
  });

  test('platform args', () => {
    const p = platformArgs({ os: 'linux', architecture: 'amd64' }, { os: 'linux', architecture: 'arm', variant: 'v7' });
    assert.deepEqual(Object.fromEntries(p), {
      BUILDPLATFORM: 'linux/amd64', BUILDOS: 'linux', BUILDARCH: 'amd64', BUILDVARIANT: '',
      TARGETPLATFORM: 'linux/arm/v7', TARGETOS: 'linux', TARGETARCH: 'arm', TARGETVARIANT: 'v7',
    });
  });
});

describe('stages and the plan', () => {
  const multi = [
    'ARG BASE=alpine:3.19',
    'ARG TAG',
    'FROM ${BASE} AS deps',
    'RUN fetch',
    'FROM golang:${TAG:-1.22} AS Build',
    'COPY --from=DEPS /x /x',
    'FROM busybox AS tools',
    'FROM scratch AS lint',
    'RUN --mount=type=bind,from=build,target=/src check',
    'FROM build AS final',
    'COPY --from=2 /bin/tool /bin/',
    'COPY --from=nginx:latest /etc/nginx /etc/nginx',
  ].join('\n');

  test('meta args expand FROM; stage names are case-insensitive; scratch and images', () => {
    const p = plan(multi, { buildArgs: new Map([['TAG', '1.23']]) });
    assert.deepEqual(p.all.map((s) => s.base), [
      { kind: 'image', ref: 'alpine:3.19' },
      { kind: 'image', ref: 'golang:1.23' },
      { kind: 'image', ref: 'busybox' },
      { kind: 'scratch' },
      { kind: 'stage', index: 1 },
    ]);
    assert.deepEqual(p.all.map((s) => s.dependsOn), [[], [0], [], [1], [1, 2]]);
    assert.deepEqual(p.all[4]!.images, ['nginx:latest']);
  });

  test('the whole file: every stage, in waves of independent stages', () => {
    const p = plan(multi);
    assert.equal(p.target, 4);
    assert.deepEqual(p.needed, [0, 1, 2, 4]);
    assert.deepEqual(p.waves, [[0, 2], [1], [4]]);
  });

  test('--target keeps only what the target needs (FROM, COPY --from, RUN --mount from=)', () => {
    assert.deepEqual(plan(multi, { target: 'LINT' }).needed, [0, 1, 3]);
    assert.deepEqual(plan(multi, { target: 'tools' }).waves, [[2]]);
    assert.throws(() => plan(multi, { target: 'nope' }), { message: 'target stage "nope" could not be found' });
  });

  test('a name refers only to earlier stages; indexes are checked', () => {
    assert.deepEqual(plan('FROM a AS a\nFROM b\nCOPY --from=c /x /y\nFROM c AS c').all[1]!.images, ['c']);
    assert.throws(() => plan('FROM a\nCOPY --from=0 /x /y'), { message: 'invalid from flag value 0: refers to current build stage' });
    assert.throws(() => plan('FROM a\nFROM b\nCOPY --from=5 /x /y'), { message: 'invalid from flag value 5: index out of bounds' });
    assert.throws(() => plan('FROM a AS x\nFROM b AS X'), { message: 'x stage name already used' });
  });

  test('COPY --from and FROM --platform expand with meta args', () => {
    const p = plan('ARG SRC=builder\nARG PLAT=linux/amd64\nFROM --platform=$PLAT a AS builder\nFROM b\nCOPY --from=$SRC /x /y');
    assert.deepEqual([p.all[0]!.platform, p.all[1]!.dependsOn], ['linux/amd64', [0]]);
  });

  test('predefined platform args reach FROM lines', () => {
    const predefined = platformArgs({ os: 'linux', architecture: 'amd64' }, { os: 'linux', architecture: 'arm64' });
    const p = plan('FROM --platform=$BUILDPLATFORM golang AS b\nFROM alpine-$TARGETARCH', { predefined });
    assert.deepEqual([p.all[0]!.platform, p.all[1]!.base], ['linux/amd64', { kind: 'image', ref: 'alpine-arm64' }]);
  });

  test('meta args see earlier meta args and build args', () => {
    const p = plan('ARG A=1\nARG B=${A}2\nARG C\nFROM x:$B$C', { buildArgs: new Map([['C', '3']]) });
    assert.deepEqual(p.all[0]!.base, { kind: 'image', ref: 'x:123' });
    assert.equal(p.globalArgs.metaValues().get('B'), '12');
  });

  test('unconsumed build args: meta ARGs and ARGs of executed stages consume', () => {
    const text = 'ARG M\nFROM a AS one\nARG X\nFROM b AS two\nARG Y';
    const buildArgs = new Map<string, string | null>([['M', '1'], ['X', '1'], ['Y', '1'], ['Z', '1'], ['no_proxy', 'x']]);
    assert.deepEqual(unconsumedBuildArgs(plan(text, { buildArgs })), ['X', 'Z']);
    assert.deepEqual(unconsumedBuildArgs(plan(text, { buildArgs, target: 'one' })), ['Y', 'Z']);
  });

  test('an empty Dockerfile plan', () => {
    assert.throws(() => plan('ARG X'), { message: 'No image was generated. Is your Dockerfile empty?' });
  });
});

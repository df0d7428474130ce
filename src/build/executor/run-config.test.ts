import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { copyRunConfig, fullRunConfig, goDuration, healthComment, resolveCmdLine, sameStepConfig, withCmdComment, withCmdCommentString } from './run-config.js';
import { parsePortSpecs, parseSignal } from './specs.js';
import { normalizeWorkdir } from './dispatch-meta.js';

describe('the classic builder run config', () => {
  test('metadata comments as moby records them (history created_by)', () => {
    assert.deepEqual(withCmdComment({}, 'ENV A=1').Cmd, ['/bin/sh', '-c', '#(nop) ', 'ENV A=1']);
    assert.equal(withCmdComment({}, 'ENV A=1').Cmd!.join(' '), '/bin/sh -c #(nop)  ENV A=1');
    assert.deepEqual(withCmdCommentString({ Shell: ['/bin/bash', '-xc'] }, 'WORKDIR /x').Cmd, ['/bin/bash', '-xc', '#(nop) WORKDIR /x']);
  });

  test('shell form runs through SHELL, exec form as is, empty is nil', () => {
    assert.deepEqual(resolveCmdLine(['echo hi'], true, {}), ['/bin/sh', '-c', 'echo hi']);
    assert.deepEqual(resolveCmdLine(['echo hi'], true, { Shell: ['pwsh', '-c'] }), ['pwsh', '-c', 'echo hi']);
    assert.deepEqual(resolveCmdLine(['ls', '-l'], false, {}), ['ls', '-l']);
    assert.equal(resolveCmdLine([], false, {}), null);
  });

  test("Go's duration strings and HEALTHCHECK's %q", () => {
    assert.equal(goDuration(0), '0s');
    assert.equal(goDuration(30e9), '30s');
    assert.equal(goDuration(300e9), '5m0s');
    assert.equal(goDuration(3600e9 + 1.5e9), '1h0m1.5s');
    assert.equal(goDuration(1e6), '1ms');
    assert.equal(goDuration(1500), '1.5µs');
    assert.equal(healthComment({ Test: ['CMD-SHELL', 'curl -f http://localhost/ || exit 1'], Interval: 300e9, Timeout: 3e9 }), 'HEALTHCHECK &{["CMD-SHELL" "curl -f http://localhost/ || exit 1"] "5m0s" "3s" "0s" "0s" \'\\x00\'}');
    assert.equal(healthComment({ Test: ['NONE'], Retries: 65 }), 'HEALTHCHECK &{["NONE"] "0s" "0s" "0s" "0s" \'A\'}');
  });

  test("the cache's config comparison ignores Image and Hostname, not Env order or labels", () => {
    const a = { Env: ['A=1', 'B=2'], Cmd: ['x'], Labels: { l: '1' }, Image: 'sha256:a', Hostname: 'h1' };
    assert.ok(sameStepConfig(a, { ...a, Image: 'sha256:b', Hostname: 'h2' }));
    assert.ok(!sameStepConfig(a, { ...a, Env: ['B=2', 'A=1'] }));
    assert.ok(!sameStepConfig(a, { ...a, Labels: { l: '2' } }));
    assert.ok(!sameStepConfig(a, { ...a, User: 'nobody' }));
    assert.ok(sameStepConfig({ Cmd: null, Env: null }, { Cmd: [], Env: [] }), 'nil and empty are alike, as with len()');
    assert.ok(!sameStepConfig({ Healthcheck: { Test: ['NONE'] } }, {}));
    assert.ok(sameStepConfig({ ExposedPorts: { '80/tcp': {} } }, { ExposedPorts: { '80/tcp': {} } }));
  });

  test('Go marshals every field of container.Config, in order, omitempty ones only when set', () => {
    const full = fullRunConfig({ Cmd: ['sh'], Env: ['PATH=/bin'] });
    assert.deepEqual(Object.keys(full), ['Hostname', 'Domainname', 'User', 'AttachStdin', 'AttachStdout', 'AttachStderr', 'Tty', 'OpenStdin', 'StdinOnce', 'Env', 'Cmd', 'Image', 'Volumes', 'WorkingDir', 'Entrypoint', 'OnBuild', 'Labels']);
    assert.equal(full.Volumes, null);
    const copy = copyRunConfig(full, { Cmd: ['x'] });
    copy.Env!.push('B=1');
    assert.deepEqual(full.Env, ['PATH=/bin'], 'copies are deep');
  });

  test('EXPOSE ports and STOPSIGNAL signals as moby parses them', () => {
    assert.deepEqual(parsePortSpecs(['80', '53/udp', '8000-8002/tcp']), ['80/tcp', '53/udp', '8000/tcp', '8001/tcp', '8002/tcp']);
    assert.throws(() => parsePortSpecs(['80/xyz']), /invalid proto: xyz/);
    assert.throws(() => parsePortSpecs(['abc']), /invalid containerPort: abc/);
    assert.equal(parseSignal('SIGKILL'), 9);
    assert.equal(parseSignal('term'), 15);
    assert.equal(parseSignal('9'), 9);
    assert.equal(parseSignal('RTMIN+3'), 37);
    assert.throws(() => parseSignal('SIGNOPE'), /Invalid signal: SIGNOPE/);
    assert.throws(() => parseSignal('0'), /Invalid signal: 0/);
  });

  test('WORKDIR joins relative paths to the current one', () => {
    assert.equal(normalizeWorkdir('', 'app'), '/app');
    assert.equal(normalizeWorkdir('/app', 'sub/../x/'), '/app/x');
    assert.equal(normalizeWorkdir('/app', '/abs'), '/abs');
  });
});

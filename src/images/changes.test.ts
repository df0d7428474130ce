import { test } from 'node:test';
import assert from 'node:assert/strict';
import { applyChanges } from './changes.js';

test('--change instructions set image config fields like Docker', () => {
  const cfg = applyChanges({ Env: ['PATH=/bin', 'A=0'] }, [
    'CMD ["sh", "-c", "echo hi"]',
    'ENTRYPOINT /init',
    'ENV A=1 B="two words"',
    'ENV C three',
    'EXPOSE 80 53/udp',
    'LABEL com.example=x other=y',
    'VOLUME ["/data", "/logs"]',
    'VOLUME /cache',
    'WORKDIR /srv',
    'WORKDIR app',
    'USER nobody:nogroup',
    'STOPSIGNAL SIGINT',
    'ONBUILD RUN true',
  ]);
  assert.deepEqual(cfg.Cmd, ['sh', '-c', 'echo hi']);
  assert.deepEqual(cfg.Entrypoint, ['/bin/sh', '-c', '/init']);
  assert.deepEqual(cfg.Env, ['PATH=/bin', 'A=1', 'B=two words', 'C=three']);
  assert.deepEqual(cfg.ExposedPorts, { '80/tcp': {}, '53/udp': {} });
  assert.deepEqual(cfg.Labels, { 'com.example': 'x', other: 'y' });
  assert.deepEqual(cfg.Volumes, { '/data': {}, '/logs': {}, '/cache': {} });
  assert.equal(cfg.WorkingDir, '/srv/app');
  assert.equal(cfg.User, 'nobody:nogroup');
  assert.equal(cfg.StopSignal, 'SIGINT');
  assert.deepEqual(cfg.OnBuild, ['RUN true']);
});

test('instructions that are not metadata, unknown words and bad ports are refused', () => {
  assert.throws(() => applyChanges({}, ['RUN echo']), /run is not a valid change command/);
  assert.throws(() => applyChanges({}, ['FROM busybox']), /from is not a valid change command/);
  assert.throws(() => applyChanges({}, ['BOGUS x']), /unknown instruction: BOGUS/);
  assert.throws(() => applyChanges({}, ['EXPOSE eighty']), /invalid containerPort: eighty/);
  assert.throws(() => applyChanges({}, ['ENV']), /ENV requires at least one argument/);
});

test('HEALTHCHECK changes as buildkit parses them', () => {
  const S = 1_000_000_000;
  assert.deepEqual(applyChanges({}, ['HEALTHCHECK --interval=1s --timeout=500ms --start-period=2s --start-interval=100ms --retries=2 CMD wget -q localhost']).Healthcheck, {
    Test: ['CMD-SHELL', 'wget -q localhost'],
    Interval: S,
    Timeout: S / 2,
    StartPeriod: 2 * S,
    StartInterval: S / 10,
    Retries: 2,
  });
  assert.deepEqual(applyChanges({}, ['HEALTHCHECK CMD ["cat", "/tmp/ok"]']).Healthcheck, { Test: ['CMD', 'cat', '/tmp/ok'] });
  assert.deepEqual(applyChanges({ Healthcheck: { Test: ['CMD', 'x'] } }, ['healthcheck none']).Healthcheck, { Test: ['NONE'] });
  assert.throws(() => applyChanges({}, ['HEALTHCHECK NONE x']), { message: 'HEALTHCHECK NONE takes no arguments' });
  assert.throws(() => applyChanges({}, ['HEALTHCHECK CMD']), { message: 'Missing command after HEALTHCHECK CMD' });
  assert.throws(() => applyChanges({}, ['HEALTHCHECK RUN true']), { message: 'Unknown type "RUN" in HEALTHCHECK (try CMD)' });
  assert.throws(() => applyChanges({}, ['HEALTHCHECK --every=1s CMD true']), { message: 'unknown flag: --every' });
  assert.throws(() => applyChanges({}, ['HEALTHCHECK --interval CMD true']), { message: 'missing a value on flag: --interval' });
  assert.throws(() => applyChanges({}, ['HEALTHCHECK --interval=1us CMD true']), { message: 'Interval "interval" cannot be less than 1ms' });
  assert.throws(() => applyChanges({}, ['HEALTHCHECK --retries=-1 CMD true']), { message: '--retries cannot be negative (-1)' });
  assert.throws(() => applyChanges({}, ['HEALTHCHECK --timeout=soon CMD true']), { message: 'time: invalid duration "soon"' });
});

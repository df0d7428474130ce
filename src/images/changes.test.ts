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

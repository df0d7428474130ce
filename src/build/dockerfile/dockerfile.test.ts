/** loadDockerfile end to end, and ONBUILD triggers as a later build parses them. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { loadDockerfile, parseTrigger } from './dockerfile.js';

describe('loadDockerfile', () => {
  test('a multi-stage Dockerfile with every kind of instruction', () => {
    const df = loadDockerfile([
      '# syntax=docker/dockerfile:1',
      'ARG VERSION=1.0',
      'FROM alpine:3.19 AS base',
      'LABEL org.opencontainers.image.version=$VERSION',
      'ENV PATH=/app/bin:$PATH LANG=C.UTF-8',
      'WORKDIR /app',
      'USER 1000:1000',
      'EXPOSE 8080/tcp',
      'VOLUME /data',
      'STOPSIGNAL SIGTERM',
      'HEALTHCHECK --interval=10s CMD wget -q -O- localhost:8080',
      'SHELL ["/bin/sh", "-eu", "-c"]',
      'ONBUILD COPY . /src',
      'MAINTAINER someone',
      'FROM base',
      'ADD --chmod=644 https://example.com/x.txt /x.txt',
      'COPY --from=base /app /app',
      'RUN <<EOF',
      'echo built',
      'EOF',
      'ENTRYPOINT ["/app/bin/server"]',
      'CMD ["--port", "8080"]',
    ].join('\n'));
    assert.equal(df.metaArgs.length, 1);
    assert.deepEqual(df.stages.map((s) => [s.name, s.baseName, s.commands.map((c) => c.kind)]), [
      ['base', 'alpine:3.19', ['label', 'env', 'workdir', 'user', 'expose', 'volume', 'stopsignal', 'healthcheck', 'shell', 'onbuild', 'maintainer']],
      ['', 'base', ['add', 'copy', 'run', 'entrypoint', 'cmd']],
    ]);
    assert.deepEqual(df.parsed.directives.map((d) => d.name), ['syntax']);
  });
});

describe('ONBUILD triggers', () => {
  test('parse as single commands', () => {
    const cmd = parseTrigger('RUN echo triggered');
    assert.ok(cmd.kind === 'run' && cmd.cmdLine[0] === 'echo triggered');
  });

  test('refuse several or a FROM', () => {
    assert.throws(() => parseTrigger('RUN a\nRUN b'), { message: 'onbuild trigger should be a single expression' });
    assert.throws(() => parseTrigger('FROM x'), { message: 'FROM is not a command type' });
  });
});

/**
 * testcontainers (node), a client we did not write: GenericContainer.fromDockerfile builds
 * through POST /build (its own tar of the context, its own stream parsing), then the image is
 * started with a published port and a log wait strategy, exec'd into and stopped. Ryuk (its
 * reaper, an image from Docker Hub) is off: there is no internet here, and the test removes
 * what it made.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { request } from 'node:http';
import { busyboxRootfs, cliFor, isRoot, startDaemon, type TestDaemon } from '../helpers/daemon.js';
import { makeContext } from '../helpers/build.js';

function httpGet(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    request({ host: '127.0.0.1', port, path: '/' }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve(body));
    })
      .on('error', reject)
      .end();
  });
}

describe('testcontainers GenericContainer.fromDockerfile against berthd', { skip: !isRoot }, () => {
  let d: TestDaemon;
  const dk = cliFor('docker', () => d);
  const contexts: string[] = [];

  before(async () => {
    d = await startDaemon();
    dk.ok(['import', '-c', 'CMD ["sh"]', '-', 'busybox:latest'], busyboxRootfs());
    process.env.DOCKER_HOST = d.host;
    process.env.TESTCONTAINERS_RYUK_DISABLED = 'true';
  });
  after(async () => {
    await d.cleanup();
    for (const c of contexts) rmSync(c, { recursive: true, force: true });
  });

  test('build with a build arg, start with a published port and a log wait, exec, stop', async () => {
    // Loaded here, after DOCKER_HOST is set: testcontainers resolves its runtime once.
    const { GenericContainer, Wait } = await import('testcontainers');
    const dir = makeContext({
      Dockerfile: [
        'FROM busybox',
        'ARG GREETING',
        'RUN mkdir /www && echo "$GREETING from a testcontainers build" > /www/index.html',
        'EXPOSE 8080',
        'CMD ["sh", "-c", "echo serving; exec httpd -f -p 8080 -h /www"]',
      ].join('\n'),
    });
    contexts.push(dir);
    const image = await GenericContainer.fromDockerfile(dir).withBuildArgs({ GREETING: 'hello' }).build('tc-built:1', { deleteOnExit: false });
    const started = await image.withExposedPorts(8080).withWaitStrategy(Wait.forLogMessage('serving')).start();
    try {
      const port = started.getMappedPort(8080);
      assert.equal(await httpGet(port), 'hello from a testcontainers build\n');
      const ran = await started.exec(['cat', '/www/index.html']);
      assert.equal(ran.exitCode, 0);
      assert.equal(ran.output, 'hello from a testcontainers build\n');
    } finally {
      await started.stop();
    }
    assert.equal(dk.ok(['ps', '-aq']), '');
    assert.match(dk.ok(['image', 'inspect', '--format', '{{.Config.Cmd}}', 'tc-built:1']), /httpd -f -p 8080/);
  });
});

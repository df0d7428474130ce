/**
 * Builds through dockerode, a client we did not write: its buildImage packs the context with
 * tar-fs and gzips it, applies .dockerignore client-side, and its followProgress parses the
 * classic JSON stream; the image is then run through dockerode too.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import Docker from 'dockerode';
import { busyboxRootfs, cliFor, isRoot, startDaemon, type TestDaemon } from '../helpers/daemon.js';
import { makeContext } from '../helpers/build.js';

type BuildEvent = { stream?: string; error?: string; errorDetail?: { message?: string; code?: number }; aux?: { ID?: string } };

/** buildImage + followProgress, as dockerode's README shows them. */
async function build(client: Docker, context: string, src: string[], opts: Docker.ImageBuildOptions): Promise<{ err: unknown; events: BuildEvent[] }> {
  const stream = await client.buildImage({ context, src }, opts);
  return new Promise((resolve) => {
    const events: BuildEvent[] = [];
    client.modem.followProgress(
      stream,
      (err: unknown) => resolve({ err, events }),
      (e: BuildEvent) => events.push(e),
    );
  });
}

describe('dockerode buildImage against berthd', { skip: !isRoot }, () => {
  let d: TestDaemon;
  let client: Docker;
  const dk = cliFor('docker', () => d);
  const contexts: string[] = [];

  before(async () => {
    d = await startDaemon();
    dk.ok(['import', '-c', 'CMD ["sh"]', '-', 'busybox:latest'], busyboxRootfs());
    client = new Docker({ socketPath: d.socket });
  });
  after(async () => {
    await d.cleanup();
    for (const c of contexts) rmSync(c, { recursive: true, force: true });
  });

  test('a gzipped context with .dockerignore, build args and labels; the image runs', async () => {
    const dir = makeContext({
      Dockerfile: ['FROM busybox', 'ARG WHO', 'LABEL built.by=dockerode', 'COPY . /src/', 'RUN echo "hello $WHO" > /greeting', 'CMD ["sh", "-c", "cat /greeting; ls /src"]'].join('\n'),
      'kept.txt': 'kept\n',
      'secret.txt': 'must not be sent\n',
      '.dockerignore': 'secret.txt\n',
    });
    contexts.push(dir);
    const { err, events } = await build(client, dir, ['Dockerfile', 'kept.txt', 'secret.txt', '.dockerignore'], { t: 'dockerode-built:1', buildargs: { WHO: 'dockerode' } });
    assert.equal(err, null, JSON.stringify(events));
    const text = events.map((e) => e.stream ?? '').join('');
    assert.match(text, /Step 1\/6 : FROM busybox\n/);
    assert.match(text, /Successfully built [0-9a-f]{12}\nSuccessfully tagged dockerode-built:1\n/);
    const aux = events.find((e) => e.aux?.ID)?.aux?.ID;
    assert.match(aux ?? '', /^sha256:[0-9a-f]{64}$/);

    const image = await client.getImage('dockerode-built:1').inspect();
    assert.equal(image.Id, aux);
    assert.equal(image.Config.Labels['built.by'], 'dockerode');

    const container = await client.createContainer({ Image: 'dockerode-built:1' });
    await container.start();
    assert.equal((await container.wait()).StatusCode, 0);
    const logs = (await container.logs({ stdout: true, stderr: true })).toString('utf8');
    await container.remove();
    // Multiplexed frames: 8-byte headers before each payload.
    const payload = logs.replace(/[\x00-\x08][\x00]{3}[\s\S]{4}/g, '');
    assert.match(payload, /hello dockerode\n/);
    assert.match(payload, /Dockerfile\n/);
    assert.match(payload, /kept\.txt\n/);
    assert.doesNotMatch(payload, /secret\.txt/);
  });

  // followProgress ends without an error for an in-band one: callers read the last event, as
  // dockerode's users do.
  test('a failing RUN ends the stream with the error event, and leaves no container', async () => {
    const dir = makeContext({ Dockerfile: 'FROM busybox\nRUN echo about to fail && exit 3\n' });
    contexts.push(dir);
    const { err, events } = await build(client, dir, ['Dockerfile'], { t: 'dockerode-fails' });
    assert.equal(err, null);
    const last = events.at(-1)!;
    assert.equal(last.error, "The command '/bin/sh -c echo about to fail && exit 3' returned a non-zero code: 3");
    assert.equal(last.errorDetail?.code, 3);
    assert.match(events.map((e) => e.stream ?? '').join(''), /about to fail\n/);
    assert.deepEqual(await client.listContainers({ all: true }), []);
    await assert.rejects(client.getImage('dockerode-fails').inspect(), (e: { statusCode?: number }) => e.statusCode === 404);
  });
});

/**
 * Pulls that go wrong, against a scripted registry: a transfer cut and resumed with Range, a
 * registry that dies mid-pull (nothing partial visible; the retry reuses what was verified), a
 * blob that does not match its digest (never stored), manifests that are too large, malformed
 * or of a kind Docker no longer pulls, and configs that disagree with their manifest.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { makeTar } from '../helpers/archives.js';
import { busyboxRootfs, cliFor, isRoot, startDaemon, type TestDaemon } from '../helpers/daemon.js';
import { buildImage, FakeRegistry, sha256, type BuiltImage } from '../helpers/fake-registry.js';
import { spawn } from 'node:child_process';

const DOCKER_V2 = 'application/vnd.docker.distribution.manifest.v2+json';

/** The docker CLI without blocking this process: the fake registry serves from its event loop. */
function dockerAsync(host: string, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const p = spawn('docker', args, { env: { ...process.env, DOCKER_HOST: host } });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    p.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    p.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

describe('pull faults', { skip: !isRoot }, () => {
  let d: TestDaemon;
  let reg: FakeRegistry;
  let base: Buffer;
  const dk = (args: string[]) => dockerAsync(d.host, args);
  const blobsOnDisk = (): string[] => readdirSync(join(d.dataRoot, 'content', 'blobs', 'sha256')).map((h) => `sha256:${h}`);
  const serve = (repo: string, tag: string, img: BuiltImage, opts: Parameters<FakeRegistry['addBlob']>[1][] = []): string => {
    reg.addBlob(img.config);
    img.layers.forEach((l, i) => reg.addBlob(l.blob, opts[i] ?? {}));
    return reg.addManifest(repo, [tag], img.manifest, DOCKER_V2);
  };

  before(async () => {
    d = await startDaemon();
    reg = new FakeRegistry();
    await reg.start();
    base = busyboxRootfs();
  });
  after(async () => {
    await reg.stop();
    await d.cleanup();
  });

  test('a transfer cut half-way is resumed with a Range request, unseen by the client', async () => {
    const big = await makeTar([{ name: 'big', data: randomBytes(3 << 20) }]);
    const img = buildImage([base, big], { compress: ['gzip', 'none'] });
    serve('faults/resume', 'v1', img, [{}, { cutAfter: 1 << 20 }]);
    const r = await dk(['pull', `${reg.host}/faults/resume:v1`]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /Status: Downloaded newer image/);
    assert.ok(reg.log.some((l) => l.startsWith(`GET /v2/faults/resume/blobs/${img.layers[1]!.digest} bytes=`)), `no range request in ${reg.log.join('\n')}`);
    const ls = await dk(['run', '--rm', `${reg.host}/faults/resume:v1`, 'ls', '-l', '/big']);
    assert.match(ls.stdout, /3145728/);
  });

  test('a registry that dies mid-pull: a clear error, no image, and the retry reuses verified layers', async () => {
    const small = await makeTar([{ name: 'small', data: 'first layer\n' }]);
    const big = await makeTar([{ name: 'big', data: randomBytes(4 << 20) }]);
    const img = buildImage([base, small, big], { compress: ['gzip', 'gzip', 'none'] });
    serve('faults/dies', 'v1', img, [{}, {}, { cutAfter: 1 << 20, dieOnCut: true, noRanges: true }]);
    const port = reg.port;
    const r = await dk(['pull', `${reg.host}/faults/dies:v1`]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, new RegExp(`(connection refused|reset|unexpected EOF|cannot resume)`));
    assert.equal((await dk(['images', '-q', `${reg.host}/faults/dies`])).stdout, '', 'nothing partial is visible');
    const layerDir = (diffId: string): string => join(d.dataRoot, 'snapshots', diffId.slice(7));
    assert.ok(!existsSync(layerDir(img.layers[2]!.diffId)), 'the broken layer was not kept');
    assert.ok(existsSync(layerDir(img.layers[1]!.diffId)), 'the verified layer is kept for the retry');
    await reg.start(port);
    const again = await dk(['pull', `${reg.host}/faults/dies:v1`]);
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stdout, new RegExp(`${img.layers[1]!.digest.slice(7, 19)}: Already exists`));
    assert.match(again.stdout, new RegExp(`${img.layers[2]!.digest.slice(7, 19)}: Pull complete`));
  });

  test('a blob whose content does not match its digest is refused and never stored', async () => {
    const good = await makeTar([{ name: 'evil', data: 'the real content\n' }]);
    const img = buildImage([base, good], { compress: ['gzip', 'none'] });
    const tampered = await makeTar([{ name: 'evil', data: 'the fake content\n' }]);
    serve('faults/corrupt', 'v1', img);
    // Serve other bytes under the layer's digest.
    reg.blobs.set(img.layers[1]!.digest, { data: tampered });
    const r = await dk(['pull', `${reg.host}/faults/corrupt:v1`]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, new RegExp(`filesystem layer verification failed for digest ${img.layers[1]!.digest}`));
    assert.ok(!blobsOnDisk().includes(img.layers[1]!.digest));
    assert.ok(!blobsOnDisk().includes(sha256(tampered)));
    assert.ok(!existsSync(join(d.dataRoot, 'snapshots', sha256(tampered).slice(7))), 'no layer from it either');
    assert.equal((await dk(['images', '-q', `${reg.host}/faults/corrupt`])).stdout, '');
  });

  test('manifests: too large, not JSON, unknown type, schema 1, wrong digest, config out of step', async () => {
    reg.addManifest('faults/huge', ['v1'], Buffer.alloc(5 << 20, 0x20), DOCKER_V2);
    assert.match((await dk(['pull', `${reg.host}/faults/huge:v1`])).stderr, /manifest v1 of .*faults\/huge is too large/);
    reg.addManifest('faults/notjson', ['v1'], Buffer.from('<html>not a manifest</html>'), DOCKER_V2);
    assert.match((await dk(['pull', `${reg.host}/faults/notjson:v1`])).stderr, /invalid manifest for .*faults\/notjson:v1: Unexpected token/);
    reg.addManifest('faults/helm', ['v1'], { schemaVersion: 2, mediaType: 'application/vnd.cncf.helm.chart' }, 'application/vnd.cncf.helm.chart');
    assert.match((await dk(['pull', `${reg.host}/faults/helm:v1`])).stderr, /unsupported manifest media type and no default available: application\/vnd\.cncf\.helm\.chart/);
    reg.addManifest('faults/v1', ['v1'], { schemaVersion: 1, name: 'x', tag: 'v1', fsLayers: [] }, 'application/vnd.docker.distribution.manifest.v1+prettyjws');
    assert.match((await dk(['pull', `${reg.host}/faults/v1:v1`])).stderr, /Docker Image Format v1 and Docker Image manifest version 2, schema 1 support has been removed/);
    const img = buildImage([base]);
    const digest = serve('faults/digest', 'v1', img);
    reg.manifests.set(`faults/digest:${digest}`, { body: Buffer.from(JSON.stringify({ ...img.manifest, extra: 1 })), contentType: DOCKER_V2 });
    assert.match((await dk(['pull', `${reg.host}/faults/digest@${digest}`])).stderr, new RegExp(`manifest verification failed for digest ${digest}`));
    const two = buildImage([base, await makeTar([{ name: 'x', data: 'x' }])]);
    const lying = { ...two.manifest, layers: (two.manifest as { layers: object[] }).layers.slice(0, 1) };
    reg.addBlob(two.config);
    for (const l of two.layers) reg.addBlob(l.blob);
    reg.addManifest('faults/rootfs', ['v1'], lying, DOCKER_V2);
    assert.match((await dk(['pull', `${reg.host}/faults/rootfs:v1`])).stderr, /layers from manifest don't match image configuration/);
    const plugin = { ...img.manifest, config: { ...(img.manifest as { config: object }).config, mediaType: 'application/vnd.docker.plugin.v1+json' } };
    reg.addManifest('faults/plugin', ['v1'], plugin, DOCKER_V2);
    assert.match((await dk(['pull', `${reg.host}/faults/plugin:v1`])).stderr, /Encountered remote "application\/vnd\.docker\.plugin\.v1\+json"\(plugin\) when fetching/);
  });

  test('the berth CLI shows the same errors', async () => {
    const cli = cliFor('berth', () => d);
    // The CLI runs synchronously: ask for something the registry never has to answer.
    cli.fails(['pull', '--platform', 'foobar', `${reg.host}/faults/x`], /"foobar": unknown operating system or architecture: invalid argument/);
    cli.fails(['pull', '-a', `${reg.host}/faults/x:v1`], /tag can't be used with --all-tags\/-a/);
    await Promise.resolve();
  });
});

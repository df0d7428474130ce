/**
 * berth's registry with real peers: skopeo (containers/image) copying to and from it, Debian's
 * docker-registry (distribution 2.8) as the upstream of its pull-through cache, and the
 * `berth registry` command as its own process.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { makeImageArchive, makeTar } from '../helpers/archives.js';
import { BERTH, NODE } from '../helpers/daemon.js';
import { DOCKER_REGISTRY, request, startDockerRegistry, startTestRegistry, type DockerRegistry, type TestRegistry } from '../helpers/registry.js';

const run = promisify(execFile);
const hasSkopeo = existsSync('/usr/bin/skopeo');
const hasDockerRegistry = existsSync(DOCKER_REGISTRY);
const skopeo = async (...args: string[]): Promise<string> => (await run('skopeo', args, { maxBuffer: 64 << 20 })).stdout;

let dir: string;
let archive: string;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'berth-registry-peers-'));
  const layer = await makeTar([
    { name: 'etc/', type: 'directory' },
    { name: 'etc/hello', data: 'hello from a tiny rootfs\n' },
  ]);
  archive = join(dir, 'image.tar');
  writeFileSync(archive, (await makeImageArchive([layer], 'tiny:latest')).archive);
});
after(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('skopeo against berth registry', { skip: !hasSkopeo }, () => {
  let reg: TestRegistry;
  before(async () => {
    reg = await startTestRegistry();
  });
  after(async () => {
    await reg.close();
  });

  test('copy (Docker schema2 and OCI), inspect, list-tags, copy back, delete', async () => {
    await skopeo('copy', '--dest-tls-verify=false', `docker-archive:${archive}`, `docker://${reg.host}/peers/tiny:v1`);
    await skopeo('copy', '--dest-tls-verify=false', '--format', 'oci', `docker-archive:${archive}`, `docker://${reg.host}/peers/tiny:oci`);
    const inspect = JSON.parse(await skopeo('inspect', '--tls-verify=false', `docker://${reg.host}/peers/tiny:v1`)) as { Digest: string; Layers: string[]; Architecture: string };
    assert.equal(inspect.Architecture, 'amd64');
    assert.equal(inspect.Layers.length, 1);
    const head = await request(reg.url, 'HEAD', '/v2/peers/tiny/manifests/v1', { headers: { Accept: 'application/vnd.docker.distribution.manifest.v2+json' } });
    assert.equal(head.headers.get('docker-content-digest'), inspect.Digest);
    const raw = JSON.parse(await skopeo('inspect', '--raw', '--tls-verify=false', `docker://${reg.host}/peers/tiny:oci`)) as { mediaType?: string; config: { mediaType: string } };
    assert.equal(raw.config.mediaType, 'application/vnd.oci.image.config.v1+json');
    const tags = JSON.parse(await skopeo('list-tags', '--tls-verify=false', `docker://${reg.host}/peers/tiny`)) as { Tags: string[] };
    assert.deepEqual(tags.Tags, ['oci', 'v1']);
    // A second repository: skopeo mounts the blobs it knows from the first one.
    await skopeo('copy', '--src-tls-verify=false', '--dest-tls-verify=false', `docker://${reg.host}/peers/tiny:v1`, `docker://${reg.host}/peers/copy:v1`);
    await skopeo('copy', '--src-tls-verify=false', `docker://${reg.host}/peers/copy:v1`, `oci:${join(dir, 'oci')}:v1`);
    const index = JSON.parse(readFileSync(join(dir, 'oci', 'index.json'), 'utf8')) as { manifests: unknown[] };
    assert.equal(index.manifests.length, 1);
    await skopeo('delete', '--tls-verify=false', `docker://${reg.host}/peers/tiny:v1`);
    await assert.rejects(skopeo('inspect', '--tls-verify=false', `docker://${reg.host}/peers/tiny:v1`), /manifest unknown/);
  });
});

describe('pull-through cache in front of docker-registry', { skip: !hasSkopeo || !hasDockerRegistry }, () => {
  let upstream: DockerRegistry;
  let proxy: TestRegistry;
  before(async () => {
    upstream = await startDockerRegistry();
    await skopeo('copy', '--dest-tls-verify=false', `docker-archive:${archive}`, `docker://${upstream.host}/library/tiny:latest`);
    proxy = await startTestRegistry({ proxy: { url: upstream.url, tagTtlMs: 0 } });
  });
  after(async () => {
    await proxy.close();
    await upstream.stop();
  });

  test('fetched once, verified, served from the cache when the upstream is gone; pushes refused', async () => {
    const direct = JSON.parse(await skopeo('inspect', '--tls-verify=false', `docker://${upstream.host}/library/tiny:latest`)) as { Digest: string };
    const viaProxy = JSON.parse(await skopeo('inspect', '--tls-verify=false', `docker://${proxy.host}/library/tiny:latest`)) as { Digest: string; Layers: string[] };
    assert.equal(viaProxy.Digest, direct.Digest);
    await skopeo('copy', '--src-tls-verify=false', `docker://${proxy.host}/library/tiny:latest`, `oci:${join(dir, 'cached')}:latest`);
    const blobs = readFileSync(join(dir, 'cached', 'index.json'), 'utf8');
    assert.match(blobs, /manifests/);
    const push = await request(proxy.url, 'POST', '/v2/library/tiny/blobs/uploads/');
    assert.equal(push.status, 405);

    await upstream.stop();
    const again = JSON.parse(await skopeo('inspect', '--tls-verify=false', `docker://${proxy.host}/library/tiny:latest`)) as { Digest: string };
    assert.equal(again.Digest, direct.Digest, 'the cached tag, served while the upstream is down');
    await skopeo('copy', '--src-tls-verify=false', `docker://${proxy.host}/library/tiny@${direct.Digest}`, `oci:${join(dir, 'offline')}:latest`);
    assert.equal((await request(proxy.url, 'GET', `/v2/library/tiny/blobs/${viaProxy.Layers[0]!}`)).status, 200);
    assert.equal((await request(proxy.url, 'GET', '/v2/library/other/manifests/latest')).status, 503, 'nothing cached, upstream down');
  });
});

describe('pull-through cache: tag revalidation and upstream credentials', { skip: !hasSkopeo || !hasDockerRegistry || !existsSync('/usr/bin/htpasswd') }, () => {
  test('a tag moved upstream is seen through the proxy; blobs come with the upstream credentials', async () => {
    const htpasswd = (await run('htpasswd', ['-nbB', 'up', 'stream'])).stdout;
    const upstream = await startDockerRegistry({ htpasswd });
    const proxy = await startTestRegistry({ proxy: { url: upstream.url, username: 'up', password: 'stream', tagTtlMs: 0 } });
    try {
      const creds = ['--dest-creds', 'up:stream'];
      await skopeo('copy', '--dest-tls-verify=false', ...creds, `docker-archive:${archive}`, `docker://${upstream.host}/team/app:latest`);
      const first = JSON.parse(await skopeo('inspect', '--tls-verify=false', `docker://${proxy.host}/team/app:latest`)) as { Digest: string };
      const other = join(dir, 'other.tar');
      writeFileSync(other, (await makeImageArchive([await makeTar([{ name: 'v2', data: 'second version' }])], 'tiny:v2')).archive);
      await skopeo('copy', '--dest-tls-verify=false', ...creds, `docker-archive:${other}`, `docker://${upstream.host}/team/app:latest`);
      const second = JSON.parse(await skopeo('inspect', '--tls-verify=false', `docker://${proxy.host}/team/app:latest`)) as { Digest: string };
      assert.notEqual(second.Digest, first.Digest, 'the tag was revalidated against the upstream');
      await skopeo('copy', '--src-tls-verify=false', `docker://${proxy.host}/team/app:latest`, `oci:${join(dir, 'v2')}:latest`);
    } finally {
      await proxy.close();
      await upstream.stop();
    }
  });
});

describe('berth registry as its own process', { skip: !hasSkopeo }, () => {
  test('serve, push with skopeo, garbage-collect --dry-run, stop on SIGTERM', async () => {
    const root = join(dir, 'cli-root');
    const child = spawn(NODE, [BERTH, 'registry', 'serve', '--addr', '127.0.0.1:0', '--root', root], { stdio: ['ignore', 'pipe', 'pipe'] });
    try {
      const url = await new Promise<string>((resolve, reject) => {
        let out = '';
        child.stdout.on('data', (c: Buffer) => {
          out += c.toString();
          const m = /listening on (\S+)/.exec(out);
          if (m) resolve(m[1]!.replace(/\/$/, ''));
        });
        child.once('exit', (code) => reject(new Error(`exited ${code}`)));
      });
      const host = new URL(url).host;
      await skopeo('copy', '--dest-tls-verify=false', `docker-archive:${archive}`, `docker://${host}/cli/tiny:latest`);
      assert.deepEqual((await request(url, 'GET', '/v2/cli/tiny/tags/list')).json(), { name: 'cli/tiny', tags: ['latest'] });
      const gc = await run(NODE, [BERTH, 'registry', 'garbage-collect', root, '--dry-run', '--grace-period', '0']);
      assert.match(gc.stdout, /3 blobs marked, 0 blobs and 0 manifests eligible for deletion/);
      const bad = await run(NODE, [BERTH, 'registry', 'serve', '--upload-timeout', 'soon']).catch((e: { code: number; stderr: string }) => e);
      assert.equal((bad as { code: number }).code, 1);
      assert.match((bad as { stderr: string }).stderr, /invalid duration "soon"/);
    } finally {
      const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
      child.kill('SIGTERM');
      assert.equal(await exited, 0);
    }
  });
});

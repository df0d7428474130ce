/**
 * docker pull and docker push through berthd, with berth's registry and Debian's docker-registry
 * (distribution 2.8) as peers on loopback: round trips, digests, manifest lists, OCI and zstd
 * layers, push compression, --all-tags, errors, and `run` of an image that is not here yet.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { makeTar } from '../helpers/archives.js';
import { makeContext } from '../helpers/build.js';
import { berth, busyboxRootfs, docker, isRoot, startDaemon, type TestDaemon } from '../helpers/daemon.js';
import { buildImage, putManifest, uploadImage } from '../helpers/fake-registry.js';
import { DOCKER_REGISTRY, request, startDockerRegistry, startRegistryProcess, type DockerRegistry, type RegistryProcess } from '../helpers/registry.js';

const run = promisify(execFile);
const hasSkopeo = existsSync('/usr/bin/skopeo');

describe('docker pull and push through berthd', { skip: !isRoot }, () => {
  let d: TestDaemon;
  let reg: RegistryProcess;
  let work: string;
  const dk = (args: string[], input?: Buffer | string) => docker(d.host, args, input, { DOCKER_CONFIG: join(work, 'docker') });
  const ok = (args: string[]): string => {
    const r = dk(args);
    assert.equal(r.code, 0, `docker ${args.join(' ')}: ${r.stderr}`);
    return r.stdout;
  };

  before(async () => {
    work = mkdtempSync(join(tmpdir(), 'berth-pull-'));
    d = await startDaemon();
    reg = await startRegistryProcess();
  });
  after(async () => {
    await d.cleanup();
    await reg.stop();
    rmSync(work, { recursive: true, force: true });
  });

  test('push to berth registry, rmi, pull back, run', () => {
    assert.equal(dk(['import', '-c', 'CMD ["sh"]', '-', `${reg.host}/e2e/bb:1`], busyboxRootfs()).code, 0);
    const push = ok(['push', `${reg.host}/e2e/bb:1`]);
    assert.match(push, new RegExp(`^The push refers to repository \\[${reg.host}/e2e/bb\\]\n[a-f0-9]{12}: Preparing\n[a-f0-9]{12}: Pushed\n1: digest: sha256:[a-f0-9]{64} size: \\d+\n$`));
    const digest = /digest: (sha256:[a-f0-9]{64})/.exec(push)![1]!;
    assert.match(ok(['push', `${reg.host}/e2e/bb:1`]), /: Layer already exists\n/);
    assert.equal(ok(['image', 'inspect', '-f', '{{json .RepoDigests}}', `${reg.host}/e2e/bb:1`]).trim(), JSON.stringify([`${reg.host}/e2e/bb@${digest}`]));
    const rmi = ok(['rmi', `${reg.host}/e2e/bb:1`]);
    assert.match(rmi, new RegExp(`Untagged: ${reg.host}/e2e/bb:1\nUntagged: ${reg.host}/e2e/bb@${digest}\nDeleted: sha256:`));
    const pull = ok(['pull', `${reg.host}/e2e/bb:1`]);
    assert.match(pull, new RegExp(`^1: Pulling from e2e/bb\n([a-f0-9]{12}): Pulling fs layer\n\\1: Verifying Checksum\n\\1: Download complete\n\\1: Pull complete\nDigest: ${digest}\nStatus: Downloaded newer image for ${reg.host}/e2e/bb:1\n${reg.host}/e2e/bb:1\n$`));
    assert.match(ok(['images', '--digests', '--format', '{{.Repository}} {{.Tag}} {{.Digest}}']), new RegExp(`${reg.host}/e2e/bb 1 ${digest}`));
    assert.equal(ok(['run', '--rm', `${reg.host}/e2e/bb:1`, 'echo', 'pulled and running']), 'pulled and running\n');
    assert.match(ok(['pull', `${reg.host}/e2e/bb:1`]), new RegExp(`Status: Image is up to date for ${reg.host}/e2e/bb:1\n`));
    // By digest: the CLI sends the digest as the tag.
    const byDigest = ok(['pull', `${reg.host}/e2e/bb@${digest}`]);
    assert.match(byDigest, new RegExp(`^${digest}: Pulling from e2e/bb\nDigest: ${digest}\nStatus: Image is up to date for ${reg.host}/e2e/bb@${digest}\n`));
  });

  test('pull by digest of an image not here; events record the pull', () => {
    const since = Math.floor(Date.now() / 1000) - 1;
    const digest = /Digest: (sha256:\S+)/.exec(ok(['pull', `${reg.host}/e2e/bb:1`]))![1]!;
    ok(['rmi', '-f', `${reg.host}/e2e/bb:1`]);
    assert.match(ok(['pull', `${reg.host}/e2e/bb@${digest}`]), new RegExp(`Status: Downloaded newer image for ${reg.host}/e2e/bb@${digest}\n`));
    assert.equal(ok(['images', '--format', '{{.Repository}}:{{.Tag}}', `${reg.host}/e2e/bb`]), `${reg.host}/e2e/bb:<none>\n`);
    const events = ok(['events', '--since', String(since), '--until', String(Math.floor(Date.now() / 1000) + 1), '--filter', 'event=pull', '--format', '{{.Actor.ID}} {{.Actor.Attributes.name}}']);
    assert.match(events, new RegExp(`${reg.host}/e2e/bb@${digest} ${reg.host}/e2e/bb`));
    ok(['tag', `${reg.host}/e2e/bb@${digest}`, `${reg.host}/e2e/bb:1`]);
  });

  test('a manifest list: the host platform is picked, --platform picks another', async () => {
    const base = busyboxRootfs();
    const amd = buildImage([base, await makeTar([{ name: 'arch', data: 'amd64\n' }])], { arch: 'amd64', cmd: ['cat', '/arch'] });
    const arm = buildImage([base, await makeTar([{ name: 'arch', data: 'arm64\n' }])], { arch: 'arm64', cmd: ['cat', '/arch'] });
    const amdDigest = await uploadImage(reg.url, 'e2e/multi', 'amd64', amd);
    const armDigest = await uploadImage(reg.url, 'e2e/multi', 'arm64', arm);
    const entry = (digest: string, m: object, architecture: string) => ({ mediaType: 'application/vnd.docker.distribution.manifest.v2+json', digest, size: Buffer.byteLength(JSON.stringify(m)), platform: { architecture, os: 'linux', ...(architecture === 'arm64' ? { variant: 'v8' } : {}) } });
    const list = { schemaVersion: 2, mediaType: 'application/vnd.docker.distribution.manifest.list.v2+json', manifests: [entry(armDigest, arm.manifest, 'arm64'), entry(amdDigest, amd.manifest, 'amd64')] };
    const listDigest = await putManifest(reg.url, 'e2e/multi', 'latest', list);
    const inspectList = await d.client.json<{ Descriptor: { mediaType: string; digest: string; size: number }; Platforms: { os: string; architecture: string; variant?: string }[] }>('GET', `/distribution/${reg.host}/e2e/multi:latest/json`);
    assert.deepEqual(inspectList, { Descriptor: { mediaType: 'application/vnd.docker.distribution.manifest.list.v2+json', digest: listDigest, size: Buffer.byteLength(JSON.stringify(list)) }, Platforms: [{ architecture: 'arm64', os: 'linux', variant: 'v8' }, { architecture: 'amd64', os: 'linux' }] });
    const inspectOne = await d.client.json<{ Platforms: unknown[] }>('GET', `/distribution/${reg.host}/e2e/multi@${amdDigest}/json`);
    assert.deepEqual(inspectOne.Platforms, [{ architecture: 'amd64', os: 'linux' }]);
    const unknown = await d.client.raw('GET', `/distribution/${reg.host}/e2e/multi:nope/json`);
    assert.equal(unknown.statusCode, 404);
    const pull = ok(['pull', `${reg.host}/e2e/multi`]);
    assert.match(pull, /^Using default tag: latest\nlatest: Pulling from e2e\/multi\n/);
    assert.match(pull, new RegExp(`Digest: ${listDigest}\n`));
    assert.equal(ok(['image', 'inspect', '-f', '{{.Architecture}} {{json .RepoDigests}}', `${reg.host}/e2e/multi`]).trim(), `amd64 ["${reg.host}/e2e/multi@${listDigest}"]`);
    assert.equal(ok(['run', '--rm', `${reg.host}/e2e/multi`]), 'amd64\n');
    ok(['pull', '--platform', 'linux/arm64', `${reg.host}/e2e/multi:latest`]);
    assert.equal(ok(['image', 'inspect', '-f', '{{.Architecture}}', `${reg.host}/e2e/multi`]).trim(), 'arm64');
    const none = dk(['pull', '--platform', 'linux/s390x', `${reg.host}/e2e/multi`]);
    assert.equal(none.code, 1);
    assert.match(none.stderr, /no matching manifest for linux\/s390x in the manifest list entries/);
    const badPlatform = dk(['pull', '--platform', 'foobar', `${reg.host}/e2e/multi`]);
    assert.match(badPlatform.stderr, /"foobar": unknown operating system or architecture: invalid argument/);
    // A single-platform image for another platform is kept, with Docker's warning.
    const warn = ok(['pull', '--platform', 'linux/amd64', `${reg.host}/e2e/multi:arm64`]);
    assert.match(warn, /WARNING: image with reference .*e2e\/multi was found but its platform \(linux\/arm64\) does not match the specified platform \(linux\/amd64\)/);
  });

  test('OCI manifests with gzip, zstd and uncompressed layers', async () => {
    const tars = [await makeTar([{ name: 'a', data: 'gzip layer\n' }]), await makeTar([{ name: 'b', data: 'zstd layer\n' }]), await makeTar([{ name: 'c', data: 'plain layer\n' }])];
    const img = buildImage([Buffer.from(busyboxRootfs()), ...tars], { oci: true, compress: ['gzip', 'gzip', 'zstd', 'none'], cmd: ['sh', '-c', 'cat /a /b /c'] });
    await uploadImage(reg.url, 'e2e/oci', 'v1', img);
    const pull = ok(['pull', `${reg.host}/e2e/oci:v1`]);
    // The busybox layer is here already (same diff ID, other blob); the three others are new.
    assert.equal((pull.match(/Pull complete/g) ?? []).length, 3);
    assert.equal((pull.match(/Already exists/g) ?? []).length, 1);
    assert.equal(ok(['run', '--rm', `${reg.host}/e2e/oci:v1`]), 'gzip layer\nzstd layer\nplain layer\n');
    assert.equal(ok(['image', 'inspect', '-f', '{{len .RootFS.Layers}}', `${reg.host}/e2e/oci:v1`]).trim(), '4');
  });

  test('--all-tags: pull and push every tag of a repository', () => {
    ok(['tag', `${reg.host}/e2e/bb:1`, `${reg.host}/e2e/all:a`]);
    ok(['tag', `${reg.host}/e2e/bb:1`, `${reg.host}/e2e/all:b`]);
    const push = ok(['push', '--all-tags', `${reg.host}/e2e/all`]);
    assert.match(push, /a: digest: sha256:[a-f0-9]{64} size: \d+\n/);
    assert.match(push, /b: digest: sha256:[a-f0-9]{64} size: \d+\n/);
    ok(['rmi', `${reg.host}/e2e/all:a`, `${reg.host}/e2e/all:b`]);
    const pull = ok(['pull', '--all-tags', `${reg.host}/e2e/all`]);
    assert.match(pull, /a: Pulling from e2e\/all\n/);
    assert.match(pull, /b: Pulling from e2e\/all\n/);
    assert.match(pull, new RegExp(`Status: Downloaded newer image for ${reg.host}/e2e/all\n`));
    assert.equal(ok(['images', '--format', '{{.Tag}}', `${reg.host}/e2e/all`]).split('\n').filter(Boolean).sort().join(','), 'a,b');
    const both = dk(['push', '--all-tags', `${reg.host}/e2e/all:a`]);
    assert.match(both.stderr, /tag can't be used with --all-tags\/-a/);
  });

  test("errors read like Docker's: unknown tag and repository, bad references, scratch, nothing to push", async () => {
    const tag = dk(['pull', `${reg.host}/e2e/bb:nope`]);
    assert.equal(tag.code, 1);
    assert.equal(tag.stderr, `Error response from daemon: manifest for ${reg.host}/e2e/bb:nope not found: manifest unknown: manifest unknown\n`);
    const repo = dk(['pull', `${reg.host}/e2e/nothing`]);
    assert.match(repo.stderr, /Error response from daemon: (manifest for .*e2e\/nothing:latest not found: manifest unknown|repository .*e2e\/nothing not found: name unknown)/);
    const ref = berth(d.host, ['pull', 'Upper']);
    assert.equal(ref.stderr, 'invalid reference format: repository name (library/Upper) must be lowercase\n');
    assert.equal(berth(d.host, ['pull', `${reg.host}/e2e/bb:bad:tag`]).stderr, 'invalid reference format\n');
    // The API checks too, with the same words.
    const api = (await d.client.raw('POST', '/images/create', { query: { fromImage: 'Upper' } }));
    assert.equal(api.statusCode, 400);
    assert.match(berth(d.host, ['pull', 'scratch']).stderr, /'scratch' is a reserved name/);
    const missing = dk(['push', `${reg.host}/e2e/notlocal:1`]);
    assert.equal(missing.code, 1);
    assert.match(missing.stdout + missing.stderr, /An image does not exist locally with the tag: .*e2e\/notlocal/);
    const noTag = dk(['push', `${reg.host}/e2e/bb:notatag`]);
    assert.match(noTag.stdout + noTag.stderr, /tag does not exist: .*e2e\/bb:notatag/);
  });

  test("Docker Hub without internet fails fast with Docker's message", () => {
    const started = Date.now();
    const r = dk(['pull', 'hello-world']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /Error response from daemon: Get "https:\/\/registry-1\.docker\.io\/v2\/": dial tcp: lookup registry-1\.docker\.io: no such host/);
    assert.ok(Date.now() - started < 15_000, 'no long timeout');
  });

  test('run and create of a missing image pull it first', () => {
    ok(['rmi', '-f', `${reg.host}/e2e/bb:1`]);
    const r = dk(['run', '--rm', `${reg.host}/e2e/bb:1`, 'echo', 'after pull']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, 'after pull\n');
    assert.match(r.stderr, new RegExp(`^Unable to find image '${reg.host}/e2e/bb:1' locally\n1: Pulling from e2e/bb\n`));
    assert.match(r.stderr, new RegExp(`Status: Downloaded newer image for ${reg.host}/e2e/bb:1\n`));
    const missing = dk(['run', '--rm', `${reg.host}/e2e/none:1`]);
    assert.equal(missing.code, 125);
    assert.match(missing.stderr, /manifest for .*e2e\/none:1 not found: manifest unknown/);
  });

  test('a build whose FROM is only in the registry pulls it; --pull pulls again; a missing one fails the step', () => {
    ok(['rmi', '-f', `${reg.host}/e2e/bb:1`]);
    const dir = makeContext({ Dockerfile: `FROM ${reg.host}/e2e/bb:1\nRUN echo built on the pulled base > /built\nCMD ["cat", "/built"]\n` });
    try {
      const first = dk(['build', '-t', 'e2e/on-pulled:1', dir]);
      assert.equal(first.code, 0, first.stderr);
      assert.match(first.stdout, new RegExp(`Step 1/3 : FROM ${reg.host}/e2e/bb:1\n1: Pulling from e2e/bb\n`));
      assert.match(first.stdout, new RegExp(`Status: Downloaded newer image for ${reg.host}/e2e/bb:1\n ---> [0-9a-f]{12}\n`));
      assert.equal(ok(['run', '--rm', 'e2e/on-pulled:1']), 'built on the pulled base\n');
      // The base is here now: no pull; with --pull, the registry is asked again.
      assert.doesNotMatch(ok(['build', '-t', 'e2e/on-pulled:1', dir]), /Pulling from/);
      assert.match(ok(['build', '--pull', '-t', 'e2e/on-pulled:1', dir]), new RegExp(`Status: Image is up to date for ${reg.host}/e2e/bb:1\n`));
      writeFileSync(join(dir, 'Dockerfile'), `FROM ${reg.host}/e2e/none:1\n`);
      const missing = dk(['build', dir]);
      assert.equal(missing.code, 1);
      assert.match(missing.stderr + missing.stdout, /manifest for .*e2e\/none:1 not found: manifest unknown/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  describe('with docker-registry (distribution 2.8)', { skip: !existsSync(DOCKER_REGISTRY) }, () => {
    let dr: DockerRegistry;
    before(async () => {
      dr = await startDockerRegistry();
    });
    after(async () => {
      await dr.stop();
    });

    test('push (a blob mounted from another repository), skopeo inspect, pull back, run', async (t) => {
      ok(['tag', `${reg.host}/e2e/bb:1`, `${dr.host}/team/bb:1`]);
      assert.match(ok(['push', `${dr.host}/team/bb:1`]), /: Pushed\n/);
      ok(['tag', `${reg.host}/e2e/bb:1`, `${dr.host}/other/bb:2`]);
      assert.match(ok(['push', `${dr.host}/other/bb:2`]), /: Mounted from team\/bb\n/);
      const raw = (await request(dr.url, 'GET', '/v2/team/bb/manifests/1', { headers: { Accept: 'application/vnd.docker.distribution.manifest.v2+json' } })).json<{ mediaType: string; layers: { mediaType: string }[] }>();
      assert.equal(raw.mediaType, 'application/vnd.docker.distribution.manifest.v2+json');
      assert.equal(raw.layers[0]!.mediaType, 'application/vnd.docker.image.rootfs.diff.tar.gzip');
      if (hasSkopeo) {
        const inspect = JSON.parse((await run('skopeo', ['inspect', '--tls-verify=false', `docker://${dr.host}/team/bb:1`])).stdout) as { Layers: string[]; Architecture: string };
        assert.equal(inspect.Layers.length, 1);
        assert.equal(inspect.Architecture, 'amd64');
        await run('skopeo', ['copy', '--src-tls-verify=false', `docker://${dr.host}/team/bb:1`, `oci:${join(work, 'oci')}:bb`]);
        // Go's gzip reads what berth's parallel compressor wrote (stored and deflated chunks):
        // skopeo decompresses each layer into a docker-archive, and the tars hash to the diff IDs.
        ok(['run', '--name', 'mixed', `${reg.host}/e2e/bb:1`, 'sh', '-c', 'head -c 3000000 /dev/urandom > /r; seq 1 200000 > /s']);
        ok(['commit', 'mixed', `${dr.host}/team/mixed:1`]);
        ok(['rm', 'mixed']);
        ok(['push', `${dr.host}/team/mixed:1`]);
        const archive = join(work, 'mixed.tar');
        await run('skopeo', ['copy', '--src-tls-verify=false', `docker://${dr.host}/team/mixed:1`, `docker-archive:${archive}:team/mixed:1`]);
        const diffIds = JSON.parse(ok(['image', 'inspect', '-f', '{{json .RootFS.Layers}}', `${dr.host}/team/mixed:1`])) as string[];
        for (const diffId of diffIds) {
          const tar = (await run('tar', ['-xOf', archive, `${diffId.slice(7)}.tar`], { encoding: 'buffer', maxBuffer: 64 << 20 })).stdout as unknown as Buffer;
          assert.equal(`sha256:${createHash('sha256').update(tar).digest('hex')}`, diffId);
        }
      } else t.diagnostic('skopeo missing: cross-check skipped');
      ok(['rmi', `${dr.host}/team/bb:1`, `${dr.host}/other/bb:2`]);
      assert.match(ok(['pull', `${dr.host}/team/bb:1`]), /Status: Downloaded newer image for/);
      assert.equal(ok(['run', '--rm', `${dr.host}/team/bb:1`, 'echo', 'via distribution']), 'via distribution\n');
    });
  });

  describe('push-compression in daemon.json', () => {
    test('zstd: OCI manifest with zstd layers, pulled back by another daemon', async () => {
      const z = await startDaemon();
      try {
        const cfg = JSON.parse(readFileSync(join(z.dir, 'daemon.json'), 'utf8')) as object;
        writeFileSync(join(z.dir, 'daemon.json'), JSON.stringify({ ...cfg, 'push-compression': 'zstd' }));
        await z.stop();
        await z.restart();
        const zk = (args: string[], input?: Buffer) => docker(z.host, args, input, { DOCKER_CONFIG: join(work, 'docker') });
        assert.equal(zk(['import', '-c', 'CMD ["sh"]', '-', `${reg.host}/e2e/zstd:1`], busyboxRootfs()).code, 0);
        const push = zk(['push', `${reg.host}/e2e/zstd:1`]);
        assert.equal(push.code, 0, push.stderr);
        const m = (await request(reg.url, 'GET', '/v2/e2e/zstd/manifests/1', { headers: { Accept: 'application/vnd.oci.image.manifest.v1+json' } })).json<{ mediaType: string; layers: { mediaType: string }[] }>();
        assert.equal(m.mediaType, 'application/vnd.oci.image.manifest.v1+json');
        assert.equal(m.layers[0]!.mediaType, 'application/vnd.oci.image.layer.v1.tar+zstd');
        // The layer is here already (same diff ID): only the image is new.
        assert.match(ok(['pull', `${reg.host}/e2e/zstd:1`]), /: Already exists\n.*\nStatus: Downloaded newer image/s);
        assert.equal(ok(['run', '--rm', `${reg.host}/e2e/zstd:1`, 'echo', 'zstd ok']), 'zstd ok\n');
      } finally {
        await z.cleanup();
      }
    });

    test('a bad value stops the daemon from starting', async () => {
      const dir = mkdtempSync(join(tmpdir(), 'berth-badcfg-'));
      try {
        writeFileSync(join(dir, 'daemon.json'), JSON.stringify({ 'push-compression': 'lz4', 'registry-mirrors': ['ftp://x'] }));
        await assert.rejects(startDaemon(['--config-file', join(dir, 'daemon.json')]), /invalid push-compression "lz4": must be gzip, zstd or none/);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  });
});

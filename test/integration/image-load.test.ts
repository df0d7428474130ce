import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync, rmSync, lstatSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { readAll } from '../../src/client/index.js';
import { makeImageArchive, makeTar, sha } from '../helpers/archives.js';
import { isRoot, startDaemon, type TestDaemon } from '../helpers/daemon.js';

/** Every file the image store holds: blobs, ingests, layers, records. */
function storeState(d: TestDaemon): string[] {
  const out: string[] = [];
  for (const sub of ['content/blobs/sha256', 'content/ingest', 'snapshots', 'images/records']) {
    const dir = join(d.dataRoot, sub);
    if (existsSync(dir)) for (const n of readdirSync(dir)) out.push(`${sub}/${n}`);
  }
  return out.sort();
}

async function load(d: TestDaemon, archive: Buffer): Promise<{ status: number; body: string }> {
  const res = await d.client.raw('POST', '/images/load', { body: archive, query: { quiet: true } });
  return { status: res.statusCode ?? 0, body: (await readAll(res)).toString() };
}

async function images(d: TestDaemon): Promise<{ Id: string; RepoTags: string[] }[]> {
  return d.client.json('GET', '/images/json');
}

describe('image load, save and import through berthd', { skip: !isRoot }, () => {
  let d: TestDaemon;
  let canary: string;
  before(async () => {
    d = await startDaemon();
    canary = mkdtempSync(join(tmpdir(), 'berth-canary-'));
  });
  after(async () => {
    await d.cleanup();
    rmSync(canary, { recursive: true, force: true });
  });

  test('a docker-save archive loads, shows in images, and saves back byte-identical layers', async () => {
    const layer1 = await makeTar([{ name: 'etc/', type: 'directory' }, { name: 'etc/hello', data: 'hello\n' }, { name: 'bin/', type: 'directory' }, { name: 'bin/tool', data: 'x'.repeat(3000), mode: 0o755 }]);
    const layer2 = await makeTar([{ name: 'etc/', type: 'directory' }, { name: 'etc/.wh.hello', data: '' }, { name: 'etc/new', data: 'new\n' }]);
    const { archive, id } = await makeImageArchive([layer1, layer2], 'docker.io/library/two:layers');
    const r = await load(d, archive);
    assert.equal(r.status, 200, r.body);
    assert.match(r.body, /Loaded image: two:layers/);
    const list = await images(d);
    const img = list.find((i) => i.Id === id);
    assert.ok(img, 'loaded image is listed');
    assert.deepEqual(img.RepoTags, ['two:layers']);
    const inspect = await d.client.json<{ RootFS: { Layers: string[] }; GraphDriver: { Data: { UpperDir: string; LowerDir: string } } }>('GET', '/images/two:layers/json');
    assert.deepEqual(inspect.RootFS.Layers, [sha(layer1), sha(layer2)]);
    // Unpacked once, with the whiteout turned into overlay's 0/0 character device.
    const upper = inspect.GraphDriver.Data.UpperDir;
    assert.equal(readFileSync(join(upper, 'etc/new'), 'utf8'), 'new\n');
    const wh = lstatSync(join(upper, 'etc/hello'));
    assert.ok(wh.isCharacterDevice() && wh.rdev === 0, 'whiteout is a 0/0 char device');
    assert.equal(readFileSync(join(inspect.GraphDriver.Data.LowerDir, 'bin/tool'), 'utf8').length, 3000);

    const saved = await readAll(await d.client.call('GET', '/images/get', { query: { names: ['two:layers'] } }));
    const savedDir = mkdtempSync(join(tmpdir(), 'berth-saved-'));
    writeFileSync(join(savedDir, 'x.tar'), saved);
    const { execFileSync } = await import('node:child_process');
    execFileSync('tar', ['-xf', join(savedDir, 'x.tar'), '-C', savedDir]);
    const manifest = JSON.parse(readFileSync(join(savedDir, 'manifest.json'), 'utf8')) as { RepoTags: string[]; Layers: string[]; Config: string }[];
    assert.deepEqual(manifest[0]!.RepoTags, ['two:layers']);
    assert.deepEqual(readFileSync(join(savedDir, manifest[0]!.Layers[0]!)), layer1);
    assert.deepEqual(readFileSync(join(savedDir, manifest[0]!.Layers[1]!)), layer2);
    const index = JSON.parse(readFileSync(join(savedDir, 'index.json'), 'utf8')) as { manifests: { annotations: Record<string, string> }[] };
    assert.equal(index.manifests[0]!.annotations['io.containerd.image.name'], 'docker.io/library/two:layers');
    // skopeo, an independent reader of both layouts, accepts the archive...
    const sk = execFileSync('skopeo', ['inspect', `docker-archive:${join(savedDir, 'x.tar')}`]).toString();
    assert.match(sk, new RegExp(sha(layer1)));
    // ...and its own legacy docker-archive (`<id>/layer.tar` symlinks, `<hex>.json` config) loads.
    execFileSync('skopeo', ['copy', '-q', `docker-archive:${join(savedDir, 'x.tar')}`, `docker-archive:${join(savedDir, 'legacy.tar')}:legacy/fmt:1`]);
    const legacy = await load(d, readFileSync(join(savedDir, 'legacy.tar')));
    assert.equal(legacy.status, 200, legacy.body);
    assert.match(legacy.body, /Loaded image: legacy\/fmt:1/);
    assert.deepEqual((await d.client.json<{ RootFS: { Layers: string[] } }>('GET', '/images/legacy/fmt:1/json')).RootFS.Layers, [sha(layer1), sha(layer2)]);
    await d.client.json('DELETE', '/images/legacy/fmt:1');
    rmSync(savedDir, { recursive: true, force: true });

    // Delete and load the saved archive again: same image ID.
    await d.client.json('DELETE', '/images/two:layers');
    const again = await load(d, saved);
    assert.equal(again.status, 200, again.body);
    assert.ok((await images(d)).some((i) => i.Id === id));
  });

  test('gzip archives, OCI-only layouts and gzip layers load', async () => {
    const layer = await makeTar([{ name: 'gz', data: 'gz\n' }]);
    const { archive, id } = await makeImageArchive([layer], 'gz:1');
    assert.equal((await load(d, gzipSync(archive))).status, 200);
    assert.ok((await images(d)).some((i) => i.Id === id && i.RepoTags.includes('gz:1')));

    // OCI layout only: no manifest.json; the name comes from the index annotation.
    const ociLayer = await makeTar([{ name: 'oci', data: 'oci\n' }]);
    const gzLayer = gzipSync(ociLayer);
    const config = Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', config: {}, rootfs: { type: 'layers', diff_ids: [sha(ociLayer)] } }));
    const manifest = Buffer.from(JSON.stringify({ schemaVersion: 2, config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: sha(config), size: config.length }, layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', digest: sha(gzLayer), size: gzLayer.length }] }));
    const oci = await makeTar([
      { name: 'oci-layout', data: '{"imageLayoutVersion":"1.0.0"}' },
      { name: `blobs/sha256/${sha(gzLayer).slice(7)}`, data: gzLayer },
      { name: `blobs/sha256/${sha(config).slice(7)}`, data: config },
      { name: `blobs/sha256/${sha(manifest).slice(7)}`, data: manifest },
      { name: 'index.json', data: JSON.stringify({ schemaVersion: 2, manifests: [{ mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: sha(manifest), size: manifest.length, annotations: { 'io.containerd.image.name': 'localhost:5000/oci/only:v1' } }] }) },
    ]);
    const r = await load(d, oci);
    assert.equal(r.status, 200, r.body);
    assert.match(r.body, /Loaded image: localhost:5000\/oci\/only:v1/);
    // Saved again, the gzip layer comes out uncompressed under its diff ID.
    const saved = await readAll(await d.client.call('GET', '/images/localhost:5000/oci/only:v1/get'));
    assert.ok(saved.includes(Buffer.from('oci\n')));
    assert.ok(saved.includes(Buffer.from(sha(ociLayer).slice(7))));
    void id;
  });

  test('hostile layers never write outside their snapshot', async () => {
    const before = storeState(d);
    // "../" escapes are refused outright; nothing is kept.
    const dotdot = await makeImageArchive([await makeTar([{ name: '../../../../../../../tmp/berth-escape', data: 'pwned' }])], 'evil:dotdot');
    const r1 = await load(d, dotdot.archive);
    // moby answers a failed load with 200 and the error in the stream.
    assert.equal(r1.status, 200, r1.body);
    assert.match(r1.body, /"errorDetail":\{"message":"invalid archive: .*escapes the target directory"\}/);
    assert.ok(!existsSync('/tmp/berth-escape'));
    assert.deepEqual(storeState(d), before, 'a refused load leaves no blob, layer or record behind');

    // Absolute names, symlinks to outside and writes through them all land inside the layer.
    const evil = await makeImageArchive(
      [
        await makeTar([
          { name: '/abs-file', data: 'abs' },
          { name: 'up', type: 'symlink', linkname: '../../../../../../..' + canary },
          { name: 'up/through-relative', data: 'x' },
          { name: 'abs', type: 'symlink', linkname: canary },
          { name: 'abs/through-absolute', data: 'y' },
          { name: 'dev-null', type: 'character-device', devmajor: 1, devminor: 3, data: '' },
        ]),
      ],
      'evil:links',
    );
    const r2 = await load(d, evil.archive);
    assert.equal(r2.status, 200, r2.body);
    assert.deepEqual(readdirSync(canary), [], 'nothing was written through the symlinks into the outside directory');
    const upper = (await d.client.json<{ GraphDriver: { Data: { UpperDir: string } } }>('GET', '/images/evil:links/json')).GraphDriver.Data.UpperDir;
    assert.equal(readFileSync(join(upper, 'abs-file'), 'utf8'), 'abs');
    assert.equal(readFileSync(join(upper, canary, 'through-absolute'), 'utf8'), 'y');
    assert.ok(lstatSync(join(upper, 'dev-null')).isCharacterDevice(), 'device nodes are created inside the layer only');
  });

  test('corrupt, truncated and mismatching archives leave nothing behind', async () => {
    const before = storeState(d);
    const beforeImages = (await images(d)).length;
    const layer = await makeTar([{ name: 'big', data: Buffer.alloc(3 << 20, 7) }]);
    const { archive } = await makeImageArchive([layer], 'broken:1');
    const cases: [string, Buffer][] = [
      ['garbage', Buffer.from('this is not a tar archive at all, just text'.repeat(40))],
      ['truncated', archive.subarray(0, Math.floor(archive.length * 0.6))],
      ['empty', Buffer.alloc(0)],
    ];
    // A blob whose content does not match the digest it is named by.
    const tampered = Buffer.from(archive);
    const at = tampered.indexOf(Buffer.alloc(64, 7));
    tampered[at] = 8;
    cases.push(['digest mismatch', tampered]);
    // A config that lists a different diff ID than the layer has.
    const wrongCfg = await makeImageArchive([layer], 'broken:2');
    const cfgText = wrongCfg.archive.toString('latin1').replace(sha(layer), sha('something else'));
    cases.push(['diff id mismatch', Buffer.from(cfgText, 'latin1')]);
    for (const [name, body] of cases) {
      const r = await load(d, body);
      assert.ok(r.status === 400 || /error/.test(r.body), `${name}: refused (got ${r.status} ${r.body})`);
      assert.match(r.body, /invalid|mismatch|empty|unexpected|truncated|missing/i, `${name}: says why`);
      assert.equal((await images(d)).length, beforeImages, `${name}: no image appears`);
      // GC runs after a failed load; give it a moment.
      await new Promise((res) => setTimeout(res, 200));
      assert.deepEqual(storeState(d), before, `${name}: no file is left behind`);
    }
  });

  test('loading a tag that another image holds moves it, as Docker says', async () => {
    const a = await makeImageArchive([await makeTar([{ name: 'v', data: 'one' }])], 'moving:tag');
    const b = await makeImageArchive([await makeTar([{ name: 'v', data: 'two' }])], 'moving:tag');
    assert.equal((await load(d, a.archive)).status, 200);
    const r = await load(d, b.archive);
    assert.match(r.body, new RegExp(`The image moving:tag already exists, renaming the old one with ID ${a.id} to empty string`));
    assert.match(r.body, /Loaded image: moving:tag/);
    const list = await images(d);
    assert.deepEqual(list.find((i) => i.Id === a.id)?.RepoTags, [], 'the old image is left dangling');
    assert.deepEqual(list.find((i) => i.Id === b.id)?.RepoTags, ['moving:tag']);
    await d.client.json('DELETE', `/images/${a.id}`);
    await d.client.json('DELETE', '/images/moving:tag');
  });

  test('the same archive loaded twice at once gives one image and one copy of each layer', async () => {
    const layer = await makeTar([{ name: 'twice', data: Buffer.alloc(2 << 20, 9) }]);
    const { archive, id } = await makeImageArchive([layer], 'twice:1');
    const [a, b] = await Promise.all([load(d, archive), load(d, archive)]);
    assert.equal(a.status, 200, a.body);
    assert.equal(b.status, 200, b.body);
    assert.equal((await images(d)).filter((i) => i.Id === id).length, 1);
    const layers = readdirSync(join(d.dataRoot, 'snapshots')).filter((n) => n === sha(layer).slice(7));
    assert.equal(layers.length, 1);
    assert.ok(!readdirSync(join(d.dataRoot, 'snapshots')).some((n) => n.startsWith('.staging')), 'no staging dir left');
    await d.client.json('DELETE', '/images/twice:1');
  });

  test('import from stdin and from a URL, with --change', async () => {
    const root = await makeTar([{ name: 'bin/', type: 'directory' }, { name: 'bin/sh', data: '#!fake', mode: 0o755 }, { name: 'etc/os', data: 'imported\n' }]);
    const res = await d.client.call('POST', '/images/create', { body: gzipSync(root), query: { fromSrc: '-', repo: 'imp', tag: 'v1', changes: ['CMD ["/bin/sh"]', 'ENV A=1 B=two', 'EXPOSE 80/udp 443', 'LABEL x=y', 'WORKDIR /srv', 'USER 10:20'] } });
    const body = (await readAll(res)).toString();
    const id = /"status":"(sha256:[a-f0-9]{64})"/.exec(body)?.[1];
    assert.ok(id, body);
    const img = await d.client.json<{ Id: string; Config: Record<string, unknown>; RepoTags: string[]; Comment: string; RootFS: { Layers: string[] } }>('GET', '/images/imp:v1/json');
    assert.equal(img.Id, id);
    assert.deepEqual(img.Config.Cmd, ['/bin/sh']);
    assert.deepEqual(img.Config.Env, ['A=1', 'B=two']);
    assert.deepEqual(img.Config.ExposedPorts, { '80/udp': {}, '443/tcp': {} });
    assert.deepEqual(img.Config.Labels, { x: 'y' });
    assert.equal(img.Config.WorkingDir, '/srv');
    assert.equal(img.Config.User, '10:20');
    assert.equal(img.Comment, 'Imported from -');
    // The layer is the uncompressed tar: its diff ID is the tar's sha256.
    assert.deepEqual(img.RootFS.Layers, [sha(root)]);

    const { createServer } = await import('node:http');
    const server = createServer((_req, resp) => resp.end(root));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const port = (server.address() as { port: number }).port;
    const res2 = await d.client.call('POST', '/images/create', { query: { fromSrc: `http://127.0.0.1:${port}/rootfs.tar`, repo: 'fromurl', message: 'from the web' } });
    await readAll(res2);
    server.close();
    const img2 = await d.client.json<{ Comment: string; RepoTags: string[] }>('GET', '/images/fromurl/json');
    assert.equal(img2.Comment, 'from the web');
    assert.deepEqual(img2.RepoTags, ['fromurl:latest']);

    // A broken import leaves nothing behind either.
    const before = storeState(d);
    for (const body of [Buffer.from('not a tar, not compressed, just words '.repeat(30)), gzipSync(Buffer.from('gzip of garbage '.repeat(100))), root.subarray(0, 700)]) {
      const res3 = await d.client.raw('POST', '/images/create', { body, query: { fromSrc: '-', repo: 'broken-import' } });
      const text = (await readAll(res3)).toString();
      assert.ok(res3.statusCode === 400 || /"error"/.test(text), text);
      assert.deepEqual(storeState(d), before, `no file left by a failed import (${text})`);
    }
    assert.equal((await images(d)).filter((i) => i.RepoTags.some((t) => t.startsWith('broken-import'))).length, 0);

    const bad = await d.client.raw('POST', '/images/create', { body: root, query: { fromSrc: '-', changes: ['RUN echo no'] } });
    assert.equal(bad.statusCode, 400);
    assert.match((await readAll(bad)).toString(), /not a valid change command/);
  });

  test('tag, rmi and prune follow Docker rules', async () => {
    const { archive, id } = await makeImageArchive([await makeTar([{ name: 'f', data: 'rmi' }])], 'rmi:a');
    await load(d, archive);
    await d.client.call('POST', '/images/rmi:a/tag', { query: { repo: 'rmi', tag: 'b' } });
    await d.client.call('POST', '/images/rmi:a/tag', { query: { repo: 'other/repo' } });
    // By ID with references in two repositories: must be forced.
    const conflict = await d.client.raw('DELETE', `/images/${id.slice(7, 19)}`);
    assert.equal(conflict.statusCode, 409);
    assert.match((await readAll(conflict)).toString(), /referenced in multiple repositories/);
    // By name: only that tag goes.
    assert.deepEqual(await d.client.json('DELETE', '/images/rmi:b'), [{ Untagged: 'rmi:b' }]);
    assert.deepEqual(await d.client.json('DELETE', '/images/other/repo'), [{ Untagged: 'other/repo:latest' }]);
    // The last tag takes the image with it.
    assert.deepEqual(await d.client.json('DELETE', '/images/rmi:a'), [{ Untagged: 'rmi:a' }, { Deleted: id }]);
    const missing = await d.client.raw('DELETE', '/images/rmi:a');
    assert.equal(missing.statusCode, 404);
    assert.equal(missing.headers['content-type'], 'application/json');
    assert.deepEqual(JSON.parse((await readAll(missing)).toString()), { message: 'No such image: rmi:a' });

    // Prune: dangling only by default, everything unused with dangling=false.
    const dangling = await makeImageArchive([await makeTar([{ name: 'f', data: 'dangling' }])], undefined);
    await load(d, dangling.archive);
    const pr = await d.client.json<{ ImagesDeleted: { Deleted?: string }[]; SpaceReclaimed: number }>('POST', '/images/prune');
    assert.ok(pr.ImagesDeleted.some((x) => x.Deleted === dangling.id));
    assert.ok(pr.SpaceReclaimed > 0);
    assert.ok((await images(d)).length > 0, 'tagged images survive a plain prune');
    const all = await d.client.json<{ ImagesDeleted: unknown[] | null }>('POST', '/images/prune', { query: { filters: '{"dangling":{"false":true}}' } });
    assert.ok((all.ImagesDeleted?.length ?? 0) > 0);
    assert.deepEqual(await images(d), []);
    assert.deepEqual(readdirSync(join(d.dataRoot, 'snapshots')), [], 'every layer is collected once no image uses it');
  });
});

describe('interrupted loads', { skip: !isRoot }, () => {
  test('a client that goes away mid-upload leaves no image and no file', async () => {
    const d = await startDaemon();
    try {
      const before = storeState(d);
      const layer = await makeTar([{ name: 'big', data: Buffer.alloc(40 << 20, 3) }]);
      const { archive } = await makeImageArchive([layer], 'gone:1');
      const { Readable } = await import('node:stream');
      let sent = 0;
      const ac = new AbortController();
      const body = new Readable({
        read() {
          const chunk = archive.subarray(sent, sent + (1 << 20));
          sent += chunk.length;
          if (sent > 20 << 20) {
            ac.abort();
            return;
          }
          this.push(chunk);
        },
      });
      await d.client.raw('POST', '/images/load', { body, signal: ac.signal }).catch(() => undefined);
      for (let i = 0; i < 50 && storeState(d).join() !== before.join(); i++) await new Promise((r) => setTimeout(r, 100));
      assert.deepEqual(storeState(d), before);
      assert.deepEqual(await images(d), []);
    } finally {
      await d.cleanup();
    }
  });

  test('a client that stops reading a save and goes away leaves the daemon serving saves', async () => {
    const d = await startDaemon();
    try {
      const layer = await makeTar([{ name: 'big', data: Buffer.alloc(40 << 20, 7) }]);
      const { archive } = await makeImageArchive([layer], 'saved:1');
      assert.equal((await load(d, archive)).status, 200);
      // Read a little, stall long enough for the daemon to block on a full socket, then hang up.
      const ac = new AbortController();
      const res = await d.client.raw('GET', '/images/get', { query: { names: 'saved:1' }, signal: ac.signal });
      assert.equal(res.statusCode, 200);
      const first = await new Promise<Buffer>((resolve) => res.once('data', resolve));
      assert.ok(first.length > 0);
      res.pause();
      await new Promise((r) => setTimeout(r, 300));
      ac.abort();
      res.destroy();
      // The next save is whole: its size is the advertised length and it holds the layer.
      const again = await d.client.raw('GET', '/images/get', { query: { names: 'saved:1' } });
      const whole = await readAll(again);
      assert.equal(whole.length, Number(again.headers['content-length']));
      assert.ok(whole.includes(layer.subarray(0, 512)));
      // Removing the image needs the store's exclusive lock: an abandoned save still holding its
      // shared lock would hang this.
      await d.client.json('DELETE', '/images/saved:1', { signal: AbortSignal.timeout(10_000) });
      assert.deepEqual(await images(d), []);
    } finally {
      await d.cleanup();
    }
  });

  test('a full disk fails the load cleanly (ENOSPC on a small tmpfs data root)', async () => {
    const { execFileSync } = await import('node:child_process');
    const mnt = mkdtempSync(join(tmpdir(), 'berth-tmpfs-'));
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=12m', 'tmpfs', mnt]);
    const d = await startDaemon([], { dataRoot: join(mnt, 'data') }).catch(async (err: unknown) => {
      execFileSync('umount', [mnt]);
      throw err;
    });
    try {
      const before = storeState(d);
      const layer = await makeTar([{ name: 'big', data: Buffer.alloc(16 << 20, 5) }]);
      const { archive } = await makeImageArchive([layer], 'full:1');
      const r = await load(d, archive);
      assert.ok(r.status >= 400 || /error/.test(r.body), r.body);
      assert.match(r.body, /ENOSPC|no space/i);
      assert.deepEqual(await images(d), []);
      assert.deepEqual(storeState(d), before, 'nothing half-written is left on the full disk');
      // Once space is back the store works.
      const small = await makeImageArchive([await makeTar([{ name: 'f', data: 'fits' }])], 'fits:1');
      assert.equal((await load(d, small.archive)).status, 200);
    } finally {
      await d.cleanup();
      execFileSync('umount', [mnt]);
      rmSync(mnt, { recursive: true, force: true });
    }
  });
});

/** Storage guarantees under concurrency, interruption and garbage collection, through the server. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readdir, utimes } from 'node:fs/promises';
import { join } from 'node:path';
import { request as httpRequest } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { garbageCollect } from '../../src/registry/index.js';
import { OCI_MANIFEST, pushBlob, pushImage, request, sha256, startTestRegistry } from '../helpers/registry.js';

test('concurrent pushes of the same blob and of the same tag', async () => {
  const reg = await startTestRegistry();
  try {
    const data = randomBytes(3 * 1024 * 1024);
    const digests = await Promise.all(Array.from({ length: 8 }, () => pushBlob(reg.url, 'conc/repo', data)));
    assert.ok(digests.every((d) => d === sha256(data)));
    assert.deepEqual((await request(reg.url, 'GET', `/v2/conc/repo/blobs/${sha256(data)}`)).body, data);
    assert.deepEqual(await readdir(join(reg.root, 'uploads')), [], 'every session was committed and removed');
    const images = await Promise.all(Array.from({ length: 6 }, () => pushImage(reg.url, 'conc/repo', 'latest')));
    const head = await request(reg.url, 'GET', '/v2/conc/repo/manifests/latest');
    assert.equal(head.status, 200);
    const winner = head.headers.get('docker-content-digest');
    assert.ok(images.some((i) => i.digest === winner), 'the tag names one of the pushed manifests, whole');
    assert.equal(sha256(head.body), winner);
  } finally {
    await reg.close();
  }
});

test('an interrupted upload leaves nothing visible and is reaped after the timeout', async () => {
  const reg = await startTestRegistry({ uploadTimeoutMs: 1500 });
  try {
    const data = randomBytes(256 * 1024);
    const start = await request(reg.url, 'POST', '/v2/cut/repo/blobs/uploads/');
    const loc = new URL(start.headers.get('location')!, reg.url);
    // A PUT that dies halfway through its body.
    await new Promise<void>((resolve) => {
      const req = httpRequest(`${loc.href}?digest=${sha256(data)}`, { method: 'PUT', headers: { 'Content-Length': String(data.length) } });
      req.on('error', () => resolve());
      req.write(data.subarray(0, 100_000), () => {
        setTimeout(() => {
          req.destroy();
          resolve();
        }, 100);
      });
    });
    await sleep(100);
    assert.equal((await request(reg.url, 'HEAD', `/v2/cut/repo/blobs/${sha256(data)}`)).status, 404);
    const blobs = await readdir(join(reg.root, 'blobs', 'sha256'));
    assert.ok(!blobs.includes(sha256(data).slice(7)), 'no blob file either');
    assert.equal((await readdir(join(reg.root, 'uploads'))).length, 1);
    for (let i = 0; i < 50 && (await readdir(join(reg.root, 'uploads'))).length > 0; i++) await sleep(100);
    assert.deepEqual(await readdir(join(reg.root, 'uploads')), [], 'the reaper removed the abandoned session');
    assert.equal((await request(reg.url, 'GET', loc.pathname)).status, 404);
  } finally {
    await reg.close();
  }
});

test('garbage-collect: dry run, sweep of unreferenced blobs, --delete-untagged, grace period', async () => {
  const reg = await startTestRegistry();
  const lines: string[] = [];
  const gc = (deleteUntagged: boolean, dryRun = false, graceMs = 0): ReturnType<typeof garbageCollect> =>
    garbageCollect(reg.root, { dryRun, deleteUntagged, graceMs, log: (l) => lines.push(l) });
  try {
    const tagged = await pushImage(reg.url, 'gc/repo', 'v1');
    const untagged = await pushImage(reg.url, 'gc/repo', 'v2');
    assert.equal((await request(reg.url, 'DELETE', '/v2/gc/repo/manifests/v2')).status, 202);
    const orphan = await pushBlob(reg.url, 'gc/repo', 'orphan blob');
    const dry = await gc(false, true);
    assert.deepEqual(dry.deletedBlobs, [orphan]);
    assert.equal((await request(reg.url, 'HEAD', `/v2/gc/repo/blobs/${orphan}`)).status, 200, 'a dry run deletes nothing');
    assert.ok(lines.includes(`blob eligible for deletion: ${orphan}`));

    const r1 = await gc(false);
    assert.deepEqual(r1.deletedBlobs, [orphan]);
    assert.equal((await request(reg.url, 'HEAD', `/v2/gc/repo/blobs/${orphan}`)).status, 404);
    assert.equal((await request(reg.url, 'GET', `/v2/gc/repo/manifests/${untagged.digest}`)).status, 200, 'untagged manifests stay without -m');

    const r2 = await gc(true);
    assert.deepEqual(r2.deletedManifests, [{ repo: 'gc/repo', digest: untagged.digest }]);
    assert.deepEqual(new Set(r2.deletedBlobs), new Set([untagged.digest, untagged.config, untagged.layer]));
    assert.equal((await request(reg.url, 'GET', `/v2/gc/repo/manifests/${untagged.digest}`)).status, 404);
    for (const d of [tagged.digest, tagged.config, tagged.layer]) {
      assert.equal((await request(reg.url, 'HEAD', `/v2/gc/repo/${d === tagged.digest ? 'manifests' : 'blobs'}/${d}`)).status, 200, `${d} of the tagged image stays`);
    }
    const recent = await pushBlob(reg.url, 'gc/repo', 'recent blob');
    assert.deepEqual((await gc(false, false, 60_000)).deletedBlobs, [], 'blobs within the grace period are kept');
    assert.equal((await request(reg.url, 'HEAD', `/v2/gc/repo/blobs/${recent}`)).status, 200);
  } finally {
    await reg.close();
  }
});

test('garbage-collect while a push is in progress loses none of its blobs', async () => {
  const reg = await startTestRegistry();
  try {
    // An old, unreferenced blob that a new push then reuses (the client HEADs it, finds it, skips it).
    const reused = await pushBlob(reg.url, 'busy/repo', 'shared layer');
    const old = new Date(Date.now() - 3 * 3600_000);
    await utimes(join(reg.root, 'blobs', 'sha256', reused.slice(7)), old, old);
    const config = await pushBlob(reg.url, 'busy/repo', '{"architecture":"amd64","os":"linux"}');
    assert.equal((await request(reg.url, 'HEAD', `/v2/busy/repo/blobs/${reused}`)).status, 200);
    const result = await garbageCollect(reg.root, { dryRun: false, deleteUntagged: true, graceMs: 3600_000, log: () => {} });
    assert.deepEqual(result.deletedBlobs, [], 'the push in progress has touched both of its blobs');
    const manifest = JSON.stringify({
      schemaVersion: 2,
      mediaType: OCI_MANIFEST,
      config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: config, size: 37 },
      layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar', digest: reused, size: 12 }],
    });
    const put = await request(reg.url, 'PUT', '/v2/busy/repo/manifests/latest', { body: manifest, headers: { 'Content-Type': OCI_MANIFEST } });
    assert.equal(put.status, 201);
    assert.equal((await request(reg.url, 'GET', `/v2/busy/repo/blobs/${reused}`)).body.toString(), 'shared layer');
    // Without the grace period, an unreferenced blob goes (the contrast that makes the test meaningful).
    const lonely = await pushBlob(reg.url, 'busy/repo', 'lonely');
    assert.deepEqual((await garbageCollect(reg.root, { dryRun: false, deleteUntagged: false, graceMs: 0, log: () => {} })).deletedBlobs, [lonely]);
  } finally {
    await reg.close();
  }
});

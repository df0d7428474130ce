/** Protocol details beyond the conformance suite: ranges, edge blobs, bad digests, sha512, negotiation. */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import http from 'node:http';
import net from 'node:net';
import { DOCKER_LIST, DOCKER_MANIFEST, OCI_INDEX, OCI_MANIFEST, pushBlob, pushImage, request, sha256, startTestRegistry, type Reply, type TestRegistry } from '../helpers/registry.js';

let reg: TestRegistry;
const call = (method: string, path: string, opts: { headers?: Record<string, string>; body?: Buffer | string } = {}): Promise<Reply> => request(reg.url, method, path, opts);
const code = (r: Reply): string => r.json<{ errors: { code: string }[] }>().errors[0]!.code;
const sha512 = (data: Buffer | string): string => `sha512:${createHash('sha512').update(data).digest('hex')}`;

before(async () => {
  reg = await startTestRegistry();
});
after(async () => {
  await reg.close();
});

describe('blobs', () => {
  const data = randomBytes(1000);
  let digest: string;
  test('Range: 206 with Content-Range for a-b, a- and -n; 416 beyond the end', async () => {
    digest = await pushBlob(reg.url, 'range/repo', data);
    const mid = await call('GET', `/v2/range/repo/blobs/${digest}`, { headers: { Range: 'bytes=10-19' } });
    assert.equal(mid.status, 206);
    assert.equal(mid.headers.get('content-range'), 'bytes 10-19/1000');
    assert.deepEqual(mid.body, data.subarray(10, 20));
    const open = await call('GET', `/v2/range/repo/blobs/${digest}`, { headers: { Range: 'bytes=990-' } });
    assert.deepEqual(open.body, data.subarray(990));
    const suffix = await call('GET', `/v2/range/repo/blobs/${digest}`, { headers: { Range: 'bytes=-5' } });
    assert.equal(suffix.headers.get('content-range'), 'bytes 995-999/1000');
    assert.deepEqual(suffix.body, data.subarray(995));
    const beyond = await call('GET', `/v2/range/repo/blobs/${digest}`, { headers: { Range: 'bytes=1000-1001' } });
    assert.equal(beyond.status, 416);
    assert.equal(beyond.headers.get('content-range'), 'bytes */1000');
    const full = await call('GET', `/v2/range/repo/blobs/${digest}`);
    assert.equal(full.status, 200);
    assert.equal(full.headers.get('accept-ranges'), 'bytes');
    assert.deepEqual(full.body, data);
  });
  // Blob bodies go by sendfile: a body larger than any socket buffer, with ranges, while other
  // clients stall (never read) or vanish mid-body, must still arrive whole and in order.
  test('large bodies by sendfile: whole, ranged, beside stalled and vanishing clients', async () => {
    const big = randomBytes(24 << 20);
    const d = await pushBlob(reg.url, 'sendfile/repo', big);
    const { hostname: host, port } = new URL(reg.url);
    const raw = (path: string): Promise<net.Socket> =>
      new Promise((resolve) => {
        const s = net.connect(Number(port), host.replace(/^\[|\]$/g, ''), () => {
          s.write(`GET ${path} HTTP/1.1\r\nHost: x\r\n\r\n`);
          resolve(s);
        });
      });
    // Stalled: connected, request sent, never read. Vanishing: reads a little, then resets.
    const stalled = await Promise.all([1, 2, 3, 4, 5, 6].map(() => raw(`/v2/sendfile/repo/blobs/${d}`)));
    for (const s of stalled) s.pause();
    const vanishing = await Promise.all([1, 2, 3].map(() => raw(`/v2/sendfile/repo/blobs/${d}`)));
    await Promise.all(vanishing.map((s) => new Promise<void>((r) => s.once('data', () => (s.resetAndDestroy(), r())))));
    const full = await call('GET', `/v2/sendfile/repo/blobs/${d}`);
    assert.equal(full.status, 200);
    assert.equal(full.body.length, big.length);
    assert.ok(full.body.equals(big), 'the body is the blob, byte for byte');
    const part = await call('GET', `/v2/sendfile/repo/blobs/${d}`, { headers: { Range: 'bytes=1000000-17777777' } });
    assert.equal(part.status, 206);
    assert.ok(part.body.equals(big.subarray(1000000, 17777778)));
    // The same connection serves the next request after a sendfile body (keep-alive intact).
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    const get = (): Promise<{ n: number; socket: unknown }> =>
      new Promise((resolve, reject) => {
        http
          .get(`${reg.url}/v2/sendfile/repo/blobs/${d}`, { agent }, (res) => {
            let n = 0;
            res.on('data', (c: Buffer) => (n += c.length));
            res.on('end', () => resolve({ n, socket: res.socket }));
          })
          .on('error', reject);
      });
    const first = await get();
    const second = await get();
    agent.destroy();
    assert.equal(first.n, big.length);
    assert.equal(second.n, big.length);
    assert.equal(first.socket, second.socket);
    for (const s of stalled) s.destroy();
  });

  test('a blob is visible only in the repositories that link it', async () => {
    assert.equal((await call('HEAD', `/v2/other/repo/blobs/${digest}`)).status, 404);
  });
  test('the empty blob and the {} empty config', async () => {
    const empty = await pushBlob(reg.url, 'edge/repo', Buffer.alloc(0));
    assert.equal(empty, 'sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
    const head = await call('HEAD', `/v2/edge/repo/blobs/${empty}`);
    assert.equal(head.status, 200);
    assert.equal(head.headers.get('content-length'), '0');
    assert.equal((await call('GET', `/v2/edge/repo/blobs/${empty}`)).body.length, 0);
    const mono = await call('POST', `/v2/edge/repo/blobs/uploads/?digest=${sha256('{}')}`, { body: '{}' });
    assert.equal(mono.status, 201);
    assert.equal(sha256('{}'), 'sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a');
    assert.equal((await call('GET', `/v2/edge/repo/blobs/${sha256('{}')}`)).body.toString(), '{}');
  });
  test('a wrong digest is refused by every upload method and leaves nothing behind', async () => {
    const wrong = sha256('something else');
    const mono = await call('POST', `/v2/bad/repo/blobs/uploads/?digest=${wrong}`, { body: 'payload' });
    assert.equal(mono.status, 400);
    assert.equal(code(mono), 'DIGEST_INVALID');
    const s1 = await call('POST', '/v2/bad/repo/blobs/uploads/');
    const put = await call('PUT', `${s1.headers.get('location')!}?digest=${wrong}`, { body: 'payload' });
    assert.equal(put.status, 400);
    assert.equal(code(put), 'DIGEST_INVALID');
    assert.equal((await call('GET', s1.headers.get('location')!)).status, 404, 'the failed session is gone');
    const s2 = await call('POST', '/v2/bad/repo/blobs/uploads/');
    await call('PATCH', s2.headers.get('location')!, { body: 'pay', headers: { 'Content-Range': '0-2' } });
    await call('PATCH', s2.headers.get('location')!, { body: 'load', headers: { 'Content-Range': '3-6' } });
    const chunked = await call('PUT', `${s2.headers.get('location')!}?digest=${wrong}`);
    assert.equal(chunked.status, 400);
    const s3 = await call('POST', '/v2/bad/repo/blobs/uploads/');
    const malformed = await call('PUT', `${s3.headers.get('location')!}?digest=sha256:1234`, { body: 'payload' });
    assert.equal(malformed.status, 400);
    assert.equal(code(malformed), 'DIGEST_INVALID');
    const s4 = await call('POST', '/v2/bad/repo/blobs/uploads/');
    assert.equal((await call('PUT', s4.headers.get('location')!, { body: 'payload' })).status, 400, 'PUT without digest');
    for (const d of [wrong, sha256('payload')]) assert.equal((await call('HEAD', `/v2/bad/repo/blobs/${d}`)).status, 404);
    assert.deepEqual((await readUploads()).length, 2, 'only the sessions never completed remain (until the reaper)');
  });
  test('sha512 digests for blobs and manifests', async () => {
    const blob = Buffer.from('sha512 content');
    const start = await call('POST', '/v2/sha512/repo/blobs/uploads/');
    const put = await call('PUT', `${start.headers.get('location')!}?digest=${sha512(blob)}`, { body: blob });
    assert.equal(put.status, 201);
    assert.equal(put.headers.get('docker-content-digest'), sha512(blob));
    assert.deepEqual((await call('GET', `/v2/sha512/repo/blobs/${sha512(blob)}`)).body, blob);
    const config = await pushBlob(reg.url, 'sha512/repo', '{}');
    const manifest = JSON.stringify({ schemaVersion: 2, mediaType: OCI_MANIFEST, config: { mediaType: 'application/vnd.oci.empty.v1+json', digest: config, size: 2 }, layers: [{ mediaType: 'application/octet-stream', digest: sha512(blob), size: blob.length }] });
    const m = await call('PUT', `/v2/sha512/repo/manifests/${sha512(manifest)}`, { body: manifest, headers: { 'Content-Type': OCI_MANIFEST } });
    assert.equal(m.status, 201);
    assert.equal(m.headers.get('docker-content-digest'), sha512(manifest));
    assert.equal((await call('GET', `/v2/sha512/repo/manifests/${sha512(manifest)}`)).body.toString(), manifest);
  });
  test('unknown upload sessions and invalid names', async () => {
    const r = await call('PATCH', '/v2/x/blobs/uploads/00000000-0000-0000-0000-000000000000', { body: 'x' });
    assert.equal(r.status, 404);
    assert.equal(code(r), 'BLOB_UPLOAD_UNKNOWN');
    const s = await call('POST', '/v2/x/blobs/uploads/');
    assert.equal((await call('GET', s.headers.get('location')!.replace('/x/', '/y/'))).status, 404, 'a session belongs to its repository');
    assert.equal((await call('DELETE', s.headers.get('location')!)).status, 204);
    assert.equal((await call('GET', s.headers.get('location')!)).status, 404);
    const bad = await call('GET', '/v2/UPPER/case/tags/list');
    assert.equal(bad.status, 400);
    assert.equal(code(bad), 'NAME_INVALID');
  });
});

describe('manifests', () => {
  test('references must exist; invalid JSON, mismatched digests and bodies over 4 MiB are refused', async () => {
    const img = await pushImage(reg.url, 'man/repo', 'v1');
    const missing = JSON.stringify({ schemaVersion: 2, mediaType: OCI_MANIFEST, config: { mediaType: 'x', digest: img.config, size: 1 }, layers: [{ mediaType: 'x', digest: sha256('absent'), size: 1 }] });
    const r = await call('PUT', '/v2/man/repo/manifests/bad', { body: missing, headers: { 'Content-Type': OCI_MANIFEST } });
    assert.equal(r.status, 400);
    assert.equal(code(r), 'MANIFEST_BLOB_UNKNOWN');
    const other = await call('PUT', '/v2/other/repo/manifests/v1', { body: img.manifest, headers: { 'Content-Type': OCI_MANIFEST } });
    assert.equal(code(other), 'MANIFEST_BLOB_UNKNOWN', 'blobs of another repository do not count');
    const invalid = await call('PUT', '/v2/man/repo/manifests/bad', { body: 'not json', headers: { 'Content-Type': OCI_MANIFEST } });
    assert.equal(invalid.status, 400);
    assert.equal(code(invalid), 'MANIFEST_INVALID');
    const mismatch = await call('PUT', `/v2/man/repo/manifests/${sha256('other')}`, { body: img.manifest, headers: { 'Content-Type': OCI_MANIFEST } });
    assert.equal(code(mismatch), 'DIGEST_INVALID');
    const typeMismatch = await call('PUT', '/v2/man/repo/manifests/bad', { body: img.manifest, headers: { 'Content-Type': DOCKER_MANIFEST } });
    assert.equal(code(typeMismatch), 'MANIFEST_INVALID');
    const big = await call('PUT', '/v2/man/repo/manifests/big', { body: Buffer.alloc(4 * 1024 * 1024 + 1, 0x20), headers: { 'Content-Type': OCI_MANIFEST } });
    assert.equal(big.status, 413);
    assert.equal(code(big), 'SIZE_INVALID');
    const badTag = await call('PUT', '/v2/man/repo/manifests/-bad', { body: img.manifest, headers: { 'Content-Type': OCI_MANIFEST } });
    assert.equal(badTag.status, 400);
    assert.equal(code(badTag), 'TAG_INVALID');
  });
  test('Docker schema2 and manifest lists; Accept negotiation never converts', async () => {
    const amd = await pushImage(reg.url, 'neg/repo', 'amd64', { mediaType: DOCKER_MANIFEST });
    const arm = await pushImage(reg.url, 'neg/repo', 'arm64', { mediaType: DOCKER_MANIFEST });
    const list = JSON.stringify({
      schemaVersion: 2,
      mediaType: DOCKER_LIST,
      manifests: [
        { mediaType: DOCKER_MANIFEST, digest: arm.digest, size: arm.manifest.length, platform: { architecture: 'arm64', os: 'linux' } },
        { mediaType: DOCKER_MANIFEST, digest: amd.digest, size: amd.manifest.length, platform: { architecture: 'amd64', os: 'linux' } },
      ],
    });
    assert.equal((await call('PUT', '/v2/neg/repo/manifests/multi', { body: list, headers: { 'Content-Type': DOCKER_LIST } })).status, 201);
    const missingChild = JSON.stringify({ schemaVersion: 2, mediaType: OCI_INDEX, manifests: [{ mediaType: OCI_MANIFEST, digest: sha256('nope'), size: 4 }] });
    assert.equal(code(await call('PUT', '/v2/neg/repo/manifests/broken', { body: missingChild, headers: { 'Content-Type': OCI_INDEX } })), 'MANIFEST_BLOB_UNKNOWN');

    const docker28 = [OCI_INDEX, OCI_MANIFEST, DOCKER_LIST, DOCKER_MANIFEST].join(', ');
    const both = await call('GET', '/v2/neg/repo/manifests/multi', { headers: { Accept: docker28 } });
    assert.equal(both.headers.get('content-type'), DOCKER_LIST);
    assert.equal(both.body.toString(), list);
    const none = await call('GET', '/v2/neg/repo/manifests/multi');
    assert.equal(none.headers.get('content-type'), DOCKER_LIST, 'no Accept: the stored bytes');
    const v2only = await call('GET', '/v2/neg/repo/manifests/multi', { headers: { Accept: DOCKER_MANIFEST } });
    assert.equal(v2only.headers.get('docker-content-digest'), amd.digest, "a list the client cannot read: the linux/amd64 manifest, as distribution does");
    const oci = await pushImage(reg.url, 'neg/repo', 'oci');
    const refused = await call('GET', '/v2/neg/repo/manifests/oci', { headers: { Accept: DOCKER_MANIFEST } });
    assert.equal(refused.status, 404);
    assert.equal(code(refused), 'MANIFEST_UNKNOWN');
    assert.equal((await call('GET', '/v2/neg/repo/manifests/oci', { headers: { Accept: '*/*' } })).headers.get('docker-content-digest'), oci.digest);
  });
  test('a tag moves to the last manifest pushed under it', async () => {
    const a = await pushImage(reg.url, 'move/repo', 'latest');
    const b = await pushImage(reg.url, 'move/repo', 'latest');
    assert.notEqual(a.digest, b.digest);
    assert.equal((await call('HEAD', '/v2/move/repo/manifests/latest')).headers.get('docker-content-digest'), b.digest);
    assert.equal((await call('HEAD', `/v2/move/repo/manifests/${a.digest}`)).status, 200, 'the old one stays by digest');
  });
});

describe('catalog and base', () => {
  test('GET /v2/ answers {} with the API version header', async () => {
    const r = await call('GET', '/v2/');
    assert.equal(r.status, 200);
    assert.equal(r.body.toString(), '{}');
    assert.equal(r.headers.get('docker-distribution-api-version'), 'registry/2.0');
  });
  test('_catalog lists repositories sorted, with n/last pagination', async () => {
    const all = (await call('GET', '/v2/_catalog')).json<{ repositories: string[] }>().repositories;
    assert.ok(all.includes('range/repo') && all.includes('neg/repo'));
    assert.deepEqual(all, [...all].sort());
    const page = await call('GET', '/v2/_catalog?n=1');
    assert.deepEqual(page.json<{ repositories: string[] }>().repositories, [all[0]]);
    assert.equal(page.headers.get('link'), `</v2/_catalog?n=1&last=${encodeURIComponent(all[0]!)}>; rel="next"`);
    assert.deepEqual((await call('GET', `/v2/_catalog?n=2&last=${encodeURIComponent(all[0]!)}`)).json<{ repositories: string[] }>().repositories, all.slice(1, 3));
  });
  test('unknown paths 404, wrong methods 405', async () => {
    assert.equal((await call('GET', '/nothing')).status, 404);
    assert.equal((await call('POST', '/v2/x/tags/list')).status, 405);
  });
});

async function readUploads(): Promise<string[]> {
  const { readdir } = await import('node:fs/promises');
  const { join } = await import('node:path');
  return await readdir(join(reg.root, 'uploads'));
}

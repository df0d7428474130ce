/**
 * The OCI distribution-spec conformance suite (opencontainers/distribution-spec v1.1.1,
 * conformance/0{1..4}_*_test.go) ported group by group against berth's registry on loopback,
 * with its fixtures: where the Go suite accepts several answers, this port asserts the one
 * berth gives (e.g. mounts succeed, deletes are enabled, artifactType filtering is applied).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { OCI_INDEX, OCI_MANIFEST, request, sha256, startTestRegistry, type Reply, type TestRegistry } from '../helpers/registry.js';

const LAYER = Buffer.from(
  'H4sIAAAAAAAAA+3OQQrCMBCF4a49xXgBSUnaHMCTRBptQRNpp6i3t0UEV7oqIv7fYgbmzeJpHHSjVy0' +
    'WZCa1c/MufWVe94N3RWlrZ72x3k/30nhbFWKWLPU0Dhp6keJ8im//PuU/6pZH2WVtYx8b0Sz7LjWSR5VLG6YRBumSzOlGtjkd+qD' +
    'jMWiX07Befbs7AAAAAAAAAAAAAAAAAPyzO34MnqoAKAAA',
  'base64',
);
const LAYER_DIGEST = sha256(LAYER);
const EMPTY_JSON = Buffer.from('{}');
const EMPTY_JSON_DESC = { mediaType: 'application/vnd.oci.empty.v1+json', size: 2, digest: sha256(EMPTY_JSON) };
const DUMMY_DIGEST = sha256('hello world');
const NONEXISTENT_MANIFEST = '.INVALID_MANIFEST_NAME';
const ANNOTATION = 'org.opencontainers.conformance.test';

const json = (v: unknown): Buffer => Buffer.from(JSON.stringify(v, null, '\t'));
const configs = Array.from({ length: 5 }, () => json({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [] }, author: randomBytes(8).toString('hex') }));
const manifests = configs.map((c) =>
  json({
    schemaVersion: 2,
    mediaType: OCI_MANIFEST,
    config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: sha256(c), size: c.length, data: c.toString('base64'), newUnspecifiedField: 'aGVsbG8gd29ybGQ=' },
    layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', size: LAYER.length, digest: LAYER_DIGEST }],
  }),
);
const emptyLayerManifest = json({ schemaVersion: 2, config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: sha256(configs[1]!), size: configs[1]!.length }, layers: [] });
const blobA = randomBytes(42);
const blobB = randomBytes(42);
const chunk1 = blobB.subarray(0, 22);
const chunk2 = blobB.subarray(22);
const range1 = `0-${chunk1.length - 1}`;
const range2 = `${chunk1.length}-${blobB.length - 1}`;

const refBlobA = Buffer.from('NHL Peanut Butter on my NHL bagel');
const refBlobB = Buffer.from('NBA Strawberry Jam on my NBA croissant');
const typeA = 'application/vnd.nhl.peanut.butter.bagel';
const typeB = 'application/vnd.nba.strawberry.jam.croissant';
const subject = (m: Buffer): Record<string, unknown> => ({ mediaType: OCI_MANIFEST, size: m.length, digest: sha256(m) });
const refsAConfig = json({ schemaVersion: 2, mediaType: OCI_MANIFEST, config: { mediaType: typeA, size: refBlobA.length, digest: sha256(refBlobA) }, subject: subject(manifests[4]!), layers: [EMPTY_JSON_DESC], annotations: { [ANNOTATION]: 'test config a' } });
const refsBConfig = json({ schemaVersion: 2, mediaType: OCI_MANIFEST, config: { mediaType: typeB, size: refBlobB.length, digest: sha256(refBlobB) }, subject: subject(manifests[4]!), layers: [EMPTY_JSON_DESC], annotations: { [ANNOTATION]: 'test config b' } });
const refsALayer = json({ schemaVersion: 2, mediaType: OCI_MANIFEST, artifactType: typeA, config: EMPTY_JSON_DESC, subject: subject(manifests[4]!), layers: [{ mediaType: typeA, size: refBlobA.length, digest: sha256(refBlobA) }], annotations: { [ANNOTATION]: 'test layer a' } });
const refsBLayer = json({ schemaVersion: 2, mediaType: OCI_MANIFEST, artifactType: typeB, config: EMPTY_JSON_DESC, subject: subject(manifests[4]!), layers: [{ mediaType: typeB, size: refBlobB.length, digest: sha256(refBlobB) }], annotations: { [ANNOTATION]: 'test layer b' } });
const refsCLayer = json({ schemaVersion: 2, mediaType: OCI_MANIFEST, artifactType: typeB, config: EMPTY_JSON_DESC, subject: subject(manifests[3]!), layers: [{ mediaType: typeB, size: refBlobB.length, digest: sha256(refBlobB) }] });
const refsIndex = json({
  schemaVersion: 2,
  mediaType: OCI_INDEX,
  artifactType: 'application/vnd.food.stand',
  manifests: [
    { mediaType: OCI_MANIFEST, size: refsAConfig.length, digest: sha256(refsAConfig) },
    { mediaType: OCI_MANIFEST, size: refsALayer.length, digest: sha256(refsALayer) },
  ],
  subject: subject(manifests[4]!),
  annotations: { [ANNOTATION]: 'test index' },
});
const annotationOf = new Map([
  [sha256(refsAConfig), 'test config a'],
  [sha256(refsBConfig), 'test config b'],
  [sha256(refsALayer), 'test layer a'],
  [sha256(refsBLayer), 'test layer b'],
  [sha256(refsIndex), 'test index'],
]);

let reg: TestRegistry;
const NAME = 'conformance/myorg/myrepo';
const CROSS = `conformance-${randomUUID()}`;
const call = (method: string, path: string, opts: { headers?: Record<string, string>; body?: Buffer | string } = {}): Promise<Reply> =>
  request(reg.url, method, path.replace('<name>', NAME), opts);
const location = (r: Reply): string => r.headers.get('location') ?? '';

async function upload(data: Buffer): Promise<Reply> {
  const start = await call('POST', '/v2/<name>/blobs/uploads/');
  assert.equal(start.status, 202);
  return await call('PUT', `${location(start)}?digest=${sha256(data)}`, { body: data, headers: { 'Content-Type': 'application/octet-stream' } });
}
async function putManifest(ref: string, body: Buffer, type = OCI_MANIFEST): Promise<Reply> {
  return await call('PUT', `/v2/<name>/manifests/${ref}`, { body, headers: { 'Content-Type': type } });
}
const ok2xx = (r: Reply): void => assert.ok(r.status >= 200 && r.status < 300, `${r.status} ${r.body.toString()}`);

before(async () => {
  reg = await startTestRegistry();
});
after(async () => {
  await reg.close();
});

describe('conformance: pull', () => {
  test('setup: blobs, layer and manifests by tag and digest', async () => {
    ok2xx(await upload(configs[0]!));
    ok2xx(await upload(configs[1]!));
    ok2xx(await upload(LAYER));
    ok2xx(await putManifest('tagtest0', manifests[0]!));
    ok2xx(await putManifest(sha256(manifests[1]!), manifests[1]!));
  });
  test('blobs: HEAD/GET nonexistent 404, existing 200 with the digest header', async () => {
    assert.equal((await call('HEAD', `/v2/<name>/blobs/${DUMMY_DIGEST}`)).status, 404);
    const head = await call('HEAD', `/v2/<name>/blobs/${sha256(configs[0]!)}`);
    assert.equal(head.status, 200);
    assert.equal(head.headers.get('docker-content-digest'), sha256(configs[0]!));
    assert.equal(head.headers.get('content-length'), String(configs[0]!.length));
    const miss = await call('GET', `/v2/<name>/blobs/${DUMMY_DIGEST}`);
    assert.equal(miss.status, 404);
    assert.equal(miss.json<{ errors: { code: string }[] }>().errors[0]!.code, 'BLOB_UNKNOWN');
    const get = await call('GET', `/v2/<name>/blobs/${sha256(configs[0]!)}`);
    assert.equal(get.status, 200);
    assert.deepEqual(get.body, configs[0]);
  });
  test('manifests: HEAD/GET by digest and tag; nonexistent 404', async () => {
    const accept = { Accept: OCI_MANIFEST };
    assert.equal((await call('HEAD', `/v2/<name>/manifests/${NONEXISTENT_MANIFEST}`)).status, 404);
    for (const [ref, m] of [[sha256(manifests[0]!), manifests[0]!], [sha256(manifests[1]!), manifests[1]!], ['tagtest0', manifests[0]!]] as const) {
      const head = await call('HEAD', `/v2/<name>/manifests/${ref}`, { headers: accept });
      assert.equal(head.status, 200);
      assert.equal(head.headers.get('docker-content-digest'), sha256(m));
      assert.equal(head.headers.get('content-length'), String(m.length));
      const get = await call('GET', `/v2/<name>/manifests/${ref}`, { headers: accept });
      assert.equal(get.status, 200);
      assert.deepEqual(get.body, m, 'the exact bytes pushed');
      assert.equal(get.headers.get('content-type'), OCI_MANIFEST);
    }
    const miss = await call('GET', `/v2/<name>/manifests/${NONEXISTENT_MANIFEST}`);
    assert.equal(miss.status, 404);
    assert.equal(miss.json<{ errors: { code: string }[] }>().errors[0]!.code, 'MANIFEST_UNKNOWN');
  });
  test('error codes: an invalid digest reference gives an OCI error body', async () => {
    // The Go suite sends a body with this GET; fetch cannot, and the body plays no part.
    const r = await call('GET', '/v2/<name>/manifests/sha256:totallywrong', { headers: { 'Content-Type': OCI_MANIFEST } });
    assert.equal(r.status, 400);
    assert.equal(r.headers.get('content-type'), 'application/json');
    assert.equal(r.json<{ errors: { code: string }[] }>().errors[0]!.code, 'DIGEST_INVALID');
  });
  test('teardown: deletes', async () => {
    assert.equal((await call('DELETE', `/v2/<name>/manifests/${sha256(manifests[0]!)}`)).status, 202);
    assert.equal((await call('DELETE', `/v2/<name>/manifests/${sha256(manifests[1]!)}`)).status, 202);
    assert.equal((await call('GET', '/v2/<name>/manifests/tagtest0')).status, 404, 'deleting by digest removes its tags');
    assert.equal((await call('DELETE', `/v2/<name>/blobs/${sha256(configs[0]!)}`)).status, 202);
    assert.equal((await call('DELETE', `/v2/<name>/blobs/${sha256(configs[1]!)}`)).status, 202);
    assert.equal((await call('DELETE', `/v2/<name>/blobs/${LAYER_DIGEST}`)).status, 202);
    assert.equal((await call('DELETE', `/v2/<name>/manifests/${sha256(manifests[0]!)}`)).status, 404);
  });
});

describe('conformance: push', () => {
  let last: Reply;
  test('streamed: POST, PATCH with the whole blob (202), PUT with digest (201)', async () => {
    const start = await call('POST', '/v2/<name>/blobs/uploads/');
    assert.equal(start.status, 202);
    assert.ok(location(start));
    const patch = await call('PATCH', location(start), { body: blobA, headers: { 'Content-Type': 'application/octet-stream' } });
    assert.equal(patch.status, 202);
    assert.equal(patch.headers.get('range'), `0-${blobA.length - 1}`);
    const put = await call('PUT', `${location(patch)}?digest=${sha256(blobA)}`);
    assert.equal(put.status, 201);
    assert.equal(location(put), `/v2/${NAME}/blobs/${sha256(blobA)}`);
    assert.equal(put.headers.get('docker-content-digest'), sha256(blobA));
  });
  test('monolithic: POST ?digest= with the blob (201), then POST + PUT', async () => {
    assert.equal((await call('GET', `/v2/<name>/blobs/${DUMMY_DIGEST}`)).status, 404);
    const mono = await call('POST', `/v2/<name>/blobs/uploads/?digest=${sha256(configs[1]!)}`, { body: configs[1]!, headers: { 'Content-Type': 'application/octet-stream' } });
    assert.equal(mono.status, 201);
    assert.ok(location(mono));
    assert.equal((await call('GET', `/v2/<name>/blobs/${sha256(configs[1]!)}`)).status, 200);
    const start = await call('POST', '/v2/<name>/blobs/uploads/');
    assert.equal(start.status, 202);
    assert.equal(start.headers.get('range'), '0-0');
    assert.ok(start.headers.get('docker-upload-uuid'));
    const put = await call('PUT', `${location(start)}?digest=${sha256(configs[1]!)}`, { body: configs[1]! });
    assert.equal(put.status, 201);
    assert.ok(location(put));
    assert.equal((await upload(LAYER)).status, 201);
    assert.equal((await call('GET', `/v2/<name>/blobs/${LAYER_DIGEST}`)).status, 200);
  });
  test('chunked: out-of-order chunk 416, first chunk 202, resent chunk 416, status, second chunk, PUT', async () => {
    const first = await call('POST', '/v2/<name>/blobs/uploads/', { headers: { 'Content-Length': '0' } });
    const ooo = await call('PATCH', location(first), { body: chunk2, headers: { 'Content-Type': 'application/octet-stream', 'Content-Range': range2 } });
    assert.equal(ooo.status, 416);
    assert.equal(ooo.json<{ errors: { code: string }[] }>().errors[0]!.code, 'RANGE_INVALID');

    const start = await call('POST', '/v2/<name>/blobs/uploads/', { headers: { 'Content-Length': '0' } });
    const c1 = await call('PATCH', location(start), { body: chunk1, headers: { 'Content-Type': 'application/octet-stream', 'Content-Range': range1 } });
    assert.equal(c1.status, 202);
    assert.equal(c1.headers.get('range'), range1);
    const resent = await call('PATCH', location(start), { body: chunk1, headers: { 'Content-Type': 'application/octet-stream', 'Content-Range': range1 } });
    assert.equal(resent.status, 416);
    const status = await call('GET', location(start));
    assert.equal(status.status, 204);
    assert.ok(location(status));
    assert.equal(status.headers.get('range'), range1);
    const c2 = await call('PATCH', location(status), { body: chunk2, headers: { 'Content-Type': 'application/octet-stream', 'Content-Range': range2 } });
    assert.equal(c2.status, 202);
    assert.ok(location(c2));
    const put = await call('PUT', `${location(c2)}?digest=${sha256(blobB)}`, { headers: { 'Content-Length': '0' } });
    assert.equal(put.status, 201);
    assert.deepEqual((await call('GET', `/v2/<name>/blobs/${sha256(blobB)}`)).body, blobB);
  });
  test('cross-repository mount: without from (unknown blob) 202; with from 201; without from (known blob) 201', async () => {
    const unknown = await call('POST', `/v2/${CROSS}/blobs/uploads/?mount=${DUMMY_DIGEST}`);
    assert.equal(unknown.status, 202);
    assert.match(location(unknown), new RegExp(`^/v2/${CROSS}/blobs/uploads/`));
    last = await call('POST', `/v2/${CROSS}/blobs/uploads/?mount=${sha256(blobA)}&from=${NAME}`);
    assert.equal(last.status, 201);
    assert.equal(location(last), `/v2/${CROSS}/blobs/${sha256(blobA)}`);
    assert.equal((await call('GET', location(last))).status, 200);
    const other = `${CROSS}-auto`;
    const auto = await call('POST', `/v2/${other}/blobs/uploads/?mount=${sha256(blobA)}`);
    assert.equal(auto.status, 201, 'automatic content discovery: mount without from');
    const fromWrong = await call('POST', `/v2/${other}/blobs/uploads/?mount=${sha256(blobB)}&from=${CROSS}`);
    assert.equal(fromWrong.status, 202, 'from a repository without the blob: an upload session instead');
  });
  test('manifest upload: PUT under four tags, with no layers, GET by digest', async () => {
    assert.equal((await call('GET', `/v2/<name>/manifests/${NONEXISTENT_MANIFEST}`)).status, 404);
    for (let i = 0; i < 4; i++) {
      const r = await putManifest(`test${i}`, manifests[1]!);
      assert.equal(r.status, 201);
      assert.equal(location(r), `/v2/${NAME}/manifests/${sha256(manifests[1]!)}`);
      assert.equal(r.headers.get('docker-content-digest'), sha256(manifests[1]!));
    }
    const empty = await putManifest('emptylayer', emptyLayerManifest);
    assert.equal(empty.status, 201);
    assert.equal((await call('GET', `/v2/<name>/manifests/${sha256(manifests[1]!)}`, { headers: { Accept: OCI_MANIFEST } })).status, 200);
  });
  test('teardown', async () => {
    assert.equal((await call('DELETE', `/v2/<name>/manifests/${sha256(manifests[1]!)}`)).status, 202);
    assert.equal((await call('DELETE', `/v2/<name>/manifests/${sha256(emptyLayerManifest)}`)).status, 202);
    assert.equal((await call('DELETE', `/v2/<name>/blobs/${sha256(configs[1]!)}`)).status, 202);
    assert.equal((await call('DELETE', `/v2/<name>/blobs/${LAYER_DIGEST}`)).status, 202);
  });
});

describe('conformance: content discovery', () => {
  test('setup: tags and referrers (subject pushed before and after its referrers)', async () => {
    ok2xx(await upload(configs[2]!));
    ok2xx(await upload(LAYER));
    for (let i = 0; i < 4; i++) ok2xx(await putManifest(`test${i}`, manifests[2]!));
    ok2xx(await upload(EMPTY_JSON));
    ok2xx(await upload(refBlobA));
    for (const [m, type] of [[refsAConfig, OCI_MANIFEST], [refsALayer, OCI_MANIFEST], [refsIndex, OCI_INDEX]] as const) {
      const r = await putManifest(sha256(m), m, type);
      ok2xx(r);
      assert.equal(r.headers.get('oci-subject'), sha256(manifests[4]!));
    }
    ok2xx(await upload(configs[4]!));
    ok2xx(await putManifest('tagtest0', manifests[4]!));
    ok2xx(await upload(refBlobB));
    for (const m of [refsBConfig, refsBLayer]) assert.equal((await putManifest(sha256(m), m)).headers.get('oci-subject'), sha256(manifests[4]!));
    const c = await putManifest(sha256(refsCLayer), refsCLayer);
    ok2xx(c);
    assert.equal(c.headers.get('oci-subject'), sha256(manifests[3]!), 'a subject that does not exist is fine');
  });
  test('tags: list, n, last and Link', async () => {
    const all = await call('GET', '/v2/<name>/tags/list');
    assert.equal(all.status, 200);
    assert.deepEqual(all.json(), { name: NAME, tags: ['tagtest0', 'test0', 'test1', 'test2', 'test3'] });
    const page = await call('GET', '/v2/<name>/tags/list?n=2');
    assert.deepEqual(page.json<{ tags: string[] }>().tags, ['tagtest0', 'test0']);
    assert.equal(page.headers.get('link'), `</v2/${NAME}/tags/list?n=2&last=test0>; rel="next"`);
    const next = await call('GET', '/v2/<name>/tags/list?n=2&last=test0');
    assert.deepEqual(next.json<{ tags: string[] }>().tags, ['test1', 'test2']);
    const tail = await call('GET', '/v2/<name>/tags/list?n=2&last=test2');
    assert.deepEqual(tail.json<{ tags: string[] }>().tags, ['test3']);
    assert.equal(tail.headers.get('link'), null);
    const zero = await call('GET', '/v2/<name>/tags/list?n=0');
    assert.deepEqual(zero.json<{ tags: string[] }>().tags, []);
    assert.equal(zero.headers.get('link'), null);
    assert.equal((await call('GET', '/v2/<name>/tags/list?n=-1')).status, 400);
    const unknown = await call('GET', '/v2/no/such/repo/tags/list');
    assert.equal(unknown.status, 404);
    assert.equal(unknown.json<{ errors: { code: string }[] }>().errors[0]!.code, 'NAME_UNKNOWN');
  });
  test('referrers: empty index for an unknown digest, five for the subject, two filtered, one for a missing subject', async () => {
    const none = await call('GET', `/v2/<name>/referrers/${DUMMY_DIGEST}`);
    assert.equal(none.status, 200);
    assert.equal(none.headers.get('content-type'), OCI_INDEX);
    assert.deepEqual(none.json(), { schemaVersion: 2, mediaType: OCI_INDEX, manifests: [] });
    type Index = { manifests: { digest: string; artifactType?: string; mediaType: string; size: number; annotations?: Record<string, string> }[] };
    const all = await call('GET', `/v2/<name>/referrers/${sha256(manifests[4]!)}`);
    const index = all.json<Index>();
    assert.equal(index.manifests.length, 5);
    for (const d of index.manifests) assert.deepEqual(d.annotations, { [ANNOTATION]: annotationOf.get(d.digest) });
    const byDigest = new Map(index.manifests.map((d) => [d.digest, d]));
    assert.equal(byDigest.get(sha256(refsAConfig))!.artifactType, typeA, 'config media type when there is no artifactType');
    assert.equal(byDigest.get(sha256(refsBLayer))!.artifactType, typeB);
    assert.equal(byDigest.get(sha256(refsIndex))!.artifactType, 'application/vnd.food.stand');
    assert.equal(byDigest.get(sha256(refsIndex))!.mediaType, OCI_INDEX);
    assert.equal(byDigest.get(sha256(refsIndex))!.size, refsIndex.length);
    const filtered = await call('GET', `/v2/<name>/referrers/${sha256(manifests[4]!)}?artifactType=${encodeURIComponent(typeA)}`);
    assert.equal(filtered.headers.get('oci-filters-applied'), 'artifactType');
    assert.deepEqual(filtered.json<Index>().manifests.map((d) => d.digest).sort(), [sha256(refsAConfig), sha256(refsALayer)].sort());
    const missing = await call('GET', `/v2/<name>/referrers/${sha256(manifests[3]!)}`);
    assert.deepEqual(missing.json<Index>().manifests.map((d) => d.digest), [sha256(refsCLayer)]);
    assert.equal((await call('GET', '/v2/<name>/referrers/sha256:nothex')).status, 400);
  });
  test('teardown: deleting a referrer removes it from the list', async () => {
    for (const m of [refsIndex, manifests[2]!, manifests[4]!, refsAConfig, refsALayer, refsBConfig, refsBLayer, refsCLayer]) {
      assert.equal((await call('DELETE', `/v2/<name>/manifests/${sha256(m)}`)).status, 202);
    }
    assert.deepEqual((await call('GET', `/v2/<name>/referrers/${sha256(manifests[4]!)}`)).json<{ manifests: unknown[] }>().manifests, []);
    assert.deepEqual((await call('GET', '/v2/<name>/tags/list')).json<{ tags: string[] }>().tags, []);
  });
});

describe('conformance: content management', () => {
  test('delete tag, then manifest, then blobs', async () => {
    ok2xx(await upload(configs[3]!));
    ok2xx(await upload(LAYER));
    ok2xx(await putManifest('tagtest0', manifests[3]!));
    ok2xx(await putManifest('keep', manifests[3]!));
    const before = (await call('GET', '/v2/<name>/tags/list')).json<{ tags: string[] }>().tags.length;
    assert.equal((await call('DELETE', '/v2/<name>/manifests/tagtest0')).status, 202);
    assert.equal((await call('GET', '/v2/<name>/manifests/tagtest0')).status, 404);
    assert.equal((await call('GET', `/v2/<name>/manifests/${sha256(manifests[3]!)}`)).status, 200, 'deleting a tag keeps the manifest');
    assert.equal((await call('GET', '/v2/<name>/tags/list')).json<{ tags: string[] }>().tags.length, before - 1);
    assert.equal((await call('DELETE', '/v2/<name>/manifests/tagtest0')).status, 404);
    assert.equal((await call('DELETE', `/v2/<name>/manifests/${sha256(manifests[3]!)}`)).status, 202);
    assert.equal((await call('GET', `/v2/<name>/manifests/${sha256(manifests[3]!)}`)).status, 404);
    assert.deepEqual((await call('GET', '/v2/<name>/tags/list')).json<{ tags: string[] }>().tags, [], 'its other tags went with it');
    assert.equal((await call('DELETE', `/v2/<name>/blobs/${sha256(configs[3]!)}`)).status, 202);
    assert.equal((await call('DELETE', `/v2/<name>/blobs/${LAYER_DIGEST}`)).status, 202);
    assert.equal((await call('GET', `/v2/<name>/blobs/${sha256(configs[3]!)}`)).status, 404);
    assert.equal((await call('DELETE', `/v2/<name>/blobs/${sha256(configs[3]!)}`)).status, 404);
  });
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkImageConfigType, checkSupportedMediaType, parseManifest } from './manifest.js';

const d = (n: number): string => `sha256:${String(n).repeat(64).slice(0, 64)}`;
const image = { schemaVersion: 2, mediaType: 'application/vnd.docker.distribution.manifest.v2+json', config: { mediaType: 'application/vnd.docker.container.image.v1+json', digest: d(1), size: 10 }, layers: [{ mediaType: 'application/vnd.docker.image.rootfs.diff.tar.gzip', digest: d(2), size: 20 }] };
const buf = (v: unknown): Buffer => Buffer.from(JSON.stringify(v));

test('image manifests: by Content-Type, or sniffed when the registry sends a generic one', () => {
  const m = parseManifest(buf(image), 'application/vnd.docker.distribution.manifest.v2+json', 'r');
  assert.equal(m.kind, 'image');
  assert.equal(m.kind === 'image' && m.layers[0]!.digest, d(2));
  assert.equal(parseManifest(buf(image), 'application/json', 'r').mediaType, 'application/vnd.docker.distribution.manifest.v2+json');
  const { mediaType: _, ...oci } = image;
  assert.equal(parseManifest(buf(oci), 'text/plain', 'r').mediaType, 'application/vnd.oci.image.manifest.v1+json');
  assert.equal(parseManifest(buf({ schemaVersion: 2, manifests: [] }), '', 'r').kind, 'index');
});

test('indexes keep platforms, entries without one too', () => {
  const idx = { schemaVersion: 2, mediaType: 'application/vnd.oci.image.index.v1+json', manifests: [{ mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: d(3), size: 5, platform: { os: 'linux', architecture: 'arm', variant: 'v7', 'os.version': '1' } }, { mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: d(4), size: 5 }] };
  const m = parseManifest(buf(idx), 'application/vnd.oci.image.index.v1+json', 'r');
  assert.equal(m.kind, 'index');
  assert.deepEqual(m.kind === 'index' && m.manifests.map((e) => e.platform), [{ os: 'linux', architecture: 'arm', variant: 'v7', osVersion: '1' }, undefined]);
});

test("refusals: malformed JSON and descriptors, schema 1, unknown types, a mediaType that contradicts the registry", () => {
  assert.throws(() => parseManifest(Buffer.from('{'), 'application/vnd.docker.distribution.manifest.v2+json', 'x:1'), /^BerthError: invalid manifest for x:1: /);
  assert.throws(() => parseManifest(buf({ ...image, layers: 'no' }), image.mediaType, 'x:1'), /layers is not a list/);
  assert.throws(() => parseManifest(buf({ ...image, config: { ...image.config, digest: 'sha256:xyz' } }), image.mediaType, 'x:1'), /config has an invalid digest/);
  assert.throws(() => parseManifest(buf({ ...image, config: { ...image.config, size: -1 } }), image.mediaType, 'x:1'), /config has an invalid size/);
  assert.throws(() => parseManifest(buf({ schemaVersion: 1 }), 'application/vnd.docker.distribution.manifest.v1+prettyjws', 'docker.io/library/x:1'), /schema 1 support has been removed\. Suggest the author of docker\.io\/library\/x:1 to upgrade/);
  assert.throws(() => parseManifest(buf({}), 'application/vnd.cncf.helm.config', 'x'), /unsupported manifest media type and no default available: application\/vnd\.cncf\.helm\.config/);
  assert.throws(() => parseManifest(buf(image), 'application/vnd.oci.image.manifest.v1+json', 'x'), /mediaType in manifest should be 'application\/vnd\.oci\.image\.manifest\.v1\+json' not 'application\/vnd\.docker\.distribution\.manifest\.v2\+json'/);
});

test("media types moby accepts for configs and layers; plugins and AI models refused with its words", () => {
  for (const t of ['application/vnd.oci.image.layer.v1.tar+zstd', 'application/vnd.docker.image.rootfs.diff.tar.gzip', 'application/octet-stream', '']) checkSupportedMediaType(t);
  assert.throws(() => checkSupportedMediaType('application/vnd.cncf.helm.chart.content.v1.tar+gzip'), /unsupported media type application\/vnd\.cncf\.helm\.chart\.content\.v1\.tar\+gzip/);
  assert.throws(() => checkSupportedMediaType('application/vnd.docker.ai.model.file'), /AI models are not yet supported by the Engine/);
  checkImageConfigType('application/vnd.docker.container.image.v1+json');
  assert.throws(() => checkImageConfigType('application/vnd.docker.plugin.v1+json'), /Encountered remote "application\/vnd\.docker\.plugin\.v1\+json"\(plugin\) when fetching/);
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TokenSigner } from './auth/jwt.js';
import { parseScopes, RulePolicy } from './auth/scope.js';
import { isDigest, looksLikeDigest } from './digest.js';
import { parseRange } from './http/blob-routes.js';
import { isRepositoryName, isTag } from './names.js';
import { parseManifest } from './storage/manifest.js';

test('names, tags and digests', () => {
  for (const ok of ['a', 'library/busybox', 'a.b_c__d-e/f--g/h']) assert.ok(isRepositoryName(ok), ok);
  for (const bad of ['A', 'a/', '/a', 'a//b', '_a', 'a_', 'a/_manifests']) assert.ok(!isRepositoryName(bad), bad);
  assert.ok(isTag('v1.0_rc-1') && !isTag('.hidden') && !isTag('-x') && !isTag('a'.repeat(129)));
  assert.ok(isDigest(`sha256:${'a'.repeat(64)}`) && isDigest(`sha512:${'b'.repeat(128)}`));
  assert.ok(!isDigest(`sha256:${'a'.repeat(63)}`) && !isDigest(`sha512:${'b'.repeat(64)}`) && !isDigest(`md5:${'c'.repeat(32)}`));
  assert.ok(looksLikeDigest('sha256:totallywrong') && !looksLikeDigest('latest'));
});

test('Range headers', () => {
  assert.deepEqual(parseRange('bytes=0-9', 100), { start: 0, end: 9 });
  assert.deepEqual(parseRange('bytes=90-200', 100), { start: 90, end: 99 });
  assert.deepEqual(parseRange('bytes=-10', 100), { start: 90, end: 99 });
  assert.equal(parseRange('bytes=100-', 100), 'unsatisfiable');
  assert.equal(parseRange('bytes=5-1', 100), 'unsatisfiable');
  assert.equal(parseRange('bytes=0-1,5-6', 100), undefined, 'several ranges: the whole blob');
  assert.equal(parseRange(undefined, 100), undefined);
});

test('scopes and access rules', () => {
  assert.deepEqual(parseScopes(['repository:a/b:pull,push registry:catalog:*', 'repository:host:5000/x:pull', 'bad']), [
    { type: 'repository', name: 'a/b', actions: ['pull', 'push'] },
    { type: 'registry', name: 'catalog', actions: ['*'] },
    { type: 'repository', name: 'host:5000/x', actions: ['pull'] },
  ]);
  const policy = new RulePolicy([
    { account: '*', name: '${account}/*', actions: ['*'] },
    { account: 'anonymous', name: 'pub/*', actions: ['pull'] },
  ]);
  assert.deepEqual(policy.allowed('amy', 'repository', 'amy/app', ['pull', 'push', 'delete']), ['pull', 'push', 'delete']);
  assert.deepEqual(policy.allowed('amy', 'repository', 'bob/app', ['pull']), []);
  assert.deepEqual(policy.allowed(undefined, 'repository', 'pub/x', ['pull', 'push']), ['pull']);
  assert.deepEqual(policy.allowed('amy', 'repository', 'pub/x', ['pull']), [], 'anonymous rules are for anonymous only');
});

test('tokens: signed, audience and expiry checked', () => {
  const signer = TokenSigner.withRandomKey('svc');
  const token = signer.sign({ sub: 'amy', aud: 'svc', access: [] }, 60);
  assert.equal(signer.verify(token, 'svc')?.sub, 'amy');
  assert.equal(signer.verify(token, 'other'), undefined);
  assert.equal(TokenSigner.withRandomKey('svc').verify(token, 'svc'), undefined, 'another key');
  assert.equal(signer.verify(signer.sign({ sub: 'amy', aud: 'svc' }, -5), 'svc'), undefined, 'expired');
});

test('manifest parsing: media type, references, artifactType', () => {
  const d = (n: string): string => `sha256:${n.repeat(64)}`;
  const m = parseManifest(Buffer.from(JSON.stringify({ schemaVersion: 2, config: { mediaType: 'application/x-art', digest: d('a'), size: 2 }, layers: [{ mediaType: 'l', digest: d('b'), size: 1 }], subject: { mediaType: 'm', digest: d('c'), size: 3 } })), 'application/vnd.oci.image.manifest.v1+json');
  assert.equal(m.mediaType, 'application/vnd.oci.image.manifest.v1+json');
  assert.deepEqual(m.blobs.map((b) => b.digest), [d('a'), d('b')]);
  assert.equal(m.subject?.digest, d('c'));
  assert.equal(m.artifactType, 'application/x-art');
  const idx = parseManifest(Buffer.from(JSON.stringify({ schemaVersion: 2, manifests: [{ mediaType: 'x', digest: d('d'), size: 1 }] })), undefined);
  assert.ok(idx.isIndex && idx.artifactType === undefined);
  assert.throws(() => parseManifest(Buffer.from('{"schemaVersion":1}'), undefined), /manifest invalid/);
  assert.throws(() => parseManifest(Buffer.from(JSON.stringify({ schemaVersion: 2, config: { digest: 'nope', mediaType: 'x', size: 1 } })), undefined), /manifest invalid/);
});

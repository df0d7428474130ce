import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseChallenge, parseChallenges } from './challenge.js';
import { errorFromResponse, formatErrors, RegistryResponseError, transportError } from './errors.js';
import { RegistryConfig, validateMirror } from './endpoints.js';

test('challenges: Bearer with quoted params, Basic, escapes, several headers', () => {
  assert.deepEqual(parseChallenge('Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/busybox:pull"'), {
    scheme: 'bearer',
    params: { realm: 'https://auth.docker.io/token', service: 'registry.docker.io', scope: 'repository:library/busybox:pull' },
  });
  assert.deepEqual(parseChallenge('Basic realm="Registry Realm"'), { scheme: 'basic', params: { realm: 'Registry Realm' } });
  assert.deepEqual(parseChallenge('bearer Realm=token, error="insufficient_scope" , scope="a:b:pull,push"'), { scheme: 'bearer', params: { realm: 'token', error: 'insufficient_scope', scope: 'a:b:pull,push' } });
  assert.deepEqual(parseChallenge('Bearer realm="a\\"b"')?.params.realm, 'a"b');
  assert.equal(parseChallenge(''), undefined);
  assert.deepEqual(parseChallenges(['Basic realm="x"', 'Bearer realm="y"']).map((c) => c.scheme), ['basic', 'bearer']);
});

test("errors: Go's errcode wording, OAuth errors first, details bodies, bare statuses", () => {
  const json = { 'content-type': 'application/json; charset=utf-8' };
  const body = (errors: object[]): Buffer => Buffer.from(JSON.stringify({ errors }));
  const unknown = errorFromResponse(404, 'Not Found', json, [], body([{ code: 'MANIFEST_UNKNOWN', message: 'manifest unknown', detail: { Tag: 'x' } }]));
  assert.ok(unknown instanceof RegistryResponseError);
  assert.equal(unknown.message, 'manifest unknown: manifest unknown');
  assert.equal(unknown.kind, 'NotFound');
  assert.equal((unknown as RegistryResponseError).registryCode, 'MANIFEST_UNKNOWN');
  const denied = errorFromResponse(401, 'Unauthorized', json, ['Bearer realm="r",error="insufficient_scope"'], body([{ code: 'UNAUTHORIZED', message: 'authentication required' }]));
  assert.equal((denied as RegistryResponseError).registryCode, 'DENIED');
  assert.equal((denied as RegistryResponseError).firstError, 'denied: requested access to the resource is denied');
  assert.equal(denied.message, 'errors:\ndenied: requested access to the resource is denied\nunauthorized: authentication required\n');
  assert.equal(errorFromResponse(401, 'Unauthorized', json, [], Buffer.from('{"details":"incorrect username or password"}')).message, 'unauthorized: incorrect username or password');
  assert.equal(errorFromResponse(403, 'Forbidden', {}, [], Buffer.from('nope')).message, 'denied: nope');
  assert.equal(errorFromResponse(502, 'Bad Gateway', json, [], Buffer.alloc(0)).message, 'received unexpected HTTP status: 502 Bad Gateway');
  assert.equal(errorFromResponse(400, 'Bad Request', json, [], body([{ code: 'SOMETHING_NEW', message: 'new' }])).message, 'unknown: new');
  assert.equal(formatErrors([]), '<nil>');
});

test('transport errors read like Go net/http', () => {
  const url = new URL('https://registry-1.docker.io/v2/');
  assert.equal(transportError('GET', url, Object.assign(new Error('x'), { code: 'ENOTFOUND', hostname: 'registry-1.docker.io' })).message, 'Get "https://registry-1.docker.io/v2/": dial tcp: lookup registry-1.docker.io: no such host');
  const local = new URL('http://127.0.0.1:5000/v2/x/blobs/sha256:1');
  assert.equal(transportError('HEAD', local, Object.assign(new Error('x'), { code: 'ECONNREFUSED', address: '127.0.0.1', port: 5000 })).message, 'Head "http://127.0.0.1:5000/v2/x/blobs/sha256:1": dial tcp 127.0.0.1:5000: connect: connection refused');
  assert.match(transportError('GET', url, Object.assign(new Error('x'), { code: 'ERR_SSL_WRONG_VERSION_NUMBER' })).message, /server gave HTTP response to HTTPS client/);
});

test('endpoints: Docker Hub and its mirrors, loopback insecure (HTTPS then HTTP), other hosts HTTPS only', async () => {
  const cfg = new RegistryConfig({ insecureRegistries: ['10.1.0.0/16', 'reg.internal:5000', 'http://legacy:80'], mirrors: ['https://mirror.example/', 'http://127.0.0.1:5001'] });
  assert.deepEqual(cfg.cidrs, ['10.1.0.0/16', '::1/128', '127.0.0.0/8']);
  assert.deepEqual([...cfg.insecureNames], ['reg.internal:5000', 'legacy:80']);
  assert.deepEqual(cfg.mirrors, ['https://mirror.example/', 'http://127.0.0.1:5001/']);
  const hub = await cfg.endpoints('docker.io', true);
  assert.deepEqual(hub.map((e) => [e.url.href, e.mirror, e.insecure]), [
    ['https://mirror.example/', true, false],
    ['http://127.0.0.1:5001/', true, true],
    ['https://registry-1.docker.io/', false, false],
  ]);
  assert.deepEqual((await cfg.endpoints('docker.io', false)).map((e) => e.url.host), ['registry-1.docker.io'], 'pushes never use mirrors');
  assert.deepEqual((await cfg.endpoints('127.0.0.1:5000', false)).map((e) => [e.url.protocol, e.insecure]), [['https:', true], ['http:', true]]);
  assert.deepEqual((await cfg.endpoints('[::1]:5000', false)).map((e) => e.url.protocol), ['https:', 'http:']);
  assert.deepEqual((await cfg.endpoints('localhost:5000', false)).map((e) => e.url.protocol), ['https:', 'http:']);
  assert.deepEqual((await cfg.endpoints('10.1.2.3', false)).map((e) => e.url.protocol), ['https:', 'http:']);
  assert.deepEqual((await cfg.endpoints('reg.internal:5000', false)).map((e) => e.url.protocol), ['https:', 'http:']);
  assert.deepEqual((await cfg.endpoints('10.2.0.1:443', false)).map((e) => [e.url.protocol, e.insecure]), [['https:', false]]);
});

test("mirror and insecure-registry validation: moby's messages", () => {
  assert.throws(() => validateMirror('ftp://x'), /invalid mirror: unsupported scheme "ftp" in "ftp:\/\/x"/);
  assert.throws(() => validateMirror('https://u:p@x'), /username\/password not allowed/);
  assert.throws(() => validateMirror('https://x/?a=1'), /query or fragment/);
  assert.throws(() => new RegistryConfig({ insecureRegistries: ['ftp://x'], mirrors: [] }), /insecure registry ftp:\/\/x should not contain ':\/\/'$/);
  assert.throws(() => new RegistryConfig({ insecureRegistries: ['-bad'], mirrors: [] }), /Cannot begin or end with a hyphen/);
});

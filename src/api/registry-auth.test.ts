import { test } from 'node:test';
import assert from 'node:assert/strict';
import { authForHost, decodeRegistryAuth, decodeRegistryConfig, requestAuth } from './registry-auth.js';

const b64url = (s: string, pad = true): string => {
  const out = Buffer.from(s).toString('base64url');
  return pad ? out + '='.repeat((4 - (out.length % 4)) % 4) : out;
};

test('X-Registry-Auth: padded or not, any key case, e30= is no credentials', () => {
  const json = JSON.stringify({ username: 'bob', password: 'p/w?+', serveraddress: '127.0.0.1:5000' });
  const want = { username: 'bob', password: 'p/w?+', serverAddress: '127.0.0.1:5000' };
  assert.deepEqual(decodeRegistryAuth(b64url(json)), want);
  assert.deepEqual(decodeRegistryAuth(b64url(json, false)), want);
  assert.deepEqual(decodeRegistryAuth(b64url(JSON.stringify({ Username: 'bob', Password: 'p/w?+', ServerAddress: '127.0.0.1:5000' }))), want);
  assert.deepEqual(decodeRegistryAuth('e30='), {});
  assert.deepEqual(decodeRegistryAuth('e30'), {});
  assert.equal(decodeRegistryAuth(''), undefined);
  assert.deepEqual(decodeRegistryAuth(b64url(JSON.stringify({ identitytoken: 'refresh' }))), { identityToken: 'refresh' });
  assert.throws(() => decodeRegistryAuth(b64url('not json')), /invalid X-Registry-Auth header/);
});

test('the auth field (base64 user:pass) stands in for username and password', () => {
  const auth = Buffer.from('alice:se:cret').toString('base64');
  assert.deepEqual(decodeRegistryAuth(b64url(JSON.stringify({ auth }))), { username: 'alice', password: 'se:cret' });
});

test('X-Registry-Config: the entry for the registry, Docker Hub under its v1 URL', () => {
  const configs = decodeRegistryConfig(b64url(JSON.stringify({ 'https://index.docker.io/v1/': { username: 'hub' }, '127.0.0.1:5000': { username: 'local' }, 'http://reg.example:8080/v2': { username: 'ex' } })));
  assert.equal(authForHost(configs, 'docker.io')?.username, 'hub');
  assert.equal(authForHost(configs, '127.0.0.1:5000')?.username, 'local');
  assert.equal(authForHost(configs, 'reg.example:8080')?.username, 'ex');
  assert.equal(authForHost(configs, 'other:1'), undefined);
});

test('requestAuth: X-Registry-Auth first, then X-Registry-Config; garbage ignored', () => {
  const config = b64url(JSON.stringify({ 'localhost:5000': { username: 'cfg', password: 'x' } }));
  assert.equal(requestAuth({ 'x-registry-auth': b64url(JSON.stringify({ username: 'hdr', password: 'y' })), 'x-registry-config': config }, 'localhost:5000')?.username, 'hdr');
  assert.equal(requestAuth({ 'x-registry-auth': 'e30=', 'x-registry-config': config }, 'localhost:5000')?.username, 'cfg');
  assert.equal(requestAuth({ 'x-registry-auth': '!!!', 'x-registry-config': '!!!' }, 'localhost:5000'), undefined);
});

/** htpasswd Basic auth, the token endpoint and scopes, TLS and read-only mode. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Agent, request as httpsRequest } from 'node:https';
import { Htpasswd, RulePolicy } from '../../src/registry/index.js';
import { makeCerts } from '../helpers/certs.js';
import { pushBlob, pushImage, request, startTestRegistry, type Reply } from '../helpers/registry.js';

/** Users made by `htpasswd -B` when apache2-utils is installed, else a fixed `$2y$` hash of the same. */
function htpasswdFile(): string {
  if (existsSync('/usr/bin/htpasswd')) {
    return execFileSync('htpasswd', ['-nbB', 'alice', 'wonderland']).toString() + execFileSync('htpasswd', ['-nbB', 'bob', 'builder']).toString();
  }
  return 'alice:$2y$05$9NpR1OUwmdjxNCRb6AKTcuUm213w5baFFHOEWl0zRmc.bv/tWjv9u\nbob:$2y$05$mEjO92HbXmcMtOSzMqM0jewUIeUplTGzf3Y5PbpyJNH4FT9aRcv9S\n';
}
const basic = (user: string, password: string): Record<string, string> => ({ Authorization: `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}` });
const code = (r: Reply): string => r.json<{ errors: { code: string }[] }>().errors[0]!.code;

test('htpasswd Basic auth: 401 with the challenge, then everything for a valid user', async () => {
  const reg = await startTestRegistry({ htpasswd: Htpasswd.parse(htpasswdFile()) });
  try {
    const anon = await request(reg.url, 'GET', '/v2/');
    assert.equal(anon.status, 401);
    assert.equal(anon.headers.get('www-authenticate'), 'Basic realm="Registry Realm"');
    assert.equal(code(anon), 'UNAUTHORIZED');
    assert.equal(anon.headers.get('docker-distribution-api-version'), 'registry/2.0');
    assert.equal((await request(reg.url, 'GET', '/v2/', { headers: basic('alice', 'wrong') })).status, 401);
    assert.equal((await request(reg.url, 'GET', '/v2/', { headers: basic('nobody', 'wonderland') })).status, 401);
    assert.equal((await request(reg.url, 'GET', '/v2/', { headers: basic('alice', 'wonderland') })).status, 200);
    const img = await pushImage(reg.url, 'alice/app', 'v1', { headers: basic('alice', 'wonderland') });
    assert.equal((await request(reg.url, 'GET', `/v2/alice/app/manifests/v1`, { headers: basic('bob', 'builder') })).headers.get('docker-content-digest'), img.digest);
    assert.equal((await request(reg.url, 'GET', `/v2/alice/app/manifests/v1`)).status, 401);
  } finally {
    await reg.close();
  }
});

test('htpasswd entries that are not bcrypt are refused', () => {
  assert.throws(() => Htpasswd.parse('carol:$apr1$abc$def\n'), /not a bcrypt entry/);
});

test('bearer tokens: challenge with scope, GET and OAuth2 POST token endpoint, per-user per-repository access', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'berth-registry-access-'));
  writeFileSync(
    join(dir, 'access.json'),
    JSON.stringify({
      rules: [
        { account: '*', name: '${account}/*', actions: ['*'] },
        { account: '*', name: 'shared/*', actions: ['pull'] },
        { account: 'anonymous', name: 'public/*', actions: ['pull'] },
        { account: 'alice', name: 'public/*', actions: ['pull', 'push'] },
        { account: 'alice', type: 'registry', name: 'catalog', actions: ['*'] },
      ],
    }),
  );
  const reg = await startTestRegistry({ htpasswd: Htpasswd.parse(htpasswdFile()), token: { service: 'test-registry', ttlSeconds: 60, policy: await RulePolicy.load(join(dir, 'access.json')) } });
  const token = async (scopes: string[], auth: Record<string, string> = {}): Promise<string> => {
    const q = new URLSearchParams({ service: 'test-registry' });
    for (const s of scopes) q.append('scope', s);
    const r = await request(reg.url, 'GET', `/token?${q.toString()}`, { headers: auth });
    assert.equal(r.status, 200, r.body.toString());
    const body = r.json<{ token: string; access_token: string; expires_in: number; issued_at: string }>();
    assert.equal(body.token, body.access_token);
    assert.equal(body.expires_in, 60);
    return body.token;
  };
  const bearer = (t: string): Record<string, string> => ({ Authorization: `Bearer ${t}` });
  try {
    const anon = await request(reg.url, 'GET', '/v2/alice/app/manifests/v1');
    assert.equal(anon.status, 401);
    assert.equal(anon.headers.get('www-authenticate'), `Bearer realm="${reg.url}/token",service="test-registry",scope="repository:alice/app:pull"`);
    const push = await request(reg.url, 'POST', '/v2/alice/app/blobs/uploads/?mount=sha256:' + '0'.repeat(64) + '&from=shared/base');
    assert.equal(push.headers.get('www-authenticate'), `Bearer realm="${reg.url}/token",service="test-registry",scope="repository:alice/app:pull,push repository:shared/base:pull"`);

    const alice = await token(['repository:alice/app:pull,push', 'repository:bob/app:pull,push'], basic('alice', 'wonderland'));
    const claims = JSON.parse(Buffer.from(alice.split('.')[1]!, 'base64url').toString()) as { sub: string; access: { name: string; actions: string[] }[] };
    assert.equal(claims.sub, 'alice');
    assert.deepEqual(claims.access, [{ type: 'repository', name: 'alice/app', actions: ['pull', 'push'] }], "bob's repository is left out, not an error");
    const img = await pushImage(reg.url, 'alice/app', 'v1', { headers: bearer(alice) });
    assert.equal((await request(reg.url, 'GET', '/v2/', { headers: bearer(alice) })).status, 200);

    const denied = await request(reg.url, 'POST', '/v2/bob/app/blobs/uploads/', { headers: bearer(alice) });
    assert.equal(denied.status, 401);
    assert.match(denied.headers.get('www-authenticate')!, /error="insufficient_scope"/);
    const del = await request(reg.url, 'DELETE', `/v2/alice/app/manifests/${img.digest}`, { headers: bearer(alice) });
    assert.equal(del.status, 401, 'delete is its own action');
    const aliceDelete = await token(['repository:alice/app:delete'], basic('alice', 'wonderland'));
    assert.equal((await request(reg.url, 'DELETE', '/v2/alice/app/manifests/v1', { headers: bearer(aliceDelete) })).status, 202);

    const bobPull = await token(['repository:alice/app:pull'], basic('bob', 'builder'));
    assert.equal((await request(reg.url, 'GET', `/v2/alice/app/manifests/${img.digest}`, { headers: bearer(bobPull) })).status, 401, "bob may not read alice's repository");

    await pushBlob(reg.url, 'public/base', 'public layer', bearer(await token(['repository:public/base:pull,push'], basic('alice', 'wonderland'))));
    const anonToken = await token(['repository:public/base:pull,push']);
    const anonClaims = JSON.parse(Buffer.from(anonToken.split('.')[1]!, 'base64url').toString()) as { access: { actions: string[] }[] };
    assert.deepEqual(anonClaims.access[0]!.actions, ['pull'], 'anonymous pull only');
    const { sha256 } = await import('../helpers/registry.js');
    assert.equal((await request(reg.url, 'HEAD', `/v2/public/base/blobs/${sha256('public layer')}`, { headers: bearer(anonToken) })).status, 200);

    assert.equal((await request(reg.url, 'GET', '/token?service=test-registry', { headers: basic('alice', 'nope') })).status, 401);
    assert.equal((await request(reg.url, 'GET', '/v2/', { headers: bearer(alice.slice(0, -2) + 'xx') })).status, 401, 'a tampered token');

    // OAuth2: password grant returns a refresh token; the refresh grant trades it for new scopes.
    const form = (fields: Record<string, string>): Promise<Reply> =>
      request(reg.url, 'POST', '/token', { body: new URLSearchParams(fields).toString(), headers: { 'Content-Type': 'application/x-www-form-urlencoded' } });
    const pw = await form({ grant_type: 'password', username: 'bob', password: 'builder', service: 'test-registry', scope: 'repository:bob/x:pull', client_id: 'test' });
    assert.equal(pw.status, 200);
    const refresh = pw.json<{ refresh_token: string }>().refresh_token;
    assert.ok(refresh);
    assert.equal((await request(reg.url, 'GET', '/v2/', { headers: bearer(refresh) })).status, 401, 'a refresh token is not an access token');
    const refreshed = await form({ grant_type: 'refresh_token', refresh_token: refresh, service: 'test-registry', scope: 'repository:bob/app:pull,push', client_id: 'test' });
    assert.equal(refreshed.status, 200);
    await pushBlob(reg.url, 'bob/app', 'bob layer', bearer(refreshed.json<{ access_token: string }>().access_token));
    assert.equal((await form({ grant_type: 'password', username: 'bob', password: 'wrong', service: 'test-registry' })).status, 401);

    const catalog = await request(reg.url, 'GET', '/v2/_catalog', { headers: bearer(alice) });
    assert.equal(catalog.status, 401);
    assert.match(catalog.headers.get('www-authenticate')!, /scope="registry:catalog:\*"/);
    const cat = await token(['registry:catalog:*'], basic('alice', 'wonderland'));
    assert.deepEqual((await request(reg.url, 'GET', '/v2/_catalog', { headers: bearer(cat) })).json(), { repositories: ['alice/app', 'bob/app', 'public/base'] });
  } finally {
    await reg.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('TLS with a given certificate and key', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'berth-registry-tls-'));
  const certs = makeCerts(dir);
  const reg = await startTestRegistry({ tls: { cert: readFileSync(certs.serverCert), key: readFileSync(certs.serverKey) } });
  try {
    assert.match(reg.url, /^https:/);
    const agent = new Agent({ ca: readFileSync(certs.ca) });
    const body = await new Promise<string>((resolve, reject) => {
      httpsRequest(`${reg.url}/v2/`, { agent }, (res) => {
        let text = '';
        res.on('data', (c: Buffer) => (text += c.toString()));
        res.on('end', () => resolve(`${res.statusCode} ${res.headers['docker-distribution-api-version'] as string} ${text}`));
      })
        .on('error', reject)
        .end();
    });
    assert.equal(body, '200 registry/2.0 {}');
    await assert.rejects(fetch(`${reg.url}/v2/`), 'an unknown CA is refused by a verifying client');
  } finally {
    await reg.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('read-only mode: reads work, every write is 405 UNSUPPORTED', async () => {
  const writable = await startTestRegistry();
  const img = await pushImage(writable.url, 'ro/repo', 'v1');
  await writable.running.close();
  const reg = await startTestRegistry({ root: writable.root, readOnly: true });
  try {
    assert.equal((await request(reg.url, 'GET', '/v2/ro/repo/manifests/v1')).headers.get('docker-content-digest'), img.digest);
    assert.equal((await request(reg.url, 'GET', `/v2/ro/repo/blobs/${img.layer}`)).status, 200);
    for (const [method, path] of [
      ['POST', '/v2/ro/repo/blobs/uploads/'],
      ['PUT', '/v2/ro/repo/manifests/v2'],
      ['DELETE', '/v2/ro/repo/manifests/v1'],
      ['DELETE', `/v2/ro/repo/blobs/${img.layer}`],
    ] as const) {
      const r = await request(reg.url, method, path, method === 'PUT' ? { body: img.manifest, headers: { 'Content-Type': 'application/vnd.oci.image.manifest.v1+json' } } : {});
      assert.equal(r.status, 405, `${method} ${path}`);
      assert.equal(code(r), 'UNSUPPORTED');
    }
  } finally {
    await reg.close();
    await writable.close();
  }
});

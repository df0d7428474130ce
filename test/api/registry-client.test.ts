/**
 * berthd's registry client against berth's registry (token auth, htpasswd), seen through a
 * recording proxy: tokens fetched once per scope set, identity tokens used with the OAuth2
 * refresh grant, mounts asking for the source's pull scope, chunked uploads where the registry
 * asks for them, and credentials kept from redirect targets on other hosts.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, request as httpRequest, type IncomingHttpHeaders, type Server } from 'node:http';
import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { silentLogger } from '../../src/base/log.js';
import { sha256 } from '../../src/base/digest.js';
import { RegistryClient } from '../../src/distribution/index.js';
import { Htpasswd } from '../../src/registry/index.js';
import { startTestRegistry, type TestRegistry } from '../helpers/registry.js';
import bcrypt from 'bcryptjs';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

interface Seen {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
}

/** Forwards to `target`, records every request, and lets a test rewrite answers. */
async function recordingProxy(target: string, tweak?: (req: Seen, headers: Record<string, string | string[] | undefined>) => { status: number; headers: Record<string, string> } | undefined): Promise<{ server: Server; host: string; seen: Seen[] }> {
  const seen: Seen[] = [];
  const t = new URL(target);
  const server = createServer((req, res) => {
    const s: Seen = { method: req.method ?? '', path: req.url ?? '', headers: req.headers };
    seen.push(s);
    const upstream = httpRequest({ host: t.hostname, port: t.port, method: req.method, path: req.url, headers: { ...req.headers, host: t.host } }, (up) => {
      const headers = { ...up.headers };
      const forced = tweak?.(s, headers);
      if (forced) {
        up.resume();
        res.writeHead(forced.status, forced.headers).end();
        return;
      }
      // The realm names the registry: clients must come back through the proxy.
      const auth = headers['www-authenticate'];
      if (typeof auth === 'string') headers['www-authenticate'] = auth.replace(t.host, `127.0.0.1:${(server.address() as { port: number }).port}`);
      res.writeHead(up.statusCode ?? 500, headers);
      up.pipe(res);
    });
    req.pipe(upstream);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return { server, host: `127.0.0.1:${(server.address() as { port: number }).port}`, seen };
}

describe('the registry client', () => {
  let reg: TestRegistry;
  let proxy: Awaited<ReturnType<typeof recordingProxy>>;
  let client: RegistryClient;
  let dir: string;
  const settings = { insecureRegistries: [], mirrors: [] };
  const alice = { username: 'alice', password: 'secret' };

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'berth-client-'));
    writeFileSync(join(dir, 'htpasswd'), `alice:${bcrypt.hashSync('secret', 4)}\n`);
    reg = await startTestRegistry({ htpasswd: await Htpasswd.load(join(dir, 'htpasswd')), token: { service: 'test-registry', ttlSeconds: 300 } });
    proxy = await recordingProxy(reg.url, (s, headers) => {
      // Announce a minimum chunk size on uploads to the `chunked` repository.
      if (s.method === 'POST' && s.path.startsWith('/v2/chunked/blobs/uploads/')) headers['oci-chunk-min-length'] = String(1 << 20);
      return undefined;
    });
    client = new RegistryClient({ userAgent: 'berth-test', settings: () => settings, log: silentLogger });
  });
  after(async () => {
    client.close();
    await new Promise<void>((r) => proxy.server.close(() => r()));
    await reg.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('one token per scope set, reused across requests; manifests round-trip', async () => {
    const before = proxy.seen.length;
    const repo = await client.openRepository(proxy.host, 'team/app', { auth: alice, push: true });
    const data = randomBytes(5000);
    const digest = sha256(data);
    await repo.uploadBlob(() => Readable.from([data]), () => digest, {});
    assert.equal(await repo.statBlob(digest), 5000);
    const manifest = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.manifest.v1+json', config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest, size: 5000 }, layers: [] }));
    await repo.putManifest('v1', 'application/vnd.oci.image.manifest.v1+json', manifest);
    const got = await repo.getManifest('v1');
    assert.equal(got.descriptor.digest, sha256(manifest));
    assert.equal(got.descriptor.mediaType, 'application/vnd.oci.image.manifest.v1+json');
    assert.deepEqual(await repo.listTags(), ['v1']);
    const mine = proxy.seen.slice(before);
    const tokens = mine.filter((s) => s.path.startsWith('/token'));
    assert.equal(tokens.length, 1, mine.map((s) => `${s.method} ${s.path}`).join('\n'));
    assert.match(decodeURIComponent(tokens[0]!.path), /scope=repository:team\/app:push,pull/);
    assert.match(decodeURIComponent(tokens[0]!.path), /account=alice/);
  });

  test('login: an identity token comes back; it then buys tokens through the OAuth2 refresh grant', async () => {
    const r = await client.login({ ...alice, serverAddress: proxy.host });
    assert.equal(r.status, 'Login Succeeded');
    assert.ok(r.identityToken);
    await assert.rejects(client.login({ username: 'alice', password: 'nope', serverAddress: proxy.host }), (err: Error & { kind?: string }) => err.kind === 'Unauthorized' && /unauthorized: authentication required/.test(err.message));
    const before = proxy.seen.length;
    const repo = await client.openRepository(proxy.host, 'team/app', { auth: { identityToken: r.identityToken }, push: false });
    assert.equal((await repo.getManifest('v1')).descriptor.size > 0, true);
    const post = proxy.seen.slice(before).find((s) => s.method === 'POST' && s.path.startsWith('/token'));
    assert.ok(post, 'the refresh grant is a POST to the realm');
  });

  test('a mount asks for pull on the source repository too', async () => {
    const data = randomBytes(3000);
    const digest = sha256(data);
    const a = await client.openRepository(proxy.host, 'mount/src', { auth: alice, push: true });
    await a.uploadBlob(() => Readable.from([data]), () => digest, {});
    const before = proxy.seen.length;
    const b = await client.openRepository(proxy.host, 'mount/dst', { auth: alice, push: true });
    assert.equal(await b.mountBlob(digest, 'mount/src'), true);
    assert.equal(await b.statBlob(digest), 3000);
    const token = proxy.seen.slice(before).filter((s) => s.path.startsWith('/token')).map((s) => decodeURIComponent(s.path)).find((p) => p.includes('mount/src'));
    assert.match(token ?? '', /scope=repository:mount\/dst:push,pull&scope=repository:mount\/src:pull/);
  });

  test('an upload is chunked when the registry announces OCI-Chunk-Min-Length', async () => {
    const data = randomBytes((8 << 20) * 2 + 12345);
    const digest = sha256(data);
    const repo = await client.openRepository(proxy.host, 'chunked', { auth: alice, push: true });
    const before = proxy.seen.length;
    const pieces = (function* () {
      for (let o = 0; o < data.length; o += 65536) yield data.subarray(o, o + 65536);
    })();
    await repo.uploadBlob(() => Readable.from(pieces), () => digest, {});
    const patches = proxy.seen.slice(before).filter((s) => s.method === 'PATCH');
    assert.deepEqual(patches.map((p) => p.headers['content-range']), [`0-${(8 << 20) - 1}`, `${8 << 20}-${(16 << 20) - 1}`, `${16 << 20}-${data.length - 1}`]);
    assert.equal(await repo.statBlob(digest), data.length);
  });

  test('a streamed upload is one PATCH without Content-Range', async () => {
    const data = randomBytes(300_000);
    const digest = sha256(data);
    const repo = await client.openRepository(proxy.host, 'streamed', { auth: alice, push: true });
    const before = proxy.seen.length;
    let progress = 0;
    await repo.uploadBlob(() => Readable.from([data.subarray(0, 100_000), data.subarray(100_000)]), () => digest, { onProgress: (n) => (progress = n) });
    const patches = proxy.seen.slice(before).filter((s) => s.method === 'PATCH');
    assert.equal(patches.length, 1);
    assert.equal(patches[0]!.headers['content-range'], undefined);
    assert.equal(progress, data.length);
  });

  test('blobs redirected to another host are fetched without the registry credentials', async () => {
    const data = randomBytes(2000);
    const digest = sha256(data);
    const seenAuth: (string | undefined)[] = [];
    const storage = createServer((req, res) => {
      seenAuth.push(req.headers.authorization);
      res.writeHead(200, { 'Content-Length': data.length }).end(data);
    });
    await new Promise<void>((r) => storage.listen(0, '127.0.0.1', () => r()));
    const redirecting = await recordingProxy(reg.url, (s) => (s.method === 'GET' && s.path.includes('/blobs/sha256:') ? { status: 307, headers: { Location: `http://127.0.0.1:${(storage.address() as { port: number }).port}/signed?x=1` } } : undefined));
    try {
      const repo = await client.openRepository(redirecting.host, 'team/app', { auth: alice, push: false });
      const chunks: Buffer[] = [];
      for await (const c of repo.openBlob({ mediaType: 'application/octet-stream', digest, size: data.length })) chunks.push(c as Buffer);
      assert.ok(Buffer.concat(chunks).equals(data));
      assert.deepEqual(seenAuth, [undefined]);
      const direct = redirecting.seen.find((s) => s.path.includes('/blobs/'));
      assert.match(direct?.headers.authorization ?? '', /^Bearer /, 'the registry itself did get the token');
    } finally {
      await new Promise<void>((r) => redirecting.server.close(() => r()));
      await new Promise<void>((r) => storage.close(() => r()));
    }
  });
});

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createApi } from '../../src/api/index.js';
import { silentLogger } from '../../src/base/log.js';
import { ApiClient, readAll } from '../../src/client/index.js';
import { composeEngine, type Engine } from '../../src/daemon/compose.js';
import { DEFAULTS } from '../../src/daemon/config.js';
import { removeNetworks } from '../helpers/daemon.js';

/** The API layer on a private socket over a real engine in a temp dir; no root needed. */
describe('Engine API shapes and errors', () => {
  const bridge = `bta${process.pid.toString(16).slice(-6)}`;
  let dir: string;
  let server: Server;
  let client: ApiClient;
  let engine: Engine;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'berth-api-'));
    // Its own bridge (as root the engine sets one up), never the host berthd's berth0.
    engine = await composeEngine(() => ({ ...DEFAULTS, dataRoot: join(dir, 'data'), execRoot: join(dir, 'exec'), bridge, dns: ['127.0.0.1'] }), silentLogger);
    const api = createApi(engine.services, silentLogger);
    server = createServer(api.request);
    server.on('upgrade', api.upgrade);
    await new Promise<void>((r) => server.listen(join(dir, 'api.sock'), () => r()));
    client = new ApiClient({ host: `unix://${join(dir, 'api.sock')}` });
  });
  after(async () => {
    server.close();
    server.closeAllConnections();
    await engine.shutdown();
    if (process.getuid?.() === 0) removeNetworks(join(dir, 'data'), bridge);
    rmSync(dir, { recursive: true, force: true });
  });

  const get = async (method: string, path: string, query?: Record<string, string>): Promise<{ status: number; headers: Record<string, unknown>; body: string }> => {
    // Unversioned paths too: build the request by hand.
    const res = await client.raw(method, path, query ? { query } : {});
    return { status: res.statusCode ?? 0, headers: res.headers, body: (await readAll(res)).toString() };
  };

  test('ping answers HEAD and GET with the headers the docker CLI reads', async () => {
    for (const method of ['HEAD', 'GET']) {
      const r = await get(method, '/_ping');
      assert.equal(r.status, 200);
      assert.equal(r.headers['api-version'], '1.50');
      assert.equal(r.headers['ostype'], 'linux');
      assert.equal(r.headers['docker-experimental'], 'false');
      assert.equal(r.headers['builder-version'], '1');
      assert.equal(r.headers['cache-control'], 'no-cache, no-store, must-revalidate');
      assert.equal(r.headers['pragma'], 'no-cache');
      assert.equal(r.body, method === 'GET' ? 'OK' : '');
    }
  });

  test('version carries what docker-py and the CLI need', async () => {
    const v = JSON.parse((await get('GET', '/version')).body) as Record<string, unknown>;
    assert.equal(v.ApiVersion, '1.50');
    assert.equal(v.MinAPIVersion, '1.21');
    assert.equal(v.Os, 'linux');
    assert.ok(Array.isArray(v.Components));
  });

  test('info reports real figures', async () => {
    const i = JSON.parse((await get('GET', '/info')).body) as Record<string, unknown>;
    assert.equal(i.Driver, 'overlay2');
    assert.equal(i.Images, 0);
    assert.equal(i.OSType, 'linux');
    assert.ok(Number(i.NCPU) >= 1);
    assert.ok(Number(i.MemTotal) > 0);
    assert.match(String(i.CgroupVersion), /^[12]$/);
    assert.equal((i.Swarm as { LocalNodeState: string }).LocalNodeState, 'inactive');
  });

  test('errors are {"message"} with Content-Type application/json exactly', async () => {
    const cases: [string, string, Record<string, string> | undefined, number, RegExp][] = [
      ['GET', '/images/nosuch/json', undefined, 404, /^No such image: nosuch:latest$/],
      ['GET', '/images/json', { filters: '{not json' }, 400, /^invalid filter/],
      ['GET', '/images/json', { filters: '{"bogus":{"x":true}}' }, 400, /^invalid filter 'bogus'$/],
      ['POST', '/images/nosuch/tag', { repo: 'x' }, 404, /No such image/],
      ['DELETE', '/images/sha256:' + 'a'.repeat(64), undefined, 404, /No such image/],
      ['GET', '/no/such/endpoint', undefined, 404, /page not found/],
      ['POST', '/images/create', {}, 400, /fromImage or fromSrc/],
      // Port 1 on loopback refuses connections: the registry client's error, in Go's words.
      ['POST', '/images/create', { fromImage: '127.0.0.1:1/x', tag: 'latest' }, 500, /^Get "http:\/\/127\.0\.0\.1:1\/v2\/": dial tcp 127\.0\.0\.1:1: connect: connection refused$/],
      ['POST', '/images/create', { fromImage: 'Upper', tag: 'latest' }, 400, /^invalid reference format: repository name \(library\/Upper\) must be lowercase$/],
      ['GET', '/images/search', { term: 'a://b' }, 400, /should not have a scheme/],
    ];
    for (const [method, path, query, status, message] of cases) {
      const r = await get(method, path, query);
      assert.equal(r.status, status, `${method} ${path}: ${r.body}`);
      assert.equal(r.headers['content-type'], 'application/json', `${method} ${path}`);
      assert.match((JSON.parse(r.body) as { message: string }).message, message, `${method} ${path}`);
    }
  });

  /** A request on exactly this path (the client would put its own version in front). */
  const call = async (path: string, method = 'GET'): Promise<{ status: number; type: string; body: string }> => {
    const { request } = await import('node:http');
    return new Promise((resolve, reject) => {
      const req = request({ socketPath: join(dir, 'api.sock'), path, method }, (res) => {
        readAll(res).then((b) => resolve({ status: res.statusCode ?? 0, type: String(res.headers['content-type']), body: b.toString() }), reject);
      });
      req.on('error', reject);
      req.end();
    });
  };

  test('API versions outside 1.21–1.50 are refused with Docker\'s wording; every one inside answers', async () => {
    const tooNew = await call('/v1.99/version');
    assert.equal(tooNew.status, 400);
    assert.match(tooNew.body, /client version 1.99 is too new. Maximum supported API version is 1.50/);
    const tooOld = await call('/v1.20/version');
    assert.equal(tooOld.status, 400);
    assert.match(tooOld.body, /too old. Minimum supported API version is 1.21/);
    assert.equal((await call('/version')).status, 200);
    // docker-compose 1.x pins 1.21 (v1 files) up to 1.38; docker-py accepts a pinned version as low as 1.21.
    for (let minor = 21; minor <= 50; minor++) {
      for (const path of ['/version', '/info', '/containers/json?all=1', '/images/json', '/networks', '/volumes', '/events?until=1']) {
        const r = await call(`/v1.${minor}${path}`);
        assert.equal(r.status, 200, `/v1.${minor}${path}: ${r.body}`);
        assert.equal(r.type, 'application/json', `/v1.${minor}${path}`);
      }
    }
    // Old API versions get the fields they expect.
    const old = await call('/v1.41/images/json');
    assert.equal(old.status, 200);
  });

  test('errors are plain text up to API 1.23 (Docker 20.10), JSON from 1.24 and unversioned', async () => {
    for (const minor of [21, 22, 23]) {
      const r = await call(`/v1.${minor}/containers/nothere/json`);
      assert.equal(r.status, 404);
      assert.equal(r.type, 'text/plain; charset=utf-8');
      assert.equal(r.body, 'No such container: nothere\n');
    }
    for (const path of ['/v1.24/containers/nothere/json', '/containers/nothere/json']) {
      const r = await call(path);
      assert.equal(r.status, 404);
      assert.equal(r.type, 'application/json');
      assert.deepEqual(JSON.parse(r.body), { message: 'No such container: nothere' });
    }
  });

  test('info: security options by name only before 1.25', async () => {
    const info = async (minor: number): Promise<{ SecurityOptions: string[]; KernelVersion: string }> => JSON.parse((await call(`/v1.${minor}/info`)).body) as { SecurityOptions: string[]; KernelVersion: string };
    const current = await info(25);
    assert.ok(current.SecurityOptions.length > 0);
    for (const o of current.SecurityOptions) assert.match(o, /^name=/);
    assert.deepEqual((await info(24)).SecurityOptions, current.SecurityOptions.map((o) => /^name=([^,]+)/.exec(o)![1]));
  });

  test('invalid references and tags are 400', async () => {
    const r = await get('POST', '/images/create', { fromSrc: '-', repo: 'Upper' });
    assert.equal(r.status, 400);
    assert.match(r.body, /invalid reference format/);
  });

  test('events stream replays with since and stops at until', async () => {
    const now = Math.floor(Date.now() / 1000);
    const r = await get('GET', '/events', { since: String(now - 10), until: String(now + 1) });
    assert.equal(r.status, 200);
    assert.equal(r.headers['content-type'], 'application/json');
  });
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { isBerthError } from '../../base/errors.js';
import type { RequestContext } from '../context.js';
import { buildRequest } from './build.js';

function ctx(query: string, apiMinor = 50, headers: Record<string, string> = {}): RequestContext {
  return { req: { headers } as unknown as IncomingMessage, res: {} as ServerResponse, params: {}, query: new URLSearchParams(query), apiMinor, signal: new AbortController().signal };
}

test('POST /build parameters as docker-py, the docker CLI and compose send them', () => {
  const r = buildRequest(ctx('t=a&t=b%3A1&q=True&nocache=1&pull=False&rm=False&buildargs=%7B%22A%22%3A%221%22%2C%22B%22%3Anull%7D&labels=%7B%22l%22%3A%22v%22%7D&cachefrom=%5B%22x%22%5D&memory=1024&memswap=-1&cpushares=512&cpusetcpus=0&shmsize=67108864&extrahosts=h%3A1.2.3.4&networkmode=host&target=t&platform=linux%2Famd64&ulimits=%5B%7B%22Name%22%3A%22nofile%22%2C%22Soft%22%3A5%2C%22Hard%22%3A6%7D%5D'));
  assert.deepEqual(r.tags, ['a', 'b:1']);
  assert.equal(r.quiet, true);
  assert.equal(r.noCache, true);
  assert.equal(r.pull, false);
  assert.equal(r.remove, false, 'docker-py sends rm=False');
  assert.deepEqual([...r.buildArgs], [['A', '1'], ['B', null]]);
  assert.deepEqual(r.labels, { l: 'v' });
  assert.deepEqual(r.cacheFrom, ['x']);
  assert.equal(r.platform, 'linux/amd64');
  assert.deepEqual(r.host, { networkMode: 'host', extraHosts: ['h:1.2.3.4'], shmSize: 67108864, memory: 1024, memorySwap: -1, cpuShares: 512, cpuPeriod: 0, cpuQuota: 0, cpusetCpus: '0', cpusetMems: '', cgroupParent: '', ulimits: [{ name: 'nofile', soft: 5, hard: 6 }] });
});

test('rm is on unless turned off; forcerm implies it; the platform needs API 1.32', () => {
  assert.equal(buildRequest(ctx('')).remove, true);
  assert.equal(buildRequest(ctx('rm=0&forcerm=1')).remove, true);
  assert.equal(buildRequest(ctx('platform=linux/arm64', 31)).platform, '');
  assert.equal(buildRequest(ctx('memory=abc')).host.memory, 0, 'moby reads a bad number as 0');
});

test("bad parameters get moby's messages", () => {
  const fails = (q: string, msg: RegExp): void => {
    assert.throws(() => buildRequest(ctx(q)), (e: unknown) => isBerthError(e, 'InvalidArgument') && msg.test(e.message));
  };
  fails('squash=1', /^squash is only supported with experimental mode$/);
  fails('isolation=hyperv', /^unsupported isolation: "hyperv"$/);
  fails('version=3', /^invalid version "3"$/);
  fails('shmsize=x', /^strconv\.ParseInt: parsing "x": invalid syntax$/);
  fails('labels=%5B', /^error reading labels: /);
  fails('cachefrom=x', /^error reading cache-from: /);
  fails('ulimits=%7B', /^error reading ulimit settings: /);
  fails('securityopt=x', /^security options are not supported on linux$/);
});

test('X-Registry-Config: base64url JSON, unreadable means none', () => {
  const auth = { 'localhost:5000': { username: 'u', password: 'p' } };
  assert.deepEqual(buildRequest(ctx('', 50, { 'x-registry-config': Buffer.from(JSON.stringify(auth)).toString('base64url') })).auth, auth);
  assert.deepEqual(buildRequest(ctx('', 50, { 'x-registry-config': '%%%' })).auth, {});
});

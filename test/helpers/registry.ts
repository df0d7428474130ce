import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { silentLogger } from '../../src/base/log.js';
import { startRegistry, type RegistryConfig, type RunningRegistry } from '../../src/registry/index.js';

export interface TestRegistry {
  /** Base URL without trailing slash, e.g. http://127.0.0.1:40123 */
  url: string;
  /** host:port, for skopeo and docker references. */
  host: string;
  root: string;
  running: RunningRegistry;
  close(): Promise<void>;
}

/** berth's registry in this process, on loopback and a temp root. */
export async function startTestRegistry(config: Partial<RegistryConfig> = {}): Promise<TestRegistry> {
  const dir = mkdtempSync(join(tmpdir(), 'berth-registry-'));
  const root = config.root ?? join(dir, 'root');
  const running = await startRegistry({ root, addr: '127.0.0.1:0', readOnly: false, uploadTimeoutMs: 3_600_000, log: silentLogger, ...config });
  const url = running.url.href.replace(/\/$/, '');
  return {
    url,
    host: running.url.host,
    root,
    running,
    close: async () => {
      await running.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface Reply {
  status: number;
  headers: Headers;
  body: Buffer;
  json<T = Record<string, unknown>>(): T;
}

/** One request; `path` may be absolute or relative to `base` (Location headers are relative). */
export async function request(base: string, method: string, path: string, opts: { headers?: Record<string, string>; body?: Buffer | string } = {}): Promise<Reply> {
  const res = await fetch(new URL(path, base), { method, headers: opts.headers ?? {}, ...(opts.body !== undefined ? { body: opts.body } : {}) });
  const body = Buffer.from(await res.arrayBuffer());
  return { status: res.status, headers: res.headers, body, json: <T>() => JSON.parse(body.toString('utf8')) as T };
}

export const sha256 = (data: Buffer | string): string => `sha256:${createHash('sha256').update(data).digest('hex')}`;

/** POST + PUT upload of a blob; returns its digest. */
export async function pushBlob(base: string, repo: string, data: Buffer | string, headers: Record<string, string> = {}): Promise<string> {
  const digest = sha256(data);
  const start = await request(base, 'POST', `/v2/${repo}/blobs/uploads/`, { headers });
  if (start.status !== 202) throw new Error(`POST upload: ${start.status} ${start.body.toString()}`);
  const put = await request(base, 'PUT', `${start.headers.get('location')!}?digest=${digest}`, { body: data, headers: { 'Content-Type': 'application/octet-stream', ...headers } });
  if (put.status !== 201) throw new Error(`PUT upload: ${put.status} ${put.body.toString()}`);
  return digest;
}

export const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
export const OCI_INDEX = 'application/vnd.oci.image.index.v1+json';
export const DOCKER_MANIFEST = 'application/vnd.docker.distribution.manifest.v2+json';
export const DOCKER_LIST = 'application/vnd.docker.distribution.manifest.list.v2+json';

/** Pushes a config and one layer, then an OCI manifest under `ref`; returns the digests. */
export async function pushImage(base: string, repo: string, ref: string, opts: { layer?: Buffer; mediaType?: string; headers?: Record<string, string> } = {}): Promise<{ manifest: Buffer; digest: string; config: string; layer: string }> {
  const headers = opts.headers ?? {};
  const configBody = JSON.stringify({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [] }, author: Math.random().toString(36) });
  const config = await pushBlob(base, repo, configBody, headers);
  const layerData = opts.layer ?? Buffer.from(`layer ${Math.random()}`);
  const layer = await pushBlob(base, repo, layerData, headers);
  const mediaType = opts.mediaType ?? OCI_MANIFEST;
  const docker = mediaType === DOCKER_MANIFEST;
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType,
      config: { mediaType: docker ? 'application/vnd.docker.container.image.v1+json' : 'application/vnd.oci.image.config.v1+json', digest: config, size: Buffer.byteLength(configBody) },
      layers: [{ mediaType: docker ? 'application/vnd.docker.image.rootfs.diff.tar.gzip' : 'application/vnd.oci.image.layer.v1.tar+gzip', digest: layer, size: layerData.length }],
    }),
  );
  const put = await request(base, 'PUT', `/v2/${repo}/manifests/${ref}`, { body: manifest, headers: { 'Content-Type': mediaType, ...headers } });
  if (put.status !== 201) throw new Error(`PUT manifest: ${put.status} ${put.body.toString()}`);
  return { manifest, digest: sha256(manifest), config, layer };
}

export async function freePort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()));
  const port = (srv.address() as { port: number }).port;
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
}

export const DOCKER_REGISTRY = '/usr/bin/docker-registry';

export interface DockerRegistry {
  url: string;
  host: string;
  proc: ChildProcess;
  stop(): Promise<void>;
}

/** Debian's docker-registry (distribution 2.8) on a free loopback port and a temp root. */
export async function startDockerRegistry(opts: { htpasswd?: string } = {}): Promise<DockerRegistry> {
  const dir = mkdtempSync(join(tmpdir(), 'docker-registry-'));
  const port = await freePort();
  let config = `version: 0.1\nlog:\n  level: error\nstorage:\n  filesystem:\n    rootdirectory: ${join(dir, 'data')}\n  delete:\n    enabled: true\nhttp:\n  addr: 127.0.0.1:${port}\n`;
  if (opts.htpasswd) {
    writeFileSync(join(dir, 'htpasswd'), opts.htpasswd);
    config += `auth:\n  htpasswd:\n    realm: basic-realm\n    path: ${join(dir, 'htpasswd')}\n`;
  }
  writeFileSync(join(dir, 'config.yml'), config);
  const proc = spawn(DOCKER_REGISTRY, ['serve', join(dir, 'config.yml')], { stdio: 'ignore' });
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; ; i++) {
    try {
      await fetch(`${url}/v2/`);
      break;
    } catch {
      if (i > 100 || proc.exitCode !== null) throw new Error('docker-registry did not start');
      await sleep(50);
    }
  }
  return {
    url,
    host: `127.0.0.1:${port}`,
    proc,
    stop: () => stopAndRemove(proc, dir),
  };
}

export interface RegistryProcess {
  url: string;
  host: string;
  root: string;
  proc: ChildProcess;
  stop(): Promise<void>;
}

/**
 * `berth registry serve` as its own process on a free loopback port (tests that drive clients
 * with spawnSync cannot serve from their own event loop). `args` adds flags (--token, --htpasswd).
 */
export async function startRegistryProcess(args: string[] = [], opts: { port?: number; root?: string } = {}): Promise<RegistryProcess> {
  const dir = mkdtempSync(join(tmpdir(), 'berth-registry-proc-'));
  const root = opts.root ?? join(dir, 'root');
  const { BERTH, NODE } = await import('./daemon.js');
  const proc = spawn(NODE, [BERTH, 'registry', 'serve', '--addr', `127.0.0.1:${opts.port ?? 0}`, '--root', root, '--log-level', 'error', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  proc.stderr!.on('data', (c: Buffer) => (stderr += c.toString()));
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    proc.stdout!.on('data', (c: Buffer) => {
      out += c.toString();
      const m = /listening on (\S+)/.exec(out);
      if (m) resolve(m[1]!.replace(/\/$/, ''));
    });
    proc.once('exit', (code) => reject(new Error(`berth registry exited with ${code}: ${stderr}`)));
  });
  return {
    url,
    host: new URL(url).host,
    root,
    proc,
    stop: () => stopAndRemove(proc, dir),
  };
}

/** SIGTERM (once) and wait for the exit, then remove the process's temp dir. */
async function stopAndRemove(proc: ChildProcess, dir: string): Promise<void> {
  if (proc.exitCode === null && proc.signalCode === null) {
    const exited = new Promise((r) => proc.once('exit', r));
    proc.kill('SIGTERM');
    await exited;
  }
  rmSync(dir, { recursive: true, force: true });
}

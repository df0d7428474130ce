/**
 * A scriptable distribution API for fault tests: serves manifests and blobs from memory, exactly
 * as given (wrong digests, huge or malformed manifests included), with hooks to cut a transfer
 * after some bytes, refuse range requests, or stop the listener mid-pull.
 */
import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import * as zlib from 'node:zlib';
import { pushBlob, request } from './registry.js';

export interface FakeBlob {
  data: Buffer;
  /** Serve only this many bytes of the first GET, then drop the connection. */
  cutAfter?: number;
  /** After the cut, stop the whole listener (the registry "dies"). */
  dieOnCut?: boolean;
  /** Answer range requests with the whole blob (200), as a registry without Range support. */
  noRanges?: boolean;
}

export interface FakeManifest {
  body: Buffer;
  contentType: string;
}

export class FakeRegistry {
  readonly manifests = new Map<string, FakeManifest>();
  readonly blobs = new Map<string, FakeBlob>();
  /** What `GET /v1/search` answers (Docker Hub's search API); undefined: 404 as a plain registry. */
  searchResults: { name: string; description: string; star_count: number; is_official: boolean; is_automated: boolean }[] | undefined;
  /** Every request line, for assertions (`GET /v2/x/blobs/sha256:… bytes=100-`). */
  readonly log: string[] = [];
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();
  port = 0;

  get host(): string {
    return `127.0.0.1:${this.port}`;
  }

  async start(port = 0): Promise<void> {
    this.server = createServer((req, res) => this.handle(req, res));
    this.server.on('connection', (s) => {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
    await new Promise<void>((r) => this.server!.listen(port, '127.0.0.1', () => r()));
    this.port = (this.server.address() as { port: number }).port;
  }

  /** Closes the listener and every connection at once: a registry that crashed. */
  async stop(): Promise<void> {
    const s = this.server;
    this.server = undefined;
    if (!s) return;
    for (const sock of this.sockets) sock.destroy();
    await new Promise<void>((r) => s.close(() => r()));
  }

  addBlob(data: Buffer, opts: Omit<FakeBlob, 'data'> = {}): string {
    const digest = sha256(data);
    this.blobs.set(digest, { data, ...opts });
    return digest;
  }

  addManifest(repo: string, refs: string[], body: Buffer | object, contentType: string): string {
    const bytes = Buffer.isBuffer(body) ? body : Buffer.from(JSON.stringify(body));
    const digest = sha256(bytes);
    for (const r of [...refs, digest]) this.manifests.set(`${repo}:${r}`, { body: bytes, contentType });
    return digest;
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const url = new URL(req.url ?? '/', 'http://x');
    this.log.push(`${req.method} ${url.pathname}${req.headers.range ? ` ${req.headers.range}` : ''}`);
    res.setHeader('Docker-Distribution-API-Version', 'registry/2.0');
    if (url.pathname === '/v1/search' && this.searchResults) {
      const q = url.searchParams.get('q') ?? '';
      const n = Number(url.searchParams.get('n') ?? 25);
      const results = this.searchResults.filter((r) => r.name.includes(q)).slice(0, n);
      res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify({ num_results: results.length, query: q, results }));
      return;
    }
    if (url.pathname === '/v2/') {
      res.writeHead(200, { 'Content-Type': 'application/json' }).end('{}');
      return;
    }
    const m = /^\/v2\/(.+)\/(manifests|blobs)\/([^/]+)$/.exec(url.pathname);
    if (!m) return this.error(res, 404, 'NAME_UNKNOWN', 'repository name not known to registry');
    const [, repo, kind, ref] = m as unknown as [string, string, string, string];
    if (kind === 'manifests') {
      const man = this.manifests.get(`${repo}:${ref}`);
      if (!man) return this.error(res, 404, 'MANIFEST_UNKNOWN', 'manifest unknown');
      res.writeHead(200, { 'Content-Type': man.contentType, 'Content-Length': man.body.length, 'Docker-Content-Digest': sha256(man.body) });
      res.end(req.method === 'HEAD' ? undefined : man.body);
      return;
    }
    const blob = this.blobs.get(ref);
    if (!blob) return this.error(res, 404, 'BLOB_UNKNOWN', 'blob unknown to registry');
    const range = /^bytes=(\d+)-$/.exec(req.headers.range ?? '');
    const start = range && !blob.noRanges ? Number(range[1]) : 0;
    const body = blob.data.subarray(start);
    const headers: Record<string, string | number> = { 'Content-Type': 'application/octet-stream', 'Content-Length': body.length, 'Accept-Ranges': 'bytes' };
    if (start > 0) headers['Content-Range'] = `bytes ${start}-${blob.data.length - 1}/${blob.data.length}`;
    res.writeHead(start > 0 ? 206 : 200, headers);
    if (req.method === 'HEAD') {
      res.end();
      return;
    }
    if (blob.cutAfter !== undefined) {
      const cut = blob.cutAfter;
      blob.cutAfter = undefined;
      res.write(body.subarray(0, cut), () => {
        // Give the bytes time to leave before the connection goes.
        setTimeout(() => {
          res.socket?.destroy();
          if (blob.dieOnCut) void this.stop();
        }, 50);
      });
      return;
    }
    res.end(body);
  }

  private error(res: ServerResponse, status: number, code: string, message: string): void {
    res.writeHead(status, { 'Content-Type': 'application/json' }).end(JSON.stringify({ errors: [{ code, message, detail: null }] }));
  }
}

export const sha256 = (b: Buffer | string): string => `sha256:${createHash('sha256').update(b).digest('hex')}`;

export interface BuiltImage {
  config: Buffer;
  configDigest: string;
  layers: { blob: Buffer; digest: string; diffId: string; mediaType: string }[];
  manifest: object;
}

/**
 * An image made of the given layer tars, each compressed as asked, described by a Docker schema 2
 * (default) or OCI manifest; nothing is uploaded.
 */
export function buildImage(layerTars: Buffer[], opts: { oci?: boolean; arch?: string; compress?: ('gzip' | 'none' | 'zstd')[]; cmd?: string[] } = {}): BuiltImage {
  const config = Buffer.from(
    JSON.stringify({
      architecture: opts.arch ?? 'amd64',
      os: 'linux',
      created: '2024-01-01T00:00:00Z',
      config: { Cmd: opts.cmd ?? ['sh'] },
      rootfs: { type: 'layers', diff_ids: layerTars.map((t) => sha256(t)) },
    }),
  );
  const layers = layerTars.map((tar, i) => {
    const kind = opts.compress?.[i] ?? 'gzip';
    const blob = kind === 'gzip' ? zlib.gzipSync(tar) : kind === 'zstd' ? (zlib as unknown as { zstdCompressSync: (b: Buffer) => Buffer }).zstdCompressSync(tar) : tar;
    const mediaType = opts.oci
      ? `application/vnd.oci.image.layer.v1.tar${kind === 'none' ? '' : `+${kind}`}`
      : kind === 'none'
        ? 'application/vnd.docker.image.rootfs.diff.tar'
        : 'application/vnd.docker.image.rootfs.diff.tar.gzip';
    return { blob, digest: sha256(blob), diffId: sha256(tar), mediaType };
  });
  const manifest = {
    schemaVersion: 2,
    mediaType: opts.oci ? 'application/vnd.oci.image.manifest.v1+json' : 'application/vnd.docker.distribution.manifest.v2+json',
    config: { mediaType: opts.oci ? 'application/vnd.oci.image.config.v1+json' : 'application/vnd.docker.container.image.v1+json', digest: sha256(config), size: config.length },
    layers: layers.map((l) => ({ mediaType: l.mediaType, digest: l.digest, size: l.blob.length })),
  };
  return { config, configDigest: sha256(config), layers, manifest };
}

/** Uploads an image's blobs and manifest to a real registry (berth's or docker-registry) under `ref`. */
export async function uploadImage(base: string, repo: string, ref: string, img: BuiltImage): Promise<string> {
  await pushBlob(base, repo, img.config);
  for (const l of img.layers) await pushBlob(base, repo, l.blob);
  return putManifest(base, repo, ref, img.manifest);
}

export async function putManifest(base: string, repo: string, ref: string, manifest: object): Promise<string> {
  const body = Buffer.from(JSON.stringify(manifest));
  const r = await request(base, 'PUT', `/v2/${repo}/manifests/${ref}`, { body, headers: { 'Content-Type': (manifest as { mediaType: string }).mediaType } });
  if (r.status !== 201) throw new Error(`PUT manifest: ${r.status} ${r.body.toString()}`);
  return sha256(body);
}

import { open, rm } from 'node:fs/promises';
import { PassThrough, Readable } from 'node:stream';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { isBerthError } from '../../base/errors.js';
import type { Logger } from '../../base/log.js';
import { digestBytes, finishDigest, hashOf, isDigest, looksLikeDigest, parseDigest } from '../digest.js';
import { isRegistryError, registryError } from '../errors.js';
import { isTag } from '../names.js';
import { LocalPullSource, type PullSource, type ServableBlob } from '../pull-source.js';
import { MAX_MANIFEST_BYTES } from '../storage/manifest.js';
import type { ReferrersResult, RegistryStorage, StoredManifest } from '../storage/registry-storage.js';
import type { Upstream } from './upstream.js';

export interface ProxyOptions {
  /** How long a tag checked against the upstream is served without asking again. */
  tagTtlMs: number;
  log: Logger;
}

/**
 * A pull-through cache. Manifests and blobs come from the upstream once, verified against their
 * digests, and are served from the local storage after; a blob is streamed to the first client
 * while it is written, and committed only when its digest matched. Tags are revalidated with a
 * HEAD upstream once their TTL has passed (always, with the default TTL 0, as distribution's proxy
 * does); when the upstream cannot be reached, the cached tag is served.
 */
export class ProxyPullSource implements PullSource {
  private readonly local: LocalPullSource;
  private readonly validated = new Map<string, number>();
  private readonly inflight = new Map<string, Promise<void>>();

  constructor(
    private readonly storage: RegistryStorage,
    private readonly upstream: Upstream,
    private readonly opts: ProxyOptions,
  ) {
    this.local = new LocalPullSource(storage);
  }

  async manifest(repo: string, reference: string, signal: AbortSignal): Promise<StoredManifest> {
    if (looksLikeDigest(reference)) {
      const local = await this.localManifest(repo, reference);
      return local ?? (await this.fetchManifest(repo, reference, reference, signal));
    }
    if (!isTag(reference)) throw registryError('MANIFEST_UNKNOWN', undefined, { reference });
    const key = `${repo}:${reference}`;
    const local = await this.localManifest(repo, reference);
    if (local && Date.now() - (this.validated.get(key) ?? -Infinity) < this.opts.tagTtlMs) return local;
    let head: Response;
    try {
      head = await this.upstream.manifest(repo, reference, 'HEAD', signal);
    } catch (err) {
      if (local && isBerthError(err, 'Unavailable')) return this.stale(local, key, err);
      throw err;
    }
    if (head.status === 404) throw registryError('MANIFEST_UNKNOWN', undefined, { reference });
    if (!head.ok) {
      if (local) return this.stale(local, key, new Error(`upstream answered ${head.status}`));
      throw upstreamError(head.status);
    }
    const digest = head.headers.get('docker-content-digest') ?? undefined;
    let stored = digest && local?.digest === digest ? local : digest && isDigest(digest) ? await this.localManifest(repo, digest) : undefined;
    stored ??= await this.fetchManifest(repo, reference, digest, signal);
    await this.storage.links.setTag(repo, reference, stored.digest);
    this.validated.set(key, Date.now());
    return stored;
  }

  async blob(repo: string, digest: string, signal: AbortSignal): Promise<ServableBlob> {
    if (!isDigest(digest)) throw registryError('DIGEST_INVALID', `invalid digest ${digest}`);
    try {
      return await this.local.blob(repo, digest);
    } catch (err) {
      if (!isRegistryError(err, 'BLOB_UNKNOWN')) throw err;
    }
    const head = await this.upstream.blob(repo, digest, 'HEAD', signal);
    if (head.status === 404) throw registryError('BLOB_UNKNOWN', undefined, { digest });
    if (!head.ok) throw upstreamError(head.status);
    const size = Number(head.headers.get('content-length'));
    if (await this.storage.blobs.stat(digest)) {
      // Cached through another repository that the upstream also serves it from.
      await this.storage.linkBlob(repo, digest);
      return await this.local.blob(repo, digest);
    }
    return {
      size,
      open: async (range) => {
        const pending = this.inflight.get(digest);
        if (pending || range) {
          // A range, or another client already fetching: let the whole blob land, then serve it.
          if (pending) await pending;
          else await drain(await this.fetchBlob(repo, digest, signal));
          return (await this.local.blob(repo, digest)).open(range);
        }
        return await this.fetchBlob(repo, digest, signal);
      },
    };
  }

  async tags(repo: string, signal: AbortSignal): Promise<string[]> {
    try {
      const res = await this.upstream.tags(repo, signal);
      if (res.status === 404) throw registryError('NAME_UNKNOWN', undefined, { name: repo });
      if (res.ok) return (((await res.json()) as { tags?: string[] | null }).tags ?? []).sort();
    } catch (err) {
      if (!isBerthError(err, 'Unavailable')) throw err;
    }
    return await this.local.tags(repo);
  }

  referrers(repo: string, digest: string, artifactType: string | undefined): Promise<ReferrersResult> {
    return this.local.referrers(repo, digest, artifactType);
  }

  private async localManifest(repo: string, reference: string): Promise<StoredManifest | undefined> {
    try {
      return await this.storage.getManifest(repo, reference);
    } catch (err) {
      if (isRegistryError(err, 'MANIFEST_UNKNOWN')) return undefined;
      throw err;
    }
  }

  private stale(local: StoredManifest, key: string, err: unknown): StoredManifest {
    this.opts.log.warn(`proxy: upstream unavailable, serving cached ${key}`, { error: err });
    return local;
  }

  /** GETs a manifest, checks it against `expected` and the upstream's digest header, stores it. */
  private async fetchManifest(repo: string, reference: string, expected: string | undefined, signal: AbortSignal): Promise<StoredManifest> {
    const res = await this.upstream.manifest(repo, reference, 'GET', signal);
    if (res.status === 404) throw registryError('MANIFEST_UNKNOWN', undefined, { reference });
    if (!res.ok) throw upstreamError(res.status);
    const body = Buffer.from(await res.arrayBuffer());
    if (body.length > MAX_MANIFEST_BYTES) throw registryError('MANIFEST_TOO_BIG', undefined, { limit: MAX_MANIFEST_BYTES });
    const claimed = expected ?? res.headers.get('docker-content-digest') ?? undefined;
    const algorithm = (claimed && parseDigest(claimed)?.algorithm) || 'sha256';
    const digest = digestBytes(body, algorithm);
    if (claimed !== undefined && digest !== claimed) {
      throw registryError('MANIFEST_INVALID', `upstream manifest ${reference} does not match its digest`, { expected: claimed, actual: digest });
    }
    const mediaType = res.headers.get('content-type')?.split(';')[0]?.trim();
    return await this.storage.cacheManifest(repo, body, mediaType, algorithm);
  }

  /**
   * Streams a blob from the upstream into a temp file and to the client at once; at the end the
   * digest is checked and the file committed, and only then does the client's stream end. A
   * mismatch fails the client's stream (a broken transfer) and stores nothing. A client that
   * leaves does not stop the caching: the fetch is not tied to its request.
   */
  private async fetchBlob(repo: string, digest: string, signal: AbortSignal): Promise<Readable> {
    signal.throwIfAborted();
    const res = await this.upstream.blob(repo, digest, 'GET', new AbortController().signal);
    if (res.status === 404) throw registryError('BLOB_UNKNOWN', undefined, { digest });
    if (!res.ok || !res.body) throw upstreamError(res.status);
    const body = Readable.fromWeb(res.body as WebReadableStream<Uint8Array>);
    const client = new PassThrough({ highWaterMark: 1 << 20 });
    const done = this.cacheStream(repo, digest, body, client);
    this.inflight.set(digest, done.catch(() => {}));
    done.then(
      () => client.end(),
      (err: unknown) => {
        this.opts.log.warn(`proxy: caching ${digest} failed`, { error: err });
        client.destroy(err instanceof Error ? err : new Error(String(err)));
      },
    );
    void done.catch(() => {}).finally(() => this.inflight.delete(digest));
    return client;
  }

  private async cacheStream(repo: string, digest: string, body: Readable, client: PassThrough): Promise<void> {
    const algorithm = parseDigest(digest)!.algorithm;
    const hash = hashOf(algorithm);
    const tmp = this.storage.blobs.tempPath();
    const file = await open(tmp, 'wx', 0o644);
    try {
      for await (const chunk of body) {
        hash.update(chunk as Buffer);
        await file.write(chunk as Buffer);
        if (!client.destroyed && !client.write(chunk)) await drained(client);
      }
      await file.close();
      const actual = finishDigest(hash, algorithm);
      if (actual !== digest) throw registryError('DIGEST_INVALID', `upstream blob does not match ${digest}`, { actual });
      await this.storage.blobs.commitFile(tmp, digest);
      await this.storage.linkBlob(repo, digest);
    } catch (err) {
      await file.close().catch(() => {});
      await rm(tmp, { force: true });
      body.destroy();
      throw err;
    }
  }
}

/** Resolves when the stream wants more data, or is gone. */
function drained(stream: PassThrough): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      stream.off('drain', done);
      stream.off('close', done);
      resolve();
    };
    stream.on('drain', done);
    stream.on('close', done);
  });
}

function drain(stream: Readable): Promise<void> {
  return new Promise((resolve, reject) => {
    stream.once('end', resolve);
    stream.once('error', reject);
    stream.resume();
  });
}

function upstreamError(status: number): Error {
  if (status === 401 || status === 403) return registryError('UNAUTHORIZED', `upstream refused access (${status})`);
  if (status === 429) return registryError('TOOMANYREQUESTS');
  return registryError('UNAVAILABLE', `upstream answered ${status}`);
}

/**
 * One repository on a registry: manifests, tags and blobs over the distribution API. For pulls
 * from Docker Hub with mirrors, the mirrors come first: a mirror that fails to resolve a
 * reference (down, or without the image) hands over to the next endpoint, and whichever resolved
 * it serves the blobs too, as moby's pull does.
 */
import type { Readable } from 'node:stream';
import { isDigest, sha256, type Digest } from '../base/digest.js';
import { BerthError } from '../base/errors.js';
import { ResumableBlobStream } from './blob-reader.js';
import { readBody } from './transport.js';
import type { EndpointSession } from './session.js';
import type { BlobDescriptor } from './types.js';
import { cancelUpload, uploadBlob, type UploadOptions, type UploadSource } from './upload.js';

/** What a pull accepts, as Docker 28 lists it (schema 1 only to say it is no longer supported). */
export const MANIFEST_ACCEPT = [
  'application/vnd.oci.image.index.v1+json',
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
  'application/vnd.docker.distribution.manifest.v2+json',
  'application/vnd.docker.distribution.manifest.v1+prettyjws',
].join(', ');

/** Manifests larger than this are refused (containerd's limit). */
export const MANIFEST_MAX = 4 << 20;

export interface FetchedManifest {
  descriptor: BlobDescriptor;
  bytes: Buffer;
}

export class RegistryRepository {
  readonly name: string;
  private pinned = 0;

  constructor(
    readonly host: string,
    readonly path: string,
    /** Endpoints in order of preference, all pinged; mirrors first. */
    private readonly sessions: EndpointSession[],
    /** Why the registry itself could not be reached, when only its mirrors could. */
    private readonly unreachable?: unknown,
  ) {
    this.name = `${host}/${path}`;
  }

  private get session(): EndpointSession {
    return this.sessions[this.pinned]!;
  }

  async getManifest(reference: string, signal?: AbortSignal): Promise<FetchedManifest> {
    let lastError: unknown;
    for (let i = this.pinned; i < this.sessions.length; i++) {
      try {
        const m = await this.fetchManifest(this.sessions[i]!, reference, signal);
        this.pinned = i;
        return m;
      } catch (err) {
        // Only a mirror hands over to the next endpoint; the registry's own answer stands.
        if (!this.sessions[i]!.endpoint.mirror || signal?.aborted) throw err;
        lastError = err;
      }
    }
    throw this.unreachable ?? lastError;
  }

  private async fetchManifest(session: EndpointSession, reference: string, signal?: AbortSignal): Promise<FetchedManifest> {
    const res = await session.send('GET', `/v2/${this.path}/manifests/${reference}`, { headers: { Accept: MANIFEST_ACCEPT }, signal });
    if (res.status !== 200) return session.fail(res);
    const bytes = await readBody(res, MANIFEST_MAX, () => new BerthError('InvalidArgument', `manifest ${reference} of ${this.name} is too large (more than ${MANIFEST_MAX} bytes)`));
    const digest = sha256(bytes);
    if (isDigest(reference) && digest !== reference) throw new BerthError('InvalidArgument', `manifest verification failed for digest ${reference}`);
    const mediaType = String(res.headers['content-type'] ?? '').split(';')[0]!.trim();
    return { descriptor: { mediaType, digest, size: bytes.length }, bytes };
  }

  async listTags(signal?: AbortSignal): Promise<string[]> {
    const tags: string[] = [];
    let next: string | URL | undefined = `/v2/${this.path}/tags/list`;
    while (next !== undefined) {
      const res = await this.session.send('GET', next, { signal });
      if (res.status !== 200) return this.session.fail(res);
      const doc = JSON.parse((await readBody(res, 16 << 20, () => new BerthError('Internal', 'tag list too large'))).toString('utf8')) as { tags?: unknown };
      if (Array.isArray(doc.tags)) tags.push(...doc.tags.filter((t): t is string => typeof t === 'string'));
      const link = /<([^>]+)>\s*;\s*rel="?next"?/.exec(String(res.headers.link ?? ''))?.[1];
      next = link ? new URL(link, res.url) : undefined;
    }
    return tags;
  }

  async fetchBlob(desc: BlobDescriptor, maxSize: number, signal?: AbortSignal): Promise<Buffer> {
    if (desc.size > maxSize) throw new BerthError('InvalidArgument', `blob ${desc.digest} is too large (${desc.size} bytes)`);
    const res = await this.session.send('GET', `/v2/${this.path}/blobs/${desc.digest}`, { signal });
    if (res.status !== 200) return this.session.fail(res);
    const bytes = await readBody(res, maxSize, () => new BerthError('InvalidArgument', `blob ${desc.digest} is too large`));
    if (sha256(bytes) !== desc.digest) throw new BerthError('InvalidArgument', `verification failed for digest ${desc.digest}`);
    return bytes;
  }

  /** `allocate` supplies the stream's 1 MiB buffers (a pool), else they are fresh. */
  openBlob(desc: BlobDescriptor, signal?: AbortSignal, allocate?: () => Buffer): Readable {
    return new ResumableBlobStream(this.session, `/v2/${this.path}/blobs/${desc.digest}`, desc, signal, allocate);
  }

  async statBlob(digest: Digest, signal?: AbortSignal): Promise<number | undefined> {
    const res = await this.session.send('HEAD', `/v2/${this.path}/blobs/${digest}`, { signal });
    res.body.resume();
    if (res.status === 404) return undefined;
    if (res.status !== 200) return this.session.fail(res);
    const size = Number(res.headers['content-length']);
    return Number.isFinite(size) ? size : undefined;
  }

  async mountBlob(digest: Digest, fromPath: string, signal?: AbortSignal): Promise<boolean> {
    const url = this.session.url(`/v2/${this.path}/blobs/uploads/`);
    url.searchParams.set('mount', digest);
    url.searchParams.set('from', fromPath);
    const res = await this.session.send('POST', url, { body: Buffer.alloc(0), extraScopes: [`repository:${fromPath}:pull`], signal });
    if (res.status === 201) {
      res.body.resume();
      return true;
    }
    if (res.status === 202) {
      res.body.resume();
      // The registry opened an upload instead: the caller uploads through a session of its own.
      await cancelUpload(this.session, res, signal).catch(() => undefined);
      return false;
    }
    return this.session.fail(res);
  }

  async uploadBlob(source: UploadSource, digest: () => Digest, opts: UploadOptions): Promise<Digest> {
    return uploadBlob(this.session, this.path, source, digest, opts);
  }

  async putManifest(reference: string, mediaType: string, bytes: Buffer, signal?: AbortSignal): Promise<Digest> {
    const res = await this.session.send('PUT', `/v2/${this.path}/manifests/${reference}`, { body: bytes, headers: { 'Content-Type': mediaType }, signal });
    if (res.status !== 201) return this.session.fail(res);
    res.body.resume();
    const digest = sha256(bytes);
    const reported = res.headers['docker-content-digest'];
    if (typeof reported === 'string' && reported !== '' && reported !== digest) {
      throw new BerthError('Internal', `the registry reports digest ${reported} for a manifest whose digest is ${digest}`);
    }
    return digest;
  }
}

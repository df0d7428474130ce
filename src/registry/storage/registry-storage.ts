import type { ReadStream } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import { isErrno } from '../../base/errors.js';
import type { Readable } from 'node:stream';
import { digestBytes, isDigest, looksLikeDigest, parseDigest, type Algorithm } from '../digest.js';
import { registryError } from '../errors.js';
import { isTag } from '../names.js';
import { BlobStore } from './blob-store.js';
import { isForeign, MAX_MANIFEST_BYTES, parseManifest, type Descriptor } from './manifest.js';
import { RepositoryLinks } from './repositories.js';
import { UploadStore, type UploadInfo } from './uploads.js';

export interface StoredManifest {
  digest: string;
  mediaType: string;
  body: Buffer;
}

export interface ReferrersResult {
  manifests: Descriptor[];
  filtered: boolean;
}

/** A blob range, inclusive, as the Range header gives it. */
export interface ByteRange {
  start: number;
  end: number;
}

/**
 * The registry's storage on one root directory: global blobs, upload sessions and
 * per-repository links. This is the whole write path of the registry; the HTTP routes only
 * translate. Each operation verifies what the spec requires (digests, referenced blobs) before
 * anything becomes visible.
 */
export class RegistryStorage {
  readonly blobs: BlobStore;
  readonly uploads: UploadStore;
  readonly links: RepositoryLinks;

  constructor(readonly root: string) {
    this.blobs = new BlobStore(root);
    this.uploads = new UploadStore(root, this.blobs);
    this.links = new RepositoryLinks(root);
  }

  async init(): Promise<void> {
    await this.blobs.init();
    await this.uploads.init();
    await this.links.init();
  }

  // --- blobs

  /** A blob the repository may serve; BLOB_UNKNOWN otherwise. `touch` marks it as in use. */
  async statBlob(repo: string, digest: string, touch = false): Promise<{ size: number }> {
    if (!isDigest(digest)) throw registryError('DIGEST_INVALID', `invalid digest ${digest}`);
    if (!(await this.links.hasBlob(repo, digest))) throw registryError('BLOB_UNKNOWN', undefined, { digest });
    if (touch) await this.blobs.touch(digest);
    const st = await this.blobs.stat(digest);
    if (!st) throw registryError('BLOB_UNKNOWN', undefined, { digest });
    return { size: st.size };
  }

  openBlob(digest: string, range?: ByteRange): ReadStream {
    return this.blobs.openRead(digest, range);
  }

  async openBlobFile(digest: string): Promise<FileHandle> {
    try {
      return await this.blobs.openFile(digest);
    } catch (err) {
      // Deleted (or collected) since it was found.
      if (isErrno(err, 'ENOENT')) throw registryError('BLOB_UNKNOWN', undefined, { digest });
      throw err;
    }
  }

  async deleteBlob(repo: string, digest: string): Promise<void> {
    if (!isDigest(digest)) throw registryError('DIGEST_INVALID', `invalid digest ${digest}`);
    if (!(await this.links.unlinkBlob(repo, digest))) throw registryError('BLOB_UNKNOWN', undefined, { digest });
  }

  // --- uploads

  async startUpload(repo: string): Promise<UploadInfo> {
    return await this.uploads.start(repo);
  }

  async uploadStatus(repo: string, uuid: string): Promise<UploadInfo> {
    return await this.uploads.status(repo, uuid);
  }

  async appendUpload(repo: string, uuid: string, body: Readable, range: ByteRange | undefined, signal?: AbortSignal): Promise<UploadInfo> {
    return await this.uploads.append(repo, uuid, body, range, signal);
  }

  async completeUpload(repo: string, uuid: string, digest: string, body: Readable | undefined, signal?: AbortSignal): Promise<{ digest: string; size: number }> {
    const done = await this.uploads.complete(repo, uuid, digest, body, signal);
    await this.links.linkBlob(repo, digest);
    return done;
  }

  async cancelUpload(repo: string, uuid: string): Promise<void> {
    await this.uploads.cancel(repo, uuid);
  }

  /**
   * Links a blob another repository holds into `repo`. `from` undefined: any repository for which
   * `canRead` says yes. False when nothing could be mounted (the client then uploads).
   */
  async mount(repo: string, digest: string, from: string | undefined, canRead: (repo: string) => boolean | Promise<boolean>): Promise<boolean> {
    if (!isDigest(digest)) return false;
    const sources = from !== undefined ? [from] : await this.links.repositories();
    for (const source of sources) {
      if (!(await canRead(source))) continue;
      if (!(await this.links.hasBlob(source, digest).catch(() => false))) continue;
      if (!(await this.blobs.touch(digest))) return false;
      await this.links.linkBlob(repo, digest);
      return true;
    }
    return false;
  }

  /** Links a blob the store already holds (pull-through cache). */
  async linkBlob(repo: string, digest: string): Promise<void> {
    await this.links.linkBlob(repo, digest);
  }

  // --- manifests

  /** Resolves a tag or digest to a revision of the repository; MANIFEST_UNKNOWN otherwise. */
  async resolve(repo: string, reference: string): Promise<{ digest: string; mediaType: string }> {
    let digest: string | undefined;
    if (looksLikeDigest(reference)) {
      if (!isDigest(reference)) throw registryError('DIGEST_INVALID', `invalid digest ${reference}`);
      digest = reference;
    } else {
      digest = isTag(reference) ? await this.links.tag(repo, reference) : undefined;
    }
    const revision = digest === undefined ? undefined : await this.links.revision(repo, digest);
    if (!revision) throw registryError('MANIFEST_UNKNOWN', undefined, { reference });
    return revision;
  }

  async getManifest(repo: string, reference: string): Promise<StoredManifest> {
    const { digest, mediaType } = await this.resolve(repo, reference);
    const body = await this.blobs.readBytes(digest);
    if (!body) throw registryError('MANIFEST_UNKNOWN', undefined, { reference });
    return { digest, mediaType, body };
  }

  /**
   * Stores a manifest under a tag or its digest. Refuses bodies over 4 MiB, invalid JSON, a
   * digest reference that does not match the body, and references to blobs or manifests the
   * repository lacks. Returns the digest and the subject, when it has one.
   */
  async putManifest(repo: string, reference: string, body: Buffer, contentType: string | undefined): Promise<{ digest: string; subject?: string }> {
    if (body.length > MAX_MANIFEST_BYTES) throw registryError('MANIFEST_TOO_BIG', undefined, { limit: MAX_MANIFEST_BYTES });
    const byDigest = looksLikeDigest(reference);
    if (!byDigest && !isTag(reference)) throw registryError('TAG_INVALID', undefined, { tag: reference });
    const algorithm = byDigest ? parseDigest(reference)?.algorithm : 'sha256';
    if (!algorithm) throw registryError('DIGEST_INVALID', `invalid digest ${reference}`);
    const digest = digestBytes(body, algorithm);
    if (byDigest && digest !== reference) throw registryError('DIGEST_INVALID', undefined, { expected: reference, actual: digest });
    const info = parseManifest(body, contentType);
    await this.checkReferences(repo, info.blobs, info.manifests);
    await this.blobs.putBytes(body, algorithm);
    await this.links.linkRevision(repo, digest, info.mediaType);
    if (info.subject) await this.links.linkReferrer(repo, info.subject.digest, digest);
    if (!byDigest) await this.links.setTag(repo, reference, digest);
    return info.subject ? { digest, subject: info.subject.digest } : { digest };
  }

  /**
   * Stores a manifest fetched by a pull-through cache (already checked against its digest). Its
   * blobs are fetched on demand, so references are not required to be present.
   */
  async cacheManifest(repo: string, body: Buffer, contentType: string | undefined, algorithm: Algorithm): Promise<StoredManifest> {
    const info = parseManifest(body, contentType);
    const digest = await this.blobs.putBytes(body, algorithm);
    await this.links.linkRevision(repo, digest, info.mediaType);
    if (info.subject) await this.links.linkReferrer(repo, info.subject.digest, digest);
    return { digest, mediaType: info.mediaType, body };
  }

  /** Every referenced blob and child manifest must be in the repository (touched: in use). */
  private async checkReferences(repo: string, blobs: Descriptor[], manifests: Descriptor[]): Promise<void> {
    const missing: string[] = [];
    for (const d of blobs) {
      if (isForeign(d)) continue;
      if (!(await this.links.hasBlob(repo, d.digest)) || !(await this.blobs.touch(d.digest))) missing.push(d.digest);
    }
    for (const d of manifests) {
      if (!(await this.links.revision(repo, d.digest)) || !(await this.blobs.touch(d.digest))) missing.push(d.digest);
    }
    if (missing.length > 0) throw registryError('MANIFEST_BLOB_UNKNOWN', undefined, { digests: missing });
  }

  /**
   * By tag: removes the tag only. By digest: removes the revision, every tag pointing at it and
   * its referrer link. The bytes go at the next garbage collection.
   */
  async deleteManifest(repo: string, reference: string): Promise<void> {
    if (!looksLikeDigest(reference)) {
      if (!isTag(reference) || !(await this.links.deleteTag(repo, reference))) throw registryError('MANIFEST_UNKNOWN', undefined, { reference });
      return;
    }
    const { digest } = await this.resolve(repo, reference);
    const body = await this.blobs.readBytes(digest);
    await this.links.unlinkRevision(repo, digest);
    for (const tag of await this.links.tags(repo)) {
      if ((await this.links.tag(repo, tag)) === digest) await this.links.deleteTag(repo, tag);
    }
    const subject = body ? subjectOf(body) : undefined;
    if (subject) await this.links.unlinkReferrer(repo, subject, digest);
  }

  // --- discovery

  async tags(repo: string): Promise<string[]> {
    if (!(await this.links.exists(repo))) throw registryError('NAME_UNKNOWN', undefined, { name: repo });
    return await this.links.tags(repo);
  }

  async catalog(): Promise<string[]> {
    return await this.links.repositories();
  }

  /** Descriptors of the manifests whose subject is `digest`, filtered by artifactType. */
  async referrers(repo: string, digest: string, artifactType?: string): Promise<ReferrersResult> {
    if (!isDigest(digest)) throw registryError('DIGEST_INVALID', `invalid digest ${digest}`);
    const out: Descriptor[] = [];
    for (const referrer of (await this.links.referrers(repo, digest)).sort()) {
      const revision = await this.links.revision(repo, referrer);
      const body = revision && (await this.blobs.readBytes(referrer));
      if (!revision || !body) continue;
      const info = parseManifest(body, revision.mediaType);
      if (artifactType !== undefined && info.artifactType !== artifactType) continue;
      const d: Descriptor = { mediaType: revision.mediaType, digest: referrer, size: body.length };
      if (info.artifactType !== undefined) d.artifactType = info.artifactType;
      if (info.annotations) d.annotations = info.annotations;
      out.push(d);
    }
    return { manifests: out, filtered: artifactType !== undefined };
  }
}

function subjectOf(body: Buffer): string | undefined {
  try {
    const doc = JSON.parse(body.toString('utf8')) as { subject?: { digest?: unknown } };
    return typeof doc.subject?.digest === 'string' && isDigest(doc.subject.digest) ? doc.subject.digest : undefined;
  } catch {
    return undefined;
  }
}

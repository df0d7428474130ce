import type { FileHandle } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import type { ByteRange, ReferrersResult, RegistryStorage, StoredManifest } from './storage/registry-storage.js';

/** A blob ready to be served: its size and how to open (a range of) it. */
export interface ServableBlob {
  size: number;
  open(range?: ByteRange): Promise<Readable>;
  /** The stored file itself, when the blob is local (served by sendfile). */
  openFile?(): Promise<FileHandle>;
}

/**
 * Where pulls read from: the local storage, or, for a pull-through cache, the storage with an
 * upstream registry behind it.
 */
export interface PullSource {
  manifest(repo: string, reference: string, signal: AbortSignal): Promise<StoredManifest>;
  /** HEAD of a blob: a cache may answer from the upstream without fetching it yet. */
  blob(repo: string, digest: string, signal: AbortSignal): Promise<ServableBlob>;
  tags(repo: string, signal: AbortSignal): Promise<string[]>;
  referrers(repo: string, digest: string, artifactType: string | undefined): Promise<ReferrersResult>;
}


/** Pulls served from the registry's own storage. */
export class LocalPullSource implements PullSource {
  constructor(private readonly storage: RegistryStorage) {}

  manifest(repo: string, reference: string): Promise<StoredManifest> {
    return this.storage.getManifest(repo, reference);
  }

  async blob(repo: string, digest: string): Promise<ServableBlob> {
    // Touched: a client that HEADs a blob is about to reference it in a manifest.
    const { size } = await this.storage.statBlob(repo, digest, true);
    return { size, open: (range) => Promise.resolve(this.storage.openBlob(digest, range)), openFile: () => this.storage.openBlobFile(digest) };
  }

  tags(repo: string): Promise<string[]> {
    return this.storage.tags(repo);
  }

  referrers(repo: string, digest: string, artifactType: string | undefined): Promise<ReferrersResult> {
    return this.storage.referrers(repo, digest, artifactType);
  }
}

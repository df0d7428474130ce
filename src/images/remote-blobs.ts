/**
 * Which compressed blobs hold which layer, and where they were seen: moby's v2 metadata service.
 * A pull records the blob it downloaded for each layer and the repository; a push records what it
 * uploaded. A later push uses it to skip layers the registry has (`Layer already exists`) and to
 * mount blobs from another repository of the same registry instead of uploading them again.
 */
import { join } from 'node:path';
import type { Digest } from '../base/digest.js';
import { atomicWriteJson, readJsonIfExists } from '../base/fs.js';
import { Mutex } from '../base/lock.js';

export interface RemoteBlob {
  digest: Digest;
  mediaType: string;
  size: number;
  /** `host/path` of repositories known to hold it, most recent first. */
  repos: string[];
}

/** What is known of one layer: its tar's size (save needs it) and its compressed blobs. */
export interface RemoteLayer {
  diffSize?: number;
  blobs: RemoteBlob[];
}

interface RemoteBlobsFile {
  schemaVersion: 2;
  /** Diff ID → what is known of that layer. */
  layers: Record<string, RemoteLayer>;
}

const MAX_REPOS = 16;
const MAX_BLOBS = 4;

export class RemoteBlobIndex {
  private readonly path: string;
  private doc: RemoteBlobsFile = { schemaVersion: 2, layers: {} };
  private readonly lock = new Mutex();

  constructor(root: string) {
    this.path = join(root, 'remote-blobs.json');
  }

  async init(): Promise<void> {
    const doc = await readJsonIfExists<RemoteBlobsFile>(this.path);
    if (doc?.schemaVersion === 2 && doc.layers) this.doc = doc;
  }

  /** Blobs known for a layer, most recently recorded first. */
  lookup(diffId: Digest): readonly RemoteBlob[] {
    return this.doc.layers[diffId]?.blobs ?? [];
  }

  /** The layer's uncompressed tar size, when a pull or push measured it. */
  diffSize(diffId: Digest): number | undefined {
    return this.doc.layers[diffId]?.diffSize;
  }

  async add(diffId: Digest, diffSize: number | undefined, blob: { digest: Digest; mediaType: string; size: number }, repo: string): Promise<void> {
    await this.lock.run(async () => {
      const layer = this.doc.layers[diffId];
      const blobs = [...(layer?.blobs ?? [])];
      const old = blobs.find((b) => b.digest === blob.digest);
      const entry: RemoteBlob = { ...blob, repos: [repo, ...(old?.repos ?? []).filter((r) => r !== repo)].slice(0, MAX_REPOS) };
      const next: RemoteLayer = { blobs: [entry, ...blobs.filter((b) => b.digest !== blob.digest)].slice(0, MAX_BLOBS) };
      const size = diffSize ?? layer?.diffSize;
      if (size !== undefined) next.diffSize = size;
      const doc: RemoteBlobsFile = { schemaVersion: 2, layers: { ...this.doc.layers, [diffId]: next } };
      await atomicWriteJson(this.path, doc);
      this.doc = doc;
    });
  }

  /** Forgets layers no image holds any more (called after garbage collection). */
  async retain(live: Set<string>): Promise<void> {
    await this.lock.run(async () => {
      const kept = Object.fromEntries(Object.entries(this.doc.layers).filter(([d]) => live.has(d)));
      if (Object.keys(kept).length === Object.keys(this.doc.layers).length) return;
      const doc: RemoteBlobsFile = { schemaVersion: 2, layers: kept };
      await atomicWriteJson(this.path, doc);
      this.doc = doc;
    });
  }
}

/**
 * One layer of a pull. The blob streams from the registry into the content store (hashed there)
 * and, through a tee, into the extractor (decompressed, unpacked and hashed for its diff ID in a
 * worker thread): one pass over the bytes, and the layer is in place when the download ends. The
 * snapshot is committed only after the blob passed its digest check, so content that fails it is
 * never visible, not as a blob and not as a layer.
 */
import type { Readable } from 'node:stream';
import type { Digest } from '../base/digest.js';
import { BerthError, invalidArgument, withContext } from '../base/errors.js';
import type { ContentStore } from '../content/index.js';
import type { Snapshotter } from '../snapshots/index.js';
import type { ImageRecordStore } from './image-store.js';
import { unpackLayer, type LayerExtractor, type UnpackedLayer } from './layer-unpack.js';
import type { Descriptor } from './manifest.js';
import { bareAuthError } from './pull-errors.js';
import type { RemoteRepository } from './remote.js';
import type { RemoteBlobIndex } from './remote-blobs.js';
import { Tee } from './tee.js';
import type { LayerRef } from './types.js';

export interface LayerPullDeps {
  content: ContentStore;
  snapshots: Snapshotter;
  records: ImageRecordStore;
  extractor: LayerExtractor;
  remoteBlobs: RemoteBlobIndex;
}

/** Reports this layer's progress under its id (Docker's short blob digest). */
export type LayerReport = (status: string, current?: number, total?: number) => void;

/** Whole-layer attempts: the blob stream resumes broken transfers itself, this starts over. */
const ATTEMPTS = 2;

/** The layer as an image already has it, if one does (`Already exists`, no transfer). */
export async function existingLayer(deps: LayerPullDeps, blob: Descriptor, diffId: Digest): Promise<LayerRef | undefined> {
  for (const rec of deps.records.all()) {
    const l = rec.layers.find((x) => x.diffId === diffId);
    if (l && (await deps.snapshots.get(diffId))) return { ...l };
  }
  // A pull that failed half-way left this layer whole (verified blob, committed snapshot).
  const snap = await deps.snapshots.get(diffId);
  const diffSize = deps.remoteBlobs.diffSize(diffId);
  if (snap && diffSize !== undefined && (await deps.content.has(blob.digest))) {
    return { diffId, blob: blob.digest, mediaType: blob.mediaType, blobSize: blob.size, diffSize, unpackedSize: snap.size, storage: 'blob' };
  }
  return undefined;
}

/** Downloads (or finds in the content store) and unpacks one layer whose diff ID the config gives. */
export async function pullLayer(deps: LayerPullDeps, repo: RemoteRepository, blob: Descriptor, diffId: Digest, report: LayerReport, signal: AbortSignal): Promise<LayerRef> {
  let layer: UnpackedLayer;
  if (await deps.content.has(blob.digest)) {
    // Verified by an earlier pull that did not finish: no need to fetch it again.
    report('Verifying Checksum');
    report('Download complete');
    layer = await unpackStored(deps, blob, diffId, report, signal);
  } else {
    for (let attempt = 1; ; attempt++) {
      try {
        layer = await download(deps, repo, blob, diffId, report, signal);
        break;
      } catch (err) {
        if (attempt >= ATTEMPTS || signal.aborted || !retryable(err)) throw bareAuthError(err);
        report('Retrying in 1 second');
        await new Promise((r) => setTimeout(r, 1000));
      }
    }
  }
  report('Pull complete');
  const ref: LayerRef = { diffId, blob: blob.digest, mediaType: blob.mediaType, blobSize: blob.size, diffSize: layer.diffSize, unpackedSize: layer.snapshot.size, storage: 'blob' };
  await deps.remoteBlobs.add(diffId, layer.diffSize, blob, repo.name);
  return ref;
}

async function download(deps: LayerPullDeps, repo: RemoteRepository, blob: Descriptor, diffId: Digest, report: LayerReport, signal: AbortSignal): Promise<UnpackedLayer> {
  const body = repo.openBlob(blob, signal);
  let downloaded = false;
  const tee = new Tee(2);
  const [toStore, toUnpack] = tee.branches as unknown as [Readable, Readable];
  const storing = deps.content
    .ingest(toStore, { expected: blob.digest, expectedSize: blob.size, signal, onProgress: (n) => report('Downloading', n, blob.size) })
    .then(
      (info) => {
        report('Verifying Checksum');
        report('Download complete');
        downloaded = true;
        return info;
      },
      (err: unknown) => {
        throw verificationError(err, blob.digest);
      },
    );
  const unpacking = unpackLayer(deps.snapshots, deps.extractor, toUnpack, {
    expectedDiffId: diffId,
    signal,
    onProgress: (n) => {
      if (downloaded) report('Extracting', n, blob.size);
    },
    beforeCommit: () => storing,
  });
  const feeding = tee.run(body, signal);
  const [fed, stored, unpacked] = await Promise.allSettled([feeding, storing, unpacking]);
  // The blob's own failure explains the others (a broken stream, a digest mismatch).
  for (const r of [stored, fed, unpacked]) if (r.status === 'rejected') throw r.reason;
  const layer = (unpacked as PromiseFulfilledResult<UnpackedLayer>).value;
  report('Extracting', blob.size, blob.size);
  return layer;
}

async function unpackStored(deps: LayerPullDeps, blob: Descriptor, diffId: Digest, report: LayerReport, signal: AbortSignal): Promise<UnpackedLayer> {
  const layer = await unpackLayer(deps.snapshots, deps.extractor, { path: deps.content.pathOf(blob.digest) }, {
    expectedDiffId: diffId,
    signal,
    onProgress: (n) => report('Extracting', n, blob.size),
  }).catch((err: unknown) => {
    throw withContext(err, `layer ${blob.digest}`);
  });
  report('Extracting', blob.size, blob.size);
  return layer;
}

/** A digest or size mismatch reads as moby's verification failure; the blob was not stored. */
function verificationError(err: unknown, digest: Digest): unknown {
  if (err instanceof BerthError && /^(digest|size) mismatch/.test(err.message)) {
    return invalidArgument(`filesystem layer verification failed for digest ${digest}`, err);
  }
  return err;
}

function retryable(err: unknown): boolean {
  if (!(err instanceof BerthError)) return true;
  if (err.kind === 'InvalidArgument' || err.kind === 'NotFound' || err.kind === 'Unauthorized' || err.kind === 'Forbidden') return false;
  return true;
}

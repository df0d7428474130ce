/**
 * One layer of a pull, in a single pass: the blob streams from the registry to the extractor's
 * worker thread, which hashes it (its digest), decompresses it, hashes the tar (its diff ID),
 * unpacks it and records a tar split, all as the bytes arrive. The layer is kept unpacked, as
 * Docker keeps pulled layers; the split rebuilds its exact tar for save and push. The snapshot
 * is committed only once digest, size and diff ID all check out, so content that fails is never
 * visible. Which blob held the layer is remembered (RemoteBlobIndex) for later pushes.
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
import { MEDIA, type LayerRef } from './types.js';

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
  // A pull that failed half-way left this layer whole (verified, committed, its size recorded).
  const snap = await deps.snapshots.get(diffId);
  const diffSize = deps.remoteBlobs.diffSize(diffId);
  if (snap?.splitPath && diffSize !== undefined) return splitRef(diffId, diffSize, snap.size);
  if (snap && diffSize !== undefined && (await deps.content.has(blob.digest))) {
    return { diffId, blob: blob.digest, mediaType: blob.mediaType, blobSize: blob.size, diffSize, unpackedSize: snap.size, storage: 'blob' };
  }
  return undefined;
}

function splitRef(diffId: Digest, diffSize: number, unpackedSize: number): LayerRef {
  return { diffId, blob: diffId, mediaType: MEDIA.ociLayer, blobSize: diffSize, diffSize, unpackedSize, storage: 'split' };
}

/** Downloads (or finds in the content store) and unpacks one layer whose diff ID the config gives. */
export async function pullLayer(deps: LayerPullDeps, repo: RemoteRepository, blob: Descriptor, diffId: Digest, report: LayerReport, signal: AbortSignal): Promise<LayerRef> {
  let ref: LayerRef;
  if (await deps.content.has(blob.digest)) {
    // The blob is here already (loaded from an archive that kept it compressed): no transfer.
    report('Verifying Checksum');
    report('Download complete');
    const layer = await unpackStored(deps, blob, diffId, report, signal);
    ref = { diffId, blob: blob.digest, mediaType: blob.mediaType, blobSize: blob.size, diffSize: layer.diffSize, unpackedSize: layer.snapshot.size, storage: 'blob' };
  } else {
    for (let attempt = 1; ; attempt++) {
      try {
        const layer = await download(deps, repo, blob, diffId, report, signal);
        ref = splitRef(diffId, layer.diffSize, layer.snapshot.size);
        break;
      } catch (err) {
        if (attempt >= ATTEMPTS || signal.aborted || !retryable(err)) throw bareAuthError(err);
        report('Retrying in 1 second');
        await new Promise((r) => setTimeout(r, 1000));
      }
    }
  }
  report('Pull complete');
  await deps.remoteBlobs.add(diffId, ref.diffSize, blob, repo.name);
  return ref;
}

async function* owned(stream: Readable): AsyncGenerator<Buffer> {
  // The blob stream hands out fresh buffers: they can go to the worker as they are.
  yield* stream as AsyncIterable<Buffer>;
}

/** The blob stream's batch size: buffers the worker hands back are reused when they are whole. */
const BATCH = 1 << 20;

async function download(deps: LayerPullDeps, repo: RemoteRepository, blob: Descriptor, diffId: Digest, report: LayerReport, signal: AbortSignal): Promise<UnpackedLayer> {
  // The buffers go to the worker and come back: a few circulate instead of 200 MB of fresh pages.
  const pool: Buffer[] = [];
  const allocate = (): Buffer => pool.pop() ?? Buffer.allocUnsafeSlow(BATCH);
  const layer = await unpackLayer(deps.snapshots, deps.extractor, owned(repo.openBlob(blob, signal, allocate)), {
    recycle: (buf) => {
      if (buf.length === BATCH) pool.push(buf);
    },
    expectedDiffId: diffId,
    verifyInput: { digest: blob.digest, size: blob.size },
    split: true,
    signal,
    onProgress: (n) => report('Downloading', n, blob.size),
  }).catch((err: unknown) => {
    throw verificationError(err, blob.digest);
  });
  report('Verifying Checksum');
  report('Download complete');
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

/** A digest or size mismatch reads as moby's verification failure; nothing was kept. */
function verificationError(err: unknown, digest: Digest): unknown {
  if (err instanceof BerthError && err.code === 'BERTH_ERR_DIGEST_MISMATCH') {
    return invalidArgument(`filesystem layer verification failed for digest ${digest}`, err);
  }
  return err;
}

function retryable(err: unknown): boolean {
  if (!(err instanceof BerthError)) return true;
  if (err.kind === 'InvalidArgument' || err.kind === 'NotFound' || err.kind === 'Unauthorized' || err.kind === 'Forbidden') return false;
  return true;
}

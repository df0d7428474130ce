/**
 * One layer of a push, after moby's pushDescriptor: a blob the registry already has is not sent
 * (`Layer already exists`), one another repository of the same registry has is mounted
 * (`Mounted from …`), anything else is uploaded. A compressed blob in the content store of the
 * compression asked for goes as it is; otherwise the layer's tar is compressed on the way, in
 * parallel chunks, and hashed while it streams.
 */
import type { Hash } from 'node:crypto';
import type { Compression } from '../base/compression.js';
import { digestOf, newHash, type Digest } from '../base/digest.js';
import { BerthError } from '../base/errors.js';
import { compressChunks, type PushCompression } from '../base/parallel-compress.js';
import { blobTarChunks, fileChunks, splitTarChunks } from './layer-source.js';
import type { ContentStore } from '../content/index.js';
import type { Snapshotter } from '../snapshots/index.js';
import { bareAuthError } from './pull-errors.js';
import type { RemoteRepository } from './remote.js';
import type { RemoteBlobIndex } from './remote-blobs.js';
import { MEDIA, type LayerRef } from './types.js';

export interface LayerPushDeps {
  content: ContentStore;
  snapshots: Snapshotter;
  remoteBlobs: RemoteBlobIndex;
}

export interface PushedBlob {
  mediaType: string;
  digest: Digest;
  size: number;
}

export type LayerReport = (status: string, current?: number, total?: number) => void;

/** Layer media types a manifest lists for each compression. */
export const LAYER_MEDIA: Record<PushCompression, string> = {
  gzip: MEDIA.dockerLayerGzip,
  zstd: MEDIA.ociLayerZstd,
  none: MEDIA.ociLayer,
};

const ATTEMPTS = 2;

/** The compression of a stored layer blob, from its media type. */
export function blobCompression(layer: { blob: Digest; diffId: Digest; mediaType: string }): Compression {
  if (layer.blob === layer.diffId) return 'none';
  if (/zstd/.test(layer.mediaType)) return 'zstd';
  if (/gzip/.test(layer.mediaType)) return 'gzip';
  return 'none';
}

export async function pushLayer(deps: LayerPushDeps, repo: RemoteRepository, layer: LayerRef, compression: PushCompression, report: LayerReport, signal: AbortSignal): Promise<PushedBlob> {
  return pushOrMount(deps, repo, layer, compression, report, signal).catch((err: unknown) => {
    throw bareAuthError(err);
  });
}

async function pushOrMount(deps: LayerPushDeps, repo: RemoteRepository, layer: LayerRef, compression: PushCompression, report: LayerReport, signal: AbortSignal): Promise<PushedBlob> {
  const mediaType = LAYER_MEDIA[compression];
  const known = knownBlobs(deps, layer, compression);
  for (const b of known) {
    const size = await repo.statBlob(b.digest, signal);
    if (size !== undefined) {
      report('Layer already exists');
      return { mediaType, digest: b.digest, size };
    }
  }
  for (const b of known) {
    for (const from of b.repos) {
      const [host, ...rest] = from.split('/');
      const path = rest.join('/');
      if (host !== repo.host || path === repo.path) continue;
      if (await repo.mountBlob(b.digest, path, signal)) {
        report(`Mounted from ${path}`);
        await deps.remoteBlobs.add(layer.diffId, layer.diffSize, { digest: b.digest, mediaType, size: b.size }, repo.name);
        return { mediaType, digest: b.digest, size: b.size };
      }
    }
  }
  for (let attempt = 1; ; attempt++) {
    try {
      const pushed = await upload(deps, repo, layer, compression, report, signal);
      report('Pushed');
      await deps.remoteBlobs.add(layer.diffId, layer.diffSize, pushed, repo.name);
      return pushed;
    } catch (err) {
      if (attempt >= ATTEMPTS || signal.aborted || (err instanceof BerthError && err.kind !== 'Internal')) throw err;
      report('Retrying in 1 second');
      await new Promise((r) => setTimeout(r, 1000));
    }
  }
}

/** Blobs of this layer in the wanted compression: the stored one, then those pushes and pulls saw. */
function knownBlobs(deps: LayerPushDeps, layer: LayerRef, compression: PushCompression): { digest: Digest; size: number; repos: readonly string[] }[] {
  const out: { digest: Digest; size: number; repos: readonly string[] }[] = [];
  if (compression === 'none') out.push({ digest: layer.diffId, size: layer.diffSize, repos: [] });
  else if (layer.storage !== 'split' && blobCompression(layer) === compression) out.push({ digest: layer.blob, size: layer.blobSize, repos: [] });
  for (const b of deps.remoteBlobs.lookup(layer.diffId)) {
    const same = out.find((o) => o.digest === b.digest);
    if (same) same.repos = b.repos;
    else if (b.digest === layer.diffId ? compression === 'none' : blobCompression({ blob: b.digest, diffId: layer.diffId, mediaType: b.mediaType }) === compression) {
      out.push({ digest: b.digest, size: b.size, repos: b.repos });
    }
  }
  return out;
}

async function upload(deps: LayerPushDeps, repo: RemoteRepository, layer: LayerRef, compression: PushCompression, report: LayerReport, signal: AbortSignal): Promise<PushedBlob> {
  const mediaType = LAYER_MEDIA[compression];
  const stored = layer.storage !== 'split' && blobCompression(layer) === compression;
  if (stored) {
    // Sent as it is: its digest and size are known.
    const digest = await repo.uploadBlob(() => fileChunks(deps.content.pathOf(layer.blob), layer.blobSize, undefined, signal), () => layer.blob, {
      onProgress: (n) => report('Pushing', n, layer.blobSize),
      signal,
    });
    return { mediaType, digest, size: layer.blobSize };
  }
  const sum = { hash: newHash(), bytes: 0, digest: undefined as Digest | undefined };
  const source = (): AsyncIterable<Buffer> => {
    sum.hash = newHash();
    sum.bytes = 0;
    sum.digest = undefined;
    // Docker's progress counts the layer's tar bytes, not what goes over the wire.
    const tar = counted(layerTar(deps, layer, signal), (n) => report('Pushing', n, layer.diffSize));
    return hashed(compression === 'none' ? tar : compressChunks(compression, tar), sum);
  };
  const digest = await repo.uploadBlob(source, () => sum.digest ?? raise(), { signal });
  return { mediaType, digest, size: sum.bytes };
}

function raise(): never {
  throw new BerthError('Internal', 'layer digest asked for before the layer was read');
}

/** The layer's uncompressed tar: rebuilt from its snapshot and tar split, or read from its blob. */
function layerTar(deps: LayerPushDeps, layer: LayerRef, signal: AbortSignal): AsyncIterable<Buffer> {
  if (layer.storage === 'split') return splitTarChunks(deps.snapshots, layer.diffId, signal);
  return blobTarChunks(deps.content, layer.blob, blobCompression(layer), signal);
}

async function* counted(input: AsyncIterable<Buffer>, onBytes: (n: number) => void): AsyncGenerator<Buffer> {
  let n = 0;
  for await (const c of input) {
    n += c.length;
    onBytes(n);
    yield c;
  }
}

/** Passes chunks on, hashing them: the blob's digest and size once the input has ended. */
async function* hashed(input: AsyncIterable<Buffer>, sum: { hash: Hash; bytes: number; digest: Digest | undefined }): AsyncGenerator<Buffer> {
  for await (const c of input) {
    sum.hash.update(c);
    sum.bytes += c.length;
    yield c;
  }
  sum.digest = digestOf(sum.hash);
}

import { open } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { decompressor, detectCompression, peek, type Compression } from '../base/compression.js';
import type { Digest } from '../base/digest.js';
import { invalidArgument } from '../base/errors.js';
import type { ExtractOptions, ExtractResult, TarSource } from '../base/tar/index.js';
import type { LayerSnapshot, Snapshotter } from '../snapshots/index.js';

/** Runs tar extractions (a reusable worker pool in the daemon). */
export interface LayerExtractor {
  extract(input: TarSource, dest: string, opts: ExtractOptions): Promise<ExtractResult>;
}

export interface UnpackedLayer {
  diffId: Digest;
  /** Bytes of the uncompressed tar. */
  diffSize: number;
  compression: Compression;
  snapshot: LayerSnapshot;
}

export interface UnpackOptions {
  /** When given, a layer whose tar hashes differently is refused and nothing is kept. */
  expectedDiffId?: Digest;
  /**
   * The sha256 of the input when someone else hashes the same bytes (the content store, in a
   * tee): for an uncompressed layer that is its diff ID, so the extractor need not hash again.
   */
  inputDigest?: () => Promise<Digest>;
  /** Record a tar split, so the layer's tar can be rebuilt without keeping it. */
  split?: boolean;
  signal?: AbortSignal;
  onProgress?: (bytes: number) => void;
  /**
   * Awaited before the snapshot is committed; a rejection aborts it. A pull waits here for the
   * blob's digest check, so a layer never becomes visible from a blob that failed it.
   */
  beforeCommit?: () => Promise<unknown>;
}

/**
 * Unpacks one layer blob (plain, gzip or zstd tar) into a new snapshot; the diff ID comes out of
 * the same single pass as the files (hashed in the extractor's worker thread).
 */
export async function unpackLayer(
  snapshots: Snapshotter,
  extractor: LayerExtractor,
  input: Readable | { path: string },
  opts: UnpackOptions = {},
): Promise<UnpackedLayer> {
  const staging = await snapshots.stage();
  try {
    let source: TarSource;
    let compression: Compression;
    if ('path' in input && !('pipe' in input)) {
      compression = detectCompression(await readHead(input.path));
      source = compression === 'zstd' ? (await import('node:fs')).createReadStream(input.path).pipe(decompressor('zstd')) : input;
    } else {
      const { head, stream } = await peek(input as Readable, 6);
      compression = detectCompression(head);
      source = compression === 'zstd' ? stream.pipe(decompressor('zstd')) : stream;
    }
    if (compression === 'xz' || compression === 'bzip2') throw invalidArgument(`unsupported compression: ${compression}`);
    const known = compression === 'none' ? opts.inputDigest : undefined;
    const result = await extractor.extract(source, staging.dir, {
      whiteouts: 'overlay',
      allowDevices: true,
      sameOwner: true,
      computeDiffId: known === undefined,
      ...(opts.split ? { splitPath: staging.splitPath } : {}),
      ...(opts.signal ? { signal: opts.signal } : {}),
      ...(opts.onProgress ? { onProgress: opts.onProgress } : {}),
    });
    const diffId = result.diffId ?? (await known!());
    if (opts.expectedDiffId !== undefined && diffId !== opts.expectedDiffId) {
      throw invalidArgument(`layer diff ID mismatch: expected ${opts.expectedDiffId}, got ${diffId}`);
    }
    await opts.beforeCommit?.();
    const snapshot = await staging.commit(diffId, result.contentBytes);
    return { diffId, diffSize: result.tarBytes, compression, snapshot };
  } catch (err) {
    await staging.abort();
    throw err;
  }
}

async function readHead(path: string): Promise<Buffer> {
  const fh = await open(path, 'r');
  try {
    const buf = Buffer.alloc(6);
    const { bytesRead } = await fh.read(buf, 0, 6, 0);
    return buf.subarray(0, bytesRead);
  } finally {
    await fh.close();
  }
}

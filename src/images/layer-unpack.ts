import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { decompressor, detectCompression, peek, type Compression } from '../base/compression.js';
import { digestOf, newHash, type Digest } from '../base/digest.js';
import { invalidArgument } from '../base/errors.js';
import { extractTar } from '../base/tar/index.js';
import type { LayerSnapshot, Snapshotter } from '../snapshots/index.js';

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
  signal?: AbortSignal;
  onProgress?: (compressedBytes: number) => void;
}

/**
 * Unpacks one layer blob (plain, gzip or zstd tar) into a new snapshot while hashing the
 * uncompressed stream: the diff ID comes out of the same single pass as the files.
 */
export async function unpackLayer(snapshots: Snapshotter, input: Readable, opts: UnpackOptions): Promise<UnpackedLayer> {
  const staging = await snapshots.stage();
  try {
    const { head, stream } = await peek(input, 6);
    const compression = detectCompression(head);
    let compressedBytes = 0;
    const counter = new Transform({
      transform(chunk: Buffer, _e, cb) {
        compressedBytes += chunk.length;
        opts.onProgress?.(compressedBytes);
        cb(null, chunk);
      },
    });
    const hash = newHash();
    let diffSize = 0;
    const hasher = new Transform({
      highWaterMark: 1 << 20,
      transform(chunk: Buffer, _e, cb) {
        hash.update(chunk);
        diffSize += chunk.length;
        cb(null, chunk);
      },
    });
    const feeding = pipeline(stream, counter, decompressor(compression), hasher, opts.signal ? { signal: opts.signal } : {});
    let result: { bytes: number };
    try {
      result = await extractTar(hasher, staging.dir, {
        whiteouts: 'overlay',
        allowDevices: true,
        sameOwner: true,
        ...(opts.signal ? { signal: opts.signal } : {}),
      });
      // The extractor may stop at the end-of-archive marker; the diff ID covers every byte.
      hasher.resume();
      await feeding;
    } catch (err) {
      hasher.destroy();
      await feeding.catch(() => {});
      throw err;
    }
    const diffId = digestOf(hash);
    if (opts.expectedDiffId !== undefined && diffId !== opts.expectedDiffId) {
      throw invalidArgument(`layer diff ID mismatch: expected ${opts.expectedDiffId}, got ${diffId}`);
    }
    const snapshot = await staging.commit(diffId, result.bytes);
    return { diffId, diffSize, compression, snapshot };
  } catch (err) {
    await staging.abort();
    throw err;
  }
}

import { open } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { decompressor, detectCompression, peek, type Compression } from '../base/compression.js';
import { digestOf, newHash, type Digest } from '../base/digest.js';
import { BerthError, invalidArgument } from '../base/errors.js';
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
  /**
   * The blob as its descriptor gives it: the input must hash to `digest` and be `size` bytes, or
   * nothing is kept (hashed in the extractor's worker, in the same pass).
   */
  verifyInput?: { digest: Digest; size: number };
  /** For iterable input: each chunk back once the extractor is done with it, to be reused. */
  recycle?: (buf: Buffer) => void;
}

/** A blob that is not what its descriptor says (code `BERTH_ERR_DIGEST_MISMATCH`). */
export function digestMismatch(expected: Digest, got: string): BerthError {
  return new BerthError('InvalidArgument', `digest mismatch: expected ${expected}, got ${got}`, { code: 'BERTH_ERR_DIGEST_MISMATCH' });
}

/**
 * Unpacks one layer blob (plain, gzip or zstd tar) into a new snapshot; the diff ID comes out of
 * the same single pass as the files (hashed in the extractor's worker thread).
 */
export async function unpackLayer(
  snapshots: Snapshotter,
  extractor: LayerExtractor,
  input: Readable | AsyncIterable<Buffer> | { path: string },
  opts: UnpackOptions = {},
): Promise<UnpackedLayer> {
  const staging = await snapshots.stage();
  try {
    let source: TarSource;
    let compression: Compression;
    /** The input's digest and size where this thread sees the input (zstd), else the worker. */
    let tapped: { hash: ReturnType<typeof newHash>; bytes: number } | undefined;
    if ('path' in input && !('pipe' in input)) {
      compression = detectCompression(await readHead(input.path));
      source = compression === 'zstd' ? (await import('node:fs')).createReadStream(input.path).pipe(decompressor('zstd')) : input;
    } else if (!(input instanceof Readable)) {
      // An iterable of owned chunks (a pull): no stream in between, the chunks go to the worker.
      const { head, rest } = await peekIterable(input as AsyncIterable<Buffer>, 6);
      compression = detectCompression(head);
      if (compression === 'zstd') {
        const tap = { hash: newHash(), bytes: 0 };
        tapped = opts.verifyInput ? tap : undefined;
        source = Readable.from(tapChunks(rest, tap)).pipe(decompressor('zstd'));
      } else source = rest;
    } else {
      const { head, stream } = await peek(input, 6);
      compression = detectCompression(head);
      source = compression === 'zstd' ? stream.pipe(decompressor('zstd')) : stream;
    }
    if (compression === 'xz' || compression === 'bzip2') throw invalidArgument(`unsupported compression: ${compression}`);
    const known = compression === 'none' ? opts.inputDigest : undefined;
    const verify = opts.verifyInput;
    const result = await extractor.extract(source, staging.dir, {
      whiteouts: 'overlay',
      allowDevices: true,
      sameOwner: true,
      computeDiffId: known === undefined,
      // A plain tar's digest is its diff ID: no second hash.
      computeInputDigest: verify !== undefined && compression === 'gzip',
      transferInput: !(input instanceof Readable) && !('path' in input) && compression !== 'zstd',
      ...(opts.recycle && compression !== 'zstd' ? { recycle: opts.recycle } : {}),
      ...(opts.split ? { splitPath: staging.splitPath } : {}),
      ...(opts.signal ? { signal: opts.signal } : {}),
      ...(opts.onProgress ? { onProgress: opts.onProgress } : {}),
    });
    const diffId = result.diffId ?? (await known!());
    if (verify) {
      const got = tapped ? digestOf(tapped.hash) : compression === 'none' ? diffId : result.inputDigest;
      const bytes = tapped ? tapped.bytes : result.bytes;
      if (got !== verify.digest) throw digestMismatch(verify.digest, got ?? 'nothing');
      if (bytes !== verify.size) throw new BerthError('InvalidArgument', `size mismatch for ${verify.digest}: expected ${verify.size}, got ${bytes}`, { code: 'BERTH_ERR_DIGEST_MISMATCH' });
    }
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

/** The first bytes of an iterable, and the whole of it again (no stream around it). */
async function peekIterable(input: AsyncIterable<Buffer>, want: number): Promise<{ head: Buffer; rest: AsyncIterable<Buffer> }> {
  const it = input[Symbol.asyncIterator]();
  const first: Buffer[] = [];
  let have = 0;
  let done = false;
  while (have < want) {
    const next = await it.next();
    if (next.done) {
      done = true;
      break;
    }
    first.push(next.value);
    have += next.value.length;
  }
  async function* rest(): AsyncGenerator<Buffer> {
    try {
      yield* first;
      while (!done) {
        const next = await it.next();
        if (next.done) return;
        yield next.value;
      }
    } finally {
      await it.return?.();
    }
  }
  return { head: Buffer.concat(first).subarray(0, want), rest: rest() };
}

async function* tapChunks(input: AsyncIterable<Buffer>, tap: { hash: ReturnType<typeof newHash>; bytes: number }): AsyncGenerator<Buffer> {
  for await (const c of input) {
    tap.hash.update(c);
    tap.bytes += c.length;
    yield c;
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

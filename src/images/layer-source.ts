/**
 * A layer's bytes for push, as pull-based generators over leased buffers: each chunk is valid
 * until the next one is asked for, then its buffer is read into again. One 1 MiB buffer serves a
 * whole 200 MB layer, where a fresh buffer per read costs a page fault per 4 KiB on a VM.
 */
import { open } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { decompressor, type Compression } from '../base/compression.js';
import type { Digest } from '../base/digest.js';
import { BerthError } from '../base/errors.js';
import { readSplit } from '../base/tar/index.js';
import type { ContentStore } from '../content/index.js';
import type { Snapshotter } from '../snapshots/index.js';

const READ = 1 << 20;

/** A file's bytes, `size` of them exactly (a file that changed size is an error). */
export async function* fileChunks(path: string, size: number | undefined, buf: Buffer = Buffer.allocUnsafeSlow(READ), signal?: AbortSignal): AsyncGenerator<Buffer> {
  const fh = await open(path, 'r');
  try {
    const actual = (await fh.stat()).size;
    if (size !== undefined && actual !== size) throw new BerthError('Internal', `layer file ${path} has ${actual} bytes, expected ${size}: the stored layer was modified`);
    let pos = 0;
    while (pos < actual) {
      signal?.throwIfAborted();
      const { bytesRead } = await fh.read(buf, 0, Math.min(buf.length, actual - pos), pos);
      if (bytesRead === 0) throw new BerthError('Internal', `layer file ${path} ended early: the stored layer was modified`);
      pos += bytesRead;
      yield buf.subarray(0, bytesRead);
    }
  } finally {
    await fh.close();
  }
}

/** The exact tar a layer was made from, rebuilt from its unpacked files and tar split. */
export async function* splitTarChunks(snapshots: Snapshotter, diffId: Digest, signal?: AbortSignal): AsyncGenerator<Buffer> {
  const split = (await snapshots.get(diffId))?.splitPath;
  if (!split) throw new BerthError('Internal', `layer ${diffId} has neither a blob nor a tar split`);
  const buf = Buffer.allocUnsafeSlow(READ);
  for (const seg of readSplit(split).segments) {
    if (Buffer.isBuffer(seg)) yield seg;
    else yield* fileChunks(seg.path, seg.size, buf, signal);
  }
}

/** A stored blob's bytes, decompressed when `compression` says it is compressed. */
export async function* blobTarChunks(content: ContentStore, blob: Digest, compression: Compression, signal?: AbortSignal): AsyncGenerator<Buffer> {
  if (compression === 'none') {
    yield* fileChunks(content.pathOf(blob), undefined, undefined, signal);
    return;
  }
  const raw: Readable = content.createReadStream(blob);
  const plain = raw.pipe(decompressor(compression));
  raw.on('error', (err) => plain.destroy(err));
  yield* plain as AsyncIterable<Buffer>;
}

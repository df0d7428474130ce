/**
 * Layer compression for push, done as pigz does it: the input is cut into fixed chunks that are
 * compressed concurrently (zlib's async API runs in libuv's thread pool) and written out in order.
 * Docker compresses a layer on one core with Go's gzip, which is why its pushes are slow.
 *
 * gzip: one gzip member whose deflate stream is the chunks' raw deflate output, each ended with a
 * sync flush (byte-aligned, not final), then an empty final block, the CRC-32 of the whole input
 * and its size: any gzip reader reads it as one ordinary member. A chunk that does not compress
 * (already compressed files, random data) is written as stored blocks without running deflate,
 * which costs a copy instead of a full deflate pass.
 *
 * zstd: each chunk is its own zstd frame; concatenated frames are one valid zstd stream.
 *
 * The output depends only on the input bytes (fixed chunk size, content-based decisions), so the
 * same layer always compresses to the same digest.
 */
import { Transform, type TransformCallback } from 'node:stream';
import * as zlib from 'node:zlib';
import { invalidArgument } from './errors.js';

export type PushCompression = 'gzip' | 'zstd' | 'none';

export interface ParallelCompressOptions {
  /** zlib level 1-9 for gzip (default 6), zstd level 1-19 (default 3). */
  level?: number;
  /** Uncompressed bytes per chunk (default 1 MiB). */
  chunkSize?: number;
  /** Chunks in flight at once (default 8). */
  concurrency?: number;
}

const DEFAULT_CHUNK = 1 << 20;
const STORED_MAX = 0xffff;
/** gzip header: magic, deflate, no flags, mtime 0, no extra flags, OS unknown (as Go writes it). */
const GZIP_HEADER = Buffer.from([0x1f, 0x8b, 0x08, 0x00, 0, 0, 0, 0, 0x00, 0xff]);
/** An empty fixed-Huffman block with BFINAL set: ends a deflate stream after a sync flush. */
const FINAL_BLOCK = Buffer.from([0x03, 0x00]);

type Deflate = (buf: Buffer, opts: zlib.ZlibOptions, cb: (err: Error | null, out: Buffer) => void) => void;
type ZstdCompress = (buf: Buffer, opts: { params: Record<number, number> }, cb: (err: Error | null, out: Buffer) => void) => void;

/** A Transform from a layer tar to its compressed bytes; see the module comment. */
export function parallelCompressor(kind: Exclude<PushCompression, 'none'>, opts: ParallelCompressOptions = {}): Transform {
  return kind === 'gzip' ? new ParallelGzip(opts) : new ParallelZstd(opts);
}

abstract class ChunkedCompressor extends Transform {
  private readonly chunkSize: number;
  private readonly concurrency: number;
  /**
   * Input is copied here at once: a producer may reuse its buffer as soon as the write callback
   * ran (base/sink.ts recycles its read buffers), so no reference to it may outlive _transform.
   */
  private fill: Buffer;
  private filled = 0;
  private readonly inflight: Promise<Buffer[]>[] = [];
  private compressedAny = false;
  private started = false;

  constructor(opts: ParallelCompressOptions) {
    super({ readableHighWaterMark: 1 << 20, writableHighWaterMark: 1 << 20 });
    this.chunkSize = opts.chunkSize ?? DEFAULT_CHUNK;
    this.concurrency = opts.concurrency ?? 8;
    this.fill = Buffer.allocUnsafe(this.chunkSize);
  }

  /** Starts compressing one chunk (in input order); resolves with its output pieces. */
  protected abstract compress(chunk: Buffer): Promise<Buffer[]>;
  protected abstract header(): Buffer[];
  protected abstract trailer(): Buffer[];

  private start(): void {
    if (this.started) return;
    this.started = true;
    for (const b of this.header()) this.push(b);
  }

  override _transform(data: Buffer, _enc: BufferEncoding, callback: TransformCallback): void {
    this.start();
    this.consume(data).then(() => callback(), callback);
  }

  override _flush(callback: TransformCallback): void {
    this.start();
    // A zstd stream needs at least one frame, even for no input.
    if (this.filled > 0 || !this.compressedAny) this.inflight.push(this.compress(this.fill.subarray(0, this.filled)));
    (async () => {
      while (this.inflight.length > 0) await this.emitOldest();
      for (const b of this.trailer()) this.push(b);
    })().then(() => callback(), callback);
  }

  private async consume(data: Buffer): Promise<void> {
    let off = 0;
    while (off < data.length) {
      const n = data.copy(this.fill, this.filled, off, Math.min(data.length, off + this.chunkSize - this.filled));
      this.filled += n;
      off += n;
      if (this.filled < this.chunkSize) continue;
      this.inflight.push(this.compress(this.fill));
      this.compressedAny = true;
      this.fill = Buffer.allocUnsafe(this.chunkSize);
      this.filled = 0;
      // Keep at most `concurrency` chunks in flight: that bounds memory and keeps order cheap.
      if (this.inflight.length >= this.concurrency) await this.emitOldest();
    }
  }

  private async emitOldest(): Promise<void> {
    const out = await this.inflight.shift()!;
    for (const b of out) if (b.length > 0) this.push(b);
  }
}

class ParallelGzip extends ChunkedCompressor {
  private crc = 0;
  private size = 0;
  private readonly level: number;

  constructor(opts: ParallelCompressOptions) {
    super(opts);
    this.level = opts.level ?? 6;
    if (!Number.isInteger(this.level) || this.level < 1 || this.level > 9) throw invalidArgument(`invalid gzip level ${this.level}`);
  }

  protected header(): Buffer[] {
    return [GZIP_HEADER];
  }

  protected compress(chunk: Buffer): Promise<Buffer[]> {
    // The CRC runs here, in input order: chunks are compressed out of order but checksummed in it.
    this.crc = zlib.crc32(chunk, this.crc);
    this.size = (this.size + chunk.length) % 0x1_0000_0000;
    if (looksIncompressible(chunk)) return Promise.resolve(storedBlocks(chunk));
    return new Promise((resolve, reject) => {
      (zlib.deflateRaw as unknown as Deflate)(chunk, { level: this.level, finishFlush: zlib.constants.Z_SYNC_FLUSH }, (err, out) => (err ? reject(err) : resolve([out])));
    });
  }

  protected trailer(): Buffer[] {
    const t = Buffer.alloc(8);
    t.writeUInt32LE(this.crc >>> 0, 0);
    t.writeUInt32LE(this.size >>> 0, 4);
    return [FINAL_BLOCK, t];
  }
}

class ParallelZstd extends ChunkedCompressor {
  private readonly level: number;
  private readonly zstd: ZstdCompress;

  constructor(opts: ParallelCompressOptions) {
    super(opts);
    this.level = opts.level ?? 3;
    const fn = (zlib as unknown as { zstdCompress?: ZstdCompress }).zstdCompress;
    if (!fn) throw invalidArgument('unsupported compression: zstd');
    this.zstd = fn;
  }

  protected header(): Buffer[] {
    return [];
  }

  protected compress(chunk: Buffer): Promise<Buffer[]> {
    const params = { [zlib.constants.ZSTD_c_compressionLevel]: this.level, [zlib.constants.ZSTD_c_checksumFlag]: 1 };
    return new Promise((resolve, reject) => {
      this.zstd(chunk, { params }, (err, out) => (err ? reject(err) : resolve([out])));
    });
  }

  protected trailer(): Buffer[] {
    return [];
  }
}

/** Deflate stored blocks (not final) holding `chunk`: 5 bytes of framing per 64 KiB, no copy. */
function storedBlocks(chunk: Buffer): Buffer[] {
  const out: Buffer[] = [];
  for (let off = 0; off < chunk.length; off += STORED_MAX) {
    const n = Math.min(STORED_MAX, chunk.length - off);
    const h = Buffer.allocUnsafe(5);
    h[0] = 0x00;
    h.writeUInt16LE(n, 1);
    h.writeUInt16LE(~n & 0xffff, 3);
    out.push(h, chunk.subarray(off, off + n));
  }
  return out;
}

const WINDOW = 4096;
/** Bits per byte above which a sample is taken for random (deflate would gain under 1%). */
const ENTROPY_LIMIT = 7.9;

/**
 * Whether deflate is not worth running on `chunk`: three 4 KiB windows (start, middle, end) all
 * have the byte entropy of random data. Cheap next to deflate, and conservative: a chunk where
 * any window has structure is compressed.
 */
export function looksIncompressible(chunk: Buffer): boolean {
  if (chunk.length < 3 * WINDOW) return false;
  for (const start of [0, (chunk.length >> 1) - (WINDOW >> 1), chunk.length - WINDOW]) {
    if (byteEntropy(chunk, start, start + WINDOW) < ENTROPY_LIMIT) return false;
  }
  return true;
}

const counts = new Uint32Array(256);
export function byteEntropy(buf: Buffer, start: number, end: number): number {
  counts.fill(0);
  for (let i = start; i < end; i++) counts[buf[i]!]!++;
  const n = end - start;
  let h = 0;
  for (let i = 0; i < 256; i++) {
    const c = counts[i]!;
    if (c === 0) continue;
    const p = c / n;
    h -= p * Math.log2(p);
  }
  return h;
}

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

/**
 * Compresses a layer tar (see the module comment), as a pull-based generator over leased buffers: each
 * input chunk may be reused by its producer once the next is asked for (it is copied at once),
 * and each output chunk is valid only until the consumer asks for the next one, by which time the
 * consumer must be done with it (written to the socket). Chunk buffers then go back to a small
 * pool: on VMs, where first touching a fresh page costs ~20 µs, recycling is most of the speed.
 */
export async function* compressChunks(kind: Exclude<PushCompression, 'none'>, input: AsyncIterable<Buffer>, opts: ParallelCompressOptions = {}): AsyncGenerator<Buffer> {
  const chunkSize = opts.chunkSize ?? DEFAULT_CHUNK;
  const concurrency = opts.concurrency ?? 8;
  const codec = kind === 'gzip' ? new GzipCodec(opts.level ?? 6) : new ZstdCodec(opts.level ?? 3);
  const pool: Buffer[] = [];
  const take = (): Buffer => pool.pop() ?? Buffer.allocUnsafeSlow(chunkSize);
  const inflight: { out: Promise<Buffer[]>; fill: Buffer }[] = [];
  let fill = take();
  let filled = 0;
  let compressedAny = false;
  async function* emitOldest(): AsyncGenerator<Buffer> {
    const { out, fill: used } = inflight.shift()!;
    for (const b of await out) if (b.length > 0) yield b;
    // The consumer asked for more after the last piece: it is done with this chunk's bytes.
    pool.push(used);
  }
  yield* codec.header();
  for await (const data of input) {
    let off = 0;
    while (off < data.length) {
      const n = data.copy(fill, filled, off, Math.min(data.length, off + chunkSize - filled));
      filled += n;
      off += n;
      if (filled < chunkSize) continue;
      inflight.push({ out: codec.compress(fill), fill });
      compressedAny = true;
      fill = take();
      filled = 0;
      while (inflight.length >= concurrency) yield* emitOldest();
    }
  }
  // A zstd stream needs at least one frame, even for no input.
  if (filled > 0 || !compressedAny) inflight.push({ out: codec.compress(fill.subarray(0, filled)), fill });
  while (inflight.length > 0) yield* emitOldest();
  yield* codec.trailer();
}

interface Codec {
  header(): Buffer[];
  /** Starts one chunk, in input order; `chunk` must stay untouched until the result is consumed. */
  compress(chunk: Buffer): Promise<Buffer[]>;
  trailer(): Buffer[];
}

class GzipCodec implements Codec {
  private crc = 0;
  private size = 0;

  constructor(private readonly level: number) {
    if (!Number.isInteger(level) || level < 1 || level > 9) throw invalidArgument(`invalid gzip level ${level}`);
  }

  header(): Buffer[] {
    return [GZIP_HEADER];
  }

  compress(chunk: Buffer): Promise<Buffer[]> {
    // The CRC runs here, in input order: chunks are compressed out of order but checksummed in it.
    this.crc = zlib.crc32(chunk, this.crc);
    this.size = (this.size + chunk.length) % 0x1_0000_0000;
    if (looksIncompressible(chunk)) return Promise.resolve(storedBlocks(chunk));
    return new Promise((resolve, reject) => {
      (zlib.deflateRaw as unknown as Deflate)(chunk, { level: this.level, finishFlush: zlib.constants.Z_SYNC_FLUSH }, (err, out) => (err ? reject(err) : resolve([out])));
    });
  }

  trailer(): Buffer[] {
    const t = Buffer.alloc(8);
    t.writeUInt32LE(this.crc >>> 0, 0);
    t.writeUInt32LE(this.size >>> 0, 4);
    return [FINAL_BLOCK, t];
  }
}

class ZstdCodec implements Codec {
  private readonly zstd: ZstdCompress;

  constructor(private readonly level: number) {
    const fn = (zlib as unknown as { zstdCompress?: ZstdCompress }).zstdCompress;
    if (!fn) throw invalidArgument('unsupported compression: zstd');
    this.zstd = fn;
  }

  header(): Buffer[] {
    return [];
  }

  compress(chunk: Buffer): Promise<Buffer[]> {
    const params = { [zlib.constants.ZSTD_c_compressionLevel]: this.level, [zlib.constants.ZSTD_c_checksumFlag]: 1 };
    return new Promise((resolve, reject) => {
      this.zstd(chunk, { params }, (err, out) => (err ? reject(err) : resolve([out])));
    });
  }

  trailer(): Buffer[] {
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

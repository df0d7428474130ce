/**
 * A synchronous, push-fed tar reader for the extraction worker. Each `push(chunk)` parses what the
 * chunk completes and hands payload bytes to the entry's sink before returning: no stream objects,
 * no scheduling hops per entry (tar-stream's per-entry streams cost more CPU than the writes).
 *
 * Headers decode exactly as tar-stream 3.x does (headers.js, extract.js), with two deliberate
 * differences, both shared with `TarSplitter` so the two agree on where each header starts: an
 * all-zero block ends the archive (the rest is consumed unread), and an old-style directory (a
 * typeflag 0 entry whose name field ends in '/') is a directory without payload.
 */
import { decodePax, paxXattrs, type DecodedHeader } from './entry-decode.js';

const BLOCK = 512;
/** tar-stream's limit on PAX and GNU long-name data. */
const MAX_LONG_HEADER = 4 * 1024 * 1024;
const ZERO = 0x30;

/** Receives one entry's payload, synchronously; chunks are only valid during `write`. */
export interface PayloadSink {
  write(chunk: Buffer): void;
  end(): void;
}

/**
 * Called for each entry, with its raw PAX xattrs and the payload bytes that follow it (0 for
 * directories, whatever their size field says). A returned sink receives the payload, then
 * `end()`, also when there is none; without a sink the payload is skipped.
 */
export type OnEntry = (header: DecodedHeader, xattrs: Map<string, Buffer> | undefined, payload: number) => PayloadSink | undefined;

type LongType = 'gnu-long-path' | 'gnu-long-link-path' | 'pax-global-header' | 'pax-header';

export class TarReader {
  /** A header split across chunks (copied: the caller may reuse its buffers). */
  private readonly hdr = Buffer.alloc(BLOCK);
  private hdrLen = 0;
  /** Bytes left of the current payload or long-header data, then of its padding. */
  private left = 0;
  private pad = 0;
  private sink: PayloadSink | undefined;
  private long: { type: LongType; buf: Buffer; len: number } | undefined;
  private gnuLongPath: string | undefined;
  private gnuLongLinkPath: string | undefined;
  private pax: Record<string, string> | undefined;
  private paxRaw: Map<string, Buffer> | undefined;
  private ended = false;
  private broken = false;

  constructor(private readonly onEntry: OnEntry) {}

  /** True once the end-of-archive block has been read. */
  get done(): boolean {
    return this.ended;
  }

  /** Parses `chunk`; throws on a corrupt archive or when a sink throws (the reader is then unusable). */
  push(chunk: Buffer): void {
    if (this.broken) throw new Error('tar reader used after a failure');
    try {
      this.parse(chunk);
    } catch (err) {
      this.broken = true;
      throw err;
    }
  }

  /** The input has ended: fails unless it ended between entries or after the end-of-archive block. */
  end(): void {
    if (this.ended) return;
    if (this.hdrLen > 0 || this.left > 0 || this.pad > 0) throw new Error('Unexpected end of data');
  }

  private parse(chunk: Buffer): void {
    const len = chunk.length;
    let off = 0;
    while (off < len && !this.ended) {
      if (this.left > 0) {
        const n = Math.min(this.left, len - off);
        const long = this.long;
        if (long !== undefined) {
          chunk.copy(long.buf, long.len, off, off + n);
          long.len += n;
        } else {
          this.sink?.write(n === len ? chunk : chunk.subarray(off, off + n));
        }
        this.left -= n;
        off += n;
        if (this.left === 0) this.endData();
      } else if (this.pad > 0) {
        const n = Math.min(this.pad, len - off);
        this.pad -= n;
        off += n;
      } else if (this.hdrLen === 0 && len - off >= BLOCK) {
        // The common case: a whole header inside the chunk, decoded in place.
        this.header(chunk.subarray(off, off + BLOCK));
        off += BLOCK;
      } else {
        const n = Math.min(BLOCK - this.hdrLen, len - off);
        chunk.copy(this.hdr, this.hdrLen, off, off + n);
        this.hdrLen += n;
        off += n;
        if (this.hdrLen === BLOCK) {
          this.hdrLen = 0;
          this.header(this.hdr);
        }
      }
    }
  }

  private endData(): void {
    const long = this.long;
    if (long === undefined) {
      const sink = this.sink;
      this.sink = undefined;
      sink?.end();
      return;
    }
    this.long = undefined;
    this.decodeLong(long.type, long.buf);
  }

  private header(b: Buffer): void {
    const sum = checksum(b);
    // The sum of an all-zero block (checksum field counted as spaces).
    if (sum.unsigned === 8 * 32) {
      // tar-stream skips such a block; one that is entirely zero ends the archive (as TarSplitter).
      if (b.every((x) => x === 0)) this.ended = true;
      return;
    }
    const stored = decodeOct(b, 148, 8);
    if (stored !== sum.unsigned && stored !== sum.signed) {
      throw new Error('Invalid tar header. Maybe the tar is corrupted or it needs to be gunzipped?');
    }
    let name = decodeStr(b, 0, 100);
    if (isUSTAR(b)) {
      if (b[345] !== 0) name = decodeStr(b, 345, 155) + '/' + name;
    } else if (!isGNU(b)) {
      throw new Error('Invalid tar header: unknown format.');
    }
    const flag = b[156]!;
    const typeflag = flag === 0 ? 0 : flag - ZERO;
    let type = toType(typeflag);
    let size = decodeOct(b, 124, 12);
    if (type === 'gnu-long-path' || type === 'gnu-long-link-path' || type === 'pax-global-header' || type === 'pax-header') {
      if (size === null || !(size >= 0)) throw new Error('Invalid header');
      if (size > MAX_LONG_HEADER) throw new Error('Header exceeds max size');
      // tar-stream decodes nothing for empty long-header data.
      if (size === 0) return;
      this.long = { type, buf: Buffer.allocUnsafe(size), len: 0 };
      this.left = size;
      this.pad = overflow(size);
      return;
    }
    // Same rule as TarSplitter: the name field itself (not a long name) ends in '/'.
    const nameEnd = b.indexOf(0, 0);
    const last = nameEnd < 0 || nameEnd > 100 ? 99 : nameEnd - 1;
    if (typeflag === 0 && last >= 0 && b[last] === 0x2f) type = 'directory';
    let linkname = b[157] === 0 ? null : decodeStr(b, 157, 100);
    if (this.gnuLongPath !== undefined) name = this.gnuLongPath;
    if (this.gnuLongLinkPath !== undefined) linkname = this.gnuLongLinkPath;
    this.gnuLongPath = this.gnuLongLinkPath = undefined;
    const pax = this.pax;
    const xattrs = this.paxRaw;
    this.pax = this.paxRaw = undefined;
    if (pax !== undefined) {
      if (pax.path) name = pax.path;
      if (pax.linkpath) linkname = pax.linkpath;
      if (pax.size) size = Number.parseInt(pax.size, 10);
    }
    if (size === null || !(size >= 0)) throw new Error('Invalid header');
    const mtime = decodeOct(b, 136, 12);
    const h: DecodedHeader = {
      name,
      type,
      linkname,
      mode: decodeOct(b, 100, 8),
      uid: decodeOct(b, 108, 8),
      gid: decodeOct(b, 116, 8),
      size,
      mtime: new Date(1000 * (mtime ?? 0)),
      devmajor: decodeOct(b, 329, 8),
      devminor: decodeOct(b, 337, 8),
      pax: pax ?? null,
    };
    const payload = type === 'directory' ? 0 : size;
    const sink = this.onEntry(h, xattrs, payload);
    if (payload === 0) {
      sink?.end();
      return;
    }
    this.sink = sink;
    this.left = payload;
    this.pad = overflow(payload);
  }

  private decodeLong(type: LongType, buf: Buffer): void {
    switch (type) {
      case 'gnu-long-path':
        this.gnuLongPath = decodeStr(buf, 0, buf.length);
        break;
      case 'gnu-long-link-path':
        this.gnuLongLinkPath = decodeStr(buf, 0, buf.length);
        break;
      case 'pax-header':
        this.pax = decodePax(buf);
        this.paxRaw = paxXattrs(buf);
        break;
      case 'pax-global-header':
        // Global records are consumed but not applied: no berth caller relies on them.
        break;
    }
  }
}

function overflow(size: number): number {
  const rem = size & (BLOCK - 1);
  return rem === 0 ? 0 : BLOCK - rem;
}

/** Header sums with the checksum field read as spaces: unsigned (POSIX) and signed (old tars). */
function checksum(b: Buffer): { unsigned: number; signed: number } {
  let unsigned = 8 * 32;
  let signed = 8 * 32;
  for (let i = 0; i < BLOCK; i++) {
    if (i === 148) i = 156;
    const x = b[i]!;
    unsigned += x;
    signed += x < 128 ? x : x - 256;
  }
  return { unsigned, signed };
}

const USTAR_MAGIC = Buffer.from('ustar\0', 'latin1');
const GNU_MAGIC = Buffer.from('ustar ', 'latin1');
const GNU_VER = Buffer.from(' \0', 'latin1');

function isUSTAR(b: Buffer): boolean {
  return b.compare(USTAR_MAGIC, 0, 6, 257, 263) === 0;
}

function isGNU(b: Buffer): boolean {
  return b.compare(GNU_MAGIC, 0, 6, 257, 263) === 0 && b.compare(GNU_VER, 0, 2, 263, 265) === 0;
}

function toType(flag: number): string | null {
  switch (flag) {
    case 0: return 'file';
    case 1: return 'link';
    case 2: return 'symlink';
    case 3: return 'character-device';
    case 4: return 'block-device';
    case 5: return 'directory';
    case 6: return 'fifo';
    case 7: return 'contiguous-file';
    case 72: return 'pax-header'; // 'x'
    case 55: return 'pax-global-header'; // 'g'
    case 27: return 'gnu-long-link-path'; // 'K'
    case 28: // 'L'
    case 30: return 'gnu-long-path'; // 'N'
  }
  return null;
}

/** The string up to the first NUL within `length` bytes (tar-stream's `decodeStr`). */
function decodeStr(b: Buffer, offset: number, length: number): string {
  let end = b.indexOf(0, offset);
  if (end < 0 || end > offset + length) end = offset + length;
  return b.toString('utf8', offset, end);
}

/** A numeric field: octal text, or base-256 when the high bit is set (tar-stream's `decodeOct`). */
function decodeOct(b: Buffer, offset: number, length: number): number | null {
  const first = b[offset]!;
  if (first & 0x80) {
    // Base-256: 0x80 positive, 0xff two's complement negative; anything else is invalid.
    if (first !== 0x80 && first !== 0xff) return null;
    const positive = first === 0x80;
    let sum = 0;
    for (let i = offset + 1; i < offset + length; i++) sum = sum * 256 + (positive ? b[i]! : 0xff - b[i]!);
    return positive ? sum : -sum;
  }
  const stop = offset + length;
  let start = offset;
  while (start < stop && b[start] === 32) start++;
  let end = start;
  while (end < stop && b[end] !== 32) end++;
  while (start < end && b[start] === 0) start++;
  if (end === start) return 0;
  return Number.parseInt(b.toString('utf8', start, end), 8);
}

/**
 * Layer tars without keeping the tar: like Docker's tar-split, a layer is stored as its unpacked
 * files plus a small "split" file holding every byte of the original stream that is not file
 * content (headers, PAX records, padding, trailer), so `save` and `push` can rebuild the exact
 * bytes, and so the diff ID, without a second copy of the layer on disk.
 */
import { closeSync, fstatSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Writable } from 'node:stream';
import { gunzipSync, gzipSync } from 'node:zlib';
import { BerthError, invalidArgument } from '../errors.js';
import { Sink } from '../sink.js';

/** Raw bytes of the original stream, or a payload slot to be read from a file. */
export type SplitSegment = Buffer | { path: string; size: number };

interface SplitFile {
  v: 1;
  /** Bytes of the whole tar. */
  size: number;
  /** Base64 raw bytes, or [path relative to the split file's dir, size]. */
  segs: (string | [string, number])[];
}

const BLOCK = 512;
/** Typeflags whose payload is metadata for the next entry, never file content. */
const META = new Set(['x', 'g', 'L', 'K', 'N']);

/**
 * Follows a tar stream block by block and records what is not payload. Payload slots are numbered
 * in the order TarReader (tar-reader.ts) reports entries with data, so the extractor can say where
 * each landed.
 */
export class TarSplitter {
  private readonly segs: (Buffer[] | number)[] = [];
  private raw: Buffer[] = [];
  private header = Buffer.alloc(0);
  /** Bytes left of the current payload, and whether they are raw (metadata) or a slot's content. */
  private left = 0;
  private leftRaw = false;
  private pad = 0;
  private trailer = false;
  private paxSize: number | undefined;
  private paxBuf: Buffer[] | undefined;
  private slots = 0;
  total = 0;

  push(chunk: Buffer): void {
    this.total += chunk.length;
    let off = 0;
    while (off < chunk.length) {
      // Raw bytes are copied: the caller may reuse `chunk` once push() returns.
      if (this.trailer) {
        this.raw.push(Buffer.from(chunk.subarray(off)));
        return;
      }
      if (this.left > 0) {
        const n = Math.min(this.left, chunk.length - off);
        if (this.leftRaw) {
          const part = Buffer.from(chunk.subarray(off, off + n));
          this.raw.push(part);
          this.paxBuf?.push(part);
        }
        this.left -= n;
        off += n;
        if (this.left === 0 && this.paxBuf) this.endPax();
        continue;
      }
      if (this.pad > 0) {
        const n = Math.min(this.pad, chunk.length - off);
        this.raw.push(Buffer.from(chunk.subarray(off, off + n)));
        this.pad -= n;
        off += n;
        continue;
      }
      const need = BLOCK - this.header.length;
      const take = chunk.subarray(off, off + need);
      this.header = this.header.length ? Buffer.concat([this.header, take]) : Buffer.from(take);
      off += take.length;
      if (this.header.length === BLOCK) this.onHeader(this.header);
    }
  }

  private onHeader(h: Buffer): void {
    this.header = Buffer.alloc(0);
    this.raw.push(h);
    if (h.every((b) => b === 0)) {
      // End of archive: everything from here on is kept as it is.
      this.trailer = true;
      return;
    }
    const flag = String.fromCharCode(h[156] ?? 0);
    let size = parseSize(h.subarray(124, 136));
    if (this.paxSize !== undefined && !META.has(flag)) {
      size = this.paxSize;
      this.paxSize = undefined;
    }
    // TarReader reads no payload for directories (also old-style ones: a file named "x/"), so
    // neither do we: both sides must agree on where the next header starts.
    const nameEnd = h.subarray(0, 100).indexOf(0);
    const oldDir = (flag === '0' || flag === '\0') && h[(nameEnd < 0 ? 100 : nameEnd) - 1] === 0x2f;
    if (flag === '5' || oldDir || size === 0) return;
    this.pad = (BLOCK - (size % BLOCK)) % BLOCK;
    this.left = size;
    this.leftRaw = META.has(flag);
    if (flag === 'x') this.paxBuf = [];
    if (!this.leftRaw) {
      this.flushRaw();
      this.segs.push(this.slots++);
    }
  }

  private endPax(): void {
    const text = Buffer.concat(this.paxBuf ?? []).toString('latin1');
    this.paxBuf = undefined;
    const m = /(?:^|\n)\d+ size=(\d+)\n/.exec(text);
    if (m) this.paxSize = Number(m[1]);
  }

  private flushRaw(): void {
    if (this.raw.length) this.segs.push(this.raw);
    this.raw = [];
  }

  /**
   * Writes the split file once the stream has ended. `slotPaths[i]` is where slot i's content
   * lives (relative to the split file's dir), or its bytes when it was not written to disk.
   */
  finish(splitPath: string, slotPaths: (string | Buffer)[], slotSizes: number[]): void {
    this.flushRaw();
    if (slotPaths.length !== this.slots) {
      throw new BerthError('Internal', `tar split: ${this.slots} payloads seen but ${slotPaths.length} entries extracted`);
    }
    const segs: SplitFile['segs'] = [];
    let rawRun: Buffer[] = [];
    const flush = (): void => {
      if (rawRun.length) segs.push(Buffer.concat(rawRun).toString('base64'));
      rawRun = [];
    };
    for (const s of this.segs) {
      if (typeof s !== 'number') {
        rawRun.push(...s);
        continue;
      }
      const where = slotPaths[s]!;
      if (Buffer.isBuffer(where)) {
        rawRun.push(where);
        continue;
      }
      flush();
      segs.push([where, slotSizes[s]!]);
    }
    flush();
    const doc: SplitFile = { v: 1, size: this.total, segs };
    writeFileSync(splitPath, gzipSync(JSON.stringify(doc), { level: 1 }));
  }
}

function parseSize(field: Buffer): number {
  // GNU base-256 for sizes past 8 GiB: high bit set on the first byte.
  if ((field[0] ?? 0) & 0x80) {
    let n = 0;
    for (let i = 1; i < field.length; i++) n = n * 256 + (field[i] ?? 0);
    return n;
  }
  const text = field.toString('latin1').replace(/\0.*$/s, '').trim();
  return text ? parseInt(text, 8) : 0;
}

/** Reads a split file: the rebuilt tar's size and its segments. */
export function readSplit(splitPath: string): { size: number; segments: SplitSegment[] } {
  const doc = JSON.parse(gunzipSync(readFileSync(splitPath)).toString('utf8')) as SplitFile;
  if (doc.v !== 1) throw invalidArgument(`unsupported tar split version ${String(doc.v)}`);
  const dir = splitPath.slice(0, splitPath.lastIndexOf('/'));
  return {
    size: doc.size,
    segments: doc.segs.map((s) => (typeof s === 'string' ? Buffer.from(s, 'base64') : { path: join(dir, s[0]), size: s[1] })),
  };
}

/**
 * Writes the original tar again into `out` (which stays open). A payload file whose size changed
 * means the layer on disk was altered: that is an error, never a silently different tar.
 */
export async function writeSplitTar(splitPath: string, out: Writable | Sink, signal?: AbortSignal): Promise<void> {
  const sink = out instanceof Sink ? out : new Sink(out, signal);
  const { segments } = readSplit(splitPath);
  for (const seg of segments) {
    signal?.throwIfAborted();
    if (Buffer.isBuffer(seg)) {
      await sink.write(seg);
      continue;
    }
    const fd = openSync(seg.path, 'r');
    try {
      const size = fstatSync(fd).size;
      if (size !== seg.size) throw new BerthError('Internal', `layer file ${seg.path} has ${size} bytes, expected ${seg.size}: the stored layer was modified`);
      if ((await sink.copyFile(fd, size)) < size) throw new BerthError('Internal', `layer file ${seg.path} ended early: the stored layer was modified`);
    } finally {
      closeSync(fd);
    }
  }
}

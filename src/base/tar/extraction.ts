/**
 * The extraction worker's per-job pipeline: input chunks in, tree written. See extract-worker.ts
 * for how input arrives and how the outcome is reported.
 */
import type { Hash } from 'node:crypto';
import { createHash } from '../crypto.js';
import { dirname, relative } from 'node:path';
import { createGunzip, type Gunzip } from 'node:zlib';
import { invalidArgument } from '../errors.js';
import { toEntry, type DecodedHeader } from './entry-decode.js';
import { cleanName } from './paths.js';
import { startMemberSum } from './tarsum.js';
import { TarReader, type PayloadSink } from './tar-reader.js';
import { TarSplitter } from './tar-split.js';
import type { Entry, TreeWriter, TreeWriterOptions } from './tree-writer.js';

/** One extraction's settings, sent with `start`. */
export interface JobConfig extends TreeWriterOptions {
  dest: string;
  /** Read the archive from this file instead of from `data` messages. */
  path?: string;
  computeDiffId: boolean;
  /** Also hash the input as it arrives (a compressed blob's digest; for plain tar, its diff ID). */
  computeInputDigest?: boolean;
  /** Hand each input buffer back (a `free` message) once nothing refers to it any more. */
  returnInput?: boolean;
  /** Record a tar split of the stream here (see tar-split.ts); replaced files go to its `stash/`. */
  splitPath?: string;
  /** Also compute each regular file's tarsum member sum (build contexts: the COPY cache key). */
  fileSums?: boolean;
}

/** Input bytes consumed between two acks (the main thread's flow control). */
const ACK_EVERY = 256 * 1024;
/** Input bytes between two minor GCs, for chunks that become garbage once written. */
const RECLAIM_EVERY = 8 << 20;

/** What the extraction reports to its worker. */
export interface ExtractionHooks {
  /** Cumulative input bytes consumed. */
  ack(bytes: number): void;
  /** Recycles garbage input buffers (a minor GC). */
  reclaim(): void;
}

export interface Outcome {
  bytes: number;
  tarBytes: number;
  contentBytes: number;
  diffId: string | undefined;
  /** Relative name → member sum, with `fileSums`. */
  fileSums?: [string, string][];
  inputDigest: string | undefined;
}

/**
 * One job's processing: input chunks in, tree written. Plain tar is handled entirely inside
 * `input()` (count, hash, split, parse, write: one synchronous pass per chunk, no stream hops);
 * gzip goes through zlib, whose output chunks take the same synchronous path.
 */
export class Extraction {
  readonly result: Promise<Outcome>;
  private resolve!: (o: Outcome) => void;
  private reject!: (err: unknown) => void;
  settled = false;
  private total = 0;
  private consumed = 0;
  private unacked = 0;
  private tarBytes = 0;
  private contentBytes = 0;
  private sinceReclaim = 0;
  private readonly hash: Hash | undefined;
  private readonly inputHash: Hash | undefined;
  private readonly splitter: TarSplitter | undefined;
  private readonly slotPaths: (string | Buffer)[] = [];
  private readonly slotSizes: number[] = [];
  private readonly sums: Map<string, string> | undefined;
  private readonly reader: TarReader;
  private readonly gunzip: Gunzip | undefined;
  /** Callbacks of gzip input writes still in zlib's queue; a failure releases them. */
  private readonly pending = new Set<() => void>();

  constructor(
    private readonly config: JobConfig,
    kind: string | undefined,
    private readonly writer: TreeWriter,
    private readonly state: { entries: number; name: string },
    private readonly hooks: ExtractionHooks,
  ) {
    if (kind !== undefined && kind !== 'gzip') throw invalidArgument(`unsupported compression: ${kind} (only gzip and plain tar are supported)`);
    this.result = new Promise<Outcome>((resolve, reject) => {
      this.resolve = resolve;
      this.reject = reject;
    });
    this.hash = config.computeDiffId ? createHash('sha256') : undefined;
    this.inputHash = config.computeInputDigest ? createHash('sha256') : undefined;
    this.splitter = config.splitPath !== undefined ? new TarSplitter() : undefined;
    this.sums = config.fileSums ? new Map() : undefined;
    if (this.splitter) writer.onMoved = (from, to) => this.moved(from, to);
    this.reader = new TarReader((h, xattrs, payload) => this.entry(h, xattrs, payload));
    if (kind === 'gzip') {
      const gz = createGunzip({ chunkSize: 64 * 1024 });
      gz.on('data', (c: Buffer) => this.tar(c));
      gz.on('error', (err) => this.fail(err));
      gz.on('end', () => this.complete());
      this.gunzip = gz;
    }
  }

  /**
   * Takes one input chunk; `done` runs once nothing refers to it any more (at once for plain tar,
   * whose payload is written before this returns), so a caller may then reuse the buffer.
   */
  input(buf: Buffer, done?: () => void): void {
    if (this.settled) {
      done?.();
      return;
    }
    this.total += buf.length;
    this.inputHash?.update(buf);
    const gz = this.gunzip;
    if (gz === undefined) {
      this.tar(buf);
      this.ack(buf.length);
      done?.();
      return;
    }
    const release = (): void => {
      if (!this.pending.delete(release)) return;
      this.ack(buf.length);
      done?.();
    };
    this.pending.add(release);
    gz.write(buf, release);
  }

  /** The input has ended. */
  end(): void {
    if (this.settled) return;
    if (this.gunzip !== undefined) this.gunzip.end();
    else this.complete();
  }

  fail(err: unknown): void {
    if (this.settled) return;
    this.settled = true;
    this.gunzip?.destroy();
    for (const release of [...this.pending]) release();
    this.reject(err);
  }

  /** Uncompressed tar bytes: diff ID, size and split see every byte, the reader writes the tree. */
  private tar(c: Buffer): void {
    if (this.settled) return;
    try {
      this.hash?.update(c);
      this.tarBytes += c.length;
      this.splitter?.push(c);
      this.reader.push(c);
    } catch (err) {
      this.fail(err);
      return;
    }
    // Chunks that arrive as messages or from zlib are garbage once written (see the worker).
    if (this.config.path === undefined || this.gunzip !== undefined) {
      this.sinceReclaim += c.length;
      if (this.sinceReclaim >= RECLAIM_EVERY) {
        this.sinceReclaim = 0;
        this.hooks.reclaim();
      }
    }
  }

  private ack(n: number): void {
    this.consumed += n;
    this.unacked += n;
    if (this.unacked >= ACK_EVERY) {
      this.hooks.ack(this.consumed);
      this.unacked = 0;
    }
  }

  private entry(h: DecodedHeader, xattrs: Map<string, Buffer> | undefined, payload: number): PayloadSink | undefined {
    const { state, writer } = this;
    state.entries++;
    state.name = h.name;
    if (h.type === 'file' || h.type === 'contiguous-file') this.contentBytes += h.size ?? 0;
    const entry = toEntry(h, xattrs);
    const sink = this.summed(entry, h.size ?? 0, writer.add(entry));
    // A payload the split must account for: where it landed, or its bytes when it landed nowhere.
    if (this.splitter === undefined || payload === 0) return sink;
    this.slotSizes.push(payload);
    if (sink === undefined) {
      const inline: Buffer[] = [];
      // Copied: the reader's chunks may live in a reused buffer.
      return { write: (c) => inline.push(Buffer.from(c)), end: () => this.slotPaths.push(Buffer.concat(inline)) };
    }
    this.slotPaths.push(writer.lastFilePath);
    writer.track(writer.lastFilePath);
    return sink;
  }

  /**
   * With `fileSums`, a regular file's member sum as its extracted self would give it (owners as
   * archived: only asked for where they are applied), computed from the bytes as they pass.
   */
  private summed(e: Entry, size: number, sink: PayloadSink | undefined): PayloadSink | undefined {
    if (this.sums === undefined || e.type !== 'file' || !this.config.sameOwner) return sink;
    const name = cleanName(e.name).join('/');
    const cap = e.xattrs?.get('security.capability');
    const hash = startMemberSum({ name, mode: e.mode, uid: e.uid, gid: e.gid, size, typeflag: '0', linkname: '', devmajor: 0, devminor: 0, ...(cap ? { capability: cap.toString('latin1') } : {}) });
    const sums = this.sums;
    if (size === 0) sums.set(name, hash.digest('hex'));
    if (sink === undefined || size === 0) return sink;
    return {
      write: (c) => {
        hash.update(c);
        return sink.write(c);
      },
      end: () => {
        sums.set(name, hash.digest('hex'));
        sink.end();
      },
    };
  }

  private moved(from: string, to: string): void {
    const paths = this.slotPaths;
    for (let i = 0; i < paths.length; i++) {
      const p = paths[i];
      if (typeof p === 'string' && (p === from || p.startsWith(from + '/'))) paths[i] = to + p.slice(from.length);
    }
  }

  private complete(): void {
    if (this.settled) return;
    try {
      this.reader.end();
      this.writer.finish();
      if (this.splitter) {
        const dir = dirname(this.config.splitPath!);
        this.splitter.finish(this.config.splitPath!, this.slotPaths.map((p) => (typeof p === 'string' ? relative(dir, p) : p)), this.slotSizes);
      }
    } catch (err) {
      this.fail(err);
      return;
    }
    this.settled = true;
    this.hooks.ack(this.total);
    this.resolve({
      bytes: this.total,
      tarBytes: this.tarBytes,
      contentBytes: this.contentBytes,
      diffId: this.hash === undefined ? undefined : `sha256:${this.hash.digest('hex')}`,
      ...(this.sums ? { fileSums: [...this.sums] } : {}),
      inputDigest: this.inputHash === undefined ? undefined : `sha256:${this.inputHash.digest('hex')}`,
    });
  }
}

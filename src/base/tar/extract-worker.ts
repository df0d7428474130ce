/**
 * Worker side of `extractTar`: decompresses, parses and writes with synchronous fs calls, which are
 * fast but would block the daemon's event loop if run on the main thread. Fed by `extract.ts`.
 */
import { createHash } from 'node:crypto';
import { closeSync, createReadStream, openSync, readSync } from 'node:fs';
import { Readable, Transform, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { parentPort } from 'node:worker_threads';
import { createGunzip } from 'node:zlib';
import tar from 'tar-stream';
import { isBerthError, invalidArgument, type ErrorKind } from '../errors.js';
import { capturePaxXattrs, toEntry, type DecodedHeader } from './entry-decode.js';
import { TreeWriter, type TreeWriterOptions } from './tree-writer.js';
import { TarSplitter } from './tar-split.js';
import { dirname, relative } from 'node:path';

/** One extraction's settings, sent with `start`. */
export interface JobConfig extends TreeWriterOptions {
  dest: string;
  /** Read the archive from this file instead of from `data` messages. */
  path?: string;
  computeDiffId: boolean;
  /** Record a tar split of the stream here (see tar-split.ts); replaced files go to its `stash/`. */
  splitPath?: string;
}

/**
 * Main thread → worker. A worker runs one job at a time: `start`, then `data`* and `end` (or
 * `abort`). `data` buffers are transferred, not copied.
 */
export type ToWorker = { t: 'start'; job: JobConfig } | { t: 'data'; buf: Uint8Array } | { t: 'end' } | { t: 'abort' };

/** Worker → main thread. `ack` counts input bytes consumed (flow control); `done`/`error` end a job. */
export type FromWorker =
  | { t: 'ack'; bytes: number }
  | { t: 'done'; bytes: number; tarBytes: number; contentBytes: number; entries: number; diffId?: string }
  | { t: 'error'; aborted: boolean; kind: ErrorKind; message: string; /** errno name of an fs failure */ code?: string };

const ACK_EVERY = 256 * 1024;
const SNIFF_BYTES = 6;

const port = parentPort!;

/**
 * Input chunks are garbage once written, but while large files stream there is little JS
 * allocation, so no scavenge runs and V8 only collects them at its 64 MB external-memory limit. Each
 * fresh worker then grows by ~100 MB of never-touched pages, which costs more than the extraction
 * itself on VMs (~11 µs per page fault measured here). A minor GC every few MB keeps the buffers
 * recycled. `--expose-gc` set at runtime only adds `gc` to contexts created later (as Jest does).
 */
const RECLAIM_EVERY = 8 << 20;
const reclaim = ((): (() => void) => {
  try {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as (opts: { type: 'minor' }) => void;
    return () => gc({ type: 'minor' });
  } catch {
    return () => {};
  }
})();
const post = (m: FromWorker): void => port.postMessage(m);

/** Names the first bytes of a compressed stream; `undefined` for plain tar. */
function compression(bytes: Buffer): string | undefined {
  const head = Buffer.concat([bytes, Buffer.alloc(SNIFF_BYTES)]);
  if (head[0] === 0x1f && head[1] === 0x8b) return 'gzip';
  if (head.readUInt32LE(0) === 0xfd2fb528) return 'zstd';
  if (head.subarray(0, 6).equals(Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]))) return 'xz';
  if (head.subarray(0, 3).toString('latin1') === 'BZh') return 'bzip2';
  return undefined;
}

function meter(): Transform & { total: number } {
  let total = 0;
  let unacked = 0;
  const t = new Transform({
    transform(chunk: Buffer, _enc, cb: TransformCallback) {
      total += chunk.length;
      unacked += chunk.length;
      if (unacked >= ACK_EVERY) {
        post({ t: 'ack', bytes: total });
        unacked = 0;
      }
      cb(null, chunk);
    },
    flush(cb) {
      post({ t: 'ack', bytes: total });
      cb();
    },
  });
  return Object.defineProperty(t, 'total', { get: () => total }) as Transform & { total: number };
}

interface Outcome {
  bytes: number;
  tarBytes: number;
  contentBytes: number;
  diffId: string | undefined;
}

function run(
  config: JobConfig,
  source: Readable,
  head: Buffer,
  writer: TreeWriter,
  state: { entries: number; name: string },
): Promise<Outcome> {
  const kind = compression(head);
  if (kind !== undefined && kind !== 'gzip') throw invalidArgument(`unsupported compression: ${kind} (only gzip and plain tar are supported)`);
  const counter = meter();
  const stages: NodeJS.ReadWriteStream[] = [counter];
  if (kind === 'gzip') stages.push(createGunzip({ chunkSize: 128 * 1024 }));
  const hash = config.computeDiffId ? createHash('sha256') : undefined;
  // Uncompressed size: what a saved layer weighs; equal to the input for plain tar.
  let tarBytes = 0;
  let contentBytes = 0;
  const splitter = config.splitPath !== undefined ? new TarSplitter() : undefined;
  const splitDir = config.splitPath !== undefined ? dirname(config.splitPath) : '';
  const slotPaths: (string | Buffer)[] = [];
  const slotSizes: number[] = [];
  // One pass over the uncompressed bytes for the diff ID, the size and the split: every extra
  // stream stage costs a scheduling hop per chunk.
  if (hash !== undefined || kind !== undefined || splitter !== undefined) {
    const observe = (c: Buffer, _e: BufferEncoding, cb: TransformCallback): void => {
      hash?.update(c);
      tarBytes += c.length;
      splitter?.push(c);
      cb(null, c);
    };
    stages.push(new Transform({ transform: observe, highWaterMark: 1 << 20 }));
  }
  if (splitter) {
    writer.onMoved = (from, to) => {
      for (let i = 0; i < slotPaths.length; i++) {
        const p = slotPaths[i];
        if (typeof p === 'string' && (p === from || p.startsWith(from + '/'))) slotPaths[i] = to + p.slice(from.length);
      }
    };
  }
  const ex = tar.extract();
  const pax = capturePaxXattrs(ex);
  const noop = (): void => {};
  let sinceReclaim = 0;
  ex.on('entry', (header, stream, next) => {
    const h = header as unknown as DecodedHeader;
    stream.on('error', noop); // errors surface through `ex`; this only silences the duplicate
    state.entries++;
    state.name = h.name;
    if (h.type === 'file' || h.type === 'contiguous-file') contentBytes += h.size ?? 0;
    let sink;
    try {
      sink = writer.add(toEntry(h, pax.take()));
    } catch (err) {
      next(err as Error);
      return;
    }
    // A payload the split must account for: where it landed, or its bytes when it landed nowhere.
    const slot = splitter !== undefined && (h.size ?? 0) > 0 && h.type !== 'directory';
    if (slot) slotSizes.push(h.size ?? 0);
    if (sink === undefined) {
      const inline: Buffer[] = [];
      if (slot) stream.on('data', (c: unknown) => inline.push(c as Buffer));
      stream.on('end', () => {
        if (slot) slotPaths.push(Buffer.concat(inline));
        next();
      });
      stream.resume();
      return;
    }
    if (slot) {
      slotPaths.push(writer.lastFilePath);
      writer.track(writer.lastFilePath);
    }
    const s = sink;
    stream.on('data', (data: unknown) => {
      const c = data as Buffer;
      try {
        s.write(c);
        sinceReclaim += c.length;
        if (sinceReclaim >= RECLAIM_EVERY) {
          sinceReclaim = 0;
          reclaim();
        }
      } catch (err) {
        stream.destroy(err as Error);
      }
    });
    stream.on('end', () => {
      try {
        s.end();
      } catch (err) {
        next(err as Error);
        return;
      }
      next();
    });
  });
  const streams = [source, ...stages, ex] as unknown as NodeJS.ReadWriteStream[];
  return pipeline(streams).then(() => {
    writer.finish();
    if (splitter) splitter.finish(config.splitPath!, slotPaths.map((p) => (typeof p === 'string' ? relative(splitDir, p) : p)), slotSizes);
    return {
      bytes: counter.total,
      tarBytes: kind === undefined && hash === undefined && splitter === undefined ? counter.total : tarBytes,
      contentBytes,
      diffId: hash === undefined ? undefined : `sha256:${hash.digest('hex')}`,
    };
  });
}

/** Gives every failure a kind: broken input is the caller's fault, fs failures are ours. */
function describe(err: unknown, entry: string): { kind: ErrorKind; message: string; code?: string } {
  if (isBerthError(err)) return { kind: err.kind, message: err.message };
  const e = err as NodeJS.ErrnoException;
  const message = e instanceof Error ? e.message : String(err);
  if (typeof e.code === 'string' && e.code.startsWith('Z_')) return { kind: 'InvalidArgument', message: `invalid tar archive: gzip: ${message}` };
  if (typeof e.syscall === 'string') return { kind: 'Internal', message: `archive entry "${entry}": ${message}`, code: e.code ?? 'EIO' };
  return { kind: 'InvalidArgument', message: `invalid tar archive: ${message}` };
}

/**
 * One extraction. Input is the file `config.path`, read here, or arrives through `data`/`end`;
 * the outcome leaves as `done` or `error`.
 */
class Job {
  private readonly writer: TreeWriter;
  private readonly state = { entries: 0, name: '' };
  private readonly head: Buffer[] = [];
  private headBytes = 0;
  private source: Readable | undefined;
  private aborted = false;

  constructor(
    private readonly config: JobConfig,
    private readonly finished: () => void,
  ) {
    this.writer = new TreeWriter(config.dest, config.splitPath !== undefined ? { ...config, stashDir: `${dirname(config.splitPath)}/stash` } : config);
    if (config.path !== undefined) this.startFile(config.path);
  }

  data(buf: Buffer): void {
    if (this.source !== undefined) {
      this.source.push(buf);
      return;
    }
    this.head.push(buf);
    this.headBytes += buf.length;
    if (this.headBytes >= SNIFF_BYTES) this.startStream();
  }

  end(): void {
    this.startStream().push(null);
  }

  abort(): void {
    this.aborted = true;
    (this.source ?? this.startStream()).destroy(new Error('aborted'));
  }

  /** Starts once the first bytes tell plain tar from compressed input. */
  private startStream(): Readable {
    if (this.source !== undefined) return this.source;
    const source = new Readable({ read() {}, highWaterMark: 1 << 20 });
    this.launch(source, Buffer.concat(this.head));
    for (const b of this.head) source.push(b);
    this.head.length = 0;
    return source;
  }

  private startFile(path: string): void {
    let fd: number | undefined;
    try {
      fd = openSync(path, 'r');
      const head = Buffer.alloc(SNIFF_BYTES);
      const n = readSync(fd, head, 0, SNIFF_BYTES, 0);
      this.launch(createReadStream(path, { fd, start: 0, highWaterMark: 512 << 10 }), head.subarray(0, n));
    } catch (err) {
      if (fd !== undefined) closeSync(fd);
      this.report(Promise.reject(err));
    }
  }

  private launch(source: Readable, head: Buffer): void {
    this.source = source;
    let result: Promise<Outcome>;
    try {
      result = run(this.config, source, head, this.writer, this.state);
    } catch (err) {
      source.destroy();
      result = Promise.reject(err);
    }
    this.report(result);
  }

  private report(result: Promise<Outcome>): void {
    result.then(
      ({ bytes, tarBytes, contentBytes, diffId }) => {
        this.finished();
        post({ t: 'done', bytes, tarBytes, contentBytes, entries: this.state.entries, ...(diffId === undefined ? {} : { diffId }) });
      },
      (err: unknown) => {
        this.writer.close();
        this.finished();
        post({ t: 'error', aborted: this.aborted, ...describe(err, this.state.name) });
      },
    );
  }
}

function main(): void {
  let job: Job | undefined;
  port.on('message', (m: ToWorker) => {
    if (m.t === 'start') {
      const current = new Job(m.job, () => {
        if (job === current) job = undefined;
      });
      job = current;
      return;
    }
    // Input still in flight for a job that already failed: the main thread has stopped sending.
    if (job === undefined) return;
    if (m.t === 'data') job.data(Buffer.from(m.buf.buffer, m.buf.byteOffset, m.buf.byteLength));
    else if (m.t === 'end') job.end();
    else job.abort();
  });
}

main();

/**
 * Secure streaming tar extraction (plain or gzip) into a directory, for image layers.
 *
 * The work runs in worker threads: synchronous fs calls there cost one syscall each (no thread-pool
 * hop per file) and cannot block the daemon's event loop, however slow the disk. This thread only
 * copies input chunks across, at most `WINDOW` bytes ahead of what the worker has consumed. Workers
 * are reused: starting one costs tens of ms and its JIT is cold.
 */
import { realpath, stat } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { basename, dirname, resolve } from 'node:path';
import type { Readable } from 'node:stream';
import { Worker } from 'node:worker_threads';
import type { Digest } from '../digest.js';
import { BerthError, invalidArgument } from '../errors.js';
import type { FromWorker, JobConfig, ToWorker } from './extract-worker.js';
import type { WhiteoutMode } from './tree-writer.js';

export type { WhiteoutMode } from './tree-writer.js';

/**
 * What to extract: a stream, or a file the worker reads itself (faster: this thread then does no
 * work at all; use it for blobs already in the content store).
 */
export type TarSource = NodeJS.ReadableStream | Readable | AsyncIterable<Uint8Array> | { path: string };

/** fs.ReadStream has a `path` too, but it may start mid-file: only a plain object means a file. */
function isFile(input: TarSource): input is { path: string } {
  return typeof (input as Partial<Readable>).on !== 'function' && typeof (input as { path?: unknown }).path === 'string';
}

/** Options for {@link extractTar}. */
export interface ExtractOptions {
  /**
   * `overlay`: `.wh.x` becomes a 0/0 character device, `.wh..wh..opq` the `trusted.overlay.opaque`
   * xattr (an overlay2 diff dir). `plain`: whiteouts delete what lies below (flattening).
   * `keep`: markers are written as ordinary files.
   */
  whiteouts: WhiteoutMode;
  /** Create character and block devices; otherwise such an entry fails the extraction. */
  allowDevices: boolean;
  /** Apply the archive's numeric uid/gid (needs root); otherwise files belong to this process. */
  sameOwner: boolean;
  /** Stops the extraction; the promise then rejects with `signal.reason` once nothing writes any more. */
  signal?: AbortSignal;
  /** Called with the cumulative count of input bytes (compressed, if gzip) consumed so far. */
  onProgress?: (bytes: number) => void;
  /** Also compute the sha256 of the uncompressed tar stream (an OCI layer's diff_id). */
  computeDiffId?: boolean;
  /** Also compute the sha256 of the input as given (a compressed layer blob's digest). */
  computeInputDigest?: boolean;
  /**
   * The input's chunks belong to the extractor once yielded (nobody reads or reuses them after):
   * they are handed to the worker without a copy.
   */
  transferInput?: boolean;
  /**
   * With `transferInput`: receives each input buffer back once the worker is done with it, for
   * reuse (fresh memory costs a page fault per 4 KiB on a VM).
   */
  recycle?: (buf: Buffer) => void;
  /**
   * Also record a tar split at this path (its directory, on the same filesystem as `dest`, also
   * receives `stash/`), from which {@link writeSplitTar} rebuilds the exact tar later.
   */
  splitPath?: string;
  /** Also compute each regular file's tarsum member sum (see tarsum.ts); needs `sameOwner`. */
  fileSums?: boolean;
}

/** Outcome of {@link extractTar}. */
export interface ExtractResult {
  /** Input bytes read (compressed size for gzip input). */
  bytes: number;
  /** Bytes of the uncompressed tar stream. */
  tarBytes: number;
  /** Sum of the sizes of the regular files in the archive. */
  contentBytes: number;
  /** Archive entries processed, whiteouts included. */
  entries: number;
  /** sha256 of the uncompressed tar, when `computeDiffId` was set. */
  diffId?: Digest;
  /** Relative file name → tarsum member sum (hex), when `fileSums` was set. */
  fileSums?: Map<string, string>;
  /** sha256 of the input, when `computeInputDigest` was set. */
  inputDigest?: Digest;
}

/** Input bytes allowed in flight ahead of the worker: bounds memory, keeps the worker busy. */
const WINDOW = 8 << 20;
const WORKER_URL = new URL('./extract-worker.js', import.meta.url);

/** A worker thread and the job it currently serves. */
class Slot {
  readonly worker = new Worker(WORKER_URL);
  onMessage: ((m: FromWorker) => void) | undefined;
  onFailure: ((err: Error) => void) | undefined;
  dead = false;
  timer: NodeJS.Timeout | undefined;

  constructor() {
    this.worker.on('message', (m: FromWorker) => this.onMessage?.(m));
    this.worker.on('error', (err) => this.fail(err));
    this.worker.on('exit', (code) => this.fail(new Error(`exited with code ${code}`)));
  }

  private fail(err: Error): void {
    if (this.dead) return;
    this.dead = true;
    this.onFailure?.(err);
  }
}

/** Options for a {@link TarExtractor}. */
export interface TarExtractorOptions {
  /** Idle workers kept for reuse (default: available parallelism); 0 ends each after its job. */
  maxIdle?: number;
  /** An idle worker ends after this long unused (default 30 s). */
  idleTimeoutMs?: number;
}

/**
 * Runs extractions in reusable worker threads, one job per worker; concurrent calls get their own
 * workers. Idle workers do not keep the process alive. Create one per daemon; `close()` on shutdown.
 */
export class TarExtractor {
  private readonly idle: Slot[] = [];
  private readonly busy = new Set<Slot>();
  private readonly maxIdle: number;
  private readonly idleTimeoutMs: number;
  private closed = false;

  constructor(opts: TarExtractorOptions = {}) {
    this.maxIdle = opts.maxIdle ?? availableParallelism();
    this.idleTimeoutMs = opts.idleTimeoutMs ?? 30_000;
  }

  /**
   * Extracts the tar `input` (plain or gzip; zstd, xz and bzip2 are rejected) into the
   * existing directory `dest`. Nothing is ever written outside `dest`: entry names are cleaned, `..`
   * that climbs out fails the extraction, and symlinks met on the way are resolved as if `dest` were
   * the root. Consumes a stream `input` entirely on success; destroys it on failure.
   *
   * Rejects with InvalidArgument for unsafe, corrupt or truncated archives, with `signal.reason` on
   * abort, and with Internal for local fs failures. After a rejection `dest` holds a partial tree
   * that the caller must delete; no write to it happens after the promise settles.
   */
  async extract(input: TarSource, dest: string, opts: ExtractOptions): Promise<ExtractResult> {
    let slot: Slot | undefined;
    try {
      if (this.closed) throw new BerthError('Unavailable', 'extract: the extractor is closed');
      opts.signal?.throwIfAborted();
      const st = await stat(dest).catch(() => undefined);
      if (st === undefined || !st.isDirectory()) throw invalidArgument(`extract: target "${dest}" is not a directory`);
      const job: JobConfig = {
        dest: await realpath(dest),
        whiteouts: opts.whiteouts,
        allowDevices: opts.allowDevices,
        sameOwner: opts.sameOwner,
        computeDiffId: opts.computeDiffId ?? false,
        ...(opts.fileSums ? { fileSums: true } : {}),
        ...(opts.computeInputDigest ? { computeInputDigest: true } : {}),
        ...(opts.recycle ? { returnInput: true } : {}),
        ...(isFile(input) ? { path: resolve(input.path) } : {}),
        ...(opts.splitPath !== undefined ? { splitPath: `${await realpath(dirname(opts.splitPath))}/${basename(opts.splitPath)}` } : {}),
      };
      opts.signal?.throwIfAborted();
      slot = this.acquire();
      return await runJob(slot, input, job, opts);
    } catch (err) {
      if (!isFile(input)) (input as Partial<Readable>).destroy?.();
      throw err;
    } finally {
      if (slot !== undefined) await this.release(slot);
    }
  }

  /** Ends every worker. Extractions still running reject. */
  async close(): Promise<void> {
    this.closed = true;
    const all = [...this.idle, ...this.busy];
    this.idle.length = 0;
    await Promise.all(all.map((s) => s.worker.terminate()));
  }

  private acquire(): Slot {
    if (this.closed) throw new BerthError('Unavailable', 'extract: the extractor is closed');
    let slot = this.idle.pop();
    while (slot?.dead === true) slot = this.idle.pop();
    slot ??= new Slot();
    clearTimeout(slot.timer);
    slot.worker.ref();
    this.busy.add(slot);
    return slot;
  }

  private async release(slot: Slot): Promise<void> {
    this.busy.delete(slot);
    slot.onMessage = undefined;
    slot.onFailure = undefined;
    if (slot.dead || this.closed || this.idle.length >= this.maxIdle) {
      await slot.worker.terminate();
      return;
    }
    slot.worker.unref();
    slot.timer = setTimeout(() => {
      const i = this.idle.indexOf(slot);
      if (i >= 0) this.idle.splice(i, 1);
      void slot.worker.terminate();
    }, this.idleTimeoutMs).unref();
    this.idle.push(slot);
  }
}

/**
 * One-shot {@link TarExtractor.extract} in a fresh worker that ends with it. Prefer a long-lived
 * `TarExtractor` where extractions repeat (image pulls): its workers start warm.
 */
export async function extractTar(
  input: TarSource,
  dest: string,
  opts: ExtractOptions,
): Promise<ExtractResult> {
  const extractor = new TarExtractor({ maxIdle: 0 });
  try {
    return await extractor.extract(input, dest, opts);
  } finally {
    await extractor.close();
  }
}

async function runJob(
  slot: Slot,
  input: TarSource,
  job: JobConfig,
  opts: ExtractOptions,
): Promise<ExtractResult> {
  const { signal } = opts;
  const send = (m: ToWorker, transfer?: ArrayBuffer[]): void => slot.worker.postMessage(m, transfer);
  let acked = 0;
  let settled = false;
  let inputError: unknown;
  let wake: (() => void) | undefined;
  const wakeUp = (): void => {
    const w = wake;
    wake = undefined;
    w?.();
  };

  const outcome = new Promise<ExtractResult>((resolve, reject) => {
    const settle = (): void => {
      settled = true;
      wakeUp();
    };
    slot.onMessage = (m) => {
      if (m.t === 'free') {
        opts.recycle?.(Buffer.from(m.buf));
        return;
      }
      if (m.t === 'ack') {
        acked = m.bytes;
        opts.onProgress?.(acked);
        wakeUp();
        return;
      }
      settle();
      if (m.t === 'done') {
        resolve({
          bytes: m.bytes,
          tarBytes: m.tarBytes,
          contentBytes: m.contentBytes,
          entries: m.entries,
          ...(m.diffId === undefined ? {} : { diffId: m.diffId as Digest }),
          ...(m.fileSums ? { fileSums: new Map(m.fileSums) } : {}),
          ...(m.inputDigest === undefined ? {} : { inputDigest: m.inputDigest as Digest }),
        });
      } else if (m.aborted && signal?.aborted) {
        reject(signal.reason);
      } else if (m.aborted && inputError !== undefined) {
        reject(inputError);
      } else {
        // The errno name (ENOSPC, EACCES…) stays readable through `cause` for isErrno().
        const cause = m.code === undefined ? undefined : Object.assign(new Error(m.message), { code: m.code });
        reject(new BerthError(m.kind, m.message, { cause }));
      }
    };
    slot.onFailure = (err) => {
      settle();
      reject(new BerthError('Internal', `extract: worker failed: ${err.message}`, { cause: err }));
    };
  });
  if (slot.dead) slot.onFailure?.(new Error('worker is gone'));
  send({ t: 'start', job });

  const onAbort = (): void => {
    send({ t: 'abort' });
    wakeUp();
  };
  signal?.addEventListener('abort', onAbort, { once: true });

  const stopped = (): boolean => settled || signal?.aborted === true;
  if (isFile(input)) {
    try {
      return await outcome;
    } finally {
      signal?.removeEventListener('abort', onAbort);
    }
  }
  const feeding = (async () => {
    let sent = 0;
    try {
      for await (const chunk of input as AsyncIterable<Uint8Array | string>) {
        if (stopped()) break;
        const src = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
        if (src.byteLength === 0) continue;
        // A copy we own can be transferred; the caller's buffer may be pooled or shared, unless
        // the caller gave its chunks away.
        let copy: Uint8Array;
        if (opts.transferInput && src.buffer instanceof ArrayBuffer && src.byteOffset === 0 && src.byteLength === src.buffer.byteLength) copy = src;
        else {
          copy = Buffer.allocUnsafeSlow(src.byteLength);
          copy.set(src);
        }
        send({ t: 'data', buf: copy }, [copy.buffer as ArrayBuffer]);
        sent += copy.byteLength;
        while (!stopped() && sent - acked > WINDOW) await new Promise<void>((r) => (wake = r));
      }
      if (!stopped()) send({ t: 'end' });
    } catch (err) {
      if (!stopped()) {
        inputError = err;
        send({ t: 'abort' });
      }
    }
  })();

  try {
    return await outcome;
  } finally {
    signal?.removeEventListener('abort', onAbort);
    const readable = input as Partial<Readable>;
    if (typeof readable.destroy === 'function') {
      if (readable.readableEnded !== true) readable.destroy();
      await feeding;
    }
  }
}

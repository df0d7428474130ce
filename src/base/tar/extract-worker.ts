/**
 * Worker side of `extractTar`: decompresses, parses (tar-reader.ts) and writes with synchronous fs
 * calls, which are fast but would block the daemon's event loop if run on the main thread. Fed by
 * `extract.ts`; the per-job work is in extraction.ts.
 */
import { closeSync, openSync, readSync } from 'node:fs';
import { dirname } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { parentPort } from 'node:worker_threads';
import { detectCompression } from '../compression.js';
import { isBerthError, type ErrorKind } from '../errors.js';
import { Extraction, type ExtractionHooks, type JobConfig, type Outcome } from './extraction.js';
import { TreeWriter } from './tree-writer.js';

export type { JobConfig } from './extraction.js';

/**
 * Main thread → worker. A worker runs one job at a time: `start`, then `data`* and `end` (or
 * `abort`). `data` buffers are transferred, not copied.
 */
export type ToWorker = { t: 'start'; job: JobConfig } | { t: 'data'; buf: Uint8Array } | { t: 'end' } | { t: 'abort' };

/** An input buffer handed back for reuse (`returnInput`), transferred. */
export type FreeMessage = { t: 'free'; buf: ArrayBuffer };

/** Worker → main thread. `ack` counts input bytes consumed (flow control); `done`/`error` end a job. */
export type FromWorker =
  | FreeMessage
  | { t: 'ack'; bytes: number }
  | { t: 'done'; bytes: number; tarBytes: number; contentBytes: number; entries: number; diffId?: string; fileSums?: [string, string][]; inputDigest?: string }
  | { t: 'error'; aborted: boolean; kind: ErrorKind; message: string; /** errno name of an fs failure */ code?: string };

const SNIFF_BYTES = 6;

const port = parentPort!;

/**
 * Input chunks are garbage once written, but while large files stream there is little JS
 * allocation, so no scavenge runs and V8 only collects them at its 64 MB external-memory limit. Each
 * fresh worker then grows by ~100 MB of never-touched pages, which costs more than the extraction
 * itself on VMs (~11 µs per page fault measured here). A minor GC every few MB keeps the buffers
 * recycled. `--expose-gc` set at runtime only adds `gc` to contexts created later (as Jest does).
 */
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
const hooks: ExtractionHooks = { ack: (bytes) => post({ t: 'ack', bytes }), reclaim };

/** Names the first bytes of a compressed stream; `undefined` for plain tar. */
function compression(bytes: Buffer): string | undefined {
  const kind = detectCompression(bytes);
  return kind === 'none' ? undefined : kind;
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

/** File input is read in slices of this size into one reused buffer. */
const READ_CHUNK = 1 << 20;
/** File input yields to the event loop this often, so that an `abort` message gets in. */
const YIELD_EVERY = 16 << 20;

/**
 * One extraction. Input is the file `config.path`, read here, or arrives through `data`/`end`;
 * the outcome leaves as `done` or `error`.
 */
class Job {
  private readonly writer: TreeWriter;
  private readonly state = { entries: 0, name: '' };
  private readonly head: Buffer[] = [];
  private headBytes = 0;
  private ex: Extraction | undefined;
  private failed = false;
  private aborted = false;

  constructor(
    private readonly config: JobConfig,
    private readonly finished: () => void,
  ) {
    this.writer = new TreeWriter(config.dest, config.splitPath !== undefined ? { ...config, stashDir: `${dirname(config.splitPath)}/stash` } : config);
    if (config.path !== undefined) void this.readFile(config.path);
  }

  data(buf: Buffer): void {
    if (this.ex !== undefined) {
      this.ex.input(buf, this.giveBack(buf));
      return;
    }
    this.head.push(buf);
    this.headBytes += buf.length;
    if (this.headBytes >= SNIFF_BYTES) this.startStream();
  }

  end(): void {
    this.startStream()?.end();
  }

  abort(): void {
    this.aborted = true;
    const err = new Error('aborted');
    if (this.ex !== undefined) this.ex.fail(err);
    else if (!this.failed) this.report(Promise.reject(err));
  }

  /** Starts once the first bytes tell plain tar from compressed input. */
  private startStream(): Extraction | undefined {
    if (this.ex !== undefined || this.failed) return this.ex;
    const ex = this.launch(Buffer.concat(this.head));
    for (const b of this.head) ex?.input(b, this.giveBack(b));
    this.head.length = 0;
    return ex;
  }

  /** With `returnInput`, a buffer goes back to the main thread once the extraction is done with it. */
  private giveBack(buf: Buffer): (() => void) | undefined {
    if (!this.config.returnInput || buf.byteOffset !== 0 || buf.byteLength !== buf.buffer.byteLength) return undefined;
    const ab = buf.buffer as ArrayBuffer;
    return () => port.postMessage({ t: 'free', buf: ab } satisfies FreeMessage, [ab]);
  }

  /**
   * Reads the file synchronously into one reused buffer: the payload is written before `input()`
   * returns (plain tar), or zlib is done with the slice before the next read (gzip).
   */
  private async readFile(path: string): Promise<void> {
    let fd: number | undefined;
    try {
      fd = openSync(path, 'r');
      const buf = Buffer.allocUnsafeSlow(READ_CHUNK);
      const first = readSync(fd, buf, 0, READ_CHUNK, 0);
      const ex = this.launch(buf.subarray(0, Math.min(first, SNIFF_BYTES)));
      if (ex === undefined) return;
      let n = first;
      let pos = 0;
      let sinceYield = 0;
      while (n > 0 && !ex.settled) {
        const slice = buf.subarray(0, n);
        pos += n;
        await new Promise<void>((resolve) => ex.input(slice, resolve));
        sinceYield += n;
        if (sinceYield >= YIELD_EVERY) {
          sinceYield = 0;
          await new Promise((resolve) => setImmediate(resolve));
        }
        if (ex.settled) break;
        n = readSync(fd, buf, 0, READ_CHUNK, pos);
      }
      ex.end();
    } catch (err) {
      if (this.ex !== undefined) this.ex.fail(err);
      else this.report(Promise.reject(err));
    } finally {
      if (fd !== undefined) closeSync(fd);
    }
  }

  private launch(head: Buffer): Extraction | undefined {
    try {
      this.ex = new Extraction(this.config, compression(head), this.writer, this.state, hooks);
    } catch (err) {
      this.report(Promise.reject(err));
      return undefined;
    }
    this.report(this.ex.result);
    return this.ex;
  }

  private report(result: Promise<Outcome>): void {
    // Set at once, not when `result` settles: later input must not start a second extraction.
    if (result !== this.ex?.result) this.failed = true;
    result.then(
      ({ bytes, tarBytes, contentBytes, diffId, fileSums, inputDigest }) => {
        this.finished();
        post({ t: 'done', bytes, tarBytes, contentBytes, entries: this.state.entries, ...(diffId === undefined ? {} : { diffId }), ...(fileSums ? { fileSums } : {}), ...(inputDigest === undefined ? {} : { inputDigest }) });
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

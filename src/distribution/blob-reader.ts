/**
 * A blob download that survives a dropped connection: when the transfer breaks, the rest is asked
 * for with `Range: bytes=<received>-` and the stream goes on where it stopped, so the consumer
 * (hashing, unpacking as the bytes arrive) never sees the break. A registry that answers a range
 * request with the whole blob cannot be resumed: the stream then fails, and the caller starts over.
 */
import { Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import type { IncomingMessage } from 'node:http';
import { BerthError } from '../base/errors.js';
import { requestPrefix, transportError, TransportError } from './errors.js';
import type { EndpointSession } from './session.js';
import type { BlobDescriptor } from './types.js';

/**
 * Bytes are handed on in fresh buffers of this size: a consumer may keep or transfer them (to a
 * worker thread) without a copy, and a few large chunks cost less to pass along than many 64 KiB
 * socket reads.
 */
export const BLOB_BATCH = 1 << 20;
const BATCH = BLOB_BATCH;

/** Attempts after the first: a registry that went away for good fails the pull in seconds. */
const MAX_RESUMES = 3;
const BACKOFF_MS = [200, 500, 1000];

export class ResumableBlobStream extends Readable {
  private offset = 0;
  private resumes = 0;
  private current: IncomingMessage | undefined;
  private starting = false;
  private batch: Buffer;
  private batched = 0;

  constructor(
    private readonly session: EndpointSession,
    private readonly path: string,
    private readonly desc: BlobDescriptor,
    private readonly signal?: AbortSignal,
    /** Where batch buffers come from (a pool the consumer returns them to); fresh by default. */
    private readonly allocate: () => Buffer = () => Buffer.allocUnsafeSlow(BATCH),
  ) {
    super({ highWaterMark: 1 << 20 });
    this.batch = this.allocate();
  }

  override _read(): void {
    if (this.current) this.current.resume();
    else if (!this.starting) this.start();
  }

  override _destroy(err: Error | null, callback: (error?: Error | null) => void): void {
    this.current?.destroy();
    callback(err);
  }

  private start(): void {
    this.starting = true;
    this.open().then(
      (res) => {
        this.starting = false;
        if (this.destroyed) {
          res.destroy();
          return;
        }
        this.current = res;
        let settled = false;
        res.on('data', (chunk: Buffer) => {
          this.offset += chunk.length;
          if (this.offset > this.desc.size) {
            this.fail(new BerthError('Internal', `blob ${this.desc.digest} is larger than its descriptor says (${this.desc.size} bytes)`));
            return;
          }
          if (!this.collect(chunk)) res.pause();
        });
        res.once('end', () => {
          if (settled) return;
          settled = true;
          this.current = undefined;
          if (this.offset !== this.desc.size) {
            this.broken(new Error('unexpected EOF'));
            return;
          }
          if (this.batched > 0) this.push(this.batch.subarray(0, this.batched));
          this.push(null);
        });
        res.once('error', (err) => {
          if (settled) return;
          settled = true;
          this.current = undefined;
          this.broken(err);
        });
      },
      (err: unknown) => {
        this.starting = false;
        this.broken(err as Error);
      },
    );
  }

  /** Copies into the current batch; false when the consumer wants no more for now. */
  private collect(chunk: Buffer): boolean {
    let ok = true;
    let off = 0;
    while (off < chunk.length) {
      const n = chunk.copy(this.batch, this.batched, off);
      this.batched += n;
      off += n;
      if (this.batched === this.batch.length) {
        ok = this.push(this.batch);
        this.batch = this.allocate();
        this.batched = 0;
      }
    }
    return ok;
  }

  private async open(): Promise<IncomingMessage> {
    const url = this.session.url(this.path);
    const headers: Record<string, string> = {};
    if (this.offset > 0) headers.Range = `bytes=${this.offset}-`;
    const res = await this.session.send('GET', url, { headers, signal: this.signal });
    if (this.offset > 0 && res.status === 206) {
      const start = /^bytes (\d+)-/.exec(String(res.headers['content-range'] ?? ''))?.[1];
      if (Number(start) !== this.offset) {
        res.body.destroy();
        throw new NotResumable(`${requestPrefix('GET', url)}: the registry resumed at another offset`);
      }
      return res.body;
    }
    if (res.status === 200) {
      if (this.offset > 0) {
        res.body.destroy();
        throw new NotResumable(`${requestPrefix('GET', url)}: the registry cannot resume a download (no Range support)`);
      }
      return res.body;
    }
    return this.session.fail(res);
  }

  /** A transfer that broke: resume it, unless that is pointless. */
  private broken(err: Error): void {
    if (this.destroyed) return;
    const retryable = !(err instanceof NotResumable) && (!(err instanceof BerthError) || err instanceof TransportError || /^received unexpected HTTP status: 5/.test(err.message));
    if (!retryable || this.resumes >= MAX_RESUMES || this.signal?.aborted) {
      this.fail(err instanceof BerthError ? err : transportError('GET', this.session.url(this.path), err));
      return;
    }
    const delay = BACKOFF_MS[this.resumes] ?? 1000;
    this.resumes++;
    sleep(delay, undefined, this.signal ? { signal: this.signal } : {}).then(
      () => {
        if (!this.destroyed) this.start();
      },
      (e: unknown) => this.fail(e as Error),
    );
  }

  private fail(err: Error): void {
    this.current?.destroy();
    this.current = undefined;
    this.destroy(err);
  }
}

class NotResumable extends BerthError {
  constructor(message: string) {
    super('Internal', message);
  }
}

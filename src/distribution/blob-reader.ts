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
import { rawGet } from './raw-get.js';
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
  /** The transfer under way: pause, resume, end it. */
  private current: { resume(): void; destroy(): void } | undefined;
  private starting = false;
  private batch: Buffer;
  private batched = 0;
  /** Plain HTTP goes through rawGet until the registry answers something it does not take. */
  private raw: boolean;

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
    this.raw = session.url(path).protocol === 'http:';
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
    const opened = this.raw ? this.openRaw() : this.openHttp();
    opened.then(
      () => {
        this.starting = false;
      },
      (err: unknown) => {
        this.starting = false;
        this.current = undefined;
        this.broken(err as Error);
      },
    );
  }

  /** A request's headers: the credentials, and where to resume. */
  private async requestHeaders(url: URL): Promise<Record<string, string>> {
    const headers: Record<string, string> = {};
    if (this.offset > 0) headers.Range = `bytes=${this.offset}-`;
    const auth = await this.session.authorizer.header('GET', url, [], this.signal);
    if (auth) headers.Authorization = auth;
    return headers;
  }

  /** Straight from the socket into the batches (see raw-get.ts). */
  private async openRaw(): Promise<void> {
    const url = this.session.url(this.path);
    // rawGet checks that a resumed transfer starts here before a byte goes into the batch.
    const from = this.offset;
    const res = await rawGet(url, await this.requestHeaders(url), { space: () => this.batch.subarray(this.batched), filled: (n) => this.filled(n) }, from, this.signal);
    if (!res) {
      // Not a plain body (a redirect, an error, chunked): node:http takes it from here.
      this.raw = false;
      return this.openHttp();
    }
    if (this.destroyed) {
      res.destroy();
      return;
    }
    this.current = res;
    res.done.then(
      () => this.ended(),
      (err: unknown) => {
        this.current = undefined;
        this.broken(err as Error);
      },
    );
  }

  private async openHttp(): Promise<void> {
    const res = await this.open();
    if (this.destroyed) {
      res.destroy();
      return;
    }
    this.current = res;
    let settled = false;
    res.on('data', (chunk: Buffer) => {
      if (!this.collect(chunk)) res.pause();
    });
    res.once('end', () => {
      if (settled) return;
      settled = true;
      this.ended();
    });
    res.once('error', (err) => {
      if (settled) return;
      settled = true;
      this.current = undefined;
      this.broken(err);
    });
  }

  /** The response ended: the whole blob, or a break to resume from. */
  private ended(): void {
    this.current = undefined;
    if (this.offset !== this.desc.size) {
      this.broken(new Error('unexpected EOF'));
      return;
    }
    if (this.batched > 0) this.push(this.batch.subarray(0, this.batched));
    this.push(null);
  }

  /** `n` bytes landed at the end of the batch; false when the consumer wants no more for now. */
  private filled(n: number): boolean {
    this.offset += n;
    this.batched += n;
    if (this.offset > this.desc.size) {
      this.fail(new BerthError('Internal', `blob ${this.desc.digest} is larger than its descriptor says (${this.desc.size} bytes)`));
      return false;
    }
    if (this.batched < this.batch.length) return true;
    const ok = this.push(this.batch);
    this.batch = this.allocate();
    this.batched = 0;
    return ok;
  }

  /** Copies into the current batch; false when the consumer wants no more for now. */
  private collect(chunk: Buffer): boolean {
    let ok = true;
    let off = 0;
    while (off < chunk.length && !this.destroyed) {
      const n = chunk.copy(this.batch, this.batched, off);
      off += n;
      ok = this.filled(n);
    }
    return ok;
  }

  /** A resumed transfer must start where the last one stopped. */
  private checkResumed(url: URL, from: number, status: number, contentRange: string | undefined, abandon: () => void): void {
    if (from === 0) return;
    const start = status === 206 ? /^bytes (\d+)-/.exec(contentRange ?? '')?.[1] : undefined;
    if (Number(start) === from) return;
    abandon();
    throw new NotResumable(`${requestPrefix('GET', url)}: ${status === 206 ? 'the registry resumed at another offset' : 'the registry cannot resume a download (no Range support)'}`);
  }

  /** Through node:http (TLS, redirects, errors): the session adds credentials and retries a 401. */
  private async open(): Promise<IncomingMessage> {
    const url = this.session.url(this.path);
    const headers: Record<string, string> = {};
    if (this.offset > 0) headers.Range = `bytes=${this.offset}-`;
    const res = await this.session.send('GET', url, { headers, signal: this.signal });
    if (res.status === 200 || res.status === 206) {
      this.checkResumed(url, this.offset, res.status, res.headers['content-range'] as string | undefined, () => res.body.destroy());
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

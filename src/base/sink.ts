/**
 * Writes bulk bytes into a Writable (an HTTP reply, a socket) with backpressure, reading files
 * into a few recycled 1 MiB buffers. A fresh buffer per read turns a 200 MB `save` into 200 MB
 * of short-lived external memory, and the garbage collector then costs as much as the copy.
 */
import { readSync } from 'node:fs';
import type { Writable } from 'node:stream';
import { BerthError } from './errors.js';

export const SINK_CHUNK = 1 << 20;

export class Sink {
  private readonly free: Buffer[] = [];

  constructor(
    private readonly out: Writable,
    private readonly signal?: AbortSignal,
  ) {}

  /** Queues `data` (which the caller must not modify afterwards) and waits if the stream is full. */
  async write(data: Buffer): Promise<void> {
    if (data.length === 0) return;
    if (!this.out.write(data)) await this.drained();
  }

  /**
   * Copies `size` bytes of an open file into the stream. Returns the bytes read, fewer than `size`
   * only when the file ended early (the caller decides what that means).
   */
  async copyFile(fd: number, size: number): Promise<number> {
    let off = 0;
    while (off < size) {
      this.signal?.throwIfAborted();
      const buf = this.free.pop() ?? Buffer.allocUnsafeSlow(SINK_CHUNK);
      // Synchronous reads of at most 1 MiB: a stream per file costs more than the copy for the
      // thousands of small files a layer holds, and each read blocks for well under a millisecond.
      const n = readSync(fd, buf, 0, Math.min(SINK_CHUNK, size - off), off);
      if (n === 0) {
        this.free.push(buf);
        break;
      }
      off += n;
      // The buffer comes back once the stream has handed it to the kernel (or failed).
      const ok = this.out.write(buf.subarray(0, n), () => this.free.push(buf));
      if (!ok) await this.drained();
    }
    return off;
  }

  private drained(): Promise<void> {
    const { out, signal } = this;
    // A reader that went away closes the stream: stop rather than wait for a drain that never comes.
    if (out.destroyed) return Promise.reject(new BerthError('Unavailable', 'the reader went away before the end of the stream'));
    return new Promise((resolve, reject) => {
      const cleanup = (): void => {
        out.off('drain', done);
        out.off('close', closed);
        signal?.removeEventListener('abort', aborted);
      };
      const done = (): void => {
        cleanup();
        resolve();
      };
      const closed = (): void => {
        cleanup();
        reject(new BerthError('Unavailable', 'the reader went away before the end of the stream'));
      };
      const aborted = (): void => {
        cleanup();
        reject(signal?.reason as Error);
      };
      out.once('drain', done);
      out.once('close', closed);
      signal?.addEventListener('abort', aborted, { once: true });
    });
  }
}

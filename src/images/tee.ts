import { once } from 'node:events';
import { PassThrough, type Readable, type Writable } from 'node:stream';

/**
 * Copies `source` into several consumers at the pace of the slowest. A consumer that fails is
 * dropped (its branch is destroyed) and the others go on: used to unpack a layer speculatively
 * while the authoritative copy goes to the content store.
 */
export class Tee {
  readonly branches: PassThrough[];
  private readonly dropped = new Set<PassThrough>();

  constructor(count: number) {
    this.branches = Array.from({ length: count }, () => {
      const b = new PassThrough({ highWaterMark: 1 << 20 });
      // Each consumer sees the error through its own pipeline; the branch itself must not throw.
      b.on('error', () => {});
      return b;
    });
  }

  drop(branch: PassThrough): void {
    this.dropped.add(branch);
    branch.destroy();
  }

  async run(source: Readable | AsyncIterable<Buffer>, signal?: AbortSignal): Promise<void> {
    try {
      for await (const chunk of source as AsyncIterable<Buffer>) {
        signal?.throwIfAborted();
        const waits: Promise<unknown>[] = [];
        for (const b of this.branches) {
          if (this.dropped.has(b) || b.destroyed) continue;
          if (!b.write(chunk)) waits.push(drainOrClose(b));
        }
        if (waits.length) await Promise.all(waits);
      }
      for (const b of this.branches) if (!this.dropped.has(b) && !b.destroyed) b.end();
    } catch (err) {
      for (const b of this.branches) b.destroy(err as Error);
      throw err;
    }
  }
}

function drainOrClose(w: Writable): Promise<unknown> {
  return Promise.race([once(w, 'drain'), once(w, 'close')]);
}

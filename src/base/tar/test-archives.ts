/** Builds tar archives in memory for tests (tar-stream's `pack`). Test-only. */
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import tar from 'tar-stream';
import { isBerthError } from '../errors.js';

export interface TestEntry {
  name: string;
  type?: 'file' | 'directory' | 'symlink' | 'link' | 'character-device' | 'block-device' | 'fifo';
  data?: string | Buffer;
  mode?: number;
  uid?: number;
  gid?: number;
  mtime?: Date;
  linkname?: string;
  devmajor?: number;
  devminor?: number;
  pax?: Record<string, string>;
}

/** Packs `entries` in order, exactly as given (no sorting, no implied parent directories). */
export async function makeTar(entries: readonly TestEntry[]): Promise<Buffer> {
  const pack = tar.pack();
  const done = (async () => {
    const chunks: Buffer[] = [];
    for await (const c of pack) chunks.push(Buffer.from(c as Uint8Array));
    return Buffer.concat(chunks);
  })();
  for (const e of entries) {
    const type = e.type ?? 'file';
    const header = {
      name: e.name,
      type,
      mode: e.mode ?? (type === 'directory' ? 0o755 : 0o644),
      uid: e.uid ?? 0,
      gid: e.gid ?? 0,
      mtime: e.mtime ?? new Date(1_700_000_000_000),
      ...(e.linkname === undefined ? {} : { linkname: e.linkname }),
      ...(e.devmajor === undefined ? {} : { devmajor: e.devmajor, devminor: e.devminor ?? 0 }),
      ...(e.pax === undefined ? {} : { pax: e.pax }),
    };
    await new Promise<void>((resolve, reject) => {
      const cb = (err?: Error | null): void => (err ? reject(err) : resolve());
      if (type === 'file') pack.entry(header, e.data ?? '', cb);
      else pack.entry(header, cb);
    });
  }
  pack.finalize();
  return done;
}

/**
 * Overwrites the first occurrence of `placeholder` with `bytes` of the same length: how tests put
 * binary values into PAX records, which tar-stream can only write as UTF-8 text.
 */
export function patchBytes(archive: Buffer, placeholder: string, bytes: Buffer): Buffer {
  const at = archive.indexOf(placeholder);
  if (at < 0 || bytes.length !== Buffer.byteLength(placeholder)) throw new Error('patchBytes: bad placeholder');
  const out = Buffer.from(archive);
  bytes.copy(out, at);
  return out;
}

/** A stream that yields `data` in `chunk`-sized pieces, then, unless `end` is false, ends. */
export function chunked(data: Buffer, chunk = 4096, end = true): Readable {
  let off = 0;
  return new Readable({
    read() {
      if (off < data.length) {
        this.push(data.subarray(off, off + chunk));
        off += chunk;
      } else if (end) {
        this.push(null);
      }
    },
  });
}

/** A fresh directory under the system temp dir. */
export function tempDir(prefix = 'berth-tar-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** Asserts that `p` rejects with an InvalidArgument BerthError whose message matches `re`. */
export async function rejectsInvalid(p: Promise<unknown>, re: RegExp): Promise<void> {
  await assert.rejects(p, (err: unknown) => {
    assert.ok(isBerthError(err, 'InvalidArgument'), `expected InvalidArgument, got ${String(err)}`);
    assert.match(err.message, re);
    return true;
  });
}

import { createReadStream, createWriteStream } from 'node:fs';
import { open, readdir, readFile, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { randomBytes } from '../base/crypto.js';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { invalidArgument, isErrno, notFound } from '../base/errors.js';
import { digestOf, hexOf, isDigest, newHash, sha256, type Digest } from '../base/digest.js';
import { ensureDir, fsyncDir } from '../base/fs.js';
import type { BlobInfo, ContentStore, IngestOptions } from './content-store.js';

/** Content store on a directory: `blobs/sha256/<hex>` and `ingest/<random>` on the same filesystem. */
export class FsContentStore implements ContentStore {
  private readonly blobDir: string;
  private readonly ingestDir: string;

  constructor(root: string) {
    this.blobDir = join(root, 'blobs', 'sha256');
    this.ingestDir = join(root, 'ingest');
  }

  async init(): Promise<void> {
    await ensureDir(this.blobDir);
    await ensureDir(this.ingestDir);
  }

  pathOf(digest: Digest): string {
    return join(this.blobDir, hexOf(digest));
  }

  async ingest(input: Readable | AsyncIterable<Uint8Array>, opts: IngestOptions = {}): Promise<BlobInfo> {
    const tmp = join(this.ingestDir, randomBytes(12).toString('hex'));
    const hash = newHash();
    let size = 0;
    const counter = new Transform({
      transform(chunk: Buffer, _enc, cb) {
        hash.update(chunk);
        size += chunk.length;
        opts.onProgress?.(size);
        cb(null, chunk);
      },
    });
    const out = createWriteStream(tmp, { flags: 'wx', mode: 0o644, highWaterMark: 1 << 20 });
    try {
      await pipeline(input, counter, out, opts.signal ? { signal: opts.signal } : {});
      const digest = digestOf(hash);
      if (opts.expected !== undefined && digest !== opts.expected) {
        throw invalidArgument(`digest mismatch: expected ${opts.expected}, got ${digest}`);
      }
      if (opts.expectedSize !== undefined && size !== opts.expectedSize) {
        throw invalidArgument(`size mismatch for ${digest}: expected ${opts.expectedSize}, got ${size}`);
      }
      await this.commit(tmp, digest);
      return { digest, size };
    } catch (err) {
      await rm(tmp, { force: true });
      throw err;
    }
  }

  async put(data: Uint8Array | string, expected?: Digest): Promise<BlobInfo> {
    const digest = sha256(data);
    if (expected !== undefined && digest !== expected) {
      throw invalidArgument(`digest mismatch: expected ${expected}, got ${digest}`);
    }
    const size = typeof data === 'string' ? Buffer.byteLength(data) : data.byteLength;
    if (await this.has(digest)) return { digest, size };
    const tmp = join(this.ingestDir, randomBytes(12).toString('hex'));
    const fh = await open(tmp, 'wx', 0o644);
    try {
      await fh.writeFile(data);
      await fh.close();
      await this.commit(tmp, digest);
    } catch (err) {
      await fh.close().catch(() => {});
      await rm(tmp, { force: true });
      throw err;
    }
    return { digest, size };
  }

  /** fsync then rename: once visible under its digest, a blob survives a crash whole. */
  private async commit(tmp: string, digest: Digest): Promise<void> {
    const fh = await open(tmp, 'r');
    try {
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(tmp, this.pathOf(digest));
    await fsyncDir(this.blobDir);
  }

  async has(digest: Digest): Promise<boolean> {
    try {
      await stat(this.pathOf(digest));
      return true;
    } catch (err) {
      if (isErrno(err, 'ENOENT')) return false;
      throw err;
    }
  }

  async info(digest: Digest): Promise<BlobInfo> {
    try {
      const st = await stat(this.pathOf(digest));
      return { digest, size: st.size };
    } catch (err) {
      if (isErrno(err, 'ENOENT')) throw notFound(`blob ${digest} not found`);
      throw err;
    }
  }

  async read(digest: Digest): Promise<Buffer> {
    try {
      return await readFile(this.pathOf(digest));
    } catch (err) {
      if (isErrno(err, 'ENOENT')) throw notFound(`blob ${digest} not found`);
      throw err;
    }
  }

  createReadStream(digest: Digest): Readable {
    return createReadStream(this.pathOf(digest), { highWaterMark: 1 << 20 });
  }

  async delete(digest: Digest): Promise<void> {
    await rm(this.pathOf(digest), { force: true });
  }

  async list(): Promise<BlobInfo[]> {
    const out: BlobInfo[] = [];
    for (const name of await readdir(this.blobDir)) {
      const digest = `sha256:${name}`;
      if (!isDigest(digest)) continue;
      const st = await stat(join(this.blobDir, name)).catch(() => undefined);
      if (st) out.push({ digest, size: st.size });
    }
    return out;
  }

  async sweepIngests(): Promise<number> {
    let n = 0;
    for (const name of await readdir(this.ingestDir)) {
      await rm(join(this.ingestDir, name), { force: true, recursive: true });
      n++;
    }
    return n;
  }
}

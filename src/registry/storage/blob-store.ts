import { createReadStream, type ReadStream } from 'node:fs';
import { open, readdir, type FileHandle, readFile, rename, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { randomBytes } from '../../base/crypto.js';
import { isErrno } from '../../base/errors.js';
import { ensureDir, fsyncDir } from '../../base/fs.js';
import { digestBytes, parseDigest, type Algorithm } from '../digest.js';
import { registryError } from '../errors.js';

export interface BlobStat {
  size: number;
  /** Last write or reference (see `touch`): garbage collection spares recent blobs. */
  mtimeMs: number;
}

const ALGORITHMS: Algorithm[] = ['sha256', 'sha512'];

/**
 * The registry's global content-addressed blobs: `blobs/<algorithm>/<hex>`, shared by every
 * repository (repository links decide what each one sees). A blob appears only by renaming a
 * complete, verified file into place, so readers never see part of one; writing a digest that
 * exists again is harmless (the bytes are the same by definition).
 */
export class BlobStore {
  readonly root: string;
  private readonly tmpDir: string;

  constructor(root: string) {
    this.root = join(root, 'blobs');
    this.tmpDir = join(root, 'tmp');
  }

  async init(): Promise<void> {
    for (const a of ALGORITHMS) await ensureDir(join(this.root, a), 0o755);
    await ensureDir(this.tmpDir);
    // Temp files of writes a crash interrupted: never visible, safe to drop at start.
    for (const name of await readdir(this.tmpDir)) await rm(join(this.tmpDir, name), { force: true });
  }

  pathOf(digest: string): string {
    const d = parseDigest(digest);
    if (!d) throw registryError('DIGEST_INVALID', `invalid digest ${digest}`);
    return join(this.root, d.algorithm, d.hex);
  }

  async stat(digest: string): Promise<BlobStat | undefined> {
    try {
      const st = await stat(this.pathOf(digest));
      return { size: st.size, mtimeMs: st.mtimeMs };
    } catch (err) {
      if (isErrno(err, 'ENOENT')) return undefined;
      throw err;
    }
  }

  /** Marks a blob as just referenced, so a concurrent garbage collection keeps it. */
  async touch(digest: string): Promise<boolean> {
    const now = new Date();
    try {
      await utimes(this.pathOf(digest), now, now);
      return true;
    } catch (err) {
      if (isErrno(err, 'ENOENT')) return false;
      throw err;
    }
  }

  /** Moves a finished, verified file (on the same filesystem) into place under its digest. */
  async commitFile(file: string, digest: string): Promise<void> {
    const fh = await open(file, 'r');
    try {
      await fh.sync();
    } finally {
      await fh.close();
    }
    const target = this.pathOf(digest);
    await rename(file, target);
    await fsyncDir(join(target, '..'));
  }

  /** Stores small content (manifests) under its digest; returns the digest. */
  async putBytes(data: Buffer, algorithm: Algorithm = 'sha256'): Promise<string> {
    const digest = digestBytes(data, algorithm);
    if (await this.touch(digest)) return digest;
    const tmp = this.tempPath();
    await writeFile(tmp, data, { mode: 0o644, flag: 'wx' });
    try {
      await this.commitFile(tmp, digest);
    } catch (err) {
      await rm(tmp, { force: true });
      throw err;
    }
    return digest;
  }

  /** A fresh path in the store's temp dir (same filesystem as the blobs). */
  tempPath(): string {
    return join(this.tmpDir, randomBytes(12).toString('hex'));
  }

  async readBytes(digest: string): Promise<Buffer | undefined> {
    try {
      return await readFile(this.pathOf(digest));
    } catch (err) {
      if (isErrno(err, 'ENOENT')) return undefined;
      throw err;
    }
  }

  /** Opens a blob's file (an open handle keeps serving it even if it is deleted meanwhile). */
  openFile(digest: string): Promise<FileHandle> {
    return open(this.pathOf(digest), 'r');
  }

  /** Opens a blob for streaming (an inclusive byte range when given). */
  openRead(digest: string, range?: { start: number; end: number }): ReadStream {
    return createReadStream(this.pathOf(digest), { highWaterMark: 1 << 20, ...(range ?? {}) });
  }

  async delete(digest: string): Promise<void> {
    await rm(this.pathOf(digest), { force: true });
  }

  /** Every stored blob's digest. */
  async *list(): AsyncGenerator<string> {
    for (const a of ALGORITHMS) {
      for (const hex of await readdir(join(this.root, a)).catch(() => [] as string[])) {
        const digest = `${a}:${hex}`;
        if (parseDigest(digest)) yield digest;
      }
    }
  }
}

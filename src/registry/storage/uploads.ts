import { createReadStream, createWriteStream } from 'node:fs';
import { readdir, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Hash } from 'node:crypto';
import { randomUUID } from '../../base/crypto.js';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { isErrno } from '../../base/errors.js';
import { ensureDir, readJsonIfExists, removeAll } from '../../base/fs.js';
import { KeyedMutex } from '../../base/lock.js';
import { finishDigest, hashOf, parseDigest } from '../digest.js';
import { registryError } from '../errors.js';
import type { BlobStore } from './blob-store.js';

export interface UploadInfo {
  uuid: string;
  repo: string;
  /** Bytes received so far: the next chunk must start here. */
  offset: number;
}

interface UploadMeta {
  repo: string;
  startedAt: string;
}

/** A sha256 running over the upload's bytes, valid while `bytes` equals the file's size. */
interface RunningHash {
  hash: Hash;
  bytes: number;
}

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/**
 * Upload sessions: `uploads/<uuid>/{data,meta.json}`. Chunks append to `data` in order under
 * the session's lock (so a resent or out-of-order chunk gets 416, never interleaves); the bytes
 * are hashed while they arrive, and completing renames `data` into the blob store only after
 * its digest matched. Nothing of an unfinished upload is ever visible; `reap` removes sessions
 * idle longer than the timeout.
 */
export class UploadStore {
  private readonly dir: string;
  private readonly locks = new KeyedMutex();
  private readonly hashes = new Map<string, RunningHash>();

  constructor(
    root: string,
    private readonly blobs: BlobStore,
  ) {
    this.dir = join(root, 'uploads');
  }

  async init(): Promise<void> {
    await ensureDir(this.dir);
  }

  async start(repo: string): Promise<UploadInfo> {
    const uuid = randomUUID();
    const dir = join(this.dir, uuid);
    await ensureDir(dir);
    const meta: UploadMeta = { repo, startedAt: new Date().toISOString() };
    await writeFile(join(dir, 'meta.json'), JSON.stringify(meta));
    await writeFile(join(dir, 'data'), '');
    this.hashes.set(uuid, { hash: hashOf('sha256'), bytes: 0 });
    return { uuid, repo, offset: 0 };
  }

  async status(repo: string, uuid: string): Promise<UploadInfo> {
    const dataPath = await this.locate(repo, uuid);
    return { uuid, repo, offset: (await stat(dataPath)).size };
  }

  /**
   * Appends a chunk. With `range`, its start must be the current offset (else 416 RANGE_INVALID)
   * and its length must match what arrives.
   */
  async append(repo: string, uuid: string, body: Readable, range: { start: number; end: number } | undefined, signal?: AbortSignal): Promise<UploadInfo> {
    return await this.locks.run(uuid, async () => {
      const dataPath = await this.locate(repo, uuid);
      const offset = (await stat(dataPath)).size;
      if (range && range.start !== offset) {
        body.resume();
        throw registryError('RANGE_INVALID', `chunk starts at ${range.start}, expected ${offset}`, { offset });
      }
      const written = await this.write(uuid, dataPath, offset, body, signal);
      if (range && written !== range.end - range.start + 1) {
        throw registryError('SIZE_INVALID', `chunk ${range.start}-${range.end} carried ${written} bytes`);
      }
      return { uuid, repo, offset: offset + written };
    });
  }

  /**
   * Appends the optional last chunk, checks the digest of everything and commits the blob.
   * A mismatch removes the upload (400 DIGEST_INVALID) and stores nothing.
   */
  async complete(repo: string, uuid: string, digest: string, body: Readable | undefined, signal?: AbortSignal): Promise<{ digest: string; size: number }> {
    const parsed = parseDigest(digest);
    if (!parsed) {
      body?.resume();
      throw registryError('DIGEST_INVALID', `invalid digest ${digest}`);
    }
    return await this.locks.run(uuid, async () => {
      const dataPath = await this.locate(repo, uuid);
      let size = (await stat(dataPath)).size;
      if (body) size += await this.write(uuid, dataPath, size, body, signal);
      const running = this.hashes.get(uuid);
      const actual = parsed.algorithm === 'sha256' && running?.bytes === size ? finishDigest(running.hash, 'sha256') : await hashFile(dataPath, parsed.algorithm);
      this.hashes.delete(uuid);
      if (actual !== digest) {
        await removeAll(join(this.dir, uuid));
        throw registryError('DIGEST_INVALID', undefined, { expected: digest, actual });
      }
      await this.blobs.commitFile(dataPath, digest);
      await removeAll(join(this.dir, uuid));
      return { digest, size };
    });
  }

  async cancel(repo: string, uuid: string): Promise<void> {
    await this.locks.run(uuid, async () => {
      await this.locate(repo, uuid);
      this.hashes.delete(uuid);
      await removeAll(join(this.dir, uuid));
    });
  }

  /** Removes sessions idle for longer than `idleMs` (crashed or abandoned clients). */
  async reap(idleMs: number): Promise<number> {
    let n = 0;
    const now = Date.now();
    for (const uuid of await readdir(this.dir).catch(() => [] as string[])) {
      const st = await stat(join(this.dir, uuid, 'data')).catch(() => stat(join(this.dir, uuid)).catch(() => undefined));
      if (!st || now - st.mtimeMs < idleMs) continue;
      await this.locks.run(uuid, async () => {
        this.hashes.delete(uuid);
        await removeAll(join(this.dir, uuid));
      });
      n++;
    }
    return n;
  }

  private async locate(repo: string, uuid: string): Promise<string> {
    if (!UUID_RE.test(uuid)) throw registryError('BLOB_UPLOAD_UNKNOWN');
    const meta = await readJsonIfExists<UploadMeta>(join(this.dir, uuid, 'meta.json'));
    if (!meta || meta.repo !== repo) throw registryError('BLOB_UPLOAD_UNKNOWN');
    return join(this.dir, uuid, 'data');
  }

  /** Appends a body at `offset`, hashing as it goes; returns the number of bytes written. */
  private async write(uuid: string, dataPath: string, offset: number, body: Readable, signal?: AbortSignal): Promise<number> {
    let running = this.hashes.get(uuid);
    // After a restart (or a failed chunk) the running hash is gone or stale: complete() then
    // hashes the file once instead.
    if (running && running.bytes !== offset) {
      this.hashes.delete(uuid);
      running = undefined;
    }
    let written = 0;
    const counter = new Transform({
      transform(chunk: Buffer, _enc, cb) {
        running?.hash.update(chunk);
        written += chunk.length;
        cb(null, chunk);
      },
    });
    const out = createWriteStream(dataPath, { flags: 'r+', start: offset, highWaterMark: 1 << 20 });
    try {
      await pipeline(body, counter, out, signal ? { signal } : {});
    } catch (err) {
      this.hashes.delete(uuid);
      throw err;
    }
    if (running) running.bytes += written;
    return written;
  }
}

async function hashFile(path: string, algorithm: 'sha256' | 'sha512'): Promise<string> {
  const hash = hashOf(algorithm);
  try {
    for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) hash.update(chunk as Buffer);
  } catch (err) {
    if (isErrno(err, 'ENOENT')) throw registryError('BLOB_UPLOAD_UNKNOWN');
    throw err;
  }
  return finishDigest(hash, algorithm);
}

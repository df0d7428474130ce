/**
 * `RUN --mount=type=cache`: persistent directories under the data root, one per cache id, shared
 * by every build of this daemon (BuildKit's cache mounts). `sharing=shared` lets concurrent steps
 * use one directory, `locked` waits until nobody else uses it, `private` takes an instance nobody
 * uses, making a new one when all are busy. `uid`, `gid` and `mode` apply when one is created.
 */
import { createHash } from '../../base/crypto.js';
import { execFile } from 'node:child_process';
import { chown, chmod, mkdir, readdir, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { isErrno } from '../../base/errors.js';
import { directorySize } from '../../base/dir-size.js';
import { KeyedMutex } from '../../base/lock.js';
import type { CacheSharing } from '../dockerfile/instructions/run-mount.js';

const execFileP = promisify(execFile);

export interface CacheMountRequest {
  id: string;
  sharing: CacheSharing;
  uid: number;
  gid: number;
  mode: number;
  /** A directory whose contents fill a new instance (`from=`/`source=`). */
  seed?: string;
}

export interface CacheMountLease {
  /** The directory to bind-mount. */
  path: string;
  release(): void;
}

interface Instance {
  readers: number;
  writer: boolean;
  waiters: (() => void)[];
}

export class CacheMounts {
  private readonly instances = new Map<string, Instance>();
  /** Creation of an instance, one at a time per instance (shared users start together). */
  private readonly creating = new KeyedMutex();

  constructor(private readonly root: string) {}

  async acquire(req: CacheMountRequest, signal: AbortSignal): Promise<CacheMountLease> {
    const base = join(this.root, createHash('sha256').update(req.id).digest('hex').slice(0, 32));
    if (req.sharing === 'private') {
      for (let n = 0; ; n++) {
        const key = `${base}/${n}`;
        const inst = this.instance(key);
        if (inst.readers === 0 && !inst.writer) {
          inst.writer = true;
          return this.lease(key, inst, true, req);
        }
      }
    }
    const key = `${base}/0`;
    const inst = this.instance(key);
    const exclusive = req.sharing === 'locked';
    while (inst.writer || (exclusive && inst.readers > 0)) {
      signal.throwIfAborted();
      await new Promise<void>((wake) => {
        inst.waiters.push(wake);
        signal.addEventListener('abort', () => wake(), { once: true });
      });
    }
    signal.throwIfAborted();
    if (exclusive) inst.writer = true;
    else inst.readers++;
    return this.lease(key, inst, exclusive, req);
  }

  /**
   * `docker builder prune`: removes every cache mount instance no step uses now; returns their
   * names and the bytes freed.
   */
  async prune(): Promise<{ deleted: string[]; reclaimed: number }> {
    const deleted: string[] = [];
    let reclaimed = 0;
    let ids: string[];
    try {
      ids = await readdir(this.root);
    } catch (err) {
      if (isErrno(err, 'ENOENT')) return { deleted, reclaimed };
      throw err;
    }
    for (const id of ids) {
      for (const n of await readdir(join(this.root, id)).catch(() => [] as string[])) {
        const key = join(this.root, id, n);
        if (this.instances.has(key)) continue;
        reclaimed += directorySize(key);
        await rm(key, { recursive: true, force: true });
        deleted.push(`${id}/${n}`);
      }
    }
    return { deleted, reclaimed };
  }

  private instance(key: string): Instance {
    let inst = this.instances.get(key);
    if (inst === undefined) {
      inst = { readers: 0, writer: false, waiters: [] };
      this.instances.set(key, inst);
    }
    return inst;
  }

  private async lease(key: string, inst: Instance, exclusive: boolean, req: CacheMountRequest): Promise<CacheMountLease> {
    let released = false;
    const release = (): void => {
      if (released) return;
      released = true;
      if (exclusive) inst.writer = false;
      else inst.readers--;
      for (const wake of inst.waiters.splice(0)) wake();
      if (inst.readers === 0 && !inst.writer && inst.waiters.length === 0) this.instances.delete(key);
    };
    try {
      await this.creating.run(key, () => this.create(key, req));
    } catch (err) {
      release();
      throw err;
    }
    return { path: key, release };
  }

  /** Makes the instance directory on first use, filled from the seed, then renamed into place. */
  private async create(path: string, req: CacheMountRequest): Promise<void> {
    try {
      await stat(path);
      return;
    } catch (err) {
      if (!isErrno(err, 'ENOENT')) throw err;
    }
    const fresh = `${path}.new`;
    await rm(fresh, { recursive: true, force: true });
    await mkdir(fresh, { recursive: true });
    if (req.seed !== undefined && (await readdir(req.seed)).length > 0) await execFileP('cp', ['-a', `${req.seed}/.`, fresh]);
    await chown(fresh, req.uid, req.gid);
    await chmod(fresh, req.mode);
    await rename(fresh, path);
  }
}

/**
 * Planning a layer on top of an image without mounting a writable rootfs: destination paths
 * resolve through the image's own symlinks (never leaving its root), directories that exist in the
 * image are carried into the layer with their owner and mode (as overlay's copy-up would), missing
 * ones are created. The files themselves are copied later by composeLayer.
 */
import { lstat, mkdir, rm, symlink } from 'node:fs/promises';
import { join } from 'node:path';
import type { Stats } from 'node:fs';
import { invalidArgument, isErrno } from '../../base/errors.js';
import { mknod } from '../../base/libc.js';
import { relativeTo, scopedPath } from '../context/scoped-path.js';
import { openImageView, viewPath, type ImageView } from './image-view.js';
import { composeLayer, type ComposedEntry } from './layer-writer.js';
import type { StepContext } from './step-context.js';
import type { LayerTarget, WrittenLayer } from './types.js';

export interface Owner {
  uid: number;
  gid: number;
}

const S_IFIFO = 0o010000;
const S_IFCHR = 0o020000;
const S_IFBLK = 0o060000;

export class LayerPlan {
  readonly entries = new Map<string, ComposedEntry>();
  private readonly now = Math.floor(Date.now() / 1000);

  constructor(
    private readonly view: ImageView,
    private readonly dir: string,
  ) {}

  /** An absolute image path as a layer-relative path, symlinks followed inside the image. */
  async resolve(abs: string, followLast: boolean): Promise<string> {
    return relativeTo(this.view.root, await scopedPath(this.view.root, abs.replace(/^\/+/, ''), followLast));
  }

  /** What the image has at a resolved path (undefined when nothing). */
  async inImage(rel: string): Promise<Stats | undefined> {
    if (rel === '') return lstat(this.view.root);
    try {
      return await lstat(join(this.view.root, rel));
    } catch (err) {
      if (isErrno(err, 'ENOENT') || isErrno(err, 'ENOTDIR')) return undefined;
      throw err;
    }
  }

  /** Whether a resolved path is a directory in the layer so far or in the image. */
  async isDirectory(rel: string): Promise<boolean> {
    const e = this.entries.get(rel);
    if (e !== undefined) return e.type === 'directory';
    return (await this.inImage(rel))?.isDirectory() ?? false;
  }

  /**
   * Makes `rel` and its parents directories of the layer: ones the image has keep their
   * metadata; new ones get `mode` and `owner` (the root directory is never an entry).
   */
  async ensureDir(rel: string, owner: Owner, mode = 0o755): Promise<void> {
    const parts = rel.split('/').filter((p) => p !== '');
    for (let i = 1; i <= parts.length; i++) {
      const p = parts.slice(0, i).join('/');
      const have = this.entries.get(p);
      if (have !== undefined) {
        if (have.type !== 'directory') throw invalidArgument(`mkdir /${p}: not a directory`);
        continue;
      }
      const st = await this.inImage(p);
      if (st !== undefined && !st.isDirectory()) throw invalidArgument(`mkdir /${p}: not a directory`);
      await mkdir(join(this.dir, p), { recursive: true });
      const meta = st !== undefined ? { mode: st.mode & 0o7777, uid: st.uid, gid: st.gid, mtimeSeconds: Math.floor(st.mtimeMs / 1000) } : { mode, ...owner, mtimeSeconds: this.now };
      this.entries.set(p, { path: p, type: 'directory', size: 0, ...meta });
    }
  }

  /** A directory with the given metadata (a copied directory, or `--chown` on one that existed). */
  async setDir(rel: string, meta: Owner & { mode: number; mtimeSeconds?: number }): Promise<void> {
    await this.ensureDir(rel, meta, meta.mode);
    const e = this.entries.get(rel);
    if (e === undefined) return;
    Object.assign(e, { mode: meta.mode, uid: meta.uid, gid: meta.gid, mtimeSeconds: meta.mtimeSeconds ?? e.mtimeSeconds });
  }

  async addFile(rel: string, src: string, meta: Owner & { mode: number; size: number; mtimeSeconds: number }): Promise<void> {
    await this.replace(rel, 'file');
    this.entries.set(rel, { path: rel, type: 'file', src, ...meta });
  }

  async addSymlink(rel: string, target: string, meta: Owner & { mtimeSeconds: number }): Promise<void> {
    await this.replace(rel, 'symlink');
    await symlink(target, join(this.dir, rel));
    this.entries.set(rel, { path: rel, type: 'symlink', linkname: target, mode: 0o777, size: 0, ...meta });
  }

  /** FIFOs and device nodes. */
  async addSpecial(rel: string, st: Stats, meta: Owner & { mode: number; mtimeSeconds: number }): Promise<void> {
    await this.replace(rel, 'special');
    const type = st.isFIFO() ? 'fifo' : st.isCharacterDevice() ? 'char' : st.isBlockDevice() ? 'block' : undefined;
    if (type === undefined) return;
    const kind = type === 'fifo' ? S_IFIFO : type === 'char' ? S_IFCHR : S_IFBLK;
    const devmajor = ((st.rdev >> 8) & 0xfff) | (Math.floor(st.rdev / 2 ** 32) & ~0xfff);
    const devminor = (st.rdev & 0xff) | ((st.rdev >> 12) & ~0xff);
    mknod(join(this.dir, rel), kind | meta.mode, devmajor, devminor);
    this.entries.set(rel, { path: rel, type, size: 0, devmajor, devminor, ...meta });
  }

  /** A later source wins over an earlier one at the same path, as when extracting over it. */
  private async replace(rel: string, kind: string): Promise<void> {
    const have = this.entries.get(rel);
    if (have === undefined) return;
    if (have.type === 'directory' && kind !== 'directory') throw invalidArgument(`cannot overwrite directory /${rel} with non-directory`);
    this.entries.delete(rel);
    await rm(join(this.dir, rel), { force: true });
  }

  write(target: LayerTarget, signal?: AbortSignal): Promise<WrittenLayer> {
    return composeLayer(target, [...this.entries.values()], signal);
  }
}

/** Runs `fn` with a view of the stage's current image, closed afterwards. */
export async function withCurrentView<T>(stage: StepContext, fn: (view: ImageView) => Promise<T>): Promise<T> {
  const img = stage.state.image;
  const dirs = img === undefined ? [] : await stage.env.images.layerDirs(img);
  const view = await openImageView(dirs, viewPath(stage.env.scratch, stage.env.nextId()));
  try {
    return await fn(view);
  } finally {
    await view.close();
  }
}

/**
 * WORKDIR's directory: nothing when the image has it (moby then commits an empty layer), else a
 * layer creating it root-owned, mode 0755, as moby's SetupWorkingDirectory does.
 */
export async function workdirLayer(view: ImageView, workdir: string): Promise<((t: LayerTarget) => Promise<WrittenLayer>) | undefined> {
  const probe = new LayerPlan(view, '');
  const rel = await probe.resolve(workdir, true);
  const st = await probe.inImage(rel);
  if (st?.isDirectory()) return undefined;
  if (st !== undefined) throw invalidArgument(`Cannot mkdir: ${workdir} is not a directory`);
  return async (target) => {
    const plan = new LayerPlan(view, target.dir);
    await plan.ensureDir(rel, { uid: 0, gid: 0 });
    return plan.write(target);
  };
}

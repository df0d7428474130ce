import { access, readdir, rename } from 'node:fs/promises';
import { join } from 'node:path';
import { randomBytes } from '../base/crypto.js';
import { hexOf, isDigest, type Digest } from '../base/digest.js';
import { atomicWriteJson, ensureDir, fsyncDir, readJsonIfExists, removeAll } from '../base/fs.js';
import type { LayerSnapshot, LayerStaging, Snapshotter } from './snapshotter.js';

interface SnapshotMeta {
  schemaVersion: 1;
  diffId: Digest;
  size: number;
  createdAt: string;
}

const STAGING_PREFIX = '.staging-';
const SPLIT = 'tar-split';

async function exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}

/**
 * Layers on disk as overlay lower dirs: `<root>/<diffIdHex>/{meta.json,diff/}`. A layer is
 * extracted into `<root>/.staging-<rand>/diff` and renamed into place only when complete.
 */
export class OverlaySnapshotter implements Snapshotter {
  constructor(private readonly root: string) {}

  async init(): Promise<void> {
    await ensureDir(this.root);
  }

  async stage(): Promise<LayerStaging> {
    const stagingDir = join(this.root, STAGING_PREFIX + randomBytes(8).toString('hex'));
    const dir = join(stagingDir, 'diff');
    await ensureDir(dir, 0o755);
    const splitPath = join(stagingDir, SPLIT);
    let done = false;
    return {
      dir,
      splitPath,
      commit: async (diffId, size) => {
        if (done) throw new Error('staging already finished');
        done = true;
        const meta: SnapshotMeta = { schemaVersion: 1, diffId, size, createdAt: new Date().toISOString() };
        const existing = await this.get(diffId);
        if (existing) {
          // Same content; but if only this copy can rebuild the tar, the existing one adopts its split.
          if (!existing.splitPath && (await exists(splitPath))) {
            const target = this.dirOf(diffId);
            if (await exists(join(stagingDir, 'stash'))) await rename(join(stagingDir, 'stash'), join(target, 'stash'));
            await rename(splitPath, join(target, SPLIT));
          }
          await removeAll(stagingDir);
          return (await this.get(diffId)) ?? existing;
        }
        await atomicWriteJson(join(stagingDir, 'meta.json'), meta);
        try {
          await rename(stagingDir, this.dirOf(diffId));
        } catch (err) {
          // Another load committed the same layer meanwhile: theirs is as good as ours.
          await removeAll(stagingDir);
          const other = await this.get(diffId);
          if (other) return other;
          throw err;
        }
        await fsyncDir(this.root);
        return this.toSnapshot(meta, await exists(join(this.dirOf(diffId), SPLIT)));
      },
      abort: async () => {
        done = true;
        await removeAll(stagingDir);
      },
    };
  }

  async get(diffId: Digest): Promise<LayerSnapshot | undefined> {
    const meta = await readJsonIfExists<SnapshotMeta>(join(this.dirOf(diffId), 'meta.json'));
    return meta ? this.toSnapshot(meta, await exists(join(this.dirOf(diffId), SPLIT))) : undefined;
  }

  async list(): Promise<LayerSnapshot[]> {
    const out: LayerSnapshot[] = [];
    for (const name of await readdir(this.root)) {
      const digest = `sha256:${name}`;
      if (!isDigest(digest)) continue;
      const snap = await this.get(digest);
      if (snap) out.push(snap);
    }
    return out;
  }

  async remove(diffId: Digest): Promise<void> {
    // Rename first so a crash mid-delete leaves a staging dir (swept), never a half layer.
    const doomed = join(this.root, STAGING_PREFIX + 'rm-' + randomBytes(8).toString('hex'));
    try {
      await rename(this.dirOf(diffId), doomed);
    } catch {
      return;
    }
    await removeAll(doomed);
  }

  async sweepStaging(): Promise<number> {
    let n = 0;
    for (const name of await readdir(this.root)) {
      if (name.startsWith(STAGING_PREFIX)) {
        await removeAll(join(this.root, name));
        n++;
      } else if (isDigest(`sha256:${name}`) && !(await this.get(`sha256:${name}`))) {
        // A layer dir without meta.json predates the atomic commit: not trustworthy.
        await removeAll(join(this.root, name));
        n++;
      }
    }
    return n;
  }

  /** Where a layer's files are (whether or not it is present). */
  layerDir(diffId: Digest): string {
    return join(this.dirOf(diffId), 'diff');
  }

  private dirOf(diffId: Digest): string {
    return join(this.root, hexOf(diffId));
  }

  private toSnapshot(meta: SnapshotMeta, hasSplit: boolean): LayerSnapshot {
    const dir = this.dirOf(meta.diffId);
    return { diffId: meta.diffId, size: meta.size, createdAt: meta.createdAt, dir: join(dir, 'diff'), ...(hasSplit ? { splitPath: join(dir, SPLIT) } : {}) };
  }
}

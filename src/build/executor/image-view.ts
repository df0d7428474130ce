/**
 * Read-only views of an image's files, for the steps that look into the image without running it
 * (COPY/ADD destinations, WORKDIR, `COPY --from`, RUN bind mounts): one layer is its own
 * directory; more are merged by a read-only overlay mount (lower dirs only). The one file of the
 * builder that mounts.
 */
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { BerthError, isErrno } from '../../base/errors.js';
import { MNT_DETACH, mount, umount2 } from '../../base/libc.js';
import { mountsUnder } from '../../base/mountinfo.js';

/** The kernel copies at most one page of mount options. */
const MAX_MOUNT_DATA = 4000;
const MS_RDONLY = 1;

export interface ImageView {
  /** The image's root as a directory: never written through. */
  readonly root: string;
  close(): Promise<void>;
}

/**
 * Opens a view of `layerDirs` (bottom first) at `mountPoint` (a fresh path); an image without
 * layers is an empty directory.
 */
export async function openImageView(layerDirs: readonly string[], mountPoint: string): Promise<ImageView> {
  if (layerDirs.length === 1) return { root: layerDirs[0]!, close: () => Promise.resolve() };
  await mkdir(mountPoint, { recursive: true });
  if (layerDirs.length === 0) return { root: mountPoint, close: () => rm(mountPoint, { recursive: true, force: true }) };
  mountOverlay(mountPoint, [...layerDirs].reverse());
  return {
    root: mountPoint,
    close: async () => {
      unmount(mountPoint);
      await rm(mountPoint, { recursive: true, force: true });
    },
  };
}

/**
 * A writable view whose changes land in `upper` and are thrown away with it (RUN
 * `--mount=type=bind,rw`): `lower` dirs top first.
 */
export async function openScratchView(lower: readonly string[], upper: string, work: string, mountPoint: string): Promise<ImageView> {
  await Promise.all([mkdir(upper, { recursive: true }), mkdir(work, { recursive: true }), mkdir(mountPoint, { recursive: true })]);
  const data = `lowerdir=${lower.join(':')},upperdir=${upper},workdir=${work}`;
  if (data.length > MAX_MOUNT_DATA) throw new BerthError('InvalidArgument', `the image has too many layers (${lower.length}) to mount`);
  mount('overlay', mountPoint, 'overlay', 0, data);
  return {
    root: mountPoint,
    close: async () => {
      unmount(mountPoint);
      await Promise.all([upper, work, mountPoint].map((p) => rm(p, { recursive: true, force: true })));
    },
  };
}

function mountOverlay(target: string, lowerTopFirst: string[]): void {
  const data = `lowerdir=${lowerTopFirst.join(':')}`;
  if (data.length > MAX_MOUNT_DATA) throw new BerthError('InvalidArgument', `the image has too many layers (${lowerTopFirst.length}) to mount`);
  mount('overlay', target, 'overlay', MS_RDONLY, data);
}

function unmount(target: string): void {
  try {
    umount2(target, MNT_DETACH);
  } catch (err) {
    if (!isErrno(err, 'EINVAL') && !isErrno(err, 'ENOENT')) throw err;
  }
}

/** Unmounts whatever a build that died left mounted below `dir` (deepest first). */
export function unmountAllUnder(dir: string): void {
  for (const m of mountsUnder(dir).sort((a, b) => b.length - a.length)) unmount(m);
}

/** A fresh mount point path below a build's scratch directory. */
export function viewPath(scratch: string, n: number): string {
  return join(scratch, `view-${n}`);
}

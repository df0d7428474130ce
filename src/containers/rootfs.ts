/**
 * A container's root filesystem: its image's layers as overlay lower dirs under its own upper
 * (writable) layer, mounted at `<dir>/merged` while it runs, and for a shareable IPC namespace
 * its /dev/shm at `<dir>/shm`. The only file here that mounts.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { BerthError, isErrno } from '../base/errors.js';
import { MNT_DETACH, MS_NODEV, MS_NOEXEC, MS_NOSUID, mountAsync, umount2Async } from '../base/libc.js';
import { otherFilesystemOn } from '../base/mountinfo.js';

/** The kernel copies at most one page of mount options. */
const MAX_MOUNT_DATA = 4000;

export interface RootfsPaths {
  upper: string;
  work: string;
  merged: string;
  /** Lower dir for an image without layers (overlay needs one). */
  empty: string;
  /**
   * Docker's init layer: mount points the runtime needs (/etc/hosts…) as empty files between the
   * image and the writable layer, so they never show up in `diff` or `commit`.
   */
  init: string;
  /** A shareable container's /dev/shm (a tmpfs of its own, which `--ipc container:` joiners bind). */
  shm: string;
}

export function rootfsPaths(containerDir: string): RootfsPaths {
  return { upper: join(containerDir, 'diff'), work: join(containerDir, 'work'), merged: join(containerDir, 'merged'), empty: join(containerDir, 'empty'), init: join(containerDir, 'init'), shm: join(containerDir, 'shm') };
}

const INIT_DIRS = ['etc', 'dev', 'proc', 'sys', 'dev/pts', 'dev/shm', 'dev/mqueue'];
const INIT_FILES = ['etc/hosts', 'etc/hostname', 'etc/resolv.conf', '.dockerenv'];

/** Whether the overlay is mounted (a mount table read costs O(running containers)). */
export const mounted = otherFilesystemOn;

export async function createRootfsDirs(p: RootfsPaths): Promise<void> {
  await Promise.all([p.upper, p.work, p.merged, p.empty, ...INIT_DIRS.map((d) => join(p.init, d))].map((d) => mkdir(d, { recursive: true, mode: 0o755 })));
  await Promise.all(INIT_FILES.map((f) => writeFile(join(p.init, f), '', { flag: 'a', mode: 0o644 })));
}

/** Mounts the overlay; `lowerDirs` bottom layer first (the image's order). Idempotent. */
export async function mountRootfs(p: RootfsPaths, lowerDirs: string[]): Promise<string> {
  if (await mounted(p.merged)) return p.merged;
  const lower = [p.init, ...(lowerDirs.length === 0 ? [p.empty] : [...lowerDirs].reverse())];
  const data = `lowerdir=${lower.join(':')},upperdir=${p.upper},workdir=${p.work}`;
  if (data.length > MAX_MOUNT_DATA) throw new BerthError('InvalidArgument', `the image has too many layers (${lowerDirs.length}) to mount`);
  await mountAsync('overlay', p.merged, 'overlay', 0, data);
  return p.merged;
}

export async function unmountRootfs(p: RootfsPaths): Promise<void> {
  // Detached: a process still holding a file open (a late `docker cp`) cannot keep it busy.
  // Joiners of a shareable IPC namespace keep its /dev/shm through their own bind mounts.
  // EINVAL: not a mount point (any more); ENOENT: never made.
  for (const target of [p.merged, p.shm]) {
    await umount2Async(target, MNT_DETACH).catch((err: unknown) => {
      if (!isErrno(err, 'EINVAL') && !isErrno(err, 'ENOENT')) throw err;
    });
  }
}

/** moby's setupIPCDirs for `--ipc shareable`: a tmpfs of `size` bytes. Idempotent. */
export async function mountShm(p: RootfsPaths, size: number): Promise<string> {
  await mkdir(p.shm, { recursive: true, mode: 0o700 });
  if (!(await mounted(p.shm))) await mountAsync('shm', p.shm, 'tmpfs', MS_NOSUID | MS_NODEV | MS_NOEXEC, `mode=1777,size=${size}`);
  return p.shm;
}

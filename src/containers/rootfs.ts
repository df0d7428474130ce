/**
 * A container's root filesystem: its image's layers as overlay lower dirs under its own upper
 * (writable) layer, mounted at `<dir>/merged` while it runs, and for a shareable IPC namespace
 * its /dev/shm at `<dir>/shm`. The only file here that mounts.
 */
import { closeSync, mkdirSync, openSync } from 'node:fs';
import { join } from 'node:path';
import { BerthError, isErrno } from '../base/errors.js';
import { MNT_DETACH, MS_NODEV, MS_NOEXEC, MS_NOSUID, mount, umount2 } from '../base/libc.js';
import { isMounted } from '../base/mountinfo.js';

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

export { isMounted };

export function createRootfsDirs(p: RootfsPaths): void {
  for (const d of [p.upper, p.work, p.merged, p.empty]) mkdirSync(d, { recursive: true, mode: 0o755 });
  for (const d of INIT_DIRS) mkdirSync(join(p.init, d), { recursive: true, mode: 0o755 });
  for (const f of INIT_FILES) closeSync(openSync(join(p.init, f), 'a', 0o644));
}

/** Mounts the overlay; `lowerDirs` bottom layer first (the image's order). Idempotent. */
export function mountRootfs(p: RootfsPaths, lowerDirs: string[]): string {
  if (isMounted(p.merged)) return p.merged;
  const lower = [p.init, ...(lowerDirs.length === 0 ? [p.empty] : [...lowerDirs].reverse())];
  const data = `lowerdir=${lower.join(':')},upperdir=${p.upper},workdir=${p.work}`;
  if (data.length > MAX_MOUNT_DATA) throw new BerthError('InvalidArgument', `the image has too many layers (${lowerDirs.length}) to mount`);
  mount('overlay', p.merged, 'overlay', 0, data);
  return p.merged;
}

export function unmountRootfs(p: RootfsPaths): void {
  // Detached: a process still holding a file open (a late `docker cp`) cannot keep it busy.
  // Joiners of a shareable IPC namespace keep its /dev/shm through their own bind mounts.
  for (const target of [p.merged, p.shm]) {
    try {
      if (isMounted(target)) umount2(target, MNT_DETACH);
    } catch (err) {
      if (!isErrno(err, 'EINVAL') && !isErrno(err, 'ENOENT')) throw err;
    }
  }
}

/** moby's setupIPCDirs for `--ipc shareable`: a tmpfs of `size` bytes. Idempotent. */
export function mountShm(p: RootfsPaths, size: number): string {
  mkdirSync(p.shm, { recursive: true, mode: 0o700 });
  if (!isMounted(p.shm)) mount('shm', p.shm, 'tmpfs', MS_NOSUID | MS_NODEV | MS_NOEXEC, `mode=1777,size=${size}`);
  return p.shm;
}

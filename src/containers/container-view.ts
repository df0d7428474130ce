/**
 * A private view of a container's filesystem for `docker cp` and the archive endpoints: its root
 * filesystem with its volumes and bind mounts at their destinations, as the container sees them
 * (moby's openContainerFS). Besides rootfs.ts, the only file here that mounts.
 *
 * The view is a bind of the mounted rootfs, made private before anything is mounted beneath it,
 * so nothing propagates to the container or the host; it lives in its own directory and is
 * detached (with all it holds) when the call ends, or at the next use after a crash.
 */
import { closeSync, constants, fstatSync, mkdirSync, openSync, readdirSync, rmdirSync, statSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { join } from 'node:path';
import { BerthError, isErrno } from '../base/errors.js';
import { MNT_DETACH, MS_BIND, MS_PRIVATE, MS_RDONLY, MS_REC, MS_REMOUNT, mount, umount2 } from '../base/libc.js';
import { resolveInRoot } from '../base/root-path.js';

/** One volume or bind in the view: a host directory (or file) at a path of the container. */
export interface ViewMount {
  source: string;
  destination: string;
  rw: boolean;
  recursive: boolean;
}

export class ContainerViews {
  private swept = false;

  /** `dir` holds the views (and nothing else: leftovers in it are detached and removed). */
  constructor(private readonly dir: string) {}

  /** Runs `fn` on a view of `rootfs` (a mounted root filesystem) with `mounts` in place. */
  async with<T>(rootfs: string, mounts: ViewMount[], fn: (root: string) => Promise<T>): Promise<T> {
    this.sweep();
    const view = await mkdtemp(join(this.dir, 'v'));
    let bound = false;
    try {
      mount(rootfs, view, null, MS_BIND | MS_REC);
      bound = true;
      mount('none', view, null, MS_PRIVATE | MS_REC);
      // Parents before children, as runc orders a container's mounts.
      for (const m of [...mounts].sort((a, b) => depth(a.destination) - depth(b.destination))) bindInto(view, m);
      return await fn(view);
    } finally {
      if (bound) umount2(view, MNT_DETACH);
      rmdirSync(view);
    }
  }

  /** Views a crashed berthd left behind. */
  private sweep(): void {
    if (this.swept) return;
    mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    for (const name of readdirSync(this.dir)) {
      try {
        umount2(join(this.dir, name), MNT_DETACH);
      } catch (err) {
        if (!isErrno(err, 'EINVAL') && !isErrno(err, 'ENOENT')) throw err;
      }
      // rmdir, never a recursive removal: a view still mounted must not lose its files.
      rmdirSync(join(this.dir, name));
    }
    this.swept = true;
  }
}

function depth(path: string): number {
  return path.split('/').filter(Boolean).length;
}

/** Linux's O_PATH (not in Node's fs.constants): a handle on a path, for *at and /proc/self/fd use. */
const O_PATH = 0o10000000;
const fdPath = (fd: number, name = ''): string => `/proc/self/fd/${fd}${name ? `/${name}` : ''}`;

/**
 * Mounts one source at its destination: resolved inside the view (a symlink in the image cannot
 * send the mount outside it), then reached again one component at a time without following any
 * symlink, and mounted through that handle (as runc mounts), so a running container swapping a
 * directory for a symlink meanwhile makes the mount fail rather than land on the host. A missing
 * destination is made, as moby does.
 */
function bindInto(view: string, m: ViewMount): void {
  const rel = resolveInRoot(view, m.destination).slice(view.length).split('/').filter(Boolean);
  const isDir = statSync(m.source).isDirectory();
  withHandle(view, rel, isDir, (target) => mount(m.source, target, null, MS_BIND | (m.recursive ? MS_REC : 0)));
  // Walked again, the same components now lead onto the new mount, which is what a remount needs.
  if (!m.rw) withHandle(view, rel, isDir, (target) => mount('none', target, null, MS_REMOUNT | MS_BIND | MS_RDONLY));
}

/** Calls `fn` with a /proc/self/fd path for `rel` under `root`, reached without following symlinks. */
function withHandle(root: string, rel: string[], isDir: boolean, fn: (target: string) => void): void {
  let fd = openSync(root, O_PATH | constants.O_DIRECTORY);
  try {
    for (const [i, name] of rel.entries()) {
      const next = openComponent(fd, name, i === rel.length - 1 && !isDir);
      closeSync(fd);
      fd = next;
    }
    // Only a race can leave a symlink here (resolveInRoot followed them all): never mount on one.
    if (fstatSync(fd).isSymbolicLink()) throw new BerthError('Conflict', `${rel.join('/')} changed while it was being mounted`);
    fn(fdPath(fd));
  } finally {
    closeSync(fd);
  }
}

/** Opens `name` in the directory `dir` (an O_PATH fd) without following it, creating it if missing. */
function openComponent(dir: number, name: string, file: boolean): number {
  const flags = O_PATH | constants.O_NOFOLLOW | (file ? 0 : constants.O_DIRECTORY);
  try {
    return openSync(fdPath(dir, name), flags);
  } catch (err) {
    if (!isErrno(err, 'ENOENT')) throw err;
  }
  if (file) closeSync(openSync(fdPath(dir, name), constants.O_CREAT | constants.O_EXCL | constants.O_WRONLY | constants.O_NOFOLLOW, 0o644));
  else mkdirSync(fdPath(dir, name), { mode: 0o755 });
  return openSync(fdPath(dir, name), flags);
}

/**
 * Applies tar entries to a directory tree with synchronous fs calls (one syscall each, no thread
 * pool hop per file). Runs inside the extraction worker; see `extract.ts`.
 */
import {
  closeSync, constants, fchmodSync, fchownSync, futimesSync, linkSync, lchownSync, chmodSync, lstatSync,
  lutimesSync, mkdirSync, openSync, readdirSync, renameSync, rmSync, symlinkSync, unlinkSync, writeSync,
} from 'node:fs';
import { dirname } from 'node:path';
import { invalidArgument, isErrno } from '../errors.js';
import { lsetxattr, mknod, S_IFBLK, S_IFCHR, S_IFIFO } from '../libc.js';
import { cleanName, RootResolver } from './paths.js';

/** How `.wh.` markers are applied; see docs/oci-and-storage.md "Layer tar format and whiteouts". */
export type WhiteoutMode = 'overlay' | 'plain' | 'keep';

/** How a {@link TreeWriter} treats whiteouts, device nodes and ownership. */
export interface TreeWriterOptions {
  whiteouts: WhiteoutMode;
  allowDevices: boolean;
  sameOwner: boolean;
  /** Where replaced files that a tar split still needs are moved (same filesystem as the root). */
  stashDir?: string;
}

/** The entry types a layer may contain. */
export type EntryType = 'file' | 'directory' | 'symlink' | 'link' | 'character-device' | 'block-device' | 'fifo';

/** One archive entry, already decoded (PAX overrides applied). */
export interface Entry {
  name: string;
  type: EntryType;
  linkname: string;
  mode: number;
  uid: number;
  gid: number;
  /** Seconds since the epoch, fractional when PAX gave more precision. */
  mtime: number;
  devmajor: number;
  devminor: number;
  xattrs: ReadonlyMap<string, Buffer> | undefined;
}

/** Receives a regular file's data; `end()` applies its metadata and closes it. */
export interface FileSink {
  write(chunk: Uint8Array): void;
  end(): void;
}

const WH = '.wh.';
const OPAQUE = '.wh..wh..opq';
const OPAQUE_XATTR = 'trusted.overlay.opaque';
const CREATE_FLAGS = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW;

/**
 * Writes one archive's entries below `root`, in archive order, then `finish()` once (or `close()`
 * after a failure). Single use; synchronous; never writes outside `root` (see `RootResolver`).
 */
export class TreeWriter {
  private readonly resolver: RootResolver;
  /** Directory mode and mtime are applied last: creating children would change the mtime. */
  private readonly deferred = new Map<string, { mode: number; mtime: number }>();
  /** Real paths this archive wrote, with their ancestors: whiteouts never hide them. */
  private readonly written = new Set<string>();
  /** Overlay whiteout devices made by this archive; a directory replacing one must be opaque. */
  private readonly whiteoutsMade = new Set<string>();
  private openFd: number | undefined;
  /** Files holding payload a tar split refers to; replacing one moves it to `stashDir`. */
  private readonly tracked = new Set<string>();
  private stashed = 0;
  /** The real path of the last regular file created (where its payload landed). */
  lastFilePath = '';
  /** Called when a tracked file (or a directory holding some) is moved into the stash. */
  onMoved: ((from: string, to: string) => void) | undefined;

  constructor(
    readonly root: string,
    private readonly opts: TreeWriterOptions,
  ) {
    this.resolver = new RootResolver(root);
  }

  /** Applies one entry; returns a sink when the entry carries file data to be written. */
  add(e: Entry): FileSink | undefined {
    const parts = cleanName(e.name);
    const base = parts[parts.length - 1];
    if (base === undefined) return this.addRoot(e);
    if (this.opts.whiteouts !== 'keep' && base.startsWith(WH)) {
      this.whiteout(e.name, parts, base);
      return undefined;
    }
    const path = this.resolver.parentOf(parts, e.name, true) + '/' + base;
    if (this.opts.whiteouts !== 'keep') this.markWritten(path);
    switch (e.type) {
      case 'file':
        return this.file(path, e);
      case 'directory':
        return this.directory(path, e);
      case 'symlink':
        if (e.linkname === '') throw invalidArgument(`archive entry "${e.name}": symlink without a target`);
        this.create(path, () => symlinkSync(e.linkname, path));
        break;
      case 'link':
        this.hardlink(path, e);
        return undefined;
      case 'fifo':
        this.create(path, () => mknod(path, S_IFIFO | 0o600));
        break;
      case 'character-device':
      case 'block-device':
        if (!this.opts.allowDevices) throw invalidArgument(`archive entry "${e.name}": device nodes are not allowed here`);
        this.create(path, () => mknod(path, (e.type === 'block-device' ? S_IFBLK : S_IFCHR) | 0o600, e.devmajor, e.devminor));
        break;
    }
    if (this.opts.sameOwner) lchownSync(path, e.uid, e.gid);
    this.xattrs(path, e.xattrs);
    // Linux has no lchmod: a symlink's mode is always 0777.
    if (e.type !== 'symlink') chmodSync(path, e.mode);
    lutimesSync(path, e.mtime, e.mtime);
    return undefined;
  }

  /** Applies deferred directory metadata. Call once, after the last entry. */
  finish(): void {
    // Deepest first, so that a parent's final mode cannot stop us from reaching its children.
    for (const [path, { mode, mtime }] of [...this.deferred].reverse()) {
      chmodSync(path, mode);
      lutimesSync(path, mtime, mtime);
    }
    this.deferred.clear();
  }

  /** Releases a file left open by a failed or aborted extraction. */
  close(): void {
    if (this.openFd !== undefined) closeSync(this.openFd);
    this.openFd = undefined;
  }

  private addRoot(e: Entry): undefined {
    if (e.type !== 'directory') throw invalidArgument(`archive entry "${e.name}" would replace the target directory`);
    if (this.opts.sameOwner) lchownSync(this.root, e.uid, e.gid);
    this.xattrs(this.root, e.xattrs);
    this.deferred.set(this.root, { mode: e.mode, mtime: e.mtime });
    return undefined;
  }

  /** Keeps the file at `path` recoverable: if a later entry replaces it, it is stashed, not deleted. */
  track(path: string): void {
    this.tracked.add(path);
  }

  private file(path: string, e: Entry): FileSink {
    this.lastFilePath = path;
    this.create(path, () => {
      this.openFd = openSync(path, CREATE_FLAGS, 0o600);
    });
    const fd = this.openFd!;
    return {
      write: (chunk) => {
        for (let off = 0; off < chunk.byteLength; ) off += writeSync(fd, chunk, off);
      },
      end: () => {
        // Order matters: writing and chown both clear setuid bits and file capabilities.
        if (this.opts.sameOwner) fchownSync(fd, e.uid, e.gid);
        this.xattrs(path, e.xattrs);
        fchmodSync(fd, e.mode);
        futimesSync(fd, e.mtime, e.mtime);
        this.openFd = undefined;
        closeSync(fd);
      },
    };
  }

  private directory(path: string, e: Entry): undefined {
    try {
      mkdirSync(path, 0o700);
    } catch (err) {
      if (!isErrno(err, 'EEXIST')) throw err;
      if (!lstatSync(path).isDirectory()) this.create(path, () => mkdirSync(path, 0o700));
    }
    if (this.opts.whiteouts === 'overlay' && this.whiteoutsMade.delete(path)) lsetxattr(path, OPAQUE_XATTR, 'y');
    if (this.opts.sameOwner) lchownSync(path, e.uid, e.gid);
    this.xattrs(path, e.xattrs);
    this.deferred.set(path, { mode: e.mode, mtime: e.mtime });
    return undefined;
  }

  private hardlink(path: string, e: Entry): void {
    let parts: string[];
    try {
      parts = cleanName(e.linkname);
    } catch (err) {
      throw invalidArgument(`archive entry "${e.name}": hard link target "${e.linkname}" escapes the target directory`, err);
    }
    const base = parts[parts.length - 1];
    let target: string | undefined;
    try {
      if (base !== undefined) target = this.resolver.parentOf(parts, e.linkname, false) + '/' + base;
      if (target !== undefined && lstatSync(target).isDirectory()) target = undefined;
    } catch (err) {
      if (!isErrno(err, 'ENOENT') && !isErrno(err, 'ENOTDIR')) throw err;
      target = undefined;
    }
    if (target === undefined) {
      throw invalidArgument(`archive entry "${e.name}": hard link target "${e.linkname}" is missing or a directory`);
    }
    if (target === path) return;
    // link(2) does not follow a symlink target on Linux: the link shares the symlink's inode.
    this.create(path, () => linkSync(target, path));
  }

  /** Runs `make`; if something is already at `path`, removes it (never following it) and retries. */
  private create(path: string, make: () => void): void {
    try {
      make();
    } catch (err) {
      if (!isErrno(err, 'EEXIST')) throw err;
      this.remove(path);
      make();
    }
  }

  private remove(path: string): void {
    const st = lstatSync(path, { throwIfNoEntry: false });
    if (st === undefined) return;
    if (this.opts.stashDir !== undefined && this.holdsTracked(path, st.isDirectory())) {
      mkdirSync(this.opts.stashDir, { recursive: true, mode: 0o700 });
      const to = `${this.opts.stashDir}/${this.stashed++}`;
      renameSync(path, to);
      for (const t of [...this.tracked]) {
        if (t === path || t.startsWith(path + '/')) {
          this.tracked.delete(t);
          this.tracked.add(to + t.slice(path.length));
        }
      }
      this.onMoved?.(path, to);
      if (st.isDirectory()) {
        for (const key of this.deferred.keys()) if (key === path || key.startsWith(path + '/')) this.deferred.delete(key);
        this.resolver.invalidate();
      }
      return;
    }
    if (st.isDirectory()) {
      rmSync(path, { recursive: true, force: true });
      for (const key of this.deferred.keys()) if (key === path || key.startsWith(path + '/')) this.deferred.delete(key);
    } else {
      unlinkSync(path);
    }
    if (st.isDirectory() || st.isSymbolicLink()) this.resolver.invalidate();
  }

  private holdsTracked(path: string, isDir: boolean): boolean {
    if (!isDir) return this.tracked.has(path);
    for (const t of this.tracked) if (t.startsWith(path + '/')) return true;
    return false;
  }

  private markWritten(path: string): void {
    this.written.add(path);
    for (let dir = dirname(path); dir.length > this.root.length && !this.written.has(dir); dir = dirname(dir)) {
      this.written.add(dir);
    }
  }

  private whiteout(name: string, parts: string[], base: string): void {
    const dir = this.resolver.parentOf(parts, name, true);
    if (dir !== this.root) this.markWritten(dir);
    if (base === OPAQUE) {
      if (this.opts.whiteouts === 'overlay') lsetxattr(dir, OPAQUE_XATTR, 'y');
      else this.prune(dir);
      return;
    }
    if (base.startsWith(WH + WH)) return; // aufs bookkeeping (.wh..wh.plnk etc.), never content
    const victim = base.slice(WH.length);
    if (victim === '' || victim === '.' || victim === '..') throw invalidArgument(`archive entry "${name}": invalid whiteout`);
    const path = dir + '/' + victim;
    if (this.written.has(path)) {
      // A whiteout hides lower layers only; an entry of this archive at that path stays, but a
      // directory must no longer merge with what lies below it.
      if (lstatSync(path, { throwIfNoEntry: false })?.isDirectory() !== true) return;
      if (this.opts.whiteouts === 'overlay') lsetxattr(path, OPAQUE_XATTR, 'y');
      else this.prune(path);
      return;
    }
    this.remove(path);
    if (this.opts.whiteouts === 'overlay') {
      mknod(path, S_IFCHR, 0, 0);
      this.whiteoutsMade.add(path);
    }
  }

  /** Plain-mode opaque directory: removes everything below `dir` that this archive did not write. */
  private prune(dir: string): void {
    for (const child of readdirSync(dir, { withFileTypes: true })) {
      const path = dir + '/' + child.name;
      if (!this.written.has(path)) this.remove(path);
      else if (child.isDirectory()) this.prune(path);
    }
  }

  private xattrs(path: string, xattrs: ReadonlyMap<string, Buffer> | undefined): void {
    if (xattrs === undefined) return;
    for (const [key, value] of xattrs) {
      // Overlay's own metadata would let a layer forge redirects and opaque markers.
      if (key.startsWith('trusted.overlay.')) continue;
      try {
        lsetxattr(path, key, value);
      } catch (err) {
        if (!isErrno(err, 'ENOTSUP') && !isErrno(err, 'EOPNOTSUPP')) throw err;
      }
    }
  }
}

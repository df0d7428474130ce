/**
 * Thin libc bindings (through koffi, a prebuilt FFI) for the few syscalls Node lacks: device nodes,
 * xattrs that must not follow symlinks, flock, mount, sendfile, netlink sockets, namespaces. Every function is synchronous, like
 * the syscall it wraps (sendfile aside: it runs on libuv's threadpool); call them from a worker or for short operations only.
 *
 * Failures throw an `Error` shaped like Node's own system errors (`code` = errno name as Node spells
 * it, `errno` negative, `syscall`, `path`), so `isErrno(err, 'ENOENT')` works on both.
 */
import { createRequire } from 'node:module';
import { getSystemErrorName } from 'node:util';

type Koffi = typeof import('koffi');

type Fn = (...args: unknown[]) => number | bigint;

interface Libc {
  koffi: Koffi;
  lib: ReturnType<Koffi['load']>;
  mknod(path: string, mode: number, dev: bigint): number;
  lsetxattr: Fn;
  lgetxattr: Fn;
  llistxattr: Fn;
  lremovexattr: Fn;
  flock: Fn;
  mount: AsyncFn;
  umount2: AsyncFn;
  sendfile: AsyncFn;
  socket: Fn;
  send: AsyncFn;
  recv: Fn;
  sendto: Fn;
  close: Fn;
  unshare: Fn;
  setns: Fn;
}

/** A koffi function with its threadpool form: the call runs on a libuv worker, the callback on the loop. */
export interface AsyncFn extends Fn {
  async(...args: unknown[]): void;
}

let libc: Libc | undefined;

/**
 * koffi's native module, required by its path. The package's entry (index.js) first loads the
 * build tools koffi installs with, whose top-level requires of node:https and node:zlib load TLS:
 * 1.2 MB of a fresh daemon's RSS (measured side by side), in a daemon that never speaks TLS. The entry does nothing else a caller here needs
 * (it finds the same file and checks its version), so it is only the fallback, for a platform
 * whose build this path does not name (koffi names its builds `<platform>_<arch>` as Node does,
 * musl and armhf aside) or a layout a later koffi changes.
 */
function loadKoffi(): Koffi {
  const require = createRequire(import.meta.url);
  try {
    const native = require(`koffi/build/koffi/${process.platform}_${process.arch}/koffi.node`) as Koffi & { version?: string };
    if (native.version === (require('koffi/package.json') as { version: string }).version) return native;
  } catch {
    // Not this layout or not this libc: the package's own search below.
  }
  return require('koffi') as Koffi;
}

/**
 * koffi and libc are loaded on first use: importing this module then costs nothing where it is
 * never called (koffi alone adds ~20 ms to each tar worker's start).
 */
function load(): Libc {
  if (libc !== undefined) return libc;
  const koffi = loadKoffi();
  const lib = koffi.load('libc.so.6');
  let mknod: Libc['mknod'];
  try {
    const fn = lib.func('int mknod(const char *path, uint32_t mode, uint64_t dev)');
    mknod = (path, mode, dev) => fn(path, mode, dev) as number;
  } catch {
    // glibc < 2.33 only exports the versioned wrapper; _MKNOD_VER is 0 on x86_64 and aarch64.
    const fn = lib.func('int __xmknod(int ver, const char *path, uint32_t mode, uint64_t *dev)');
    mknod = (path, mode, dev) => fn(0, path, mode, [dev]) as number;
  }
  libc = {
    koffi,
    lib,
    mknod,
    lsetxattr: lib.func('int lsetxattr(const char *path, const char *name, const void *value, size_t size, int flags)'),
    lgetxattr: lib.func('intptr_t lgetxattr(const char *path, const char *name, _Out_ void *value, size_t size)'),
    llistxattr: lib.func('intptr_t llistxattr(const char *path, _Out_ void *list, size_t size)'),
    lremovexattr: lib.func('int lremovexattr(const char *path, const char *name)'),
    flock: lib.func('int flock(int fd, int op)'),
    mount: lib.func('int mount(const char *source, const char *target, const char *fstype, unsigned long flags, const char *data)') as AsyncFn,
    umount2: lib.func('int umount2(const char *target, int flags)') as AsyncFn,
    sendfile: lib.func('intptr_t sendfile(int out_fd, int in_fd, _Inout_ int64_t *offset, size_t count)') as AsyncFn,
    socket: lib.func('int socket(int domain, int type, int protocol)'),
    send: lib.func('intptr_t send(int fd, const void *buf, size_t len, int flags)') as AsyncFn,
    recv: lib.func('intptr_t recv(int fd, _Out_ void *buf, size_t len, int flags)'),
    sendto: lib.func('intptr_t sendto(int fd, const void *buf, size_t len, int flags, const void *addr, uint32_t addrlen)'),
    close: lib.func('int close(int fd)'),
    unshare: lib.func('int unshare(int flags)'),
    setns: lib.func('int setns(int fd, int nstype)'),
  };
  return libc;
}

/** koffi saves errno right after each call, before any JS can clobber it. */
function fail(syscall: string, path?: string): never {
  throw systemError(load().koffi.errno(), syscall, path);
}

/**
 * An `Error` shaped like Node's system errors for a positive `errno` (`code` as Node spells it,
 * negative `errno`, `syscall`, `path`): what the wrappers here throw, and what a protocol that
 * reports errno values itself (netlink acks) throws too.
 */
export function systemError(errno: number, syscall: string, path?: string): NodeJS.ErrnoException {
  let code: string;
  try {
    code = getSystemErrorName(-errno);
  } catch {
    code = `E${errno}`;
  }
  const err = new Error(`${code}: ${syscall}${path === undefined ? '' : ` '${path}'`}`) as NodeJS.ErrnoException;
  err.code = code;
  err.errno = -errno;
  err.syscall = syscall;
  if (path !== undefined) err.path = path;
  return err;
}

/** Another libc function, declared in koffi's C-like syntax by the module that uses it. */
export function libcFunction(declaration: string): AsyncFn {
  return load().lib.func(declaration) as AsyncFn;
}

/** A syscall's result, or (negative) the thread's errno thrown as a system error. */
export function check(result: number | bigint, syscall: string, path?: string): number {
  const n = Number(result);
  if (n < 0) fail(syscall, path);
  return n;
}

/** File type bits for `mknod`'s mode. */
export const S_IFIFO = 0o010000;
export const S_IFCHR = 0o020000;
export const S_IFBLK = 0o060000;

/** `flock` operations. */
export const LOCK_SH = 1;
export const LOCK_EX = 2;
export const LOCK_NB = 4;
export const LOCK_UN = 8;

/** `lsetxattr` flags. */
export const XATTR_CREATE = 1;
export const XATTR_REPLACE = 2;

/** `mount` flags. */
export const MS_RDONLY = 1;
export const MS_NOSUID = 2;
export const MS_NODEV = 4;
export const MS_NOEXEC = 8;
export const MS_REMOUNT = 32;
export const MS_BIND = 4096;
export const MS_REC = 16384;
export const MS_PRIVATE = 1 << 18;

/** `umount2` flags. */
export const MNT_FORCE = 1;
export const MNT_DETACH = 2;

/** Encodes a device number exactly as glibc's `makedev` does (12+20 bit major, 20+12 bit minor). */
export function makedev(major: number, minor: number): bigint {
  const ma = BigInt(major >>> 0);
  const mi = BigInt(minor >>> 0);
  return ((ma & 0xfffn) << 8n) | ((ma & 0xfffff000n) << 32n) | (mi & 0xffn) | ((mi & 0xffffff00n) << 12n);
}

/**
 * Creates a filesystem node. `mode` carries the type (`S_IFCHR`, `S_IFBLK`, `S_IFIFO`) and the
 * permission bits (the umask applies, as with the syscall). Devices need CAP_MKNOD.
 */
export function mknod(path: string, mode: number, major = 0, minor = 0): void {
  check(load().mknod(path, mode, makedev(major, minor)), 'mknod', path);
}

/** Sets an extended attribute on `path` itself, never on a symlink's target. */
export function lsetxattr(path: string, name: string, value: Uint8Array | string, flags = 0): void {
  const buf = typeof value === 'string' ? Buffer.from(value) : value;
  check(load().lsetxattr(path, name, buf, buf.byteLength, flags), 'lsetxattr', path);
}

/** Reads an extended attribute of `path` itself; `undefined` when it is not set (ENODATA). */
export function lgetxattr(path: string, name: string): Buffer | undefined {
  const c = load();
  const { errno, os } = c.koffi;
  // The value may grow between the size query and the read; ERANGE means ask again.
  for (let attempt = 0; attempt < 8; attempt++) {
    const size = Number(c.lgetxattr(path, name, null, 0));
    if (size < 0) {
      if (errno() === os.errno.ENODATA) return undefined;
      fail('lgetxattr', path);
    }
    const buf = Buffer.alloc(size);
    if (size === 0) return buf;
    const n = Number(c.lgetxattr(path, name, buf, size));
    if (n >= 0) return buf.subarray(0, n);
    if (errno() === os.errno.ENODATA) return undefined;
    if (errno() !== os.errno.ERANGE) fail('lgetxattr', path);
  }
  return fail('lgetxattr', path);
}

/** Lists the extended attribute names of `path` itself. */
export function llistxattr(path: string): string[] {
  const c = load();
  const { errno, os } = c.koffi;
  for (let attempt = 0; attempt < 8; attempt++) {
    const size = check(c.llistxattr(path, null, 0), 'llistxattr', path);
    if (size === 0) return [];
    const buf = Buffer.alloc(size);
    const n = Number(c.llistxattr(path, buf, size));
    if (n >= 0) return buf.toString('utf8', 0, n).split('\0').filter((s) => s !== '');
    if (errno() !== os.errno.ERANGE) fail('llistxattr', path);
  }
  return fail('llistxattr', path);
}

/** Removes an extended attribute of `path` itself; one that is not set is no error. */
export function lremovexattr(path: string, name: string): void {
  const c = load();
  if (c.lremovexattr(path, name) < 0 && c.koffi.errno() !== c.koffi.os.errno.ENODATA) fail('lremovexattr', path);
}

/**
 * BSD lock on an open file descriptor (`LOCK_EX | LOCK_NB` etc.). With `LOCK_NB` a held lock throws
 * with code `EAGAIN` (EWOULDBLOCK); without it the calling thread blocks until the lock is free.
 */
export function flock(fd: number, op: number): void {
  check(load().flock(fd, op), 'flock');
}

/** mount(2). `flags` are the MS_* bits; `data` is the fs-specific option string. */
export function mount(source: string, target: string, fstype: string | null, flags = 0, data: string | null = null): void {
  check(load().mount(source, target, fstype, flags, data), 'mount', target);
}

/** umount2(2) with `MNT_DETACH` / `MNT_FORCE` flags. */
export function umount2(target: string, flags = 0): void {
  check(load().umount2(target, flags), 'umount2', target);
}

/**
 * `fn` on libuv's threadpool, so a slow mount (overlay with many layers, a busy superblock) does
 * not hold the event loop. errno does not cross threads: a failure is repeated on this thread
 * by `again`, which throws with it (repeating a failed mount or unmount changes nothing).
 */
function onThreadpool(fn: AsyncFn, args: unknown[], again: () => void): Promise<void> {
  return new Promise((resolve, reject) => {
    fn.async(...args, (err: unknown, n: number) => {
      if (err) return reject(err as Error);
      if (n >= 0) return resolve();
      try {
        again();
        resolve();
      } catch (e) {
        reject(e as Error);
      }
    });
  });
}

export function mountAsync(source: string, target: string, fstype: string | null, flags = 0, data: string | null = null): Promise<void> {
  return onThreadpool(load().mount, [source, target, fstype, flags, data], () => mount(source, target, fstype, flags, data));
}

export function umount2Async(target: string, flags = 0): Promise<void> {
  return onThreadpool(load().umount2, [target, flags], () => umount2(target, flags));
}

/**
 * sendfile(2) on libuv's threadpool (the kernel's side of a send, loopback delivery included,
 * then runs on several cores): up to `count` bytes of `inFd` from `offset` go to the
 * non-blocking socket `outFd` without passing through user space. Resolves with the bytes sent
 * (0 at end of file), or -1 when nothing was sent: the socket is full (EAGAIN) or broken; errno
 * is not kept across threads, so the caller tells them apart with an ordinary write.
 */
export function sendfile(outFd: number, inFd: number, offset: number, count: number): Promise<number> {
  const c = load();
  return new Promise((resolve, reject) => {
    c.sendfile.async(outFd, inFd, [BigInt(offset)], count, (err: unknown, n: number | bigint) => (err ? reject(err as Error) : resolve(Math.max(-1, Number(n)))));
  });
}

/** `unshare`/`setns` namespace type. */
export const CLONE_NEWNET = 0x40000000;

/** socket(2); `type` may carry SOCK_CLOEXEC / SOCK_NONBLOCK. Returns the descriptor. */
export function socket(domain: number, type: number, protocol: number): number {
  return check(load().socket(domain, type, protocol), 'socket');
}

/** send(2) of a whole datagram; returns the bytes sent. */
export function send(fd: number, buf: Uint8Array, flags = 0): number {
  return check(load().send(fd, buf, buf.byteLength, flags), 'send');
}

/** sendto(2) with the socket address already encoded (`struct sockaddr_*` bytes). */
export function sendto(fd: number, buf: Uint8Array, addr: Uint8Array, flags = 0): number {
  return check(load().sendto(fd, buf, buf.byteLength, flags, addr, addr.byteLength), 'sendto');
}

/**
 * send(2) on libuv's threadpool: for a netlink request whose handling in the kernel, which runs
 * inside the send, takes long (deleting an interface waits for RCU grace periods). Resolves
 * with the bytes sent, or -1 (errno is not kept across threads).
 */
export function sendAsync(fd: number, buf: Uint8Array, flags = 0): Promise<number> {
  const c = load();
  return new Promise((resolve, reject) => {
    c.send.async(fd, buf, buf.byteLength, flags, (err: unknown, n: number | bigint) => (err ? reject(err as Error) : resolve(Number(n))));
  });
}

/** recv(2) into `buf`; returns the bytes received (a datagram socket: one message). */
export function recv(fd: number, buf: Uint8Array, flags = 0): number {
  return check(load().recv(fd, buf, buf.byteLength, flags), 'recv');
}

/** close(2) of a descriptor that Node does not own (a socket from {@link socket}). */
export function closeFd(fd: number): void {
  check(load().close(fd), 'close');
}

/** unshare(2): the calling *thread* leaves the namespaces in `flags` for new ones. */
export function unshare(flags: number): void {
  check(load().unshare(flags), 'unshare');
}

/** setns(2): the calling *thread* joins the namespace `fd` refers to. */
export function setns(fd: number, nstype: number): void {
  check(load().setns(fd, nstype), 'setns');
}

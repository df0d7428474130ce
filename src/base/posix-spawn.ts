/**
 * Starting a program without a fork(2) of berthd. Node's child_process forks: the kernel copies the
 * page tables of a ~100 MB daemon and the event loop waits until the child has exec'd, ~6 ms on a
 * quiet machine and over 20 ms when the cores are busy (measured with starts 6 at a time). glibc's
 * posix_spawn shares the parent's memory until the exec (CLONE_VM | CLONE_VFORK), and it runs on
 * libuv's threadpool here, so the loop does not wait at all.
 *
 * The child gets what child_process would give a detached child: a session of its own, default
 * signal dispositions, an empty signal mask, and for stdio either /dev/null or one end of a
 * socket pair (libuv's "pipe"). Its exit is reaped here, on SIGCHLD.
 */
import { Socket } from 'node:net';
import { constants as osConstants } from 'node:os';
import { BerthError } from './errors.js';
import { check, closeFd, libcFunction, systemError, type AsyncFn } from './libc.js';

export type SpawnStdio = 'ignore' | 'pipe';

export interface SpawnOptions {
  cwd: string;
  env: NodeJS.ProcessEnv;
  /** Descriptor i of the child; the rest are closed. */
  stdio: SpawnStdio[];
}

export interface SpawnedProcess {
  pid: number;
  /** Berthd's end of each `pipe` (null for `ignore`). */
  stdio: (Socket | null)[];
  /** Its exit status: the code, or the signal that ended it. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Signals it while it is not reaped: its PID cannot belong to another process meanwhile. */
  kill(signal: NodeJS.Signals): void;
}

const AF_UNIX = 1;
const SOCK_STREAM = 1;
const SOCK_CLOEXEC = 0o2000000;
const O_RDWR = 2;
const WNOHANG = 1;
const POSIX_SPAWN_SETSIGDEF = 0x04;
const POSIX_SPAWN_SETSIGMASK = 0x08;
const POSIX_SPAWN_SETSID = 0x80;
/** glibc's posix_spawn_file_actions_t is 80 bytes and posix_spawnattr_t 336, sigset_t 128. */
const OPAQUE = 512;

interface SpawnFns {
  spawn: AsyncFn;
  faInit: AsyncFn;
  faDestroy: AsyncFn;
  addDup2: AsyncFn;
  addOpen: AsyncFn;
  addChdir: AsyncFn;
  addClosefrom: AsyncFn;
  attrInit: AsyncFn;
  attrDestroy: AsyncFn;
  setFlags: AsyncFn;
  setSigmask: AsyncFn;
  setSigdefault: AsyncFn;
  socketpair: AsyncFn;
  waitpid: AsyncFn;
}

let fns: SpawnFns | undefined;

function load(): SpawnFns {
  fns ??= {
    spawn: libcFunction('int posix_spawn(int32_t *pid, const char *path, void *fa, void *attr, const char **argv, const char **envp)'),
    faInit: libcFunction('int posix_spawn_file_actions_init(void *fa)'),
    faDestroy: libcFunction('int posix_spawn_file_actions_destroy(void *fa)'),
    addDup2: libcFunction('int posix_spawn_file_actions_adddup2(void *fa, int fd, int newfd)'),
    addOpen: libcFunction('int posix_spawn_file_actions_addopen(void *fa, int fd, const char *path, int oflag, uint32_t mode)'),
    addChdir: libcFunction('int posix_spawn_file_actions_addchdir_np(void *fa, const char *path)'),
    addClosefrom: libcFunction('int posix_spawn_file_actions_addclosefrom_np(void *fa, int from)'),
    attrInit: libcFunction('int posix_spawnattr_init(void *attr)'),
    attrDestroy: libcFunction('int posix_spawnattr_destroy(void *attr)'),
    setFlags: libcFunction('int posix_spawnattr_setflags(void *attr, short flags)'),
    setSigmask: libcFunction('int posix_spawnattr_setsigmask(void *attr, const void *set)'),
    setSigdefault: libcFunction('int posix_spawnattr_setsigdefault(void *attr, const void *set)'),
    socketpair: libcFunction('int socketpair(int domain, int type, int protocol, int32_t *fds)'),
    waitpid: libcFunction('int waitpid(int pid, int32_t *status, int options)'),
  };
  return fns;
}

/** posix_spawn's helpers return an error number rather than setting errno. */
function ok(n: number | bigint, what: string): void {
  if (Number(n) !== 0) throw new BerthError('Internal', `${what}: error ${Number(n)}`);
}

function fileActions(f: SpawnFns, opts: SpawnOptions, childEnds: (number | undefined)[]): Buffer {
  const fa = Buffer.alloc(OPAQUE);
  ok(f.faInit(fa), 'posix_spawn_file_actions_init');
  opts.stdio.forEach((kind, fd) => {
    if (kind === 'ignore') ok(f.addOpen(fa, fd, '/dev/null', O_RDWR, 0), 'posix_spawn_file_actions_addopen');
    else ok(f.addDup2(fa, childEnds[fd]!, fd), 'posix_spawn_file_actions_adddup2');
  });
  ok(f.addChdir(fa, opts.cwd), 'posix_spawn_file_actions_addchdir_np');
  // Berthd opens everything close-on-exec; this makes sure of it.
  ok(f.addClosefrom(fa, opts.stdio.length), 'posix_spawn_file_actions_addclosefrom_np');
  return fa;
}

function attributes(f: SpawnFns): Buffer {
  const attr = Buffer.alloc(OPAQUE);
  ok(f.attrInit(attr), 'posix_spawnattr_init');
  // Every signal, glibc's internal two (32, 33) included: its sigfillset leaves those out, and the
  // child would then start with them ignored. libuv's children start with all at their default.
  ok(f.setSigdefault(attr, Buffer.alloc(OPAQUE, 0xff)), 'posix_spawnattr_setsigdefault');
  ok(f.setSigmask(attr, Buffer.alloc(OPAQUE)), 'posix_spawnattr_setsigmask');
  ok(f.setFlags(attr, POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSID), 'posix_spawnattr_setflags');
  return attr;
}

/** Children not yet reaped, by PID. */
const unreaped = new Map<number, (status: number) => void>();

function reap(): void {
  const f = load();
  const status = new Int32Array(1);
  for (const [pid, done] of unreaped) {
    if (Number(f.waitpid(pid, status, WNOHANG)) !== pid) continue;
    unreaped.delete(pid);
    done(status[0]!);
  }
  if (unreaped.size === 0) process.off('SIGCHLD', reap);
}

function whenReaped(pid: number): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  return new Promise((resolve) => {
    if (unreaped.size === 0) process.on('SIGCHLD', reap);
    unreaped.set(pid, (status) => {
      const signal = status & 0x7f;
      resolve(signal === 0 ? { code: (status >> 8) & 0xff, signal: null } : { code: null, signal: signalName(signal) });
    });
    // It may have ended before the listener was there.
    reap();
  });
}

function signalName(n: number): NodeJS.Signals {
  return (Object.entries(osConstants.signals).find(([, num]) => num === n)?.[0] ?? 'SIGKILL') as NodeJS.Signals;
}

function socketPair(f: SpawnFns): [number, number] {
  const fds = new Int32Array(2);
  check(f.socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds), 'socketpair');
  return [fds[0]!, fds[1]!];
}

/** Starts `path` with `args` (argv[0] is `path`), detached in a session of its own. */
export async function spawnDetached(path: string, args: string[], opts: SpawnOptions): Promise<SpawnedProcess> {
  const f = load();
  const pairs = opts.stdio.map((kind) => (kind === 'pipe' ? socketPair(f) : undefined));
  const childEnds = pairs.map((p) => p?.[1]);
  const closeChildEnds = (): void => childEnds.forEach((fd) => fd !== undefined && closeFd(fd));
  // A child end on a low number would be overwritten by the dup2 of another; Node holds 0–8 for good.
  if (childEnds.some((fd) => fd !== undefined && fd < opts.stdio.length)) {
    closeChildEnds();
    pairs.forEach((p) => p && closeFd(p[0]));
    throw new BerthError('Internal', 'spawn: a socket pair landed on a stdio descriptor');
  }
  const fa = fileActions(f, opts, childEnds);
  const attr = attributes(f);
  const envp = [...Object.entries(opts.env).filter((e): e is [string, string] => e[1] !== undefined).map(([k, v]) => `${k}=${v}`), null];
  const pid = new Int32Array(1);
  try {
    const err = await new Promise<number>((resolve, reject) => {
      f.spawn.async(pid, path, fa, attr, [path, ...args, null], envp, (e: unknown, n: number) => (e ? reject(e as Error) : resolve(n)));
    });
    if (err !== 0) {
      pairs.forEach((p) => p && closeFd(p[0]));
      throw systemError(err, 'posix_spawn', path);
    }
  } finally {
    f.faDestroy(fa);
    f.attrDestroy(attr);
    closeChildEnds();
  }
  return {
    pid: pid[0]!,
    stdio: pairs.map((p) => (p ? new Socket({ fd: p[0], readable: true, writable: true }) : null)),
    exited: whenReaped(pid[0]!),
    kill: (signal) => {
      if (unreaped.has(pid[0]!)) process.kill(pid[0]!, signal);
    },
  };
}

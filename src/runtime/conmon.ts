/**
 * conmon, the per-container supervisor (podman's): it runs `<runtime> create`, holds the
 * container's stdio or pty, writes its log and, when it exits, its exit code, and it outlives
 * berthd. Protocol (conmon 2.1.6, checked on this machine): a start byte on `_OCI_STARTPIPE`
 * lets it proceed; its first process writes `--conmon-pidfile` and exits once the supervisor
 * has daemonized; `{"data": pid}` (or `{"data": -1, "message"}`) arrives on `_OCI_SYNCPIPE`.
 */
import { constants } from 'node:fs';
import { mkdir, open, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Socket } from 'node:net';
import type { Readable, Writable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { BerthError } from '../base/errors.js';
import { spawnDetached } from '../base/posix-spawn.js';
import type { RuntimeBinary } from './oci-runtime.js';

export const CONMON_PATH = '/usr/bin/conmon';

export interface ConmonCreate {
  id: string;
  name: string;
  /** Holds config.json; conmon puts `attach`, `ctl` and the pidfiles here. */
  bundle: string;
  runtime: RuntimeBinary;
  /** `<exitDir>/<id>` receives the exit code. */
  exitDir: string;
  /** `<persistDir>/oom` appears when the kernel OOM-killed the container. */
  persistDir: string;
  /** conmon's k8s-file log; none for Docker's `none` log driver (output only reaches attached clients). */
  logPath: string | undefined;
  logSizeMax?: number | undefined;
  terminal: boolean;
  stdin: boolean;
  /** Keep stdin open when an attached client leaves (Docker: not `StdinOnce`). */
  leaveStdinOpen: boolean;
  conmonPath?: string;
  /** Where conmon makes its console socket: short, since a socket path holds at most 107 bytes. */
  tmpDir: string;
}

export interface ConmonExec {
  containerId: string;
  execId: string;
  /** The exec's own directory: process.json, attach socket, exit dir. */
  dir: string;
  runtime: RuntimeBinary;
  logPath: string;
  terminal: boolean;
  stdin: boolean;
  conmonPath?: string;
  tmpDir: string;
}

export interface Started {
  pid: number;
  conmonPid: number;
}

/**
 * Lines from one of conmon's pipes. Reading starts at once and never pauses: a paused pipe whose
 * child has exited holds no active handle, and the garbage collector then closes it under
 * conmon (which reads EOF on its start pipe, or EPIPE on its sync pipe).
 */
class LineReader {
  private buf = '';
  private readonly lines: string[] = [];
  private ended = false;
  private wake: (() => void) | undefined;

  constructor(
    stream: Readable,
    private readonly what: string,
  ) {
    stream.on('data', (d: Buffer) => {
      this.buf += d.toString();
      let nl;
      while ((nl = this.buf.indexOf('\n')) >= 0) {
        this.lines.push(this.buf.slice(0, nl));
        this.buf = this.buf.slice(nl + 1);
      }
      this.wake?.();
    });
    const end = (): void => {
      this.ended = true;
      this.wake?.();
    };
    stream.on('end', end);
    stream.on('close', end);
    stream.on('error', end);
  }

  async next(): Promise<string> {
    for (;;) {
      const line = this.lines.shift();
      if (line !== undefined) return line;
      if (this.ended) {
        if (this.buf) {
          const rest = this.buf;
          this.buf = '';
          return rest;
        }
        throw new BerthError('Internal', `conmon closed its ${this.what} pipe without a message`);
      }
      await new Promise<void>((r) => (this.wake = r));
      this.wake = undefined;
    }
  }
}

function syncMessage(line: string): { data: number; message?: string } {
  try {
    const m = JSON.parse(line) as { data?: unknown; message?: unknown };
    if (typeof m.data === 'number') return { data: m.data, ...(typeof m.message === 'string' ? { message: m.message } : {}) };
  } catch {
    // fall through
  }
  throw new BerthError('Internal', `conmon: unexpected message ${JSON.stringify(line)}`);
}

/** The runtime's own words, minus the wrapping conmon and runc add. */
export function cleanRuntimeMessage(message: string): string {
  const m = /msg="((?:[^"\\]|\\.)*)"/.exec(message);
  let text = (m ? m[1]!.replace(/\\"/g, '"') : message).trim();
  text = text.replace(/^runc create failed: /, '').replace(/^crun: /, '');
  return text;
}

interface Spawned {
  kill(signal: NodeJS.Signals): void;
  sync: LineReader;
  start: Writable;
  attachPipe?: LineReader;
  streams: (Readable | Writable)[];
  exited: Promise<void>;
  pidfile: string;
}

async function spawnConmon(path: string, args: string[], cwd: string, tmpDir: string, pidfile: string, withAttachPipe: boolean): Promise<Spawned> {
  const env: NodeJS.ProcessEnv = { ...process.env, _OCI_SYNCPIPE: '3', _OCI_STARTPIPE: '4', ...(withAttachPipe ? { _OCI_ATTACHPIPE: '5' } : {}) };
  delete env.NOTIFY_SOCKET;
  env.TMPDIR = tmpDir;
  let child;
  try {
    // posix_spawn, not child_process: no fork of berthd on every start (posix-spawn.ts).
    child = await spawnDetached(path, args, { cwd, env, stdio: ['ignore', 'ignore', 'pipe', 'pipe', 'pipe', ...(withAttachPipe ? (['pipe'] as const) : [])] });
  } catch (err) {
    throw new BerthError('Unavailable', `conmon: ${(err as Error).message}`, { cause: err });
  }
  const fds = child.stdio;
  // A conmon that died leaves broken sockets; what matters is reported through `exited` and the readers.
  for (const fd of fds) fd?.on('error', () => {});
  let stderr = '';
  fds[2]!.on('data', (d: Buffer) => (stderr += d.toString()));
  const stderrDone = new Promise<void>((r) => fds[2]!.once('close', () => r()));
  const exited = child.exited.then(async ({ code, signal }) => {
    if (code === 0) return;
    // Its last words may still be on their way.
    await Promise.race([stderrDone, sleep(100)]);
    throw new BerthError('Internal', `conmon failed (${signal ?? `exit ${code}`}): ${stderr.trim() || 'no message'}`);
  });
  // Awaited by the caller, maybe only after the runtime's spec is ready: an early failure must not count as unhandled meanwhile.
  exited.catch(() => {});
  const start = fds[4]!;
  // The start pipe is only written to; reading it keeps its handle active (see LineReader).
  start.resume();
  const spawned: Spawned = {
    kill: child.kill,
    sync: new LineReader(fds[3]!, 'sync'),
    start,
    ...(withAttachPipe ? { attachPipe: new LineReader(fds[5]!, 'attach') } : {}),
    streams: fds.filter((x): x is Socket => x !== null),
    exited,
    pidfile,
  };
  live.add(spawned);
  return spawned;
}

/** Pipes in use, held here so nothing collects them while conmon still talks on them. */
const live = new Set<Spawned>();

function closeAll(s: Spawned): void {
  live.delete(s);
  for (const st of s.streams) st.destroy();
}

async function readPid(path: string): Promise<number> {
  return Number((await readFile(path, 'utf8')).trim());
}

function commonArgs(c: { id: string; cuuid: string; runtime: RuntimeBinary; bundle: string; pidFile: string; name: string; exitDir: string; persistDir: string; logPath: string | undefined; conmonPidFile: string }): string[] {
  return [
    '--api-version', '1',
    '-c', c.id,
    '-u', c.cuuid,
    '-r', c.runtime.path,
    '-b', c.bundle,
    '-p', c.pidFile,
    '-n', c.name,
    '--exit-dir', c.exitDir,
    '--persist-dir', c.persistDir,
    '--full-attach',
    '--runtime-arg', '--root', '--runtime-arg', c.runtime.root,
    '-l', c.logPath === undefined ? 'none:' : `k8s-file:${c.logPath}`,
    '--log-level', 'warning',
    // No fsync of the log at exit: it delays the exit code by a disk flush, and Docker's
    // json-file logger does not sync either.
    '--no-sync-log',
    '--conmon-pidfile', c.conmonPidFile,
  ];
}

/**
 * Creates the container under a new conmon; it is `created` in the runtime when this returns.
 * conmon starts at once and waits on its start pipe; the runtime runs once `ready` resolves.
 */
export async function conmonCreate(o: ConmonCreate, ready: Promise<void> = Promise.resolve()): Promise<Started> {
  await mkdir(o.exitDir, { recursive: true, mode: 0o700 });
  await mkdir(o.persistDir, { recursive: true, mode: 0o700 });
  const conmonPidFile = join(o.bundle, 'conmon.pid');
  const args = [
    ...commonArgs({ id: o.id, cuuid: o.id, runtime: o.runtime, bundle: o.bundle, pidFile: join(o.bundle, 'pidfile'), name: o.name, exitDir: o.exitDir, persistDir: o.persistDir, logPath: o.logPath, conmonPidFile }),
    ...(o.logSizeMax ? ['--log-size-max', String(o.logSizeMax)] : []),
    ...(o.terminal ? ['-t'] : o.stdin ? ['-i'] : []),
    ...(o.stdin && o.leaveStdinOpen ? ['--leave-stdin-open'] : []),
  ];
  await mkdir(o.tmpDir, { recursive: true, mode: 0o700 });
  const s = await spawnConmon(o.conmonPath ?? CONMON_PATH, args, o.bundle, o.tmpDir, conmonPidFile, false);
  try {
    try {
      await ready;
    } catch (err) {
      // It waits on its start pipe, not yet forked: nothing of it is left after this. (EOF on the
      // pipe would not do: conmon goes on as if it had read the byte.)
      s.kill('SIGKILL');
      await s.exited.catch(() => {});
      throw err;
    }
    s.start.write(Buffer.from([0]));
    await s.exited;
    const msg = syncMessage(await s.sync.next());
    if (msg.data < 0) throw new BerthError('Internal', cleanRuntimeMessage(msg.message ?? 'the runtime failed to create the container'));
    return { pid: msg.data, conmonPid: await readPid(conmonPidFile) };
  } finally {
    closeAll(s);
  }
}

/** An exec session under its own conmon. `attach` runs between conmon's socket and the process start. */
export interface ExecSession extends Started {
  /** Resolves with the exit code (also in `<dir>/exit/<containerId>`). */
  exitCode: Promise<number>;
}

export async function conmonExec(o: ConmonExec, processSpecPath: string, attach: () => Promise<void>): Promise<ExecSession> {
  const exitDir = join(o.dir, 'exit');
  const persistDir = join(o.dir, 'persist');
  await mkdir(exitDir, { recursive: true, mode: 0o700 });
  await mkdir(persistDir, { recursive: true, mode: 0o700 });
  const conmonPidFile = join(o.dir, 'conmon.pid');
  const args = [
    ...commonArgs({ id: o.containerId, cuuid: o.execId, runtime: o.runtime, bundle: o.dir, pidFile: join(o.dir, 'exec_pid'), name: o.execId, exitDir, persistDir, logPath: o.logPath, conmonPidFile }),
    ...(o.terminal ? ['-t'] : o.stdin ? ['-i'] : []),
    '-e', '--exec-attach', '--exec-process-spec', processSpecPath,
  ];
  await mkdir(o.tmpDir, { recursive: true, mode: 0o700 });
  const s = await spawnConmon(o.conmonPath ?? CONMON_PATH, args, o.dir, o.tmpDir, conmonPidFile, true);
  let keepSync = false;
  try {
    s.start.write(Buffer.from([0]));
    await s.exited;
    const ready = syncMessage(await s.attachPipe!.next());
    if (ready.data < 0) throw new BerthError('Internal', cleanRuntimeMessage(ready.message ?? 'exec failed'));
    await attach();
    s.start.write(Buffer.from([0]));
    const started = syncMessage(await s.sync.next());
    if (started.data < 0) throw new BerthError('Internal', cleanRuntimeMessage(started.message ?? 'exec failed'));
    keepSync = true;
    const exitCode = s.sync
      .next()
      .then((l) => syncMessage(l).data)
      .catch(async () => Number((await readFile(join(exitDir, o.containerId), 'utf8')).trim()))
      .finally(() => closeAll(s));
    return { pid: started.data, conmonPid: await readPid(conmonPidFile), exitCode };
  } finally {
    if (!keepSync) closeAll(s);
  }
}

/** Sends a window size to conmon's control FIFO (one message per write: conmon 2.1.6 reads one). */
export async function resizeTerminal(bundle: string, height: number, width: number): Promise<void> {
  const fh = await open(join(bundle, 'ctl'), constants.O_WRONLY | constants.O_NONBLOCK);
  try {
    await fh.write(`1 ${height} ${width}\n`);
  } finally {
    await fh.close();
  }
}

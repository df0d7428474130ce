/**
 * The Shim with conmon behind it: conmon runs `<runtime> create`, holds the stdio on its attach
 * socket, writes `<execRoot>/exits/<id>` when the process ends and `<persistDir>/oom` when the
 * kernel OOM-killed it. Everything about those files and conmon's process lives here.
 */
import { constants, watch, type FSWatcher } from 'node:fs';
import { mkdir, open, readdir, readFile, rm, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { BerthError, isErrno } from '../base/errors.js';
import { AttachSocket } from './attach.js';
import { atomicWriteFile } from '../base/fs.js';
import { conmonCreate, conmonExec, resizeTerminal } from './conmon.js';
import { OciRuntime, type RuntimeBinary } from './oci-runtime.js';
import { awaitExec, commandName } from './process-tree.js';
import type { ExecProcess, Shim, ShimContainer, ShimCreate, ShimExec, ShimExit, Supervised } from './shim.js';

const exists = (path: string): Promise<boolean> => stat(path).then(
  () => true,
  () => false,
);

export class ConmonShim implements Shim {
  private readonly exitDir: string;
  private readonly tmpDir: string;
  private watcher: FSWatcher | undefined;

  constructor(execRoot: string) {
    this.exitDir = join(execRoot, 'exits');
    this.tmpDir = join(execRoot, 'tmp');
  }

  private exitFile(id: string): string {
    return join(this.exitDir, id);
  }

  async create(c: ShimCreate, ready: Promise<void> = Promise.resolve()): Promise<Supervised> {
    await Promise.all([rm(this.exitFile(c.id), { force: true }), rm(join(c.persistDir, 'oom'), { force: true })]);
    const started = await conmonCreate({ ...c, exitDir: this.exitDir, tmpDir: this.tmpDir }, ready);
    return { pid: started.pid, shimPid: started.conmonPid };
  }

  async attach(c: ShimContainer): Promise<AttachSocket> {
    try {
      return await AttachSocket.connect(c.bundle);
    } catch (err) {
      // conmon removes the socket when the runtime's init dies while it waits to be started (a pids
      // limit too small for runc's own threads, say): runc's word for that state says more than ENOENT.
      if (await exists(this.exitFile(c.id))) throw new BerthError('Internal', 'OCI runtime start failed: cannot start a container that has stopped: unknown', { cause: err });
      throw err;
    }
  }

  async start(c: ShimContainer, pid: number): Promise<void> {
    const initName = await commandName(pid);
    if (!(c.runtime.name === 'runc' && (await releaseInit(c.runtime, c.id, pid)))) await new OciRuntime(c.runtime).start(c.id);
    if (initName !== undefined) await awaitExec(pid, initName);
  }

  /**
   * What `runc kill` does without `--all` is kill(2) of the init; done here it saves a runtime
   * start. The PID is the container's only while it sits in the container's cgroup: a PID reused
   * after the exit is never signalled (ESRCH then, as runc's "container not running").
   */
  async kill(c: ShimContainer, signal: number, pid?: number): Promise<void> {
    if (pid === undefined || pid <= 0) return new OciRuntime(c.runtime).kill(c.id, signal);
    const cgroup = await readFile(`/proc/${pid}/cgroup`, 'utf8').catch(() => '');
    if (!cgroup.includes(`/${c.id}\n`) && !cgroup.includes(`/${c.id}/`)) throw new BerthError('Conflict', 'container not running');
    try {
      process.kill(pid, signal);
    } catch (err) {
      if (isErrno(err, 'ESRCH')) throw new BerthError('Conflict', 'container not running', { cause: err });
      throw err;
    }
  }

  async exit(c: ShimContainer, shimPid: number): Promise<ShimExit | undefined> {
    const file = this.exitFile(c.id);
    let code: number;
    let error = '';
    try {
      code = Number((await readFile(file, 'utf8')).trim());
    } catch {
      if (shimPid && (await alive(shimPid))) return undefined;
      // conmon writes the file, then exits: give a file that appeared meanwhile its moment.
      if (await exists(file)) return undefined;
      code = 255;
      error = 'container supervisor (conmon) exited without an exit code';
    }
    return { code, error, oomKilled: await exists(join(c.persistDir, 'oom')) };
  }

  async delete(c: ShimContainer): Promise<void> {
    await new OciRuntime(c.runtime).delete(c.id);
    await rm(this.exitFile(c.id), { force: true });
  }

  async exec(c: ShimContainer, x: ShimExec): Promise<ExecProcess> {
    await mkdir(x.dir, { recursive: true, mode: 0o700 });
    const specPath = join(x.dir, 'process.json');
    await atomicWriteFile(specPath, JSON.stringify(x.process));
    const session = await conmonExec(
      { containerId: c.id, execId: x.execId, dir: x.dir, runtime: c.runtime, logPath: x.logPath, terminal: x.terminal, stdin: x.stdin, tmpDir: this.tmpDir },
      specPath,
      async () => {
        if (x.attach) x.attach(await AttachSocket.connect(x.dir));
      },
    );
    return { pid: session.pid, exitCode: session.exitCode };
  }

  async execPid(dir: string): Promise<number> {
    return Number((await readFile(join(dir, 'exec_pid'), 'utf8').catch(() => '')).trim()) || 0;
  }

  resize(dir: string, height: number, width: number): Promise<void> {
    return resizeTerminal(dir, height, width);
  }

  /** conmon reopens (and creates) its log path on a type-2 control message. */
  async reopenLog(c: ShimContainer): Promise<void> {
    const fh = await open(join(c.bundle, 'ctl'), constants.O_WRONLY | constants.O_NONBLOCK);
    try {
      await fh.write('2 0 0\n');
    } finally {
      await fh.close();
    }
  }

  async supervising(c: ShimContainer, shimPid: number): Promise<boolean> {
    return shimPid > 0 && (await alive(shimPid)) && !(await exists(this.exitFile(c.id)));
  }

  async suspects(running: readonly { id: string; shimPid: number }[]): Promise<string[]> {
    const exited = new Set(await readdir(this.exitDir).catch(() => [] as string[]));
    return running.filter((c) => exited.has(c.id) || !signalable(c.shimPid)).map((c) => c.id);
  }

  watch(fn: (id: string) => void): void {
    // Made at start-up, before any container runs: nothing else waits on the loop yet.
    void mkdir(this.exitDir, { recursive: true, mode: 0o700 }).then(() => {
      this.watcher = watch(this.exitDir, (_event, name) => {
        if (name && /^[0-9a-f]{64}$/.test(name)) fn(name);
      });
      this.watcher.on('error', () => {});
    });
  }

  close(): void {
    this.watcher?.close();
  }
}

/**
 * runc's created → running handshake, done in-process: the init blocks opening `exec.fifo` for
 * writing until a reader comes, writes one byte, then execs. `runc start` does only this, for
 * the price of its own start-up (about 20 ms here). Opened read-write, the FIFO never reports
 * end-of-file, so a dead init shows as silence: checked the way runc checks it, by the PID.
 * False when there is no FIFO (not a runc state layout berth knows): the caller runs `start`.
 */
async function releaseInit(runtime: RuntimeBinary, id: string, pid: number): Promise<boolean> {
  const fifo = join(runtime.root, id, 'exec.fifo');
  let fh;
  try {
    fh = await open(fifo, constants.O_RDWR | constants.O_NONBLOCK);
  } catch (err) {
    if (isErrno(err, 'ENOENT')) return false;
    throw err;
  }
  try {
    for (let i = 1; ; i++) {
      const read = await fh.read(Buffer.alloc(1), 0, 1, null).catch((err: unknown) => {
        if (isErrno(err, 'EAGAIN')) return { bytesRead: 0 };
        throw err;
      });
      if (read.bytesRead > 0) break;
      if (i % 100 === 0 && !(await alive(pid))) throw new BerthError('Internal', 'container process is already dead');
      await sleep(1);
    }
  } finally {
    await fh.close();
  }
  // Its absence is what tells the runtime the container runs.
  await unlink(fifo);
  return true;
}

/** kill(0) alone: a zombie answers too, which `exit` then tells apart. */
function signalable(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Alive and not a zombie: a zombie's PID still answers kill(0). */
async function alive(pid: number): Promise<boolean> {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '');
  return stat !== '' && !/ Z /.test(stat.slice(stat.lastIndexOf(')')));
}

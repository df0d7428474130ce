/**
 * `docker exec`: extra processes in a running container, each under its own conmon (`--exec`),
 * kept in memory as Docker keeps exec configs. The process spec derives from the container's
 * own config.json, so capabilities, rlimits and security settings match its init.
 */
import { readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { BerthError, conflict, notFound } from '../base/errors.js';
import { randomId } from '../base/ids.js';
import { cleanRuntimeMessage, killProcessTree, resolveUser, sharesPidNamespace, type AttachSocket, type OciSpec } from '../runtime/index.js';
import type { ContainerStore } from './container-store.js';
import { startExitCode, type Lifecycle } from './lifecycle.js';
import { CAP_NAMES, hostCapabilities } from './run-spec.js';
import { rootfsPaths } from './rootfs.js';
import type { ContainerRecord } from './types.js';

export interface ExecConfig {
  cmd: string[];
  env: string[];
  user: string;
  workingDir: string;
  tty: boolean;
  privileged: boolean;
  attachStdin: boolean;
  attachStdout: boolean;
  attachStderr: boolean;
  detachKeys: string;
  consoleSize: [number, number] | undefined;
}

export interface ExecRecord {
  id: string;
  containerId: string;
  config: ExecConfig;
  running: boolean;
  exitCode: number | null;
  /** The process never ran (the runtime refused it): exitCode is moby's 126/127 for that. */
  startFailed: boolean;
  pid: number;
  dir: string;
  /** Set once started: the process's stdio. */
  socket?: AttachSocket;
}

export class ExecService {
  private readonly execs = new Map<string, ExecRecord>();

  constructor(
    private readonly store: ContainerStore,
    private readonly lifecycle: Lifecycle,
    private readonly emit: (rec: ContainerRecord, action: string, attrs?: Record<string, string>) => void,
  ) {}

  /** `probe`: the daemon's own (a healthcheck's), in a directory {@link reapProbes} recognises. */
  create(ref: string, config: ExecConfig, opts: { probe?: boolean } = {}): string {
    const rec = this.store.find(ref);
    if (rec.state.status === 'paused') throw conflict(`Container ${rec.id} is paused, unpause the container before exec`);
    if (rec.state.status !== 'running') throw conflict(`container ${rec.id} is not running`);
    if (config.cmd.length === 0) throw new BerthError('InvalidArgument', 'No exec command specified');
    const id = randomId();
    const dir = join(this.lifecycle.bundle(rec.id), 'exec', `${opts.probe ? PROBE_PREFIX : ''}${id.slice(0, 12)}`);
    this.execs.set(id, { id, containerId: rec.id, config, running: false, exitCode: null, startFailed: false, pid: 0, dir });
    this.emit(rec, `exec_create: ${commandText(config.cmd)}`, { execID: id });
    return id;
  }

  get(id: string): ExecRecord {
    const e = this.execs.get(id);
    if (!e) throw notFound(`No such exec instance: ${id}`);
    return e;
  }

  /** IDs of a container's exec sessions (inspect's ExecIDs). */
  ofContainer(containerId: string): string[] {
    return [...this.execs.values()].filter((e) => e.containerId === containerId).map((e) => e.id);
  }

  /**
   * Starts the process. `attach` receives the stdio socket before the process runs (so no output
   * is lost); the returned promise resolves with the exit code when it ends.
   */
  async start(id: string, opts: { consoleSize?: [number, number] | undefined; attach?: (socket: AttachSocket) => void }): Promise<{ exitCode: Promise<number> }> {
    const e = this.get(id);
    if (e.running || e.exitCode !== null) throw conflict(`Error: Exec command ${id} has already run`);
    const rec = this.store.find(e.containerId);
    if (rec.state.status !== 'running') throw conflict(`container ${rec.id} is not running`);
    e.running = true;
    try {
      const spec = JSON.parse(await readFile(join(this.lifecycle.bundle(rec.id), 'config.json'), 'utf8')) as OciSpec;
      const merged = rootfsPaths(this.store.dir(rec.id)).merged;
      // No user named: the container's own (its image's USER included), as its init runs.
      const name = e.config.user || rec.config.user;
      const user = name ? resolveUser(merged, name, []) : undefined;
      const tty = e.config.tty;
      const env = new Map<string, string>();
      for (const v of spec.process.env) env.set(v.split('=', 1)[0]!, v);
      // moby's CreateDaemonEnvironment for the exec: TERM=xterm with its own terminal, under the container's and the exec's Env.
      if (tty && !env.has('TERM')) env.set('TERM', 'TERM=xterm');
      for (const v of e.config.env) env.set(v.split('=', 1)[0]!, v);
      const caps = e.config.privileged ? CAP_NAMES.filter((c) => hostCapabilities().includes(c)) : spec.process.capabilities.bounding;
      const proc: OciSpec['process'] = {
        ...spec.process,
        terminal: tty,
        args: e.config.cmd,
        env: [...env.values()],
        cwd: e.config.workingDir || spec.process.cwd,
        user: user ? { uid: user.uid, gid: user.gid, ...(user.additionalGids.length ? { additionalGids: user.additionalGids } : {}) } : spec.process.user,
        capabilities: { bounding: caps, effective: caps, permitted: caps },
      };
      const size = opts.consoleSize ?? e.config.consoleSize;
      if (tty && size && size[0] > 0) proc.consoleSize = { height: size[0], width: size[1] };
      else delete proc.consoleSize;
      const attach = opts.attach;
      const session = await this.lifecycle.shim.exec(this.lifecycle.shimView(rec), {
        execId: id,
        dir: e.dir,
        process: proc,
        logPath: join(e.dir, 'exec.log'),
        terminal: tty,
        stdin: e.config.attachStdin,
        ...(attach
          ? {
              attach: (socket: AttachSocket) => {
                e.socket = socket;
                attach(socket);
              },
            }
          : {}),
      });
      e.pid = session.pid;
      this.emit(rec, `exec_start: ${commandText(e.config.cmd)}`, { execID: id });
      const exitCode = session.exitCode.then(async (code) => {
        e.running = false;
        e.exitCode = code;
        e.pid = 0;
        this.emit(rec, 'exec_die', { execID: id, exitCode: String(code) });
        await rm(e.dir, { recursive: true, force: true });
        return code;
      });
      return { exitCode };
    } catch (err) {
      e.running = false;
      e.startFailed = true;
      const message = cleanRuntimeMessage((err as Error).message);
      // moby 28's codes for a command that cannot run (setExitCodeFromError).
      e.exitCode = startExitCode(message);
      e.socket?.close();
      await rm(e.dir, { recursive: true, force: true });
      throw new BerthError('Internal', `OCI runtime exec failed: exec failed: ${message}: unknown`, { cause: err });
    }
  }

  async resize(id: string, height: number, width: number): Promise<void> {
    const e = this.get(id);
    if (!e.running) throw conflict(`Exec ${id} is not running`);
    if (e.config.tty || e.socket) await this.lifecycle.shim.resize(e.dir, height, width).catch(() => {});
  }

  /** Ends a running exec's process and whatever it started (SIGKILL). */
  async kill(id: string): Promise<void> {
    const e = this.execs.get(id);
    if (e?.running && e.pid > 0) await killProcessTree(e.pid);
  }

  /** Forgets one session at once (the daemon's own execs: healthcheck probes), closing its stdio. */
  discard(id: string): void {
    this.execs.get(id)?.socket?.close();
    this.execs.delete(id);
  }

  /**
   * After a berthd crash: probes that were under way are ended (their processes, if still in the
   * container, and their directories), since nobody waits for them any more.
   */
  async reapProbes(containerId: string): Promise<void> {
    const rec = this.store.get(containerId);
    if (!rec || rec.state.pid <= 0) return;
    const root = join(this.lifecycle.bundle(containerId), 'exec');
    for (const name of await readdir(root).catch(() => [] as string[])) {
      if (!name.startsWith(PROBE_PREFIX)) continue;
      const pid = await this.lifecycle.shim.execPid(join(root, name));
      if (pid > 0 && (await sharesPidNamespace(pid, rec.state.pid))) await killProcessTree(pid);
      await rm(join(root, name), { recursive: true, force: true });
    }
  }

  /** Forgets finished sessions of a container (on removal). */
  forget(containerId: string): void {
    for (const [id, e] of this.execs) if (e.containerId === containerId) this.execs.delete(id);
  }
}

/** Directory names of probe execs (a healthcheck's), beside users' execs. */
const PROBE_PREFIX = 'probe-';

/** How moby's exec events name the command: the entrypoint, a space, the arguments. */
function commandText(cmd: string[]): string {
  return `${cmd[0] ?? ''} ${cmd.slice(1).join(' ')}`;
}

/**
 * What supervises a container's process apart from berthd, so that it outlives a daemon restart:
 * the shim holds the stdio and records the exit. containers/ sees only this interface; conmon is
 * behind it (conmon-shim.ts), as containerd's shim API hides runc-shim from moby.
 */
import type { AttachSocket } from './attach.js';
import type { RuntimeBinary } from './oci-runtime.js';
import type { OciSpec } from './spec.js';

/** A container as the shim knows it. */
export interface ShimContainer {
  id: string;
  /** The OCI bundle: config.json, and what the shim puts beside it. */
  bundle: string;
  runtime: RuntimeBinary;
  /** A directory that outlives the bundle and berthd (the OOM marker goes there). */
  persistDir: string;
}

export interface ShimCreate extends ShimContainer {
  name: string;
  /** The k8s-file log; none for Docker's `none` log driver (output then only reaches attached clients). */
  logPath: string | undefined;
  logSizeMax?: number;
  terminal: boolean;
  stdin: boolean;
  /** Keep stdin open when an attached client leaves (Docker: not `StdinOnce`). */
  leaveStdinOpen: boolean;
}

export interface Supervised {
  /** The container's init, still waiting in the runtime to exec the container's process. */
  pid: number;
  shimPid: number;
}

export interface ShimExit {
  code: number;
  oomKilled: boolean;
  /** Set when the shim died without recording an exit. */
  error: string;
}

/** An extra process in a running container (`docker exec`), under a shim of its own. */
export interface ShimExec {
  execId: string;
  /** The exec's own directory (its process spec, stdio socket, exit record). */
  dir: string;
  process: OciSpec['process'];
  logPath: string;
  terminal: boolean;
  stdin: boolean;
  /** Receives the stdio before the process runs, so none of its output is lost. */
  attach?: (socket: AttachSocket) => void;
}

export interface ExecProcess {
  pid: number;
  /** Resolves with the exit code. */
  exitCode: Promise<number>;
}

export interface Shim {
  /**
   * The container is `created`: its init waits to exec the process, its stdio is held. The shim
   * starts at once and runs the runtime's create when `ready` resolves (the bundle's config.json
   * is written); if it rejects, the shim ends and this rejects with its reason.
   */
  create(c: ShimCreate, ready?: Promise<void>): Promise<Supervised>;
  /** The stdio of a created or running container (one connection serves all clients). */
  attach(c: ShimContainer): Promise<AttachSocket>;
  /** Lets the init exec the container's process; resolves once it has (or it died trying). */
  start(c: ShimContainer, pid: number): Promise<void>;
  /**
   * Signals the container's init. `pid` is its host PID while it runs unpaused (a frozen process
   * needs the runtime, which thaws it for SIGKILL); without it the runtime is asked.
   */
  kill(c: ShimContainer, signal: number, pid?: number): Promise<void>;
  /** The exit once the process has ended and it is recorded; undefined while it runs. */
  exit(c: ShimContainer, shimPid: number): Promise<ShimExit | undefined>;
  /** Removes the runtime's state and the recorded exit: the container may be created again. */
  delete(c: ShimContainer): Promise<void>;
  /** Whether a shim from before a daemon restart still supervises the container. */
  supervising(c: ShimContainer, shimPid: number): Promise<boolean>;
  exec(c: ShimContainer, x: ShimExec): Promise<ExecProcess>;
  /** The PID of an exec started before a daemon restart (0 when none was recorded). */
  execPid(dir: string): Promise<number>;
  /** A new terminal size for a container (its bundle) or an exec (its directory). */
  resize(dir: string, height: number, width: number): Promise<void>;
  /** Makes the shim reopen the container's log file (after berthd rotated it). */
  reopenLog(c: ShimContainer): Promise<void>;
  /**
   * Of these supervised containers, the ones whose process may have ended (an exit recorded, or
   * the shim gone): the slow poll behind `watch`, cheap enough for a thousand containers.
   */
  suspects(running: readonly { id: string; shimPid: number }[]): Promise<string[]>;
  /** Calls `fn` with a container's ID whenever its process may have ended. */
  watch(fn: (id: string) => void): void;
  close(): void;
}

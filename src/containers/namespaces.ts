/** Namespaces a container joins from another one (`--pid container:X`), as moby's WithNamespaces resolves them. */
import { BerthError } from '../base/errors.js';
import type { ContainerRecord } from './types.js';

/** Start failures in the donor check: moby's own message, not wrapped as the runtime's. */
export const NAMESPACE_ERROR = 'BERTH_ERR_NAMESPACE';

export type PidNamespace = { mode: 'new' } | { mode: 'host' } | { mode: 'path'; path: string };

/**
 * The PID namespace for a container's spec: the host's, a fresh one, or that of the running
 * container its PidMode names (moby's getPIDContainer: it must exist, run and not be restarting).
 * @throws BerthError Internal (moby: every spec failure is a system error, 500) with
 *   NAMESPACE_ERROR, for a donor unknown, not running or restarting.
 */
export function pidNamespace(rec: ContainerRecord, find: (ref: string) => ContainerRecord): PidNamespace {
  const mode = rec.hostConfig.pidMode;
  if (mode === 'host') return { mode: 'host' };
  if (!mode.startsWith('container:')) return { mode: 'new' };
  const donor = runningDonor(mode.slice('container:'.length), 'PID', find);
  return { mode: 'path', path: `/proc/${donor.state.pid}/ns/pid` };
}

export interface IpcSetup {
  ipc: { mode: 'new' } | { mode: 'host' } | { mode: 'path'; path: string };
  /** /dev/shm: a private tmpfs (undefined), a host directory bound in, or none. */
  shm?: { bind: string } | 'none';
  /** `shareable`: the tmpfs at this host path must be mounted before the container starts. */
  ownShm?: boolean;
}

/**
 * The IPC namespace and /dev/shm of a container's spec, as moby's setupIPCDirs and
 * WithNamespaces make them: `shareable` gets a host tmpfs others can join, `container:X` joins a
 * running X that is shareable (or shares the host's), `none` has no /dev/shm.
 * @throws BerthError Internal with NAMESPACE_ERROR, for a donor unknown, not running,
 *   restarting or not shareable (moby's messages).
 */
export function ipcNamespace(rec: ContainerRecord, find: (ref: string) => ContainerRecord, shmDir: (rec: ContainerRecord) => string): IpcSetup {
  const mode = rec.hostConfig.ipcMode;
  if (mode === 'host') return { ipc: { mode: 'host' } };
  if (mode === 'none') return { ipc: { mode: 'new' }, shm: 'none' };
  if (mode === 'shareable') return { ipc: { mode: 'new' }, shm: { bind: shmDir(rec) }, ownShm: true };
  if (!mode.startsWith('container:')) return { ipc: { mode: 'new' } };
  const ref = mode.slice('container:'.length);
  const donor = runningDonor(ref, 'IPC', find);
  const path = `/proc/${donor.state.pid}/ns/ipc`;
  if (donor.hostConfig.ipcMode === 'host') return { ipc: { mode: 'path', path }, shm: { bind: '/dev/shm' } };
  if (donor.hostConfig.ipcMode !== 'shareable') throw joinError('IPC', `container ${ref}: non-shareable IPC (hint: use IpcMode:shareable for the donor container)`);
  return { ipc: { mode: 'path', path }, shm: { bind: shmDir(donor) } };
}

function joinError(kind: 'PID' | 'IPC', why: string, cause?: unknown): BerthError {
  return new BerthError('Internal', `failed to join ${kind} namespace: ${why}`, { code: NAMESPACE_ERROR, ...(cause ? { cause } : {}) });
}

/** moby's getPIDContainer/getIPCContainer checks: the donor exists, is not restarting, and runs. */
function runningDonor(ref: string, kind: 'PID' | 'IPC', find: (ref: string) => ContainerRecord): ContainerRecord {
  let donor: ContainerRecord;
  try {
    donor = find(ref);
  } catch (err) {
    throw joinError(kind, (err as Error).message, err);
  }
  const status = donor.state.status;
  if (status === 'restarting') throw joinError(kind, `Container ${donor.id} is restarting, wait until the container is running`);
  if ((status !== 'running' && status !== 'paused') || !donor.state.pid) throw joinError(kind, `container ${ref} is not running`);
  return donor;
}

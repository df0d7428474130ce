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
  const ref = mode.slice('container:'.length);
  const fail = (why: string, cause?: unknown): BerthError => new BerthError('Internal', `failed to join PID namespace: ${why}`, { code: NAMESPACE_ERROR, ...(cause ? { cause } : {}) });
  let donor: ContainerRecord;
  try {
    donor = find(ref);
  } catch (err) {
    throw fail((err as Error).message, err);
  }
  const status = donor.state.status;
  if (status === 'restarting') throw fail(`Container ${donor.id} is restarting, wait until the container is running`);
  if ((status !== 'running' && status !== 'paused') || !donor.state.pid) throw fail(`container ${ref} is not running`);
  return { mode: 'path', path: `/proc/${donor.state.pid}/ns/pid` };
}

/**
 * What runc keeps for a container under its `--root`, and removing it for a container whose init
 * has exited without starting runc again. `runc delete` of a stopped container is: kill what is
 * left in its cgroup when it had no PID namespace of its own, remove its cgroups, remove its state
 * directory, run its poststop hooks (libcontainer's destroy). A Go process start for that costs
 * 10–20 ms of CPU and a fork of berthd per container; the common case is done here, and anything
 * else (hooks, a shared PID namespace, an init still alive, a state this code does not know) is
 * left to runc itself.
 */
import { readFile, rm, rmdir } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { isErrno } from '../base/errors.js';

interface RuncStateFile {
  init_process_pid?: number;
  init_process_start?: number;
  cgroup_paths?: Record<string, string>;
  config?: {
    namespaces?: { type: string; path?: string }[];
    Hooks?: Record<string, unknown[] | null> | null;
  };
}

const CGROUP_ROOT = '/sys/fs/cgroup/';

/** The init's start time in clock ticks (field 22 of /proc/<pid>/stat), as runc records it. */
async function startTime(pid: number): Promise<number | undefined> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => undefined);
  if (stat === undefined) return undefined;
  // The command name (field 2) may hold blanks and parentheses: count from the last ')'.
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19]);
}

/** Why this state needs runc's own delete, or undefined when removing its files is all of it. */
async function needsRunc(s: RuncStateFile): Promise<string | undefined> {
  if (!s.cgroup_paths || !s.config?.namespaces) return 'unknown state format';
  if (Object.values(s.config.Hooks ?? {}).some((h) => (h?.length ?? 0) > 0)) return 'hooks';
  const pidNs = s.config.namespaces.find((n) => n.type === 'NEWPID');
  // Without a PID namespace of its own, the container's processes outlive its init.
  if (!pidNs || pidNs.path) return 'shared PID namespace';
  if (Object.values(s.cgroup_paths).some((p) => !p.startsWith(CGROUP_ROOT) || p.includes('/../'))) return 'cgroup outside /sys/fs/cgroup';
  if (s.init_process_pid && s.init_process_pid > 0 && (await startTime(s.init_process_pid)) === s.init_process_start) return 'init still running';
  return undefined;
}

/**
 * The kernel kills the rest of a PID namespace when its init exits, but a killed process leaves
 * its cgroup a moment later: EBUSY until then (runc retries the same way).
 */
async function removeCgroup(path: string): Promise<boolean> {
  for (let delay = 1; delay <= 64; delay *= 2) {
    try {
      await rmdir(path);
      return true;
    } catch (err) {
      if (isErrno(err, 'ENOENT')) return true;
      if (!isErrno(err, 'EBUSY')) throw err;
    }
    await sleep(delay);
  }
  return false;
}

/**
 * Removes a stopped runc container's cgroups and state. Returns false, having changed nothing that
 * runc would miss, when runc must do it; true also when runc has no state for `id`.
 */
export async function removeStoppedRunc(root: string, id: string): Promise<boolean> {
  const dir = join(root, id);
  let state: RuncStateFile;
  try {
    state = JSON.parse(await readFile(join(dir, 'state.json'), 'utf8')) as RuncStateFile;
  } catch (err) {
    if (isErrno(err, 'ENOENT')) return true;
    return false;
  }
  if ((await needsRunc(state)) !== undefined) return false;
  const paths = [...new Set(Object.values(state.cgroup_paths!))];
  const removed = await Promise.all(paths.map(removeCgroup));
  if (removed.includes(false)) return false;
  await rm(dir, { recursive: true, force: true });
  return true;
}

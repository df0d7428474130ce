/**
 * What this host's cgroups can enforce, as moby's sysinfo reads it: the facts the create and
 * update checks (wire/resource-checks) need. Read once at start-up; cgroup mounts do not change
 * under a running daemon.
 */
import { existsSync, readFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { detectCgroups } from '../runtime/index.js';
import type { ResourceCaps } from '../wire/index.js';

function read(path: string, fallback: string): string {
  try {
    return readFileSync(path, 'utf8').trim() || fallback;
  } catch {
    return fallback;
  }
}

export function readResourceCaps(root = '/sys/fs/cgroup'): ResourceCaps {
  const ncpu = cpus().length;
  const allCpus = ncpu > 1 ? `0-${ncpu - 1}` : '0';
  if (detectCgroups(root).version === '2') {
    const controllers = read(`${root}/cgroup.subtree_control`, read(`${root}/cgroup.controllers`, '')).split(/\s+/);
    const has = (c: string): boolean => controllers.includes(c);
    return {
      ncpu,
      cpus: read(`${root}/cpuset.cpus.effective`, allCpus),
      mems: read(`${root}/cpuset.mems.effective`, '0'),
      memoryLimit: has('memory'),
      swapLimit: has('memory'),
      memorySwappiness: false,
      memoryReservation: has('memory'),
      kernelMemory: false,
      oomKillDisable: false,
      pidsLimit: has('pids'),
      cpuCfs: has('cpu'),
      cpuShares: has('cpu'),
      cpuRealtime: false,
      cpuset: has('cpuset'),
      blkioWeight: has('io'),
      blkioWeightDevice: has('io'),
      blkioThrottle: has('io'),
    };
  }
  const at = (controller: string, file: string): boolean => existsSync(`${root}/${controller}/${file}`);
  return {
    ncpu,
    cpus: read(`${root}/cpuset/cpuset.cpus`, allCpus),
    mems: read(`${root}/cpuset/cpuset.mems`, '0'),
    memoryLimit: at('memory', 'memory.limit_in_bytes'),
    swapLimit: at('memory', 'memory.memsw.limit_in_bytes'),
    memorySwappiness: at('memory', 'memory.swappiness'),
    memoryReservation: at('memory', 'memory.soft_limit_in_bytes'),
    kernelMemory: at('memory', 'memory.kmem.limit_in_bytes'),
    oomKillDisable: at('memory', 'memory.oom_control'),
    pidsLimit: at('pids', 'pids.max') || existsSync(`${root}/pids`),
    cpuCfs: at('cpu', 'cpu.cfs_quota_us'),
    cpuShares: at('cpu', 'cpu.shares'),
    cpuRealtime: at('cpu', 'cpu.rt_period_us'),
    cpuset: existsSync(`${root}/cpuset`),
    blkioWeight: at('blkio', 'blkio.weight'),
    blkioWeightDevice: at('blkio', 'blkio.weight_device'),
    blkioThrottle: at('blkio', 'blkio.throttle.read_bps_device'),
  };
}

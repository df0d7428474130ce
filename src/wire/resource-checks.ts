/**
 * moby's verifyPlatformContainerResources (daemon/daemon_unix.go, v28): resource limits that
 * cannot work are refused with its messages; limits the host cannot apply are dropped with its
 * warnings, as moby does.
 */
import { invalidArgument } from '../base/errors.js';
import type { HostConfig, UpdateConfig } from './schemas/index.js';

/** What the host's cgroups can enforce (moby's sysinfo.SysInfo, the parts these checks read). */
export interface ResourceCaps {
  ncpu: number;
  /** The CPUs and memory nodes containers may use (`0-1`), from the root cpuset cgroup. */
  cpus: string;
  mems: string;
  memoryLimit: boolean;
  swapLimit: boolean;
  memorySwappiness: boolean;
  memoryReservation: boolean;
  kernelMemory: boolean;
  oomKillDisable: boolean;
  pidsLimit: boolean;
  cpuCfs: boolean;
  cpuShares: boolean;
  cpuRealtime: boolean;
  cpuset: boolean;
  blkioWeight: boolean;
  blkioWeightDevice: boolean;
  blkioThrottle: boolean;
}

/** Everything supported: what the checks assume when the daemon could not say. */
export const ALL_CAPS: ResourceCaps = {
  ncpu: 1,
  cpus: '0',
  mems: '0',
  memoryLimit: true,
  swapLimit: true,
  memorySwappiness: true,
  memoryReservation: true,
  kernelMemory: true,
  oomKillDisable: true,
  pidsLimit: true,
  cpuCfs: true,
  cpuShares: true,
  cpuRealtime: true,
  cpuset: true,
  blkioWeight: true,
  blkioWeightDevice: true,
  blkioThrottle: true,
};

const LINUX_MIN_MEMORY = 6 * 1024 * 1024;
const DEFAULT_MAX_CPUS = 8192;

type Resources = Pick<HostConfig, keyof UpdateConfig & keyof HostConfig>;

/**
 * Checks (and, where moby does, adjusts) the resource fields of a create or update body.
 * @returns moby's warnings for limits dropped.
 * @throws BerthError InvalidArgument with moby's message.
 */
export function checkResources(r: Resources, caps: ResourceCaps, update: boolean): string[] {
  const warnings: string[] = [];
  checkMemory(r, caps, update, warnings);
  checkCpu(r, caps, warnings);
  checkCpuset(r, caps, warnings);
  checkBlkio(r, caps, warnings);
  return warnings;
}

function checkMemory(r: Resources, caps: ResourceCaps, update: boolean, warnings: string[]): void {
  // fixMemorySwappiness: -1 is "not set".
  if (r.MemorySwappiness === -1) r.MemorySwappiness = undefined;
  const memory = r.Memory ?? 0;
  if (memory !== 0 && memory < LINUX_MIN_MEMORY) throw invalidArgument('Minimum memory limit allowed is 6MB');
  if (memory > 0 && !caps.memoryLimit) {
    warnings.push('Your kernel does not support memory limit capabilities or the cgroup is not mounted. Limitation discarded.');
    r.Memory = 0;
    r.MemorySwap = -1;
  }
  if ((r.Memory ?? 0) > 0 && r.MemorySwap !== -1 && !caps.swapLimit) {
    warnings.push('Your kernel does not support swap limit capabilities or the cgroup is not mounted. Memory limited without swap.');
    r.MemorySwap = -1;
  }
  const mem = r.Memory ?? 0;
  const swap = r.MemorySwap ?? 0;
  if (mem > 0 && swap > 0 && swap < mem) throw invalidArgument('Minimum memoryswap limit should be larger than memory limit, see usage');
  if (mem === 0 && swap > 0 && !update) throw invalidArgument('You should always set the Memory limit when using Memoryswap limit, see usage');
  if (r.MemorySwappiness != null && !caps.memorySwappiness) {
    warnings.push('Your kernel does not support memory swappiness capabilities or the cgroup is not mounted. Memory swappiness discarded.');
    r.MemorySwappiness = undefined;
  }
  if (r.MemorySwappiness != null && (r.MemorySwappiness < 0 || r.MemorySwappiness > 100)) {
    throw invalidArgument(`Invalid value: ${r.MemorySwappiness}, valid memory swappiness range is 0-100`);
  }
  if ((r.MemoryReservation ?? 0) > 0 && !caps.memoryReservation) {
    warnings.push('Your kernel does not support memory soft limit capabilities or the cgroup is not mounted. Limitation discarded.');
    r.MemoryReservation = 0;
  }
  const reservation = r.MemoryReservation ?? 0;
  if (reservation > 0 && reservation < LINUX_MIN_MEMORY) throw invalidArgument('Minimum memory reservation allowed is 6MB');
  if (mem > 0 && reservation > 0 && mem < reservation) throw invalidArgument('Minimum memory limit can not be less than memory reservation limit, see usage');
  if ((r.KernelMemory ?? 0) > 0) {
    if (!caps.kernelMemory) {
      warnings.push('Your kernel does not support kernel memory limit capabilities or the cgroup is not mounted. Limitation discarded.');
      r.KernelMemory = 0;
    }
    if ((r.KernelMemory ?? 0) > 0 && r.KernelMemory! < LINUX_MIN_MEMORY) throw invalidArgument('Minimum kernel memory limit allowed is 6MB');
  }
  if (r.OomKillDisable != null && !caps.oomKillDisable) {
    if (r.OomKillDisable) warnings.push('Your kernel does not support OomKillDisable. OomKillDisable discarded.');
    r.OomKillDisable = undefined;
  }
  if (r.OomKillDisable && mem === 0) warnings.push('OOM killer is disabled for the container, but no memory limit is set, this can result in the system running out of resources.');
  if (r.PidsLimit != null && !caps.pidsLimit) {
    if (r.PidsLimit > 0) warnings.push('Your kernel does not support PIDs limit capabilities or the cgroup is not mounted. PIDs limit discarded.');
    r.PidsLimit = undefined;
  }
}

function checkCpu(r: Resources, caps: ResourceCaps, warnings: string[]): void {
  const nano = r.NanoCpus ?? 0;
  if (nano > 0 && (r.CpuPeriod ?? 0) > 0) throw invalidArgument('Conflicting options: Nano CPUs and CPU Period cannot both be set');
  if (nano > 0 && (r.CpuQuota ?? 0) > 0) throw invalidArgument('Conflicting options: Nano CPUs and CPU Quota cannot both be set');
  if (nano > 0 && !caps.cpuCfs) throw invalidArgument('NanoCPUs can not be set, as your kernel does not support CPU CFS scheduler or the cgroup is not mounted');
  if (nano !== 0 && (nano < 0 || nano > caps.ncpu * 1e9)) {
    throw invalidArgument(`range of CPUs is from 0.01 to ${caps.ncpu}.00, as there are only ${caps.ncpu} CPUs available`);
  }
  if ((r.CpuShares ?? 0) > 0 && !caps.cpuShares) {
    warnings.push('Your kernel does not support CPU shares or the cgroup is not mounted. Shares discarded.');
    r.CpuShares = 0;
  }
  if (((r.CpuPeriod ?? 0) !== 0 || (r.CpuQuota ?? 0) !== 0) && !caps.cpuCfs) {
    warnings.push('Your kernel does not support CPU CFS scheduler. CPU period/quota discarded.');
    r.CpuPeriod = 0;
    r.CpuQuota = 0;
  }
  const period = r.CpuPeriod ?? 0;
  if (period !== 0 && (period < 1000 || period > 1000000)) throw invalidArgument('CPU cfs period can not be less than 1ms (i.e. 1000) or larger than 1s (i.e. 1000000)');
  const quota = r.CpuQuota ?? 0;
  if (quota > 0 && quota < 1000) throw invalidArgument('CPU cfs quota can not be less than 1ms (i.e. 1000)');
  if ((r.CpuPercent ?? 0) > 0) {
    warnings.push('linux does not support CPU percent. Percent discarded.');
    r.CpuPercent = 0;
  }
}

function checkCpuset(r: Resources, caps: ResourceCaps, warnings: string[]): void {
  if ((r.CpusetCpus || r.CpusetMems) && !caps.cpuset) {
    warnings.push('Your kernel does not support cpuset or the cgroup is not mounted. Cpuset discarded.');
    r.CpusetCpus = '';
    r.CpusetMems = '';
  }
  const cpus = r.CpusetCpus ?? '';
  if (!listAvailable(cpus, caps.cpus, 'cpus')) throw invalidArgument(`Requested CPUs are not available - requested ${cpus}, available: ${caps.cpus}`);
  const mems = r.CpusetMems ?? '';
  if (!listAvailable(mems, caps.mems, 'mems')) throw invalidArgument(`Requested memory nodes are not available - requested ${mems}, available: ${caps.mems}`);
}

function checkBlkio(r: Resources, caps: ResourceCaps, warnings: string[]): void {
  if ((r.BlkioWeight ?? 0) > 0 && !caps.blkioWeight) {
    warnings.push('Your kernel does not support Block I/O weight or the cgroup is not mounted. Weight discarded.');
    r.BlkioWeight = 0;
  }
  const weight = r.BlkioWeight ?? 0;
  if (weight > 0 && (weight < 10 || weight > 1000)) throw invalidArgument('Range of blkio weight is from 10 to 1000');
  if ((r.IOMaximumBandwidth ?? 0) !== 0 || (r.IOMaximumIOps ?? 0) !== 0) {
    throw invalidArgument('Invalid QoS settings: linux does not support Maximum IO Bandwidth or Maximum IO IOps');
  }
  if (r.BlkioWeightDevice?.length && !caps.blkioWeightDevice) {
    warnings.push('Your kernel does not support Block I/O weight_device or the cgroup is not mounted. Weight-device discarded.');
    r.BlkioWeightDevice = [];
  }
  const throttles: [keyof Resources & `BlkioDevice${string}`, string][] = [
    ['BlkioDeviceReadBps', 'Your kernel does not support BPS Block I/O read limit or the cgroup is not mounted. Block I/O BPS read limit discarded.'],
    ['BlkioDeviceWriteBps', 'Your kernel does not support BPS Block I/O write limit or the cgroup is not mounted. Block I/O BPS write limit discarded.'],
    ['BlkioDeviceReadIOps', 'Your kernel does not support IOPS Block read limit or the cgroup is not mounted. Block I/O IOPS read limit discarded.'],
    ['BlkioDeviceWriteIOps', 'Your kernel does not support IOPS Block write limit or the cgroup is not mounted. Block I/O IOPS write limit discarded.'],
  ];
  for (const [key, warning] of throttles) {
    if (r[key]?.length && !caps.blkioThrottle) {
      warnings.push(warning);
      r[key] = [];
    }
  }
}

/** moby's isCpusetListAvailable: a list (`0-2,4`) every member of which the host offers. */
function listAvailable(requested: string, available: string, what: 'cpus' | 'mems'): boolean {
  const offered = parseUintList(available, 0);
  const max = Math.max(DEFAULT_MAX_CPUS, ...offered);
  let wanted: Set<number>;
  try {
    wanted = parseUintList(requested, max);
  } catch (err) {
    throw invalidArgument(`Invalid value ${requested} for cpuset ${what}: ${(err as Error).message}`);
  }
  return [...wanted].every((n) => offered.has(n));
}

/** moby's parseUintList (pkg/sysinfo): `0-3,5`, each value at most `maximum` (0: no limit). */
export function parseUintList(val: string, maximum: number): Set<number> {
  const out = new Set<number>();
  if (val === '') return out;
  const bad = (): Error => new Error(`invalid format: ${val}`);
  const atoi = (s: string): number => {
    if (!/^[+-]?\d+$/.test(s)) throw bad();
    return Number(s);
  };
  const tooBig = (v: number): void => {
    if (maximum !== 0 && v > maximum) throw new Error(`value of out range, maximum is ${maximum}`);
  };
  for (const r of val.split(',')) {
    if (!r.includes('-')) {
      const v = atoi(r);
      tooBig(v);
      out.add(v);
      continue;
    }
    const dash = r.indexOf('-');
    const lo = atoi(r.slice(0, dash));
    const hi = atoi(r.slice(dash + 1));
    if (hi < lo) throw bad();
    tooBig(hi);
    for (let i = lo; i <= hi; i++) out.add(i);
  }
  return out;
}

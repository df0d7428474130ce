/**
 * A container's resource usage read straight from its cgroup files (v1 and v2), in the shape of
 * Docker's stats API (`cpu_stats`, `memory_stats`, `pids_stats`, `blkio_stats`).
 */
import { readFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { detectCgroups } from './cgroups.js';

const read = (path: string): string | undefined => {
  try {
    return readFileSync(path, 'utf8').trim();
  } catch {
    return undefined;
  }
};
const num = (path: string): number => {
  const v = read(path);
  return v === undefined || v === 'max' ? 0 : Number(v.split(/\s+/)[0]) || 0;
};
const kv = (text: string | undefined): Record<string, number> =>
  Object.fromEntries((text ?? '').split('\n').filter(Boolean).map((l) => {
    const [k, v] = l.split(/\s+/);
    return [k!, Number(v)];
  }));

/** Host CPU time in nanoseconds (Docker's system_cpu_usage, from /proc/stat's first line). */
export function systemCpuNs(): number {
  const fields = (read('/proc/stat') ?? '').split('\n')[0]!.split(/\s+/).slice(1, 8).map(Number);
  return fields.reduce((a, b) => a + b, 0) * (1e9 / 100);
}

export interface CgroupStats {
  cpu_stats: { cpu_usage: { total_usage: number; usage_in_kernelmode: number; usage_in_usermode: number; percpu_usage?: number[] }; system_cpu_usage: number; online_cpus: number; throttling_data: { periods: number; throttled_periods: number; throttled_time: number } };
  memory_stats: { usage: number; limit: number; stats: Record<string, number>; max_usage?: number };
  pids_stats: { current: number; limit?: number };
  blkio_stats: { io_service_bytes_recursive: { major: number; minor: number; op: string; value: number }[] | null };
}

export function readCgroupStats(cgroupsPath: string, root = '/sys/fs/cgroup'): CgroupStats {
  const online = cpus().length;
  const system = systemCpuNs();
  if (detectCgroups(root).version === '2') {
    const dir = `${root}${cgroupsPath}`;
    const cpu = kv(read(`${dir}/cpu.stat`));
    const mem = kv(read(`${dir}/memory.stat`));
    const max = read(`${dir}/memory.max`);
    const io = (read(`${dir}/io.stat`) ?? '').split('\n').filter(Boolean).flatMap((l) => {
      const [dev, ...pairs] = l.split(/\s+/);
      const [major, minor] = (dev ?? '0:0').split(':').map(Number);
      const f = Object.fromEntries(pairs.map((p) => p.split('=')));
      return [
        { major: major!, minor: minor!, op: 'read', value: Number(f.rbytes ?? 0) },
        { major: major!, minor: minor!, op: 'write', value: Number(f.wbytes ?? 0) },
      ];
    });
    return {
      cpu_stats: {
        cpu_usage: { total_usage: (cpu.usage_usec ?? 0) * 1000, usage_in_kernelmode: (cpu.system_usec ?? 0) * 1000, usage_in_usermode: (cpu.user_usec ?? 0) * 1000 },
        system_cpu_usage: system,
        online_cpus: online,
        throttling_data: { periods: cpu.nr_periods ?? 0, throttled_periods: cpu.nr_throttled ?? 0, throttled_time: (cpu.throttled_usec ?? 0) * 1000 },
      },
      memory_stats: { usage: num(`${dir}/memory.current`), limit: max === undefined || max === 'max' ? hostMemory() : Number(max), stats: mem },
      pids_stats: { current: num(`${dir}/pids.current`) },
      blkio_stats: { io_service_bytes_recursive: io.length ? io : null },
    };
  }
  const at = (controller: string, file: string): string => `${root}/${controller}${cgroupsPath}/${file}`;
  const stat = kv(read(at('cpuacct', 'cpuacct.stat')));
  const tick = 1e9 / 100;
  const memStats = kv(read(at('memory', 'memory.stat')));
  const limit = num(at('memory', 'memory.limit_in_bytes'));
  const blkio = (read(at('blkio', 'blkio.throttle.io_service_bytes_recursive')) ?? read(at('blkio', 'blkio.throttle.io_service_bytes')) ?? '')
    .split('\n')
    .map((l) => l.split(/\s+/))
    .filter((f) => f.length === 3 && /^\d+:\d+$/.test(f[0]!))
    .map(([dev, op, value]) => {
      const [major, minor] = dev!.split(':').map(Number);
      return { major: major!, minor: minor!, op: op!.toLowerCase(), value: Number(value) };
    });
  const throttle = kv(read(at('cpu', 'cpu.stat')));
  return {
    cpu_stats: {
      cpu_usage: {
        total_usage: num(at('cpuacct', 'cpuacct.usage')),
        usage_in_kernelmode: (stat.system ?? 0) * tick,
        usage_in_usermode: (stat.user ?? 0) * tick,
        percpu_usage: (read(at('cpuacct', 'cpuacct.usage_percpu')) ?? '').split(/\s+/).filter(Boolean).map(Number),
      },
      system_cpu_usage: system,
      online_cpus: online,
      throttling_data: { periods: throttle.nr_periods ?? 0, throttled_periods: throttle.nr_throttled ?? 0, throttled_time: throttle.throttled_time ?? 0 },
    },
    memory_stats: {
      usage: num(at('memory', 'memory.usage_in_bytes')),
      max_usage: num(at('memory', 'memory.max_usage_in_bytes')),
      // An unlimited v1 cgroup reports a huge number: Docker shows the host's memory instead.
      limit: limit === 0 || limit > hostMemory() ? hostMemory() : limit,
      stats: memStats,
    },
    pids_stats: { current: num(at('pids', 'pids.current')) },
    blkio_stats: { io_service_bytes_recursive: blkio.length ? blkio : null },
  };
}

function hostMemory(): number {
  return Number(/MemTotal:\s+(\d+)/.exec(read('/proc/meminfo') ?? '')?.[1] ?? 0) * 1024;
}

/**
 * The OCI runtime config (config.json) for a container, with Docker's defaults (moby
 * oci/defaults.go, daemon/oci_linux.go): mounts, capabilities, masked paths, device rules.
 * Pure: everything it needs arrives resolved (user IDs, rootfs path, seccomp profile).
 */
import type { OciSeccomp } from './seccomp.js';

export const DEFAULT_CAPS = [
  'CAP_CHOWN', 'CAP_DAC_OVERRIDE', 'CAP_FSETID', 'CAP_FOWNER', 'CAP_MKNOD', 'CAP_NET_RAW', 'CAP_SETGID',
  'CAP_SETUID', 'CAP_SETFCAP', 'CAP_SETPCAP', 'CAP_NET_BIND_SERVICE', 'CAP_SYS_CHROOT', 'CAP_KILL', 'CAP_AUDIT_WRITE',
];

const MASKED_PATHS = [
  '/proc/asound', '/proc/acpi', '/proc/interrupts', '/proc/kcore', '/proc/keys', '/proc/latency_stats', '/proc/timer_list',
  '/proc/timer_stats', '/proc/sched_debug', '/proc/scsi', '/sys/firmware', '/sys/devices/virtual/powercap',
];
const READONLY_PATHS = ['/proc/bus', '/proc/fs', '/proc/irq', '/proc/sys', '/proc/sysrq-trigger'];

export interface OciMount {
  destination: string;
  type: string;
  source: string;
  options: string[];
}

export interface OciResources {
  devices?: { allow: boolean; type?: string; major?: number; minor?: number; access?: string }[];
  memory?: { limit?: number; reservation?: number; swap?: number; disableOOMKiller?: boolean; swappiness?: number };
  cpu?: { shares?: number; quota?: number; period?: number; cpus?: string; mems?: string };
  pids?: { limit: number };
  blockIO?: { weight?: number };
}

export interface OciSpec {
  ociVersion: string;
  process: {
    terminal: boolean;
    consoleSize?: { height: number; width: number };
    user: { uid: number; gid: number; additionalGids?: number[] };
    args: string[];
    env: string[];
    cwd: string;
    capabilities: { bounding: string[]; effective: string[]; permitted: string[]; inheritable?: string[]; ambient?: string[] };
    rlimits?: { type: string; hard: number; soft: number }[];
    noNewPrivileges: boolean;
    oomScoreAdj?: number;
  };
  root: { path: string; readonly: boolean };
  hostname?: string;
  domainname?: string;
  mounts: OciMount[];
  linux: {
    namespaces: { type: string; path?: string }[];
    resources: OciResources;
    cgroupsPath: string;
    maskedPaths?: string[];
    readonlyPaths?: string[];
    seccomp?: OciSeccomp;
    devices?: { path: string; type: string; major: number; minor: number; fileMode?: number; uid?: number; gid?: number }[];
    sysctl?: Record<string, string>;
    rootfsPropagation?: string;
  };
  annotations?: Record<string, string>;
}

export interface SpecInput {
  id: string;
  rootfs: string;
  readonlyRootfs: boolean;
  hostname: string;
  domainname: string;
  args: string[];
  env: string[];
  cwd: string;
  user: { uid: number; gid: number; additionalGids: number[] };
  terminal: boolean;
  consoleSize?: [number, number] | undefined;
  capabilities: string[];
  privileged: boolean;
  noNewPrivileges: boolean;
  seccomp?: OciSeccomp | undefined;
  rlimits: { type: string; hard: number; soft: number }[];
  /** Where the network namespace comes from: none = a fresh one, host = the host's, a path = join it. */
  network: { mode: 'new' } | { mode: 'host' } | { mode: 'path'; path: string };
  /** As network: a path joins another container's (`--ipc container:X`). */
  ipc: { mode: 'new' } | { mode: 'host' } | { mode: 'path'; path: string };
  /** /dev/shm: a private tmpfs (undefined), a host directory bound in (shareable, joined), or none. */
  shm?: { bind: string } | 'none' | undefined;
  /** As network: a path joins another container's (`--pid container:X`). */
  pid: { mode: 'new' } | { mode: 'host' } | { mode: 'path'; path: string };
  uts: { mode: 'new' } | { mode: 'host' };
  shmSize: number;
  /** Extra mounts (/etc files, volumes, binds, tmpfs), in any order. */
  mounts: OciMount[];
  /** rshared/rslave when a bind needs its propagation to reach the container (default rprivate). */
  rootfsPropagation?: string | undefined;
  resources: OciResources;
  cgroupsPath: string;
  devices: NonNullable<OciSpec['linux']['devices']>;
  deviceRules: NonNullable<OciResources['devices']>;
  sysctl: Record<string, string>;
  maskedPaths?: string[] | undefined;
  readonlyPaths?: string[] | undefined;
  annotations: Record<string, string>;
}

/** Docker's device cgroup rules (oci/defaults.go, oci/devices_linux.go). */
export const DEFAULT_DEVICE_RULES: NonNullable<OciResources['devices']> = [
  { allow: false, access: 'rwm' },
  { allow: true, type: 'c', major: 1, minor: 5, access: 'rwm' },
  { allow: true, type: 'c', major: 1, minor: 3, access: 'rwm' },
  { allow: true, type: 'c', major: 1, minor: 9, access: 'rwm' },
  { allow: true, type: 'c', major: 1, minor: 8, access: 'rwm' },
  { allow: true, type: 'c', major: 5, minor: 0, access: 'rwm' },
  { allow: true, type: 'c', major: 5, minor: 1, access: 'rwm' },
  { allow: false, type: 'c', major: 10, minor: 229, access: 'rwm' },
];

function defaultMounts(shmSize: number): OciMount[] {
  return [
    { destination: '/proc', type: 'proc', source: 'proc', options: ['nosuid', 'noexec', 'nodev'] },
    { destination: '/dev', type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'strictatime', 'mode=755', 'size=65536k'] },
    { destination: '/dev/pts', type: 'devpts', source: 'devpts', options: ['nosuid', 'noexec', 'newinstance', 'ptmxmode=0666', 'mode=0620', 'gid=5'] },
    { destination: '/sys', type: 'sysfs', source: 'sysfs', options: ['nosuid', 'noexec', 'nodev', 'ro'] },
    { destination: '/sys/fs/cgroup', type: 'cgroup', source: 'cgroup', options: ['ro', 'nosuid', 'noexec', 'nodev'] },
    { destination: '/dev/mqueue', type: 'mqueue', source: 'mqueue', options: ['nosuid', 'noexec', 'nodev'] },
    { destination: '/dev/shm', type: 'tmpfs', source: 'shm', options: ['nosuid', 'noexec', 'nodev', 'mode=1777', `size=${shmSize}`] },
  ];
}

/** Parents before children; a later mount on the same destination replaces an earlier one. */
function orderMounts(defaults: OciMount[], extra: OciMount[]): OciMount[] {
  const byDest = new Map<string, OciMount>();
  for (const m of [...defaults, ...extra]) {
    const dest = m.destination.replace(/\/+$/, '') || '/';
    byDest.delete(dest);
    byDest.set(dest, { ...m, destination: dest });
  }
  const depth = (p: string): number => p.split('/').filter(Boolean).length;
  // A stable sort keeps the defaults' order among equal depths (/dev before /dev/pts comes from depth).
  return [...byDest.values()].sort((a, b) => depth(a.destination) - depth(b.destination));
}

export function buildOciSpec(i: SpecInput): OciSpec {
  const caps = i.capabilities;
  const namespaces: { type: string; path?: string }[] = [{ type: 'mount' }];
  if (i.network.mode === 'new') namespaces.push({ type: 'network' });
  else if (i.network.mode === 'path') namespaces.push({ type: 'network', path: i.network.path });
  if (i.pid.mode === 'new') namespaces.push({ type: 'pid' });
  else if (i.pid.mode === 'path') namespaces.push({ type: 'pid', path: i.pid.path });
  if (i.ipc.mode === 'new') namespaces.push({ type: 'ipc' });
  else if (i.ipc.mode === 'path') namespaces.push({ type: 'ipc', path: i.ipc.path });
  if (i.uts.mode === 'new') namespaces.push({ type: 'uts' });
  const mounts = orderMounts(defaultMounts(i.shmSize), i.mounts).filter(
    // Sharing the host's IPC namespace means sharing its /dev/shm and mqueue, as Docker does.
    (m) => !(i.ipc.mode === 'host' && (m.destination === '/dev/shm' || m.destination === '/dev/mqueue')) && !(i.shm !== undefined && m.destination === '/dev/shm'),
  );
  if (i.shm !== undefined && i.shm !== 'none' && i.ipc.mode !== 'host') mounts.push({ destination: '/dev/shm', type: 'bind', source: i.shm.bind, options: ['rbind', 'rprivate'] });
  if (i.ipc.mode === 'host') {
    mounts.push({ destination: '/dev/shm', type: 'bind', source: '/dev/shm', options: ['rbind', 'rprivate'] });
    mounts.push({ destination: '/dev/mqueue', type: 'bind', source: '/dev/mqueue', options: ['rbind', 'rprivate'] });
  }
  if (i.privileged) {
    // Privileged: the host's /sys and cgroups writable, as Docker mounts them.
    for (const m of mounts) if (m.destination === '/sys' || m.destination === '/sys/fs/cgroup') m.options = m.options.filter((o) => o !== 'ro');
  }
  return {
    ociVersion: '1.0.2',
    process: {
      terminal: i.terminal,
      ...(i.terminal && i.consoleSize && i.consoleSize[0] > 0 ? { consoleSize: { height: i.consoleSize[0], width: i.consoleSize[1] } } : {}),
      user: { uid: i.user.uid, gid: i.user.gid, ...(i.user.additionalGids.length ? { additionalGids: i.user.additionalGids } : {}) },
      args: i.args,
      env: i.env,
      cwd: i.cwd,
      capabilities: { bounding: caps, effective: caps, permitted: caps },
      ...(i.rlimits.length ? { rlimits: i.rlimits } : {}),
      noNewPrivileges: i.noNewPrivileges,
    },
    root: { path: i.rootfs, readonly: i.readonlyRootfs },
    ...(i.hostname ? { hostname: i.hostname } : {}),
    ...(i.domainname && i.hostname ? { domainname: i.domainname } : {}),
    mounts,
    linux: {
      namespaces,
      resources: { ...i.resources, devices: i.deviceRules },
      cgroupsPath: i.cgroupsPath,
      ...(i.privileged ? {} : { maskedPaths: i.maskedPaths ?? MASKED_PATHS, readonlyPaths: i.readonlyPaths ?? READONLY_PATHS }),
      ...(i.seccomp ? { seccomp: i.seccomp } : {}),
      ...(i.devices.length ? { devices: i.devices } : {}),
      ...(Object.keys(i.sysctl).length ? { sysctl: i.sysctl } : {}),
      rootfsPropagation: i.rootfsPropagation || 'rprivate',
    },
    annotations: i.annotations,
  };
}

/**
 * From a container record to the runtime's spec input: Docker's rules for the process (env,
 * args, user, workdir), capabilities, security options and resource limits.
 */
import { constants as osConstants } from 'node:os';
import { readFileSync } from 'node:fs';
import { BerthError, invalidArgument } from '../base/errors.js';
import { DEFAULT_CAPS, defaultSeccompProfile, loadSeccompProfile, type OciMount, type OciResources, type SpecInput } from '../runtime/index.js';
import type { ExecUser } from '../runtime/index.js';
import type { ContainerRecord } from './types.js';

export const DEFAULT_PATH = 'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/** Every capability the host's bounding set holds (this VM lacks CAP_SYS_RESOURCE). */
export function hostCapabilities(): string[] {
  const status = readFileSync('/proc/self/status', 'utf8');
  const bnd = BigInt(`0x${/^CapBnd:\s*([0-9a-f]+)/m.exec(status)?.[1] ?? '0'}`);
  return CAP_NAMES.filter((_, i) => (bnd >> BigInt(i)) & 1n);
}

/** Capability names by bit number (linux/capability.h). */
export const CAP_NAMES = [
  'CAP_CHOWN', 'CAP_DAC_OVERRIDE', 'CAP_DAC_READ_SEARCH', 'CAP_FOWNER', 'CAP_FSETID', 'CAP_KILL', 'CAP_SETGID', 'CAP_SETUID',
  'CAP_SETPCAP', 'CAP_LINUX_IMMUTABLE', 'CAP_NET_BIND_SERVICE', 'CAP_NET_BROADCAST', 'CAP_NET_ADMIN', 'CAP_NET_RAW', 'CAP_IPC_LOCK',
  'CAP_IPC_OWNER', 'CAP_SYS_MODULE', 'CAP_SYS_RAWIO', 'CAP_SYS_CHROOT', 'CAP_SYS_PTRACE', 'CAP_SYS_PACCT', 'CAP_SYS_ADMIN',
  'CAP_SYS_BOOT', 'CAP_SYS_NICE', 'CAP_SYS_RESOURCE', 'CAP_SYS_TIME', 'CAP_SYS_TTY_CONFIG', 'CAP_MKNOD', 'CAP_LEASE', 'CAP_AUDIT_WRITE',
  'CAP_AUDIT_CONTROL', 'CAP_SETFCAP', 'CAP_MAC_OVERRIDE', 'CAP_MAC_ADMIN', 'CAP_SYSLOG', 'CAP_WAKE_ALARM', 'CAP_BLOCK_SUSPEND',
  'CAP_AUDIT_READ', 'CAP_PERFMON', 'CAP_BPF', 'CAP_CHECKPOINT_RESTORE',
];

function normalizeCap(c: string): string {
  const up = c.toUpperCase();
  return up === 'ALL' ? 'ALL' : up.startsWith('CAP_') ? up : `CAP_${up}`;
}

/** Docker's TweakCapabilities: defaults (or all, privileged) plus adds minus drops. */
export function capabilities(rec: ContainerRecord, hostCaps: string[]): string[] {
  const h = rec.hostConfig;
  if (h.privileged) return hostCaps;
  const adds = h.capAdd.map(normalizeCap);
  const drops = h.capDrop.map(normalizeCap);
  for (const c of [...adds, ...drops]) {
    if (c !== 'ALL' && !CAP_NAMES.includes(c)) throw invalidArgument(`unknown capability: "${c}"`);
  }
  let caps = adds.includes('ALL') ? [...hostCaps] : [...DEFAULT_CAPS];
  for (const c of adds) if (c !== 'ALL' && !caps.includes(c)) caps.push(c);
  if (drops.includes('ALL')) caps = adds.filter((c) => c !== 'ALL');
  else caps = caps.filter((c) => !drops.includes(c) || adds.includes(c));
  const missing = caps.filter((c) => !hostCaps.includes(c));
  if (missing.length) throw invalidArgument(`capabilities not available on this host: ${missing.join(', ')} (the daemon's bounding set lacks them)`);
  return caps;
}

/**
 * Docker's env: the image's, overridden by the user's, plus PATH, HOSTNAME, TERM and HOME; legacy
 * links' variables come before the image's, which override them (moby's CreateDaemonEnvironment).
 */
export function processEnv(rec: ContainerRecord, imageEnv: string[], hostname: string, home: string, linkEnv: readonly string[] = []): string[] {
  const out = new Map<string, string>();
  const add = (e: string): void => {
    const eq = e.indexOf('=');
    out.set(eq < 0 ? e : e.slice(0, eq), e);
  };
  add(DEFAULT_PATH);
  add(`HOSTNAME=${hostname}`);
  for (const e of linkEnv) add(e);
  for (const e of imageEnv) add(e);
  if (rec.config.tty) add('TERM=xterm');
  for (const e of rec.config.env) {
    // `-e NAME` without a value and unset on the client arrives bare: Docker drops it.
    if (e.includes('=')) add(e);
  }
  if (!out.has('HOME')) add(`HOME=${home}`);
  return [...out.values()];
}

const RLIMIT_NAMES: Record<string, string> = {
  core: 'RLIMIT_CORE', cpu: 'RLIMIT_CPU', data: 'RLIMIT_DATA', fsize: 'RLIMIT_FSIZE', locks: 'RLIMIT_LOCKS', memlock: 'RLIMIT_MEMLOCK',
  msgqueue: 'RLIMIT_MSGQUEUE', nice: 'RLIMIT_NICE', nofile: 'RLIMIT_NOFILE', nproc: 'RLIMIT_NPROC', rss: 'RLIMIT_RSS', rtprio: 'RLIMIT_RTPRIO',
  rttime: 'RLIMIT_RTTIME', sigpending: 'RLIMIT_SIGPENDING', stack: 'RLIMIT_STACK', as: 'RLIMIT_AS',
};

/** The daemon's own hard limit: without CAP_SYS_RESOURCE a container cannot be given more. */
function hardLimit(type: string): number | undefined {
  return type === 'RLIMIT_NOFILE' ? (nofileHard ??= readNofileHard()) : undefined;
}

/** Read once: a process cannot raise its own hard limit without CAP_SYS_RESOURCE either. */
let nofileHard: number | undefined;
function readNofileHard(): number | undefined {
  const line = readFileSync('/proc/self/limits', 'utf8').split('\n').find((l) => l.startsWith('Max open files'));
  const hard = line?.trim().split(/\s+/)[4];
  return hard && /^\d+$/.test(hard) ? Number(hard) : undefined;
}

export function rlimits(rec: ContainerRecord, hasSysResource: boolean): SpecInput['rlimits'] {
  return rec.hostConfig.ulimits.map((u) => {
    const type = RLIMIT_NAMES[u.name];
    if (!type) throw invalidArgument(`invalid ulimit type: ${u.name}`);
    if (u.soft > u.hard) throw invalidArgument(`ulimit soft limit must be less than or equal to hard limit: ${u.soft} > ${u.hard}`);
    const max = hardLimit(type);
    if (!hasSysResource && max !== undefined && u.hard > max) {
      throw invalidArgument(`ulimit ${u.name}=${u.soft}:${u.hard} exceeds the daemon's hard limit ${max} (raising it needs CAP_SYS_RESOURCE)`);
    }
    return { type, soft: u.soft, hard: u.hard };
  });
}

export function resources(rec: ContainerRecord): OciResources {
  const h = rec.hostConfig;
  const r: OciResources = {};
  if (h.memory || h.memoryReservation || h.memorySwap || h.oomKillDisable || h.memorySwappiness !== null) {
    if (h.memory && h.memory < 6 * 1024 * 1024) throw invalidArgument('Minimum memory limit allowed is 6MB');
    if (h.memorySwap > 0 && h.memory && h.memorySwap < h.memory) throw invalidArgument('Minimum memoryswap limit should be larger than memory limit, see usage');
    if (h.memorySwap > 0 && !h.memory) throw invalidArgument('You should always set the Memory limit when using Memoryswap limit, see usage');
    r.memory = {
      ...(h.memory ? { limit: h.memory } : {}),
      ...(h.memoryReservation ? { reservation: h.memoryReservation } : {}),
      // Docker: swap unset with a memory limit means memory+swap = twice the limit.
      ...(h.memory ? { swap: h.memorySwap === 0 ? h.memory * 2 : h.memorySwap } : {}),
      ...(h.oomKillDisable ? { disableOOMKiller: true } : {}),
      ...(h.memorySwappiness !== null && h.memorySwappiness >= 0 ? { swappiness: h.memorySwappiness } : {}),
    };
  }
  if (h.nanoCpus && (h.cpuQuota || h.cpuPeriod)) throw invalidArgument('Conflicting options: Nano CPUs and CPU Period cannot both be set');
  const cpu: NonNullable<OciResources['cpu']> = {};
  if (h.cpuShares) cpu.shares = h.cpuShares;
  if (h.nanoCpus) {
    cpu.period = 100_000;
    cpu.quota = Math.round((h.nanoCpus * 100_000) / 1e9);
  }
  if (h.cpuQuota) cpu.quota = h.cpuQuota;
  if (h.cpuPeriod) cpu.period = h.cpuPeriod;
  if (h.cpusetCpus) cpu.cpus = h.cpusetCpus;
  if (h.cpusetMems) cpu.mems = h.cpusetMems;
  if (Object.keys(cpu).length) r.cpu = cpu;
  if (h.pidsLimit) r.pids = { limit: h.pidsLimit > 0 ? h.pidsLimit : -1 };
  if (h.blkioWeight) {
    if (h.blkioWeight < 10 || h.blkioWeight > 1000) throw invalidArgument('Range of blkio weight is from 10 to 1000');
    r.blockIO = { weight: h.blkioWeight };
  }
  return r;
}

export function seccompFor(rec: ContainerRecord, caps: string[]): SpecInput['seccomp'] {
  if (rec.hostConfig.privileged) return undefined;
  for (const opt of rec.hostConfig.securityOpt) {
    const [k, v = ''] = opt.includes('=') ? (opt.split(/=(.*)/s, 2) as [string, string]) : opt.split(':', 2);
    if (k !== 'seccomp') continue;
    if (v === 'unconfined') return undefined;
    let text: string;
    try {
      text = v.trimStart().startsWith('{') ? v : readFileSync(v, 'utf8');
    } catch (err) {
      throw invalidArgument(`opening seccomp profile (${v}) failed: ${(err as Error).message}`);
    }
    return loadSeccompProfile(text, { capabilities: caps });
  }
  // The profile depends only on the capability set; building it parses ~60 KB of JSON.
  const key = [...caps].sort().join(',');
  let profile = seccompCache.get(key);
  if (!profile) {
    profile = defaultSeccompProfile({ capabilities: caps });
    seccompCache.set(key, profile);
  }
  return profile;
}
const seccompCache = new Map<string, SpecInput['seccomp']>();

export function noNewPrivileges(rec: ContainerRecord): boolean {
  return rec.hostConfig.securityOpt.some((o) => /^no-new-privileges(?:[:=]true)?$/.test(o));
}

export function checkSecurityOpts(rec: ContainerRecord): void {
  for (const opt of rec.hostConfig.securityOpt) {
    const key = opt.split(/[=:]/, 1)[0]!;
    if (!['seccomp', 'no-new-privileges', 'apparmor', 'label'].includes(key)) throw invalidArgument(`invalid --security-opt: "${opt}"`);
  }
}

export function signalNumber(sig: string | number | undefined, fallback = 'SIGTERM'): number {
  if (typeof sig === 'number') return sig;
  const s = (sig || fallback).toUpperCase();
  if (/^\d+$/.test(s)) return Number(s);
  const name = s.startsWith('SIG') ? s : `SIG${s}`;
  const n = (osConstants.signals as Record<string, number>)[name];
  if (n === undefined) throw new BerthError('InvalidArgument', `Invalid signal: ${sig}`);
  return n;
}

export function etcMounts(paths: { hosts: string; hostname: string; resolvConf: string }, readonly: boolean): OciMount[] {
  const opts = ['rbind', 'rprivate', ...(readonly ? ['ro'] : [])];
  return [
    { destination: '/etc/resolv.conf', type: 'bind', source: paths.resolvConf, options: opts },
    { destination: '/etc/hostname', type: 'bind', source: paths.hostname, options: opts },
    { destination: '/etc/hosts', type: 'bind', source: paths.hosts, options: opts },
  ];
}

export type { ExecUser };

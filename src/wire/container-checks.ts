/**
 * What moby checks in a container create body before it creates anything, in its order and
 * with its messages (v28: runconfig.decodeContainerConfig, the create route's version rules,
 * daemon.verifyContainerSettings). Bodies are adjusted in place where moby adjusts them
 * (defaults, limits the host cannot apply); the warnings moby returns come back.
 */
import { isIP } from 'node:net';
import { invalidArgument } from '../base/errors.js';
import type { CreateRequest, HostConfig } from './schemas/index.js';
import { checkResources, type ResourceCaps } from './resource-checks.js';

export interface CreateCheckContext {
  /** The request's API version, 1.NN → NN. */
  apiMinor: number;
  caps: ResourceCaps;
  /** Runtime names the daemon knows, and the one it uses when none is named. */
  runtimes: string[];
  defaultRuntime: string;
}

const CONFIG_FIELDS = (body: CreateRequest): boolean => Object.keys(body).some((k) => k !== 'HostConfig' && k !== 'NetworkingConfig');

/**
 * @returns the warnings moby answers with (limits it dropped, published ports on the host network).
 * @throws BerthError InvalidArgument with moby's message for a body it refuses.
 */
export function checkCreate(body: CreateRequest, ctx: CreateCheckContext): string[] {
  const hc = body.HostConfig;
  if (hc) checkDecoded(body, hc, ctx.caps);
  if (!CONFIG_FIELDS(body)) throw invalidArgument('config cannot be empty in order to create a container');
  const h: HostConfig = (body.HostConfig ??= {});
  if (!h.NetworkMode) h.NetworkMode = 'default';
  checkForVersion(body, h, ctx.apiMinor);
  if (h.PidsLimit != null && h.PidsLimit <= 0) h.PidsLimit = undefined;
  if (!h.RestartPolicy?.Name) h.RestartPolicy = { ...h.RestartPolicy, Name: 'no' };
  checkConfig(body);
  checkHostConfig(h);
  return checkPlatform(h, ctx);
}

/** runconfig's checks, run as the body is decoded (only when it has a HostConfig). */
function checkDecoded(body: CreateRequest, hc: HostConfig, caps: ResourceCaps): void {
  if (!hc.NetworkMode) hc.NetworkMode = 'default';
  checkNetMode(body, hc);
  if (!isDefaultIsolation(hc.Isolation)) throw invalidArgument(`invalid isolation (${hc.Isolation}): linux only supports 'default'`);
  if (hc.IOMaximumBandwidth) throw invalidArgument('invalid option: QoS maximum bandwidth configuration is not supported on linux');
  if (hc.IOMaximumIOps) throw invalidArgument('invalid option: QoS maximum IOPs configuration is not supported on linux');
  const rtPeriod = hc.CpuRealtimePeriod ?? 0;
  const rtRuntime = hc.CpuRealtimeRuntime ?? 0;
  if ((rtPeriod !== 0 || rtRuntime !== 0) && !caps.cpuRealtime) throw invalidArgument('kernel does not support CPU real-time scheduler');
  if (rtPeriod !== 0 && rtRuntime !== 0 && rtRuntime > rtPeriod) throw invalidArgument('cpu real-time runtime cannot be higher than cpu real-time period');
  if (caps.cpuShares && (hc.CpuShares ?? 0) < 0) throw invalidArgument(`invalid CPU shares (${hc.CpuShares}): value must be a positive integer`);
}

const isDefaultIsolation = (i: string | undefined): boolean => ['', 'default'].includes((i ?? '').toLowerCase());

/** runconfig's validateNetMode: what cannot go with sharing another container's or the host's stacks. */
function checkNetMode(body: CreateRequest, hc: HostConfig): void {
  const mode = hc.NetworkMode ?? '';
  if (mode === 'container' || mode.startsWith('container:')) {
    if (mode.slice('container:'.length) === '') throw invalidArgument('invalid network mode: invalid container format container:<name|id>');
    if (body.Hostname) throw invalidArgument('conflicting options: hostname and the network mode');
    if (hc.Links?.length) throw invalidArgument("conflicting options: container type network can't be used with links. This would result in undefined behavior");
    if (hc.Dns?.length) throw invalidArgument('conflicting options: dns and the network mode');
    if (hc.ExtraHosts?.length) throw invalidArgument('conflicting options: custom host-to-IP mapping and the network mode');
    if (Object.keys(hc.PortBindings ?? {}).length || hc.PublishAllPorts) throw invalidArgument('conflicting options: port publishing and the container type network mode');
    if (Object.keys(body.ExposedPorts ?? {}).length) throw invalidArgument('conflicting options: port exposing and the container type network mode');
  }
  if (hc.UTSMode === 'host' && body.Hostname) throw invalidArgument('conflicting options: hostname and the UTS mode');
  if (mode === 'host' && hc.Links?.length) throw invalidArgument("conflicting options: host type networking can't be used with links. This would result in undefined behavior");
}

/** The create route's rules for fields older or newer API versions did not have. */
function checkForVersion(body: CreateRequest, h: HostConfig, apiMinor: number): void {
  const mounts = h.Mounts ?? [];
  // Before 1.25 the client removed the container itself.
  if (apiMinor < 25) h.AutoRemove = false;
  if (apiMinor < 40) {
    for (const m of mounts) if (m.BindOptions) m.BindOptions.NonRecursive = false;
    h.KernelMemoryTCP = 0;
    // Clients before 1.40 expect a shareable IPC namespace by default.
    if (!h.IpcMode) h.IpcMode = 'shareable';
  }
  if (apiMinor < 42) {
    for (const m of mounts) {
      if (m.BindOptions) m.BindOptions.CreateMountpoint = false;
      if (m.VolumeOptions && m.Type !== 'volume') m.VolumeOptions = undefined;
      if (m.TmpfsOptions && m.Type !== 'tmpfs') m.TmpfsOptions = undefined;
    }
    h.ConsoleSize = [0, 0];
  } else {
    h.KernelMemory = 0;
    for (const m of mounts) {
      if (m.VolumeOptions && m.Type !== 'volume') throw invalidArgument(`VolumeOptions must not be specified on mount type "${m.Type ?? ''}"`);
      if (m.BindOptions && m.Type !== 'bind') throw invalidArgument(`BindOptions must not be specified on mount type "${m.Type ?? ''}"`);
      if (m.TmpfsOptions && m.Type !== 'tmpfs') throw invalidArgument(`TmpfsOptions must not be specified on mount type "${m.Type ?? ''}"`);
    }
  }
  if (apiMinor < 43) h.Annotations = undefined;
  if (apiMinor < 44) {
    if (body.Healthcheck) body.Healthcheck.StartInterval = 0;
    if (mounts.some((m) => m.Type === 'bind' && m.BindOptions?.ReadOnlyForceRecursive)) throw invalidArgument('BindOptions.ReadOnlyForceRecursive needs API v1.44 or newer');
    const names = Object.keys(body.NetworkingConfig?.EndpointsConfig ?? {});
    if (names.length > 1) throw invalidArgument(`Container cannot be created with multiple network endpoints: ${names.join(', ')}`);
  }
  if (apiMinor < 45 && mounts.some((m) => m.VolumeOptions?.Subpath)) throw invalidArgument('VolumeOptions.Subpath needs API v1.45 or newer');
  if (apiMinor < 48) {
    for (const ep of Object.values(body.NetworkingConfig?.EndpointsConfig ?? {})) if (ep) ep.GwPriority = 0;
    if (mounts.some((m) => m.Type === 'image')) throw invalidArgument('Mount type "Image" needs API v1.48 or newer');
  }
}

const MIN_DURATION = 1_000_000;

/** moby's validateContainerConfig. */
function checkConfig(c: CreateRequest): void {
  if (c.WorkingDir && !c.WorkingDir.startsWith('/')) throw invalidArgument(`the working directory '${c.WorkingDir}' is invalid, it needs to be an absolute path`);
  if (c.StopSignal && !isSignal(c.StopSignal)) throw invalidArgument(`Invalid signal: ${c.StopSignal}`);
  for (const env of c.Env ?? []) if (env.split('=')[0] === '') throw invalidArgument(`invalid environment variable: ${env}`);
  const hc = c.Healthcheck;
  if (!hc) return;
  const tooShort = (name: string, value: number | undefined): void => {
    if (value && value < MIN_DURATION) throw invalidArgument(`${name} in Healthcheck cannot be less than 1ms`);
  };
  tooShort('Interval', hc.Interval);
  tooShort('Timeout', hc.Timeout);
  if ((hc.Retries ?? 0) < 0) throw invalidArgument('Retries in Healthcheck cannot be negative');
  tooShort('StartPeriod', hc.StartPeriod);
  tooShort('StartInterval', hc.StartInterval);
}

/** moby's validateHostConfig (mounts are checked where they are planned, in containers/). */
function checkHostConfig(h: HostConfig): void {
  const policy = h.RestartPolicy ?? {};
  if (h.AutoRemove && policy.Name !== 'no' && policy.Name !== '') throw invalidArgument("can't create 'AutoRemove' container with restart policy");
  for (const host of h.ExtraHosts ?? []) checkExtraHost(host);
  checkPortBindings(h.PortBindings ?? {});
  checkRestartPolicy(policy.Name ?? '', policy.MaximumRetryCount ?? 0);
  checkCapabilities('CapAdd', h.CapAdd);
  checkCapabilities('CapDrop', h.CapDrop);
  for (const k of Object.keys(h.Annotations ?? {})) if (k === '') throw invalidArgument('invalid Annotations: the empty string is not permitted as an annotation key');
}

/** moby's ValidateRestartPolicy. */
export function checkRestartPolicy(name: string, retries: number): void {
  switch (name) {
    case 'always':
    case 'unless-stopped':
    case 'no':
      if (retries !== 0) throw invalidArgument(`invalid restart policy: maximum retry count can only be used with 'on-failure'${retries < 0 ? ' and cannot be negative' : ''}`);
      return;
    case 'on-failure':
      if (retries < 0) throw invalidArgument('invalid restart policy: maximum retry count cannot be negative');
      return;
    case '':
      return;
    default:
      throw invalidArgument(`invalid restart policy: unknown policy '${name}'; use one of 'no', 'always', 'on-failure', or 'unless-stopped'`);
  }
}

/** opts.ValidateExtraHost: `host:ip` or `host=ip`, the IP may be bracketed, or `host-gateway`. */
function checkExtraHost(val: string): void {
  let sep = val.indexOf('=');
  if (sep < 0) sep = val.indexOf(':');
  if (sep <= 0) throw invalidArgument(`bad format for add-host: ${JSON.stringify(val)}`);
  let ip = val.slice(sep + 1);
  if (ip === 'host-gateway') return;
  if (ip.length > 2 && ip.startsWith('[') && ip.endsWith(']')) ip = ip.slice(1, -1);
  if (isIP(ip) === 0) throw invalidArgument(`invalid IP address in add-host: ${JSON.stringify(ip)}`);
}

/** validatePortBindings: container ports are `port[/proto]`, host ports a port or a range. */
function checkPortBindings(ports: NonNullable<HostConfig['PortBindings']>): void {
  const isPort = (s: string): boolean => s === '' || (/^\d+$/.test(s) && Number(s) <= 65535);
  for (const [key, bindings] of Object.entries(ports)) {
    const port = key.split('/')[0]!;
    if (!isPort(port)) throw invalidArgument(`invalid port specification: ${JSON.stringify(port)}`);
    for (const b of bindings ?? []) {
      const hostPort = (b.HostPort ?? '').split('/')[0]!;
      const [lo = '', hi, extra] = hostPort.split('-');
      const ok = extra === undefined && isPort(lo) && (hi === undefined || (isPort(hi) && hi !== '' && Number(hi) >= Number(lo)));
      if (!ok) throw invalidArgument(`invalid port specification: ${JSON.stringify(b.HostPort ?? '')}`);
    }
  }
}

const CAPABILITIES = new Set(
  'CHOWN DAC_OVERRIDE DAC_READ_SEARCH FOWNER FSETID KILL SETGID SETUID SETPCAP LINUX_IMMUTABLE NET_BIND_SERVICE NET_BROADCAST NET_ADMIN NET_RAW IPC_LOCK IPC_OWNER SYS_MODULE SYS_RAWIO SYS_CHROOT SYS_PTRACE SYS_PACCT SYS_ADMIN SYS_BOOT SYS_NICE SYS_RESOURCE SYS_TIME SYS_TTY_CONFIG MKNOD LEASE AUDIT_WRITE AUDIT_CONTROL SETFCAP MAC_OVERRIDE MAC_ADMIN SYSLOG WAKE_ALARM BLOCK_SUSPEND AUDIT_READ PERFMON BPF CHECKPOINT_RESTORE'
    .split(' ')
    .map((c) => `CAP_${c}`),
);

/** caps.NormalizeLegacyCapabilities: `ALL`, or known capabilities with or without `CAP_`. */
function checkCapabilities(field: 'CapAdd' | 'CapDrop', caps: string | string[] | null | undefined): void {
  for (const raw of typeof caps === 'string' ? [caps] : (caps ?? [])) {
    const c = raw.toUpperCase();
    if (c === 'ALL') continue;
    const name = c.startsWith('CAP_') ? c : `CAP_${c}`;
    if (!CAPABILITIES.has(name)) throw invalidArgument(`invalid ${field}: unknown capability: ${JSON.stringify(name)}`);
  }
}

const SIGNALS = new Set(
  'ABRT ALRM BUS CHLD CLD CONT FPE HUP ILL INT IO IOT KILL PIPE POLL PROF PWR QUIT SEGV STKFLT STOP SYS TERM TRAP TSTP TTIN TTOU URG USR1 USR2 VTALRM WINCH XCPU XFSZ RTMIN RTMAX'.split(' '),
);
for (let i = 1; i <= 15; i++) SIGNALS.add(`RTMIN+${i}`).add(`RTMAX-${i}`);

/** signal.ParseSignal: a non-zero number, or a name with or without `SIG`. */
function isSignal(raw: string): boolean {
  if (/^[+-]?\d+$/.test(raw)) return Number(raw) !== 0;
  return SIGNALS.has(raw.toUpperCase().replace(/^SIG/, ''));
}

/** verifyPlatformContainerSettings: resources, namespace modes, runtime, tmpfs, cgroupns. */
function checkPlatform(h: HostConfig, ctx: CreateCheckContext): string[] {
  const warnings = checkResources(h, ctx.caps, false);
  const ipc = h.IpcMode ?? '';
  if (!['', 'none', 'private', 'host', 'shareable'].includes(ipc) && !ipc.startsWith('container:')) throw invalidArgument(`invalid IPC mode: ${ipc}`);
  const pid = h.PidMode ?? '';
  if (!['', 'host'].includes(pid) && !(pid.startsWith('container:') && pid.length > 'container:'.length)) throw invalidArgument(`invalid PID mode: ${pid}`);
  if ((h.ShmSize ?? 0) < 0) throw invalidArgument('SHM size can not be less than 0');
  if (!['', 'host'].includes(h.UTSMode ?? '')) throw invalidArgument(`invalid UTS mode: ${h.UTSMode}`);
  const oom = h.OomScoreAdj ?? 0;
  if (oom < -1000 || oom > 1000) throw invalidArgument(`Invalid value ${oom}, range for oom score adj is [-1000, 1000]`);
  if (h.NetworkMode === 'host' && Object.keys(h.PortBindings ?? {}).length) warnings.push('Published ports are discarded when using host network mode');
  if (!h.Runtime) h.Runtime = ctx.defaultRuntime;
  if (!ctx.runtimes.includes(h.Runtime)) throw invalidArgument(`unknown or invalid runtime name: ${h.Runtime}`);
  for (const dest of Object.keys(h.Tmpfs ?? {})) {
    if (dest === '/') throw invalidArgument("invalid specification: destination can't be '/'");
    if (!dest.startsWith('/')) throw invalidArgument(`invalid mount path: '${dest}' mount path must be absolute`);
  }
  if (!['', 'private', 'host'].includes(h.CgroupnsMode ?? '')) throw invalidArgument(`invalid cgroup namespace mode: ${h.CgroupnsMode}`);
  return warnings;
}

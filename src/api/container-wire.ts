/**
 * Docker's container JSON (create bodies, inspect, list) to and from berth's domain types:
 * the one place that knows both casings.
 */
import { humanDuration } from '../base/duration.js';
import { invalidArgument } from '../base/errors.js';
import type { ContainerConfig, ContainerRecord, EndpointsConfig, HealthConfig, HostConfig, MountPoint, MountSpec } from '../containers/index.js';

type Json = Record<string, unknown>;

function obj(v: unknown, what: string): Json {
  if (v === undefined || v === null) return {};
  if (typeof v !== 'object' || Array.isArray(v)) throw invalidArgument(`json: cannot unmarshal ${typeof v} into Go struct field ${what} of type object`);
  return v as Json;
}
function str(v: unknown, what: string): string {
  if (v === undefined || v === null) return '';
  if (typeof v !== 'string') throw invalidArgument(`json: cannot unmarshal ${typeof v} into Go struct field ${what} of type string`);
  return v;
}
function num(v: unknown, what: string): number {
  if (v === undefined || v === null) return 0;
  if (typeof v !== 'number' || !Number.isFinite(v)) throw invalidArgument(`json: cannot unmarshal ${typeof v} into Go struct field ${what} of type int64`);
  return v;
}
function bool(v: unknown, what: string): boolean {
  if (v === undefined || v === null) return false;
  if (typeof v !== 'boolean') throw invalidArgument(`json: cannot unmarshal ${typeof v} into Go struct field ${what} of type bool`);
  return v;
}
/** Docker's StrSlice: a string or a list of strings; null stays null. */
function strSlice(v: unknown, what: string): string[] | null {
  if (v === undefined || v === null) return null;
  if (typeof v === 'string') return [v];
  if (Array.isArray(v) && v.every((x) => typeof x === 'string')) return v as string[];
  throw invalidArgument(`json: cannot unmarshal ${typeof v} into Go struct field ${what} of type []string`);
}
function strList(v: unknown, what: string): string[] {
  return strSlice(v, what) ?? [];
}
function strMap(v: unknown, what: string): Record<string, string> {
  const o = obj(v, what);
  for (const [k, x] of Object.entries(o)) if (typeof x !== 'string') throw invalidArgument(`json: cannot unmarshal ${typeof x} into Go struct field ${what}.${k} of type string`);
  return o as Record<string, string>;
}

/** `Config.Healthcheck` (durations in ns). API versions before 1.44 had no StartInterval: moby drops it. */
function healthFromWire(v: unknown, apiMinor: number): HealthConfig | undefined {
  if (v === undefined || v === null) return undefined;
  const h = obj(v, 'Config.Healthcheck');
  const int = (x: unknown, field: string, type: string): number => {
    if (x === undefined || x === null) return 0;
    if (typeof x !== 'number' || !Number.isInteger(x)) throw invalidArgument(`json: cannot unmarshal ${typeof x === 'number' ? `number ${x}` : typeof x} into Go struct field HealthcheckConfig.Healthcheck.${field} of type ${type}`);
    return x;
  };
  const test = h.Test;
  if (test !== undefined && test !== null && !(Array.isArray(test) && test.every((x) => typeof x === 'string'))) {
    throw invalidArgument(`json: cannot unmarshal ${typeof test} into Go struct field HealthcheckConfig.Healthcheck.Test of type []string`);
  }
  return {
    test: (test as string[] | null | undefined) ?? [],
    interval: int(h.Interval, 'Interval', 'time.Duration'),
    timeout: int(h.Timeout, 'Timeout', 'time.Duration'),
    startPeriod: int(h.StartPeriod, 'StartPeriod', 'time.Duration'),
    startInterval: apiMinor < 44 ? 0 : int(h.StartInterval, 'StartInterval', 'time.Duration'),
    retries: int(h.Retries, 'Retries', 'int'),
  };
}

function healthToWire(h: NonNullable<ContainerRecord['config']['healthcheck']>): Json {
  return {
    ...(h.test.length ? { Test: [...h.test] } : {}),
    ...(h.interval ? { Interval: h.interval } : {}),
    ...(h.timeout ? { Timeout: h.timeout } : {}),
    ...(h.startPeriod ? { StartPeriod: h.startPeriod } : {}),
    ...(h.startInterval ? { StartInterval: h.startInterval } : {}),
    ...(h.retries ? { Retries: h.retries } : {}),
  };
}

/** `State.Health`, once the container has one (moby leaves it out otherwise). */
export function healthStateToWire(h: ContainerRecord['state']['health']): Json | undefined {
  if (!h) return undefined;
  return {
    Status: h.status,
    FailingStreak: h.failingStreak,
    Log: h.log.length ? h.log.map((r) => ({ Start: r.start, End: r.end, ExitCode: r.exitCode, Output: r.output })) : null,
  };
}

export function configFromWire(c: Json, apiMinor = Infinity): ContainerConfig {
  const stopTimeout = c.StopTimeout === undefined || c.StopTimeout === null ? undefined : num(c.StopTimeout, 'Config.StopTimeout');
  return {
    hostname: str(c.Hostname, 'Config.Hostname'),
    domainname: str(c.Domainname, 'Config.Domainname'),
    user: str(c.User, 'Config.User'),
    attachStdin: bool(c.AttachStdin, 'Config.AttachStdin'),
    attachStdout: bool(c.AttachStdout, 'Config.AttachStdout'),
    attachStderr: bool(c.AttachStderr, 'Config.AttachStderr'),
    tty: bool(c.Tty, 'Config.Tty'),
    openStdin: bool(c.OpenStdin, 'Config.OpenStdin'),
    stdinOnce: bool(c.StdinOnce, 'Config.StdinOnce'),
    env: strList(c.Env, 'Config.Env'),
    cmd: strSlice(c.Cmd, 'Config.Cmd'),
    entrypoint: strSlice(c.Entrypoint, 'Config.Entrypoint'),
    image: str(c.Image, 'Config.Image'),
    workingDir: str(c.WorkingDir, 'Config.WorkingDir'),
    labels: strMap(c.Labels, 'Config.Labels'),
    stopSignal: c.StopSignal ? str(c.StopSignal, 'Config.StopSignal') : undefined,
    stopTimeout,
    exposedPorts: obj(c.ExposedPorts, 'Config.ExposedPorts') as Record<string, object>,
    volumes: obj(c.Volumes, 'Config.Volumes') as Record<string, object>,
    onBuild: strSlice(c.OnBuild, 'Config.OnBuild'),
    healthcheck: healthFromWire(c.Healthcheck, apiMinor),
  };
}

export function hostConfigFromWire(h: Json): HostConfig {
  const rp = obj(h.RestartPolicy, 'HostConfig.RestartPolicy');
  const name = str(rp.Name, 'RestartPolicy.Name');
  if (!['', 'no', 'always', 'unless-stopped', 'on-failure'].includes(name)) throw invalidArgument(`invalid restart policy '${name}'`);
  const retries = num(rp.MaximumRetryCount, 'RestartPolicy.MaximumRetryCount');
  if (retries < 0) throw invalidArgument('invalid restart policy: maximum retry count cannot be negative');
  if (retries > 0 && name !== 'on-failure') throw invalidArgument(`invalid restart policy: maximum retry count can only be used with 'on-failure'`);
  const ulimits = ((h.Ulimits as Json[] | null | undefined) ?? []).map((u) => ({ name: str(u.Name, 'Ulimit.Name'), soft: num(u.Soft, 'Ulimit.Soft'), hard: num(u.Hard, 'Ulimit.Hard') }));
  const devices = ((h.Devices as Json[] | null | undefined) ?? []).map((d) => ({
    pathOnHost: str(d.PathOnHost, 'Device.PathOnHost'),
    pathInContainer: str(d.PathInContainer, 'Device.PathInContainer'),
    cgroupPermissions: str(d.CgroupPermissions, 'Device.CgroupPermissions') || 'rwm',
  }));
  const cs = h.ConsoleSize as unknown;
  const consoleSize: [number, number] = Array.isArray(cs) && cs.length === 2 ? [num(cs[0], 'ConsoleSize'), num(cs[1], 'ConsoleSize')] : [0, 0];
  const pb = obj(h.PortBindings, 'HostConfig.PortBindings') as Record<string, Json[] | null>;
  const lc = obj(h.LogConfig, 'HostConfig.LogConfig');
  return {
    autoRemove: bool(h.AutoRemove, 'HostConfig.AutoRemove'),
    networkMode: str(h.NetworkMode, 'HostConfig.NetworkMode') || 'default',
    restartPolicy: { name: name as HostConfig['restartPolicy']['name'], maximumRetryCount: retries },
    runtime: str(h.Runtime, 'HostConfig.Runtime'),
    init: bool(h.Init, 'HostConfig.Init'),
    privileged: bool(h.Privileged, 'HostConfig.Privileged'),
    readonlyRootfs: bool(h.ReadonlyRootfs, 'HostConfig.ReadonlyRootfs'),
    capAdd: strList(h.CapAdd, 'HostConfig.CapAdd'),
    capDrop: strList(h.CapDrop, 'HostConfig.CapDrop'),
    securityOpt: strList(h.SecurityOpt, 'HostConfig.SecurityOpt'),
    groupAdd: strList(h.GroupAdd, 'HostConfig.GroupAdd'),
    ipcMode: str(h.IpcMode, 'HostConfig.IpcMode'),
    pidMode: str(h.PidMode, 'HostConfig.PidMode'),
    utsMode: str(h.UTSMode, 'HostConfig.UTSMode'),
    shmSize: num(h.ShmSize, 'HostConfig.ShmSize'),
    memory: num(h.Memory, 'HostConfig.Memory'),
    memorySwap: num(h.MemorySwap, 'HostConfig.MemorySwap'),
    memoryReservation: num(h.MemoryReservation, 'HostConfig.MemoryReservation'),
    memorySwappiness: h.MemorySwappiness === undefined || h.MemorySwappiness === null ? null : num(h.MemorySwappiness, 'HostConfig.MemorySwappiness'),
    oomKillDisable: bool(h.OomKillDisable, 'HostConfig.OomKillDisable'),
    nanoCpus: num(h.NanoCpus, 'HostConfig.NanoCpus'),
    cpuShares: num(h.CpuShares, 'HostConfig.CpuShares'),
    cpuPeriod: num(h.CpuPeriod, 'HostConfig.CpuPeriod'),
    cpuQuota: num(h.CpuQuota, 'HostConfig.CpuQuota'),
    cpusetCpus: str(h.CpusetCpus, 'HostConfig.CpusetCpus'),
    cpusetMems: str(h.CpusetMems, 'HostConfig.CpusetMems'),
    pidsLimit: num(h.PidsLimit, 'HostConfig.PidsLimit'),
    blkioWeight: num(h.BlkioWeight, 'HostConfig.BlkioWeight'),
    ulimits,
    devices,
    consoleSize,
    dns: strList(h.Dns, 'HostConfig.Dns'),
    dnsSearch: strList(h.DnsSearch, 'HostConfig.DnsSearch'),
    dnsOptions: strList(h.DnsOptions, 'HostConfig.DnsOptions'),
    extraHosts: strList(h.ExtraHosts, 'HostConfig.ExtraHosts'),
    sysctls: strMap(h.Sysctls, 'HostConfig.Sysctls'),
    logConfig: { type: str(lc.Type, 'LogConfig.Type'), config: strMap(lc.Config, 'LogConfig.Config') },
    binds: strList(h.Binds, 'HostConfig.Binds'),
    mounts: ((h.Mounts as unknown[] | null | undefined) ?? []).map((m, i) => mountFromWire(obj(m, `HostConfig.Mounts[${i}]`))),
    tmpfs: strMap(h.Tmpfs, 'HostConfig.Tmpfs'),
    volumesFrom: strList(h.VolumesFrom, 'HostConfig.VolumesFrom'),
    volumeDriver: str(h.VolumeDriver, 'HostConfig.VolumeDriver'),
    portBindings: Object.fromEntries(
      Object.entries(pb).map(([port, list]) => [port, (list ?? []).map((b) => ({ hostIp: str(b.HostIp, 'PortBinding.HostIp'), hostPort: str(b.HostPort, 'PortBinding.HostPort') }))]),
    ),
    publishAllPorts: bool(h.PublishAllPorts, 'HostConfig.PublishAllPorts'),
    links: strList(h.Links, 'HostConfig.Links'),
    deviceCgroupRules: strList(h.DeviceCgroupRules, 'HostConfig.DeviceCgroupRules'),
  };
}

/** NetworkingConfig.EndpointsConfig, by network name. */
export function endpointsFromWire(nc: unknown): EndpointsConfig {
  const eps = obj(obj(nc, 'NetworkingConfig').EndpointsConfig, 'NetworkingConfig.EndpointsConfig');
  const out: EndpointsConfig = {};
  for (const [name, raw] of Object.entries(eps)) {
    const e = obj(raw, `EndpointsConfig.${name}`);
    const ipam = obj(e.IPAMConfig, 'EndpointSettings.IPAMConfig');
    out[name] = {
      aliases: strList(e.Aliases, 'EndpointSettings.Aliases'),
      ipv4Address: str(ipam.IPv4Address, 'IPAMConfig.IPv4Address'),
      ipv6Address: str(ipam.IPv6Address, 'IPAMConfig.IPv6Address'),
      linkLocalIps: strList(ipam.LinkLocalIPs, 'IPAMConfig.LinkLocalIPs'),
      macAddress: str(e.MacAddress, 'EndpointSettings.MacAddress'),
      driverOpts: strMap(e.DriverOpts, 'EndpointSettings.DriverOpts'),
      links: strList(e.Links, 'EndpointSettings.Links'),
    };
  }
  return out;
}

/** Docker's `mount.Mount` (`--mount`). */
function mountFromWire(m: Json): MountSpec {
  const b = m.BindOptions === undefined || m.BindOptions === null ? undefined : obj(m.BindOptions, 'Mount.BindOptions');
  const v = m.VolumeOptions === undefined || m.VolumeOptions === null ? undefined : obj(m.VolumeOptions, 'Mount.VolumeOptions');
  const t = m.TmpfsOptions === undefined || m.TmpfsOptions === null ? undefined : obj(m.TmpfsOptions, 'Mount.TmpfsOptions');
  const dc = v?.DriverConfig === undefined || v.DriverConfig === null ? undefined : obj(v.DriverConfig, 'VolumeOptions.DriverConfig');
  return {
    type: str(m.Type, 'Mount.Type'),
    source: str(m.Source, 'Mount.Source'),
    target: str(m.Target, 'Mount.Target'),
    readOnly: bool(m.ReadOnly, 'Mount.ReadOnly'),
    consistency: str(m.Consistency, 'Mount.Consistency'),
    ...(b ? { bindOptions: { propagation: str(b.Propagation, 'BindOptions.Propagation'), nonRecursive: bool(b.NonRecursive, 'BindOptions.NonRecursive'), createMountpoint: bool(b.CreateMountpoint, 'BindOptions.CreateMountpoint') } } : {}),
    ...(v
      ? {
          volumeOptions: {
            noCopy: bool(v.NoCopy, 'VolumeOptions.NoCopy'),
            labels: strMap(v.Labels, 'VolumeOptions.Labels'),
            ...(dc ? { driverConfig: { name: str(dc.Name, 'DriverConfig.Name'), options: strMap(dc.Options, 'DriverConfig.Options') } } : {}),
            subpath: str(v.Subpath, 'VolumeOptions.Subpath'),
          },
        }
      : {}),
    ...(t ? { tmpfsOptions: { sizeBytes: num(t.SizeBytes, 'TmpfsOptions.SizeBytes'), mode: num(t.Mode, 'TmpfsOptions.Mode') } } : {}),
  };
}

function mountToWire(m: MountSpec): Json {
  return {
    Type: m.type,
    ...(m.source ? { Source: m.source } : {}),
    Target: m.target,
    ...(m.readOnly ? { ReadOnly: true } : {}),
    ...(m.consistency ? { Consistency: m.consistency } : {}),
    ...(m.bindOptions
      ? { BindOptions: { ...(m.bindOptions.propagation ? { Propagation: m.bindOptions.propagation } : {}), ...(m.bindOptions.nonRecursive ? { NonRecursive: true } : {}), ...(m.bindOptions.createMountpoint ? { CreateMountpoint: true } : {}) } }
      : {}),
    ...(m.volumeOptions
      ? {
          VolumeOptions: {
            ...(m.volumeOptions.noCopy ? { NoCopy: true } : {}),
            ...(Object.keys(m.volumeOptions.labels).length ? { Labels: m.volumeOptions.labels } : {}),
            ...(m.volumeOptions.driverConfig ? { DriverConfig: { ...(m.volumeOptions.driverConfig.name ? { Name: m.volumeOptions.driverConfig.name } : {}), ...(Object.keys(m.volumeOptions.driverConfig.options).length ? { Options: m.volumeOptions.driverConfig.options } : {}) } } : {}),
            ...(m.volumeOptions.subpath ? { Subpath: m.volumeOptions.subpath } : {}),
          },
        }
      : {}),
    ...(m.tmpfsOptions ? { TmpfsOptions: { ...(m.tmpfsOptions.sizeBytes ? { SizeBytes: m.tmpfsOptions.sizeBytes } : {}), ...(m.tmpfsOptions.mode ? { Mode: m.tmpfsOptions.mode } : {}) } } : {}),
  };
}

/** `inspect`'s `Mounts` (moby's addMountPoints), in a stable order. */
export function mountPointsToWire(mounts: ContainerRecord['mounts']): Json[] {
  return [...(mounts ?? [])]
    .sort((a, b) => (a.destination < b.destination ? -1 : 1))
    .map((m) => ({
      Type: m.type,
      ...(m.type === 'volume' ? { Name: m.name } : {}),
      Source: m.source,
      Destination: m.destination,
      ...(m.type === 'volume' ? { Driver: m.driver } : {}),
      Mode: m.mode,
      RW: m.rw,
      Propagation: m.propagation,
    }));
}

export function configToWire(c: ContainerRecord['config']): Json {
  return {
    Hostname: c.hostname,
    Domainname: c.domainname,
    User: c.user,
    AttachStdin: c.attachStdin,
    AttachStdout: c.attachStdout,
    AttachStderr: c.attachStderr,
    ...(Object.keys(c.exposedPorts).length ? { ExposedPorts: c.exposedPorts } : {}),
    Tty: c.tty,
    OpenStdin: c.openStdin,
    StdinOnce: c.stdinOnce,
    Env: c.env,
    Cmd: c.cmd,
    ...(c.healthcheck ? { Healthcheck: healthToWire(c.healthcheck) } : {}),
    Image: c.image,
    Volumes: Object.keys(c.volumes).length ? c.volumes : null,
    WorkingDir: c.workingDir,
    Entrypoint: c.entrypoint,
    OnBuild: c.onBuild,
    Labels: c.labels,
    ...(c.stopSignal ? { StopSignal: c.stopSignal } : {}),
    ...(c.stopTimeout !== undefined ? { StopTimeout: c.stopTimeout } : {}),
  };
}

/** `links`: the container's legacy links as inspect shows them (`/<target>:/<source>/<alias>`). */
export function hostConfigToWire(h: ContainerRecord['hostConfig'], links: string[] = []): Json {
  return {
    Binds: h.binds.length ? h.binds : null,
    ContainerIDFile: '',
    LogConfig: { Type: h.logConfig.type || 'json-file', Config: h.logConfig.config },
    NetworkMode: h.networkMode,
    PortBindings: Object.fromEntries(Object.entries(h.portBindings).map(([p, l]) => [p, l.map((b) => ({ HostIp: b.hostIp, HostPort: b.hostPort }))])),
    RestartPolicy: { Name: h.restartPolicy.name || 'no', MaximumRetryCount: h.restartPolicy.maximumRetryCount },
    AutoRemove: h.autoRemove,
    VolumeDriver: h.volumeDriver,
    VolumesFrom: h.volumesFrom.length ? h.volumesFrom : null,
    ConsoleSize: h.consoleSize,
    CapAdd: h.capAdd.length ? h.capAdd : null,
    CapDrop: h.capDrop.length ? h.capDrop : null,
    CgroupnsMode: 'host',
    Dns: h.dns,
    DnsOptions: h.dnsOptions,
    DnsSearch: h.dnsSearch,
    ExtraHosts: h.extraHosts.length ? h.extraHosts : null,
    GroupAdd: h.groupAdd.length ? h.groupAdd : null,
    IpcMode: h.ipcMode || 'private',
    Cgroup: '',
    Links: links.length ? links : null,
    OomScoreAdj: 0,
    PidMode: h.pidMode,
    Privileged: h.privileged,
    PublishAllPorts: h.publishAllPorts,
    ReadonlyRootfs: h.readonlyRootfs,
    SecurityOpt: h.securityOpt.length ? h.securityOpt : null,
    UTSMode: h.utsMode,
    UsernsMode: '',
    ShmSize: h.shmSize,
    Sysctls: Object.keys(h.sysctls).length ? h.sysctls : undefined,
    Runtime: h.runtime,
    Isolation: '',
    CpuShares: h.cpuShares,
    Memory: h.memory,
    NanoCpus: h.nanoCpus,
    CgroupParent: '',
    BlkioWeight: h.blkioWeight,
    BlkioWeightDevice: [],
    BlkioDeviceReadBps: [],
    BlkioDeviceWriteBps: [],
    BlkioDeviceReadIOps: [],
    BlkioDeviceWriteIOps: [],
    CpuPeriod: h.cpuPeriod,
    CpuQuota: h.cpuQuota,
    CpuRealtimePeriod: 0,
    CpuRealtimeRuntime: 0,
    CpusetCpus: h.cpusetCpus,
    CpusetMems: h.cpusetMems,
    Devices: h.devices.map((d) => ({ PathOnHost: d.pathOnHost, PathInContainer: d.pathInContainer, CgroupPermissions: d.cgroupPermissions })),
    DeviceCgroupRules: h.deviceCgroupRules?.length ? h.deviceCgroupRules : null,
    DeviceRequests: null,
    MemoryReservation: h.memoryReservation,
    MemorySwap: h.memorySwap,
    MemorySwappiness: h.memorySwappiness,
    OomKillDisable: h.oomKillDisable,
    PidsLimit: h.pidsLimit || null,
    Ulimits: h.ulimits.map((u) => ({ Name: u.name, Soft: u.soft, Hard: u.hard })),
    CpuCount: 0,
    CpuPercent: 0,
    IOMaximumIOps: 0,
    IOMaximumBandwidth: 0,
    Init: h.init ? true : null,
    ...(h.mounts.length ? { Mounts: h.mounts.map(mountToWire) } : {}),
    ...(Object.keys(h.tmpfs).length ? { Tmpfs: h.tmpfs } : {}),
    MaskedPaths: null,
    ReadonlyPaths: null,
  };
}

/** Docker's `Status` column: "Up 5 minutes", "Exited (0) 2 minutes ago", "Created". */
export function humanStatus(rec: ContainerRecord, now = Date.now()): string {
  const s = rec.state;
  const ago = (iso: string): string => humanDuration(now - Date.parse(iso));
  switch (s.status) {
    case 'created':
      return 'Created';
    case 'running':
      if (s.health) return `Up ${ago(s.startedAt)} (${s.health.status === 'starting' ? 'health: starting' : s.health.status})`;
      return `Up ${ago(s.startedAt)}`;
    case 'paused':
      return `Up ${ago(s.startedAt)} (Paused)`;
    case 'restarting':
      return `Restarting (${s.exitCode}) ${ago(s.finishedAt)} ago`;
    case 'removing':
      return 'Removal In Progress';
    case 'dead':
      return 'Dead';
    default:
      return s.finishedAt.startsWith('0001') ? `Exited (${s.exitCode})` : `Exited (${s.exitCode}) ${ago(s.finishedAt)} ago`;
  }
}

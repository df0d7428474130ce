/**
 * Docker's container JSON (create bodies, inspect, list) to and from berth's domain types:
 * the one place that knows both casings.
 */
import { humanDuration } from '../base/duration.js';
import type { ContainerConfig, ContainerRecord, EndpointsConfig, HealthConfig, HostConfig, MountPoint, MountSpec } from '../containers/index.js';
import type * as wire from '../wire/index.js';

type Json = Record<string, unknown>;

/** moby's StrSlice: one string stands for a list of one. */
const strSlice = (v: string | string[] | null | undefined): string[] | null => (v == null ? null : typeof v === 'string' ? [v] : v);

/** `Config.Healthcheck` (durations in ns); StartInterval is gone for API versions before 1.44 (checkCreate). */
function healthFromWire(h: wire.Config['Healthcheck']): HealthConfig | undefined {
  if (!h) return undefined;
  return {
    test: h.Test ?? [],
    interval: h.Interval ?? 0,
    timeout: h.Timeout ?? 0,
    startPeriod: h.StartPeriod ?? 0,
    startInterval: h.StartInterval ?? 0,
    retries: h.Retries ?? 0,
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

/** The Config part of a create body (already checked by the wire schema and checkCreate). */
export function configFromWire(c: wire.CreateRequest | wire.Config): ContainerConfig {
  return {
    hostname: c.Hostname ?? '',
    domainname: c.Domainname ?? '',
    user: c.User ?? '',
    attachStdin: c.AttachStdin ?? false,
    attachStdout: c.AttachStdout ?? false,
    attachStderr: c.AttachStderr ?? false,
    tty: c.Tty ?? false,
    openStdin: c.OpenStdin ?? false,
    stdinOnce: c.StdinOnce ?? false,
    env: c.Env ?? [],
    cmd: strSlice(c.Cmd),
    entrypoint: strSlice(c.Entrypoint),
    image: c.Image ?? '',
    workingDir: c.WorkingDir ?? '',
    labels: c.Labels ?? {},
    stopSignal: c.StopSignal || undefined,
    stopTimeout: c.StopTimeout ?? undefined,
    exposedPorts: c.ExposedPorts ?? {},
    volumes: c.Volumes ?? {},
    onBuild: c.OnBuild ?? null,
    healthcheck: healthFromWire(c.Healthcheck),
  };
}

export function hostConfigFromWire(h: wire.HostConfig): HostConfig {
  const lc = h.LogConfig ?? {};
  const cs = h.ConsoleSize ?? [];
  return {
    autoRemove: h.AutoRemove ?? false,
    networkMode: h.NetworkMode || 'default',
    restartPolicy: { name: (h.RestartPolicy?.Name ?? '') as HostConfig['restartPolicy']['name'], maximumRetryCount: h.RestartPolicy?.MaximumRetryCount ?? 0 },
    runtime: h.Runtime ?? '',
    isolation: h.Isolation ?? '',
    init: h.Init ?? false,
    privileged: h.Privileged ?? false,
    readonlyRootfs: h.ReadonlyRootfs ?? false,
    capAdd: strSlice(h.CapAdd) ?? [],
    capDrop: strSlice(h.CapDrop) ?? [],
    securityOpt: h.SecurityOpt ?? [],
    groupAdd: h.GroupAdd ?? [],
    ipcMode: h.IpcMode ?? '',
    pidMode: h.PidMode ?? '',
    utsMode: h.UTSMode ?? '',
    shmSize: h.ShmSize ?? 0,
    memory: h.Memory ?? 0,
    memorySwap: h.MemorySwap ?? 0,
    memoryReservation: h.MemoryReservation ?? 0,
    memorySwappiness: h.MemorySwappiness ?? null,
    oomKillDisable: h.OomKillDisable ?? false,
    nanoCpus: h.NanoCpus ?? 0,
    cpuShares: h.CpuShares ?? 0,
    cpuPeriod: h.CpuPeriod ?? 0,
    cpuQuota: h.CpuQuota ?? 0,
    cpusetCpus: h.CpusetCpus ?? '',
    cpusetMems: h.CpusetMems ?? '',
    pidsLimit: h.PidsLimit ?? 0,
    blkioWeight: h.BlkioWeight ?? 0,
    ulimits: (h.Ulimits ?? []).map((u) => ({ name: u.Name ?? '', soft: u.Soft ?? 0, hard: u.Hard ?? 0 })),
    devices: (h.Devices ?? []).map((d) => ({ pathOnHost: d.PathOnHost ?? '', pathInContainer: d.PathInContainer ?? '', cgroupPermissions: d.CgroupPermissions || 'rwm' })),
    consoleSize: [cs[0] ?? 0, cs[1] ?? 0],
    dns: h.Dns ?? [],
    dnsSearch: h.DnsSearch ?? [],
    dnsOptions: h.DnsOptions ?? [],
    extraHosts: h.ExtraHosts ?? [],
    sysctls: h.Sysctls ?? {},
    logConfig: { type: lc.Type ?? '', config: lc.Config ?? {} },
    binds: h.Binds ?? [],
    mounts: (h.Mounts ?? []).map(mountFromWire),
    tmpfs: h.Tmpfs ?? {},
    volumesFrom: h.VolumesFrom ?? [],
    volumeDriver: h.VolumeDriver ?? '',
    portBindings: Object.fromEntries(Object.entries(h.PortBindings ?? {}).map(([port, list]) => [port, (list ?? []).map((b) => ({ hostIp: b.HostIp ?? '', hostPort: b.HostPort ?? '' }))])),
    publishAllPorts: h.PublishAllPorts ?? false,
    links: h.Links ?? [],
    deviceCgroupRules: h.DeviceCgroupRules ?? [],
  };
}

type UpdatableHostConfig = Partial<Pick<HostConfig, 'memory' | 'memorySwap' | 'memoryReservation' | 'nanoCpus' | 'cpuShares' | 'cpuPeriod' | 'cpuQuota' | 'cpusetCpus' | 'cpusetMems' | 'pidsLimit' | 'blkioWeight' | 'restartPolicy'>>;

/** An update body's changes: as moby's UpdateContainer, only the fields given non-zero (PidsLimit whenever given). */
export function updateFromWire(u: wire.UpdateConfig): UpdatableHostConfig {
  const out: UpdatableHostConfig = {};
  const set = <K extends keyof UpdatableHostConfig>(key: K, value: UpdatableHostConfig[K] | undefined): void => {
    if (value) out[key] = value;
  };
  set('memory', u.Memory);
  set('memorySwap', u.MemorySwap);
  set('memoryReservation', u.MemoryReservation);
  set('nanoCpus', u.NanoCpus);
  set('cpuShares', u.CpuShares);
  set('cpuPeriod', u.CpuPeriod);
  set('cpuQuota', u.CpuQuota);
  set('cpusetCpus', u.CpusetCpus);
  set('cpusetMems', u.CpusetMems);
  set('blkioWeight', u.BlkioWeight);
  // 0 and any negative value mean "unlimited" (moby), which the runtime is told as -1.
  if (u.PidsLimit != null) out.pidsLimit = u.PidsLimit > 0 ? u.PidsLimit : -1;
  const rp = u.RestartPolicy;
  if (rp?.Name) out.restartPolicy = { name: rp.Name as HostConfig['restartPolicy']['name'], maximumRetryCount: rp.MaximumRetryCount ?? 0 };
  return out;
}

/** NetworkingConfig.EndpointsConfig, by network name. */
export function endpointsFromWire(nc: wire.NetworkingConfig | null | undefined): EndpointsConfig {
  const out: EndpointsConfig = {};
  for (const [name, e] of Object.entries(nc?.EndpointsConfig ?? {})) {
    out[name] = {
      aliases: e?.Aliases ?? [],
      ipv4Address: e?.IPAMConfig?.IPv4Address ?? '',
      ipv6Address: e?.IPAMConfig?.IPv6Address ?? '',
      linkLocalIps: e?.IPAMConfig?.LinkLocalIPs ?? [],
      macAddress: e?.MacAddress ?? '',
      driverOpts: e?.DriverOpts ?? {},
      links: e?.Links ?? [],
    };
  }
  return out;
}

/** Docker's `mount.Mount` (`--mount`). */
function mountFromWire(m: wire.Mount): MountSpec {
  const b = m.BindOptions;
  const v = m.VolumeOptions;
  const t = m.TmpfsOptions;
  const dc = v?.DriverConfig;
  return {
    type: m.Type ?? '',
    source: m.Source ?? '',
    target: m.Target ?? '',
    readOnly: m.ReadOnly ?? false,
    consistency: m.Consistency ?? '',
    ...(b ? { bindOptions: { propagation: b.Propagation ?? '', nonRecursive: b.NonRecursive ?? false, createMountpoint: b.CreateMountpoint ?? false } } : {}),
    ...(v
      ? {
          volumeOptions: {
            noCopy: v.NoCopy ?? false,
            labels: v.Labels ?? {},
            ...(dc ? { driverConfig: { name: dc.Name ?? '', options: dc.Options ?? {} } } : {}),
            subpath: v.Subpath ?? '',
          },
        }
      : {}),
    ...(t ? { tmpfsOptions: { sizeBytes: t.SizeBytes ?? 0, mode: t.Mode ?? 0 } } : {}),
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
    Isolation: h.isolation ?? '',
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

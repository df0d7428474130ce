/**
 * Container request bodies as moby v28 declares them (api/types/container, mount, network):
 * `POST /containers/create` (Config + HostConfig + NetworkingConfig), `POST /containers/{id}/update`
 * and `POST /commit` (a Config). Field names, nesting and Go types are moby's.
 */
import { bool, consoleSize, duration, embedded, int, int64, map, nullable, set, slice, str, strings, strMap, strSlice, struct, uint16, uint32, uint64, type Static } from './go-types.js';
import { EndpointSettings } from './network.js';

/** dockerspec.HealthcheckConfig: `Config.Healthcheck`. */
export const HealthConfig = struct('HealthcheckConfig', 'v1.HealthcheckConfig', {
  Test: strings(),
  Interval: duration(),
  Timeout: duration(),
  StartPeriod: duration(),
  StartInterval: duration(),
  Retries: int(),
});

/** The fields of `container.Config`, without the struct around them (it is embedded in CreateRequest). */
function configFields() {
  return {
    Hostname: str(),
    Domainname: str(),
    User: str(),
    AttachStdin: bool(),
    AttachStdout: bool(),
    AttachStderr: bool(),
    ExposedPorts: set('nat.PortSet'),
    Tty: bool(),
    OpenStdin: bool(),
    StdinOnce: bool(),
    Env: strings(),
    Cmd: strSlice(),
    Healthcheck: nullable(HealthConfig),
    ArgsEscaped: bool(),
    Image: str(),
    Volumes: set(),
    WorkingDir: str(),
    Entrypoint: strSlice(),
    NetworkDisabled: bool(),
    /** Deprecated since API 1.44 (an endpoint's MacAddress instead). */
    MacAddress: str(),
    OnBuild: strings(),
    Labels: strMap(),
    StopSignal: str(),
    StopTimeout: nullable(int()),
    Shell: strSlice(),
  };
}

/** `container.Config` on its own (the body of `POST /commit`, image configs). */
export const Config = struct('Config', 'container.Config', configFields());
export type Config = Static<typeof Config>;

export const RestartPolicy = struct('RestartPolicy', 'container.RestartPolicy', { Name: str(), MaximumRetryCount: int() });
export type RestartPolicy = Static<typeof RestartPolicy>;

const WeightDevice = struct('WeightDevice', 'blkiodev.WeightDevice', { Path: str(), Weight: uint16() });
const ThrottleDevice = struct('ThrottleDevice', 'blkiodev.ThrottleDevice', { Path: str(), Rate: uint64() });

export const DeviceMapping = struct('DeviceMapping', 'container.DeviceMapping', { PathOnHost: str(), PathInContainer: str(), CgroupPermissions: str() });
export const DeviceRequest = struct('DeviceRequest', 'container.DeviceRequest', {
  Driver: str(),
  Count: int(),
  DeviceIDs: strings(),
  Capabilities: slice(strings(), '[][]string'),
  Options: strMap(),
});
export const Ulimit = struct('Ulimit', 'units.Ulimit', { Name: str(), Hard: int64(), Soft: int64() });
export type Ulimit = Static<typeof Ulimit>;

/** `container.Resources`, embedded in HostConfig and UpdateConfig. */
function resourceFields() {
  return embedded('Resources', {
    CpuShares: int64(),
    Memory: int64(),
    NanoCpus: int64(),
    CgroupParent: str(),
    BlkioWeight: uint16(),
    BlkioWeightDevice: slice(WeightDevice, '[]*blkiodev.WeightDevice'),
    BlkioDeviceReadBps: slice(ThrottleDevice, '[]*blkiodev.ThrottleDevice'),
    BlkioDeviceWriteBps: slice(ThrottleDevice, '[]*blkiodev.ThrottleDevice'),
    BlkioDeviceReadIOps: slice(ThrottleDevice, '[]*blkiodev.ThrottleDevice'),
    BlkioDeviceWriteIOps: slice(ThrottleDevice, '[]*blkiodev.ThrottleDevice'),
    CpuPeriod: int64(),
    CpuQuota: int64(),
    CpuRealtimePeriod: int64(),
    CpuRealtimeRuntime: int64(),
    CpusetCpus: str(),
    CpusetMems: str(),
    Devices: slice(DeviceMapping),
    DeviceCgroupRules: strings(),
    DeviceRequests: slice(DeviceRequest),
    KernelMemory: int64(),
    KernelMemoryTCP: int64(),
    MemoryReservation: int64(),
    MemorySwap: int64(),
    MemorySwappiness: nullable(int64()),
    OomKillDisable: nullable(bool()),
    PidsLimit: nullable(int64()),
    Ulimits: slice(Ulimit, '[]*units.Ulimit'),
    CpuCount: int64(),
    CpuPercent: int64(),
    IOMaximumIOps: uint64(),
    IOMaximumBandwidth: uint64(),
  });
}

export const Mount = struct('Mount', 'mount.Mount', {
  Type: str(),
  Source: str(),
  Target: str(),
  ReadOnly: bool(),
  Consistency: str(),
  BindOptions: nullable(
    struct('BindOptions', 'mount.BindOptions', { Propagation: str(), NonRecursive: bool(), CreateMountpoint: bool(), ReadOnlyNonRecursive: bool(), ReadOnlyForceRecursive: bool() }),
  ),
  VolumeOptions: nullable(
    struct('VolumeOptions', 'mount.VolumeOptions', {
      NoCopy: bool(),
      Labels: strMap(),
      Subpath: str(),
      DriverConfig: nullable(struct('Driver', 'mount.Driver', { Name: str(), Options: strMap() })),
    }),
  ),
  ImageOptions: nullable(struct('ImageOptions', 'mount.ImageOptions', { Subpath: str() })),
  TmpfsOptions: nullable(struct('TmpfsOptions', 'mount.TmpfsOptions', { SizeBytes: int64(), Mode: uint32('fs.FileMode'), Options: slice(strings(), '[][]string') })),
  ClusterOptions: nullable(struct('ClusterOptions', 'mount.ClusterOptions', {})),
});
export type Mount = Static<typeof Mount>;

const PortBinding = struct('PortBinding', 'nat.PortBinding', { HostIp: str(), HostPort: str() });

export const LogConfig = struct('LogConfig', 'container.LogConfig', { Type: str(), Config: strMap() });

/** `container.HostConfig`. */
export const HostConfig = struct('HostConfig', 'container.HostConfig', {
  Binds: strings(),
  ContainerIDFile: str(),
  LogConfig: LogConfig,
  NetworkMode: str(),
  PortBindings: map(slice(PortBinding), 'nat.PortMap'),
  RestartPolicy,
  AutoRemove: bool(),
  VolumeDriver: str(),
  VolumesFrom: strings(),
  ConsoleSize: consoleSize(),
  Annotations: strMap(),
  CapAdd: strSlice(),
  CapDrop: strSlice(),
  CgroupnsMode: str(),
  Dns: strings(),
  DnsOptions: strings(),
  DnsSearch: strings(),
  ExtraHosts: strings(),
  GroupAdd: strings(),
  IpcMode: str(),
  Cgroup: str(),
  Links: strings(),
  OomScoreAdj: int(),
  PidMode: str(),
  Privileged: bool(),
  PublishAllPorts: bool(),
  ReadonlyRootfs: bool(),
  SecurityOpt: strings(),
  StorageOpt: strMap(),
  Tmpfs: strMap(),
  UTSMode: str(),
  UsernsMode: str(),
  ShmSize: int64(),
  Sysctls: strMap(),
  Runtime: str(),
  Isolation: str(),
  ...resourceFields(),
  Mounts: slice(Mount),
  MaskedPaths: strings(),
  ReadonlyPaths: strings(),
  Init: nullable(bool()),
});
export type HostConfig = Static<typeof HostConfig>;

export const NetworkingConfig = struct('NetworkingConfig', 'network.NetworkingConfig', { EndpointsConfig: map(nullable(EndpointSettings), 'map[string]*network.EndpointSettings') });
export type NetworkingConfig = Static<typeof NetworkingConfig>;

/** The body of `POST /containers/create`: Config's fields inline, then HostConfig and NetworkingConfig. */
export const CreateRequest = struct('CreateRequest', 'container.CreateRequest', {
  ...embedded('Config', configFields()),
  HostConfig: nullable(HostConfig),
  NetworkingConfig: nullable(NetworkingConfig),
});
export type CreateRequest = Static<typeof CreateRequest>;

/** The body of `POST /containers/{id}/update`. */
export const UpdateConfig = struct('UpdateConfig', 'container.UpdateConfig', { ...resourceFields(), RestartPolicy });
export type UpdateConfig = Static<typeof UpdateConfig>;

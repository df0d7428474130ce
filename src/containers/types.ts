import type { Digest } from '../base/digest.js';
import type { DeepReadonly } from '../base/record-table.js';
import type { Endpoint, EndpointRequest, PortMapping } from '../network/index.js';

/** What a container runs: Docker's `Config`, in our casing. */
export interface ContainerConfig {
  hostname: string;
  domainname: string;
  user: string;
  attachStdin: boolean;
  attachStdout: boolean;
  attachStderr: boolean;
  tty: boolean;
  openStdin: boolean;
  stdinOnce: boolean;
  env: string[];
  cmd: string[] | null;
  entrypoint: string[] | null;
  /** The image as the user named it. */
  image: string;
  workingDir: string;
  labels: Record<string, string>;
  stopSignal: string | undefined;
  stopTimeout: number | undefined;
  exposedPorts: Record<string, object>;
  volumes: Record<string, object>;
  onBuild: string[] | null;
  /** HEALTHCHECK: the create body's merged over the image's at create (absent: none anywhere). */
  healthcheck?: HealthConfig | undefined;
}

/**
 * Docker's `HealthConfig`: `test` is `["NONE"]`, `["CMD", argv…]` or `["CMD-SHELL", command]`
 * (empty: the image's); durations in nanoseconds, 0 meaning the default.
 */
export interface HealthConfig {
  test: string[];
  interval: number;
  timeout: number;
  startPeriod: number;
  startInterval: number;
  retries: number;
}

export type HealthStatus = 'starting' | 'healthy' | 'unhealthy';

/** One probe's run, as `State.Health.Log` shows it. */
export interface HealthResult {
  start: string;
  end: string;
  exitCode: number;
  output: string;
}

/** `State.Health`: present once a container with a healthcheck has started. */
export interface HealthState {
  status: HealthStatus;
  failingStreak: number;
  /** The last five probes, oldest first. */
  log: HealthResult[];
}

export interface RestartPolicy {
  name: '' | 'no' | 'always' | 'unless-stopped' | 'on-failure';
  maximumRetryCount: number;
}

export interface Ulimit {
  name: string;
  soft: number;
  hard: number;
}

export interface DeviceMapping {
  pathOnHost: string;
  pathInContainer: string;
  cgroupPermissions: string;
}

/** Docker's `mount.Mount` (`--mount`), in our casing. */
export interface MountSpec {
  type: string;
  source: string;
  target: string;
  readOnly: boolean;
  consistency: string;
  bindOptions?: { propagation: string; nonRecursive: boolean; createMountpoint: boolean } | undefined;
  volumeOptions?: { noCopy: boolean; labels: Record<string, string>; driverConfig?: { name: string; options: Record<string, string> } | undefined; subpath: string } | undefined;
  tmpfsOptions?: { sizeBytes: number; mode: number } | undefined;
}

/**
 * One of a container's mounts as moby's MountPoint records it: what `inspect` shows in `Mounts`
 * and what each start turns into an OCI mount. Fixed at create.
 */
export interface MountPoint {
  type: 'bind' | 'volume' | 'tmpfs';
  /** The volume's name (volumes only). */
  name: string;
  /** Host path: a bind's source, a volume's mountpoint; empty for tmpfs. */
  source: string;
  destination: string;
  driver: string;
  mode: string;
  rw: boolean;
  propagation: string;
  /** Fill an empty volume with the image's files at the destination (once, at the first start). */
  copyData: boolean;
  /** The user named no source: an anonymous volume, which `rm -v` and `--rm` remove. */
  anonymous: boolean;
  /** `-v /host:/dst` creates a missing host directory at start. */
  createSource: boolean;
  nonRecursive: boolean;
  /** `volume-subpath`: a directory inside the volume. */
  subpath: string;
  /** A `--mount type=tmpfs`'s options (size=, mode=, ro). */
  tmpfsData: string;
}

/**
 * A legacy link (`--link target:alias` on the default bridge), as moby's link index holds it:
 * by the target's ID, so renames on either side keep it. Its name is `/<source name>/<alias>`.
 */
export interface LegacyLink {
  alias: string;
  targetId: string;
  /** The target's name when the link was made (for messages once the target is gone). */
  targetName: string;
}

export interface NetworkState {
  sandboxKey: string;
  endpoints: Record<string, Endpoint>;
  ports: PortMapping[];
}

/** How a container is run on the host: Docker's `HostConfig`, the parts berth honours. */
export interface HostConfig {
  autoRemove: boolean;
  networkMode: string;
  restartPolicy: RestartPolicy;
  runtime: string;
  /** Docker's `Isolation` (only `default` on Linux), kept for inspect; absent in older records. */
  isolation?: string;
  init: boolean;
  privileged: boolean;
  readonlyRootfs: boolean;
  capAdd: string[];
  capDrop: string[];
  securityOpt: string[];
  groupAdd: string[];
  ipcMode: string;
  pidMode: string;
  utsMode: string;
  shmSize: number;
  memory: number;
  memorySwap: number;
  memoryReservation: number;
  memorySwappiness: number | null;
  oomKillDisable: boolean;
  nanoCpus: number;
  cpuShares: number;
  cpuPeriod: number;
  cpuQuota: number;
  cpusetCpus: string;
  cpusetMems: string;
  pidsLimit: number;
  blkioWeight: number;
  ulimits: Ulimit[];
  devices: DeviceMapping[];
  consoleSize: [number, number];
  dns: string[];
  dnsSearch: string[];
  dnsOptions: string[];
  extraHosts: string[];
  sysctls: Record<string, string>;
  logConfig: { type: string; config: Record<string, string> };
  /** `-v` specs as given: `name:/dst[:mode]`, `/host:/dst[:mode]`, `/dst`. */
  binds: string[];
  /** `--mount` specs. */
  mounts: MountSpec[];
  /** `--tmpfs`: destination → mount options. */
  tmpfs: Record<string, string>;
  /** `--volumes-from`: `container[:ro|rw]`. */
  volumesFrom: string[];
  volumeDriver: string;
  /** `--link name[:alias]` as given (moby keeps them so; inspect shows the resolved links). */
  links?: string[];
  /** `--device-cgroup-rule`: extra device cgroup rules (`c 1:3 mr`), checked at create. */
  deviceCgroupRules?: string[];
  /** Kept as given for inspect; networking reads them in a later issue. */
  portBindings: Record<string, { hostIp: string; hostPort: string }[]>;
  publishAllPorts: boolean;
}

export type ContainerStatus = 'created' | 'running' | 'paused' | 'restarting' | 'removing' | 'exited' | 'dead';

export interface ContainerState {
  status: ContainerStatus;
  pid: number;
  exitCode: number;
  error: string;
  oomKilled: boolean;
  startedAt: string;
  finishedAt: string;
  /** Set by `stop`/`kill` from the user, so restart policies leave the container down. */
  stoppedByUser: boolean;
  /** Pid of the container's conmon, while one supervises it. */
  shimPid: number;
  health?: HealthState | undefined;
}

/** One container as persisted in `<root>/<id>/container.json`: the editable form (a store's draft). */
export interface ContainerData {
  schemaVersion: 1;
  id: string;
  name: string;
  created: string;
  imageId: Digest;
  /** The image's layers (diff IDs, bottom first), fixed at create: the rootfs's lower dirs. */
  layers: Digest[];
  path: string;
  args: string[];
  config: ContainerConfig;
  hostConfig: HostConfig;
  state: ContainerState;
  restartCount: number;
  /** Volumes, binds and `--mount` tmpfs, by destination (absent in records made before volumes). */
  mounts?: MountPoint[];
  /** The networks it joins at start, by network name, with what it asked of each. */
  networks?: Record<string, EndpointRequest>;
  /** Legacy links to other containers, made at create (`rm --link` drops one). */
  links?: LegacyLink[];
  /**
   * The container whose /etc/hosts, hostname and resolv.conf it uses: itself, or the one whose
   * network it joins (`--network container:X`), set at each start as moby does.
   */
  etcOwner?: string;
  /** Its sandbox while it runs: netns path, endpoints by network name, published ports. */
  network?: NetworkState | undefined;
  /** Monotonic count of starts, so exits of an older run are never taken for the current one. */
  generation: number;
  /** A build step's container: the daemon removes it when it finds it at start (a build died with it). */
  buildStep?: boolean;
}

/** A container as the store hands it out: a snapshot nobody can change in place. */
export type ContainerRecord = DeepReadonly<ContainerData>;

export const ZERO_TIME = '0001-01-01T00:00:00Z';

export function initialState(): ContainerState {
  return { status: 'created', pid: 0, exitCode: 0, error: '', oomKilled: false, startedAt: ZERO_TIME, finishedAt: ZERO_TIME, stoppedByUser: false, shimPid: 0 };
}

/**
 * The flags `run` and `create` share and the create body they turn into: a port of docker/cli's
 * cli/command/container/opts.go (`addFlags`, `parse`). The body is built key by key in the order
 * the docker CLI marshals it (Go struct order, map keys sorted), with its nulls and empty values,
 * so that the daemon sees the same request from both CLIs.
 */
import { Option, type Command } from 'commander';
import { readFileSync } from 'node:fs';
import { collect } from '../context.js';
import { invalidFlag, withHelp, type UsageError } from '../errors.js';
import { parseBytes, parseDuration } from '../format/units.js';
import { isValidMAC, parseIP } from './ip-addr.js';
import { checkNetworkFlag, endpointsConfig, networkMode, validateDNSSearch, validateIPAddress, validateLink } from './network-opts.js';
import { parseMount, splitVolumeFlags, type WireMount } from './mount-opts.js';
import type * as wire from '../../wire/index.js';

/** What commander hands the action for the shared flags (camel-cased long names). */
export interface ContainerFlags {
  attach?: string[];
  addHost?: string[];
  blkioWeight?: string;
  capAdd?: string[];
  capDrop?: string[];
  cgroupParent?: string;
  cgroupns?: string;
  cidfile?: string;
  cpuPeriod?: string;
  cpuQuota?: string;
  cpuShares?: string;
  cpus?: string;
  cpusetCpus?: string;
  cpusetMems?: string;
  device?: string[];
  deviceCgroupRule?: string[];
  dns?: string[];
  /** `--dns-option` and `--dns-opt` values in command-line order. */
  dnsOption?: string[];
  dnsSearch?: string[];
  domainname?: string;
  entrypoint?: string;
  env?: string[];
  envFile?: string[];
  expose?: string[];
  groupAdd?: string[];
  healthCmd?: string;
  healthInterval?: string;
  healthRetries?: string;
  healthStartPeriod?: string;
  healthStartInterval?: string;
  healthTimeout?: string;
  healthcheck?: boolean;
  hostname?: string;
  init?: boolean;
  interactive?: boolean;
  ip?: string;
  ip6?: string;
  ipc?: string;
  label?: string[];
  labelFile?: string[];
  link?: string[];
  linkLocalIp?: string[];
  logDriver?: string;
  logOpt?: string[];
  macAddress?: string;
  memory?: string;
  memoryReservation?: string;
  memorySwap?: string;
  memorySwappiness?: string;
  mount?: string[];
  name?: string;
  /** `--network` and `--net` values in command-line order (`--net` also leaves its own copy in `net`). */
  network?: string[];
  /** `--network-alias` and `--net-alias` values in command-line order. */
  networkAlias?: string[];
  oomKillDisable?: boolean;
  oomScoreAdj?: string;
  pid?: string;
  pidsLimit?: string;
  platform?: string;
  privileged?: boolean;
  publish?: string[];
  publishAll?: boolean;
  pull: string;
  quiet?: boolean;
  readOnly?: boolean;
  restart: string;
  rm?: boolean;
  runtime?: string;
  securityOpt?: string[];
  shmSize?: string;
  stopSignal?: string;
  stopTimeout?: string;
  storageOpt?: string[];
  sysctl?: string[];
  tmpfs?: string[];
  tty?: boolean;
  ulimit?: string[];
  user?: string;
  userns?: string;
  uts?: string;
  volume?: string[];
  volumeDriver?: string;
  volumesFrom?: string[];
  workdir?: string;
}

/**
 * Adds the flags of docker's `addFlags` that berth passes on (the Windows-only ones are left out).
 * Values docker's flag types validate as they are set (`--dns`, `--dns-search`, `--link`,
 * `--network`) are checked here too, failing as flag errors (exit 125).
 */
export function addContainerFlags(cmd: Command): Command {
  /** A repeatable flag whose values pass through `check` (which may rewrite them) or fail as docker's flag errors. */
  const checked = (display: string, check: (v: string) => string) => (v: string, prev: string[] | undefined): string[] => {
    let value: string;
    try {
      value = check(v);
    } catch (err) {
      throw invalidFlag(cmd.name(), display, v, (err as Error).message);
    }
    return [...(prev ?? []), value];
  };
  /** docker's flag pairs that share one list (`--net` and `--network`): the hidden one appends to the other, in order. */
  const sameList = (hidden: string, attribute: string): void => {
    cmd.on(`option:${hidden}`, (v: string) => {
      cmd.setOptionValueWithSource(attribute, [...((cmd.getOptionValue(attribute) as string[] | undefined) ?? []), v], 'cli');
    });
  };
  sameList('net', 'network');
  sameList('net-alias', 'networkAlias');
  sameList('dns-opt', 'dnsOption');
  return cmd
    .option('-a, --attach <stream>', 'Attach to STDIN, STDOUT or STDERR', collect)
    .option('--add-host <host:ip>', 'Add a custom host-to-IP mapping (host:ip)', collect)
    .option('--blkio-weight <uint16>', 'Block IO (relative weight), between 10 and 1000, or 0 to disable (default 0)')
    .option('--cap-add <list>', 'Add Linux capabilities', collect)
    .option('--cap-drop <list>', 'Drop Linux capabilities', collect)
    .option('--cgroup-parent <string>', 'Optional parent cgroup for the container')
    .option('--cgroupns <string>', 'Cgroup namespace to use (host|private)')
    .option('--cidfile <string>', 'Write the container ID to the file')
    .option('--cpu-period <int>', 'Limit CPU CFS (Completely Fair Scheduler) period')
    .option('--cpu-quota <int>', 'Limit CPU CFS (Completely Fair Scheduler) quota')
    .option('-c, --cpu-shares <int>', 'CPU shares (relative weight)')
    .option('--cpus <decimal>', 'Number of CPUs')
    .option('--cpuset-cpus <string>', 'CPUs in which to allow execution (0-3, 0,1)')
    .option('--cpuset-mems <string>', 'MEMs in which to allow execution (0-3, 0,1)')
    .option('--device <list>', 'Add a host device to the container', collect)
    .option('--device-cgroup-rule <list>', 'Add a rule to the cgroup allowed devices list', checked('--device-cgroup-rule', validateDeviceCgroupRule))
    .option('--dns <list>', 'Set custom DNS servers', checked('--dns', validateIPAddress))
    .option('--dns-option <list>', 'Set DNS options', collect)
    .addOption(new Option('--dns-opt <list>', 'Set DNS options').hideHelp())
    .option('--dns-search <list>', 'Set custom DNS search domains', checked('--dns-search', validateDNSSearch))
    .option('--domainname <string>', 'Container NIS domain name')
    .option('--entrypoint <string>', 'Overwrite the default ENTRYPOINT of the image')
    .option('-e, --env <list>', 'Set environment variables', collect)
    .option('--env-file <list>', 'Read in a file of environment variables', collect)
    .option('--expose <list>', 'Expose a port or a range of ports', collect)
    .option('--group-add <list>', 'Add additional groups to join', collect)
    .option('--health-cmd <string>', 'Command to run to check health')
    .option('--health-interval <duration>', 'Time between running the check (ms|s|m|h) (default 0s)')
    .option('--health-retries <int>', 'Consecutive failures needed to report unhealthy')
    .option('--health-start-interval <duration>', 'Time between running the check during the start period (ms|s|m|h) (default 0s)')
    .option('--health-start-period <duration>', 'Start period for the container to initialize before starting health-retries countdown (ms|s|m|h) (default 0s)')
    .option('--health-timeout <duration>', 'Maximum time to allow one check to run (ms|s|m|h) (default 0s)')
    .option('-h, --hostname <string>', 'Container host name')
    .option('--init', 'Run an init inside the container that forwards signals and reaps processes')
    // Only for `--init=false`, which docker sends as an explicit `"Init": false`.
    .addOption(new Option('--no-init').hideHelp())
    .option('-i, --interactive', 'Keep STDIN open even if not attached')
    .option('--ip <string>', 'IPv4 address (e.g., 172.30.100.104)')
    .option('--ip6 <string>', 'IPv6 address (e.g., 2001:db8::33)')
    .option('--ipc <string>', 'IPC mode to use')
    .option('-l, --label <list>', 'Set meta data on a container', collect)
    .option('--label-file <list>', 'Read in a line delimited file of labels', collect)
    .option('--link <list>', 'Add link to another container', checked('--link', validateLink))
    .option('--link-local-ip <list>', 'Container IPv4/IPv6 link-local addresses', collect)
    .option('--log-driver <string>', 'Logging driver for the container')
    .option('--log-opt <list>', 'Log driver options', collect)
    .option('--mac-address <string>', 'Container MAC address (e.g., 92:d0:c6:0a:29:33)')
    .option('-m, --memory <bytes>', 'Memory limit')
    .option('--memory-reservation <bytes>', 'Memory soft limit')
    .option('--memory-swap <bytes>', "Swap limit equal to memory plus swap: '-1' to enable unlimited swap")
    .option('--memory-swappiness <int>', 'Tune container memory swappiness (0 to 100) (default -1)')
    .option('--mount <mount>', 'Attach a filesystem mount to the container', collect)
    .option('--name <string>', 'Assign a name to the container')
    .option('--network <network>', 'Connect a container to a network', checked('--network', checkNetworkFlag))
    .addOption(new Option('--net <network>', 'Connect a container to a network').argParser(checked('--net', checkNetworkFlag)).hideHelp())
    .option('--network-alias <list>', 'Add network-scoped alias for the container', collect)
    .addOption(new Option('--net-alias <list>', 'Add network-scoped alias for the container').hideHelp())
    .option('--no-healthcheck', 'Disable any container-specified HEALTHCHECK')
    .option('--oom-kill-disable', 'Disable OOM Killer')
    .option('--oom-score-adj <int>', "Tune host's OOM preferences (-1000 to 1000)")
    .option('--pid <string>', 'PID namespace to use')
    .option('--pids-limit <int>', 'Tune container pids limit (set -1 for unlimited)')
    .option('--platform <string>', 'Set platform if server is multi-platform capable')
    .option('--privileged', 'Give extended privileges to this container')
    .option('-p, --publish <list>', "Publish a container's port(s) to the host", collect)
    .option('-P, --publish-all', 'Publish all exposed ports to random ports')
    .option('--pull <string>', 'Pull image before running ("always", "missing", "never")', 'missing')
    .option('-q, --quiet', 'Suppress the pull output')
    .option('--read-only', "Mount the container's root filesystem as read only")
    .option('--restart <string>', 'Restart policy to apply when a container exits', 'no')
    .option('--rm', 'Automatically remove the container and its associated anonymous volumes when it exits')
    .option('--runtime <string>', 'Runtime to use for this container')
    .option('--security-opt <list>', 'Security Options', collect)
    .option('--shm-size <bytes>', 'Size of /dev/shm')
    .option('--stop-signal <string>', 'Signal to stop the container')
    .option('--stop-timeout <int>', 'Timeout (in seconds) to stop a container')
    .option('--storage-opt <list>', 'Storage driver options for the container', collect)
    .option('--sysctl <map>', 'Sysctl options', collect)
    .option('--tmpfs <list>', 'Mount a tmpfs directory', collect)
    .option('-t, --tty', 'Allocate a pseudo-TTY')
    .option('--ulimit <ulimit>', 'Ulimit options', collect)
    .option('-u, --user <string>', 'Username or UID (format: <name|uid>[:<group|gid>])')
    .option('--userns <string>', 'User namespace to use')
    .option('--uts <string>', 'UTS namespace to use')
    .option('-v, --volume <list>', 'Bind mount a volume', collect)
    .option('--volume-driver <string>', 'Optional volume driver for the container')
    .option('--volumes-from <list>', 'Mount volumes from the specified container(s)', collect)
    .option('-w, --workdir <string>', 'Working directory inside the container');
}

/** The create request: `?name=&platform=` and the JSON body. */
export interface CreateRequest {
  name: string | undefined;
  platform: string | undefined;
  body: CreateBody;
}

/**
 * The create body: the wire type the daemon decodes, with the fields the CLI reads back always
 * set. One type for both sides, so the CLI and the API parser cannot drift apart.
 */
export type CreateBody = wire.CreateRequest & {
  AttachStdin: boolean;
  AttachStdout: boolean;
  AttachStderr: boolean;
  Tty: boolean;
  OpenStdin: boolean;
  StdinOnce: boolean;
  Image: string;
  HostConfig: wire.HostConfig & { AutoRemove: boolean; ContainerIDFile: string };
};

/** Go's `map[string]T` marshals with sorted keys. */
function sortedMap<T>(entries: Iterable<[string, T]>): Record<string, T> {
  const m = new Map(entries);
  const out: Record<string, T> = {};
  for (const k of [...m.keys()].sort()) out[k] = m.get(k)!;
  return out;
}

/** Go's `strings.Cut`. */
function cut(s: string, sep: string): [string, string, boolean] {
  const i = s.indexOf(sep);
  return i < 0 ? [s, '', false] : [s.slice(0, i), s.slice(i + sep.length), true];
}

/**
 * Builds the create request from the flags, as `parse` in opts.go does.
 * @param consoleSize `[rows, columns]` of the terminal on stdout, `[0, 0]` when it is not one.
 * @throws UsageError for values docker's flag parsers or `parse` reject (exit 125).
 */
export function buildCreateRequest(command: string, image: string, args: string[], o: ContainerFlags, consoleSize: [number, number], env: NodeJS.ProcessEnv = process.env): CreateRequest {
  const flag = (display: string, value: string, reason: string): UsageError => invalidFlag(command, display, value, reason);
  const fail = (message: string): Error => withHelp(command, message);
  const int = (display: string, value: string | undefined, bits = 64, unsigned = false): number | undefined => {
    if (value === undefined) return undefined;
    const fn = unsigned ? 'strconv.ParseUint' : 'strconv.ParseInt';
    const m = unsigned ? /^\+?(\d+)$/.exec(value) : /^([+-]?\d+)$/.exec(value);
    if (!m) throw flag(display, value, `${fn}: parsing ${JSON.stringify(value)}: invalid syntax`);
    const n = BigInt(m[1]!);
    const max = unsigned ? (1n << BigInt(bits)) - 1n : (1n << BigInt(bits - 1)) - 1n;
    const min = unsigned ? 0n : -(1n << BigInt(bits - 1));
    if (n > max || n < min) throw flag(display, value, `${fn}: parsing ${JSON.stringify(value)}: value out of range`);
    return Number(n);
  };
  const bytes = (display: string, value: string | undefined): number => {
    if (value === undefined) return 0;
    try {
      return parseBytes(value);
    } catch (err) {
      throw flag(display, value, (err as Error).message);
    }
  };
  const duration = (display: string, value: string | undefined): number => {
    if (value === undefined) return 0;
    try {
      return parseDuration(value);
    } catch (err) {
      throw flag(display, value, (err as Error).message);
    }
  };

  if (o.macAddress && !isValidMAC(o.macAddress.trim())) throw fail(`${o.macAddress} is not a valid mac address`);

  // -a and -i decide which streams are attached; with neither, stdout and stderr are.
  const attach = new Set<string>();
  for (const a of o.attach ?? []) {
    const s = a.toLowerCase();
    if (!['stdin', 'stdout', 'stderr'].includes(s)) throw flag('-a, --attach', a, 'valid streams are STDIN, STDOUT and STDERR');
    attach.add(s);
  }
  const attachStdin = attach.has('stdin') || Boolean(o.interactive);
  const attachStdout = attach.size === 0 || attach.has('stdout');
  const attachStderr = attach.size === 0 || attach.has('stderr');

  const swappiness = int('--memory-swappiness', o.memorySwappiness) ?? -1;
  if (swappiness !== -1 && (swappiness < 0 || swappiness > 100)) throw fail(`invalid value: ${swappiness}. Valid memory swappiness range is 0-100`);

  // --mount values are checked as the flags are parsed, -v ones by `parse`.
  const mounts: WireMount[] = (o.mount ?? []).map((m) => {
    try {
      return parseMount(m, logrusWarning);
    } catch (err) {
      throw flag('--mount', m, (err as Error).message);
    }
  });
  // -v: a source makes a bind (or named volume) in HostConfig.Binds, a bare path an anonymous volume.
  let binds: string[];
  let volumes: Map<string, Record<string, never>>;
  try {
    const split = splitVolumeFlags(o.volume ?? []);
    binds = split.binds;
    volumes = new Map(split.volumes.map((v): [string, Record<string, never>] => [v, {}]));
  } catch (err) {
    throw fail((err as Error).message);
  }

  const tmpfs = new Map<string, string>();
  for (const t of o.tmpfs ?? []) {
    const [k, v] = cut(t, ':');
    tmpfs.set(k, v);
  }

  let entrypoint: string[] | null = null;
  if (o.entrypoint !== undefined) entrypoint = [o.entrypoint];

  // -p and --expose.
  const exposed = new Map<string, Record<string, never>>();
  const bindings = new Map<string, { HostIp: string; HostPort: string }[]>();
  for (const raw of toStandardPortNotation(o.publish ?? [], fail)) {
    for (const m of parsePortSpec(raw, fail)) {
      exposed.set(m.port, {});
      bindings.set(m.port, [...(bindings.get(m.port) ?? []), { HostIp: m.ip, HostPort: m.hostPort }]);
    }
  }
  for (const e of o.expose ?? []) {
    if (e.includes(':')) throw fail(`invalid port format for --expose: ${e}`);
    const [proto, port] = splitProtoPort(e);
    let range: [number, number];
    try {
      range = parsePortRange(port);
    } catch (err) {
      throw fail(`invalid range format for --expose: ${e}, error: ${(err as Error).message}`);
    }
    for (let p = range[0]; p <= range[1]; p++) if (!exposed.has(`${p}/${proto}`)) exposed.set(`${p}/${proto}`, {});
  }

  const devices = (o.device ?? []).map((d) => parseDevice(d, fail));

  // Environment: --env-file lines first, then -e; a bare NAME takes this process's value.
  const envVars: string[] = [];
  for (const file of o.envFile ?? []) envVars.push(...parseKeyValueFile(file, (k) => env[k], fail));
  for (const e of o.env ?? []) {
    const [k, , hasValue] = cut(e, '=');
    if (k === '') throw flag('-e, --env', e, `invalid environment variable: ${e}`);
    envVars.push(hasValue || env[k] === undefined ? e : `${k}=${env[k]}`);
  }

  const labelList: string[] = [];
  for (const file of o.labelFile ?? []) labelList.push(...parseKeyValueFile(file, undefined, fail));
  for (const l of o.label ?? []) {
    const key = cut(l, '=')[0].replace(/^[ \t]+/, '');
    if (key === '') throw flag('-l, --label', l, `invalid label '${l}': empty name`);
    if (/[ \t]/.test(key)) throw flag('-l, --label', l, `label '${key}' contains whitespaces`);
    labelList.push(l);
  }
  const labels = sortedMap(labelList.map((l): [string, string] => {
    const [k, v] = cut(l, '=');
    return [k, v];
  }));

  const restartPolicy = parseRestartPolicy(o.restart, fail);
  const loggingOpts = sortedMap((o.logOpt ?? []).map((l): [string, string] => {
    const [k, v] = cut(l, '=');
    return [k, v];
  }));
  if (o.logDriver === 'none' && (o.logOpt ?? []).length > 0) throw fail(`invalid logging opts for driver ${o.logDriver}`);

  let securityOpts = parseSecurityOpts(o.securityOpt ?? [], fail);
  let maskedPaths: string[] | null = null;
  let readonlyPaths: string[] | null = null;
  if (securityOpts.includes('systempaths=unconfined')) {
    securityOpts = securityOpts.filter((s) => s !== 'systempaths=unconfined');
    maskedPaths = [];
    readonlyPaths = [];
  }

  const storageOpts = new Map<string, string>();
  for (const s of o.storageOpt ?? []) {
    const [k, v, ok] = cut(s, '=');
    if (!ok) throw fail('invalid storage option');
    storageOpts.set(k, v);
  }
  const sysctls = new Map<string, string>();
  for (const s of o.sysctl ?? []) {
    const [k, v, ok] = cut(s, '=');
    if (!ok) throw flag('--sysctl', s, `${s} is not a valid sysctl value`);
    sysctls.set(k, v);
  }

  const healthcheck = parseHealthcheck(o, int, duration, fail);
  const ulimits = new Map<string, { Name: string; Hard: number; Soft: number }>();
  for (const u of o.ulimit ?? []) {
    try {
      const parsed = parseUlimit(u);
      ulimits.set(parsed.Name, parsed);
    } catch (err) {
      throw flag('--ulimit', u, (err as Error).message);
    }
  }

  const extraHosts = (o.addHost ?? []).map((h) => validateExtraHost(h, flag));
  const networks = o.network ?? [];
  const memorySwap = o.memorySwap === '-1' ? -1 : bytes('--memory-swap', o.memorySwap);
  const blkioWeight = int('--blkio-weight', o.blkioWeight, 16, true) ?? 0;
  const stopTimeout = int('--stop-timeout', o.stopTimeout);
  const autoRemove = Boolean(o.rm);
  if (autoRemove && o.restart !== '' && o.restart !== 'no') throw fail('conflicting options: cannot specify both --restart and --rm');

  const config = {
    Hostname: o.hostname ?? '',
    Domainname: o.domainname ?? '',
    User: o.user ?? '',
    AttachStdin: attachStdin,
    AttachStdout: attachStdout,
    AttachStderr: attachStderr,
    ...(exposed.size ? { ExposedPorts: sortedMap(exposed) } : {}),
    Tty: Boolean(o.tty),
    OpenStdin: Boolean(o.interactive),
    // When stdin is attached, the container's stdin closes when the client's does.
    StdinOnce: Boolean(o.interactive) && attachStdin,
    Env: envVars.length ? envVars : null,
    Cmd: args.length ? args : null,
    ...(healthcheck ? { Healthcheck: healthcheck } : {}),
    Image: image,
    Volumes: sortedMap(volumes),
    WorkingDir: o.workdir ?? '',
    Entrypoint: entrypoint,
    OnBuild: null,
    Labels: labels,
    ...(o.stopSignal ? { StopSignal: o.stopSignal } : {}),
    ...(stopTimeout !== undefined ? { StopTimeout: stopTimeout } : {}),
  } satisfies wire.CreateRequest;
  const hostConfig = {
    Binds: binds.length ? binds : null,
    ContainerIDFile: o.cidfile ?? '',
    LogConfig: { Type: o.logDriver ?? '', Config: loggingOpts },
    NetworkMode: networkMode(networks),
    PortBindings: sortedMap(bindings),
    RestartPolicy: restartPolicy,
    AutoRemove: autoRemove,
    VolumeDriver: o.volumeDriver ?? '',
    VolumesFrom: o.volumesFrom?.length ? o.volumesFrom : null,
    ConsoleSize: consoleSize,
    CapAdd: o.capAdd?.length ? o.capAdd.map(normalizeCapability) : null,
    CapDrop: o.capDrop?.length ? o.capDrop.map(normalizeCapability) : null,
    CgroupnsMode: o.cgroupns ?? '',
    Dns: o.dns ?? [],
    DnsOptions: o.dnsOption ?? [],
    DnsSearch: o.dnsSearch ?? [],
    ExtraHosts: extraHosts.length ? extraHosts : null,
    GroupAdd: o.groupAdd?.length ? o.groupAdd : null,
    IpcMode: o.ipc ?? '',
    Cgroup: '',
    Links: o.link?.length ? o.link : null,
    OomScoreAdj: int('--oom-score-adj', o.oomScoreAdj) ?? 0,
    PidMode: o.pid ?? '',
    Privileged: Boolean(o.privileged),
    PublishAllPorts: Boolean(o.publishAll),
    ReadonlyRootfs: Boolean(o.readOnly),
    SecurityOpt: securityOpts.length ? securityOpts : null,
    ...(storageOpts.size ? { StorageOpt: sortedMap(storageOpts) } : {}),
    ...(tmpfs.size ? { Tmpfs: sortedMap(tmpfs) } : {}),
    UTSMode: o.uts ?? '',
    UsernsMode: o.userns ?? '',
    ShmSize: bytes('--shm-size', o.shmSize),
    ...(sysctls.size ? { Sysctls: sortedMap(sysctls) } : {}),
    ...(o.runtime ? { Runtime: o.runtime } : {}),
    Isolation: '',
    CpuShares: int('-c, --cpu-shares', o.cpuShares) ?? 0,
    Memory: bytes('-m, --memory', o.memory),
    NanoCpus: parseNanoCpus(o.cpus, flag),
    CgroupParent: o.cgroupParent ?? '',
    BlkioWeight: blkioWeight,
    BlkioWeightDevice: [],
    BlkioDeviceReadBps: [],
    BlkioDeviceWriteBps: [],
    BlkioDeviceReadIOps: [],
    BlkioDeviceWriteIOps: [],
    CpuPeriod: int('--cpu-period', o.cpuPeriod) ?? 0,
    CpuQuota: int('--cpu-quota', o.cpuQuota) ?? 0,
    CpuRealtimePeriod: 0,
    CpuRealtimeRuntime: 0,
    CpusetCpus: o.cpusetCpus ?? '',
    CpusetMems: o.cpusetMems ?? '',
    Devices: devices,
    DeviceCgroupRules: o.deviceCgroupRule?.length ? o.deviceCgroupRule : null,
    DeviceRequests: null,
    MemoryReservation: bytes('--memory-reservation', o.memoryReservation),
    MemorySwap: memorySwap,
    MemorySwappiness: swappiness,
    OomKillDisable: Boolean(o.oomKillDisable),
    PidsLimit: int('--pids-limit', o.pidsLimit) ?? 0,
    Ulimits: [...ulimits.values()].sort((a, b) => (a.Name < b.Name ? -1 : a.Name > b.Name ? 1 : 0)),
    CpuCount: 0,
    CpuPercent: 0,
    IOMaximumIOps: 0,
    IOMaximumBandwidth: 0,
    ...(mounts.length ? { Mounts: mounts } : {}),
    MaskedPaths: maskedPaths,
    ReadonlyPaths: readonlyPaths,
    // Set only when the flag was given, as docker's `flags.Changed("init")`.
    ...(o.init !== undefined ? { Init: o.init } : {}),
  } satisfies wire.HostConfig;
  let endpoints: Record<string, wire.EndpointSettings>;
  try {
    endpoints = endpointsConfig(networks, {
      aliases: o.networkAlias ?? [],
      links: o.link ?? [],
      ipv4Address: o.ip ?? '',
      ipv6Address: o.ip6 ?? '',
      linkLocalIps: o.linkLocalIp ?? [],
      macAddress: o.macAddress ?? '',
    });
  } catch (err) {
    throw fail((err as Error).message);
  }
  return {
    name: o.name,
    platform: o.platform,
    body: { ...config, HostConfig: hostConfig, NetworkingConfig: { EndpointsConfig: endpoints } },
  };
}

/** A warning as docker's logrus prints it on stderr (`time="…" level=warning msg="…"`). */
function logrusWarning(message: string): void {
  const d = new Date();
  const off = -d.getTimezoneOffset();
  const p = (n: number): string => String(n).padStart(2, '0');
  const zone = off === 0 ? 'Z' : `${off > 0 ? '+' : '-'}${p(Math.floor(Math.abs(off) / 60))}:${p(Math.abs(off) % 60)}`;
  const time = `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}${zone}`;
  process.stderr.write(`time="${time}" level=warning msg=${JSON.stringify(message)}\n`);
}

/** The client library's capability spelling: upper case with a `CAP_` prefix, `ALL` as is. */
function normalizeCapability(c: string): string {
  const cap = c.trim().toUpperCase();
  return cap === 'ALL' || cap === 'RESET' || cap.startsWith('CAP_') ? cap : `CAP_${cap}`;
}

/** `opts.ParseRestartPolicy`: `no`, `always`, `unless-stopped`, `on-failure[:N]`. */
function parseRestartPolicy(policy: string, fail: (m: string) => Error): { Name: string; MaximumRetryCount: number } {
  if (policy === '') return { Name: '', MaximumRetryCount: 0 };
  const [name, count, hasColon] = cut(policy, ':');
  if (hasColon && name === '') throw fail('invalid restart policy format: no policy provided before colon');
  let max = 0;
  if (count !== '') {
    if (!/^[+-]?\d+$/.test(count)) throw fail('invalid restart policy format: maximum retry count must be an integer');
    max = Number(count);
  }
  return { Name: name, MaximumRetryCount: max };
}

/** `kvfile.Parse`: NAME=value lines; a bare NAME takes `lookup`'s value or is dropped. */
function parseKeyValueFile(file: string, lookup: ((k: string) => string | undefined) | undefined, fail: (m: string) => Error): string[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw fail(`open ${file}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file or directory' : (err as Error).message}`);
  }
  const out: string[] = [];
  for (const [i, raw] of text.replace(/^\ufeff/, '').split(/\r?\n/).entries()) {
    void i;
    const line = raw.replace(/^\s+/, '');
    if (line === '' || line.startsWith('#')) continue;
    const [key, , hasValue] = cut(line, '=');
    if (key === '') throw fail(`invalid env file (${file}): no variable name on line '${line}'`);
    if (/[ \t]/.test(key)) throw fail(`invalid env file (${file}): variable '${key}' contains whitespaces`);
    if (hasValue) out.push(line);
    else if (lookup) {
      const v = lookup(line);
      if (v !== undefined) out.push(`${key}=${v}`);
    }
  }
  return out;
}

/** `parseSecurityOpts`: `key=value` or `key:value`; a seccomp profile file is sent inline. */
function parseSecurityOpts(opts: string[], fail: (m: string) => Error): string[] {
  return opts.map((opt) => {
    let [k, v, ok] = cut(opt, '=');
    if (!ok && k !== 'no-new-privileges') [k, v, ok] = cut(opt, ':');
    if ((!ok || v === '') && k !== 'no-new-privileges') throw fail(`Invalid --security-opt: ${JSON.stringify(opt)}`);
    if (k !== 'seccomp' || v === 'builtin' || v === 'unconfined') return opt;
    let profile: string;
    try {
      profile = readFileSync(v, 'utf8');
    } catch (err) {
      throw fail(`opening seccomp profile (${v}) failed: open ${v}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file or directory' : (err as Error).message}`);
    }
    try {
      return `seccomp=${JSON.stringify(JSON.parse(profile))}`;
    } catch (err) {
      throw fail(`compacting json for seccomp profile (${v}) failed: ${(err as Error).message}`);
    }
  });
}

function parseHealthcheck(
  o: ContainerFlags,
  int: (display: string, value: string | undefined) => number | undefined,
  duration: (display: string, value: string | undefined) => number,
  fail: (m: string) => Error,
): Record<string, unknown> | undefined {
  const interval = duration('--health-interval', o.healthInterval);
  const timeout = duration('--health-timeout', o.healthTimeout);
  const startPeriod = duration('--health-start-period', o.healthStartPeriod);
  const startInterval = duration('--health-start-interval', o.healthStartInterval);
  const retries = int('--health-retries', o.healthRetries) ?? 0;
  const have = Boolean(o.healthCmd) || interval !== 0 || timeout !== 0 || startPeriod !== 0 || retries !== 0 || startInterval !== 0;
  if (o.healthcheck === false) {
    if (have) throw fail('--no-healthcheck conflicts with --health-* options');
    return { Test: ['NONE'] };
  }
  if (!have) return undefined;
  if (interval < 0) throw fail('--health-interval cannot be negative');
  if (timeout < 0) throw fail('--health-timeout cannot be negative');
  if (retries < 0) throw fail('--health-retries cannot be negative');
  if (startPeriod < 0) throw fail('--health-start-period cannot be negative');
  if (startInterval < 0) throw fail('--health-start-interval cannot be negative');
  return {
    ...(o.healthCmd ? { Test: ['CMD-SHELL', o.healthCmd] } : {}),
    ...(interval ? { Interval: interval } : {}),
    ...(timeout ? { Timeout: timeout } : {}),
    ...(startPeriod ? { StartPeriod: startPeriod } : {}),
    ...(startInterval ? { StartInterval: startInterval } : {}),
    ...(retries ? { Retries: retries } : {}),
  };
}

const ULIMIT_NAMES = new Set(['core', 'cpu', 'data', 'fsize', 'locks', 'memlock', 'msgqueue', 'nice', 'nofile', 'nproc', 'rss', 'rtprio', 'rttime', 'sigpending', 'stack']);

/** go-units `ParseUlimit`: `name=soft[:hard]`; hard defaults to soft. */
function parseUlimit(val: string): { Name: string; Hard: number; Soft: number } {
  const [name, limits, ok] = cut(val, '=');
  if (!ok) throw new Error(`invalid ulimit argument: ${val}`);
  if (!ULIMIT_NAMES.has(name)) throw new Error(`invalid ulimit type: ${name}`);
  const parts = limits.split(':');
  if (parts.length > 2) throw new Error(`too many limit value arguments - ${limits}, can only have up to two, \`soft[:hard]\``);
  const num = (s: string): number => {
    if (!/^[+-]?\d+$/.test(s)) throw new Error(`strconv.ParseInt: parsing ${JSON.stringify(s)}: invalid syntax`);
    return Number(s);
  };
  const soft = num(parts[0]!);
  const hard = parts.length === 2 ? num(parts[1]!) : soft;
  if (hard !== -1) {
    if (soft === -1) throw new Error(`ulimit soft limit must be less than or equal to hard limit: soft: -1 (unlimited), hard: ${hard}`);
    if (soft > hard) throw new Error(`ulimit soft limit must be less than or equal to hard limit: ${soft} > ${hard}`);
  }
  return { Name: name, Hard: hard, Soft: soft };
}

/** `opts.NanoCPUs`: a decimal number of CPUs in units of 1e-9. */
function parseNanoCpus(value: string | undefined, flag: (display: string, value: string, reason: string) => UsageError): number {
  if (value === undefined) return 0;
  const m = /^\+?(\d*)(?:\.(\d*))?$/.exec(value);
  if (!m || (m[1] === '' && !m[2])) throw flag('--cpus', value, `failed to parse ${value} as a rational number`);
  const frac = (m[2] ?? '').replace(/0+$/, '');
  if (frac.length > 9) throw flag('--cpus', value, 'value is too precise');
  return Number(m[1] || '0') * 1e9 + Number(frac.padEnd(9, '0') || '0');
}

/** `opts.ValidateExtraHost`: `host:ip` or `host=ip`, sent as `host:ip`. */
function validateExtraHost(val: string, flag: (display: string, value: string, reason: string) => UsageError): string {
  let [k, v, ok] = cut(val, '=');
  if (!ok) [k, v, ok] = cut(val, ':');
  if (!ok || k === '' || k.includes(':')) throw flag('--add-host', val, `bad format for add-host: ${JSON.stringify(val)}`);
  if (v !== 'host-gateway') {
    // Brackets around the address are dropped: the daemon takes `host:ip`.
    if (v.length > 2 && v.startsWith('[') && v.endsWith(']')) v = v.slice(1, -1);
    try {
      validateIPAddress(v);
    } catch {
      throw flag('--add-host', val, `invalid IP address in add-host: ${JSON.stringify(v)}`);
    }
  }
  return `${k}:${v}`;
}

/** `parseLinuxDevice` after `validateLinuxPath`: `host[:container][:permissions]`. */
/** docker's validateDeviceCgroupRule: `type major:minor mode`. */
function validateDeviceCgroupRule(rule: string): string {
  if (!/^[acb] ([0-9]+|\*):([0-9]+|\*) [rwm]{1,3}$/.test(rule)) throw new Error(`invalid device cgroup format '${rule}'`);
  return rule;
}

function parseDevice(device: string, fail: (m: string) => Error): { PathOnHost: string; PathInContainer: string; CgroupPermissions: string } {
  const validMode = (m: string): boolean => m !== '' && [...m].every((c, i) => 'rwm'.includes(c) && m.indexOf(c) === i);
  const parts = device.split(':');
  if (parts.length > 3 || parts[0] === '') throw fail(`bad format for path: ${device}`);
  let src = parts[0]!;
  let dst = '';
  let perms = 'rwm';
  if (parts.length === 3) {
    if (!validMode(parts[2]!)) throw fail(`bad mode specified: ${parts[2]}`);
    perms = parts[2]!;
    dst = parts[1]!;
  } else if (parts.length === 2) {
    if (validMode(parts[1]!)) perms = parts[1]!;
    else dst = parts[1]!;
  }
  const containerPath = dst || src;
  if (!containerPath.startsWith('/')) throw fail(`${containerPath} is not an absolute path`);
  src = src.replace(/\/+$/, '') || '/';
  return { PathOnHost: src, PathInContainer: dst || src, CgroupPermissions: perms };
}

/** `convertToStandardNotation`: `published=8080,target=80[,protocol=udp]` → `8080:80/udp`. */
function toStandardPortNotation(ports: string[], fail: (m: string) => Error): string[] {
  return ports.map((p) => {
    if (!p.includes('=')) return p;
    const params: Record<string, string> = { protocol: 'tcp' };
    for (const param of p.split(',')) {
      const [k, v, ok] = cut(param, '=');
      if (!ok || k === '') throw fail(`invalid publish opts format (should be name=value but got '${param}')`);
      params[k] = v;
    }
    return `${params.published ?? ''}:${params.target ?? ''}/${params.protocol}`;
  });
}

/** go-connections `SplitProtoPort`: `80/udp` → [udp, 80]; tcp by default. */
function splitProtoPort(raw: string): [string, string] {
  const parts = raw.split('/');
  if (raw === '' || parts[0] === '') return ['', ''];
  if (parts.length === 1 || parts[1] === '') return ['tcp', parts[0]!];
  return [parts[1]!, parts[0]!];
}

/** go-connections `ParsePortRange`: `80` or `8000-8010`. */
function parsePortRange(ports: string): [number, number] {
  if (ports === '') throw new Error('empty string specified for ports');
  const num = (s: string): number => {
    if (!/^\d+$/.test(s) || Number(s) > 65535) throw new Error(`strconv.ParseUint: parsing ${JSON.stringify(s)}: ${/^\d+$/.test(s) ? 'value out of range' : 'invalid syntax'}`);
    return Number(s);
  };
  if (!ports.includes('-')) {
    const p = num(ports);
    return [p, p];
  }
  const [a, b] = cut(ports, '-');
  const start = num(a);
  const end = num(b);
  if (end < start) throw new Error(`invalid range specified for port: ${ports}`);
  return [start, end];
}

/** go-connections `ParsePortSpec`: `[ip:][hostPort:]containerPort[/proto]`, ranges allowed. */
function parsePortSpec(raw: string, fail: (m: string) => Error): { port: string; ip: string; hostPort: string }[] {
  const parts = raw.split(':');
  const n = parts.length;
  let ip = n >= 3 ? parts.slice(0, n - 2).join(':') : '';
  const hostPort = n >= 2 ? parts[n - 2]! : '';
  const [protoRaw, containerPort] = splitProtoPort(parts[n - 1]!);
  if (ip.startsWith('[') && ip.endsWith(']')) ip = ip.slice(1, -1);
  if (ip !== '' && !parseIP(ip)) throw fail(`invalid IP address: ${ip}`);
  if (containerPort === '') throw fail(`no port specified: ${raw}<empty>`);
  let start: number;
  let end: number;
  try {
    [start, end] = parsePortRange(containerPort);
  } catch {
    throw fail(`invalid containerPort: ${containerPort}`);
  }
  let hostStart = 0;
  let hostEnd = 0;
  if (hostPort !== '') {
    try {
      [hostStart, hostEnd] = parsePortRange(hostPort);
    } catch {
      throw fail(`invalid hostPort: ${hostPort}`);
    }
    if (end - start !== hostEnd - hostStart && end !== start) throw fail(`invalid ranges specified for container and host Ports: ${containerPort} and ${hostPort}`);
  }
  const proto = protoRaw.toLowerCase();
  if (!['tcp', 'udp', 'sctp'].includes(proto)) throw fail(`invalid proto: ${proto}`);
  const count = end - start + 1;
  const out: { port: string; ip: string; hostPort: string }[] = [];
  for (let i = 0; i < count; i++) {
    let h = '';
    if (hostPort !== '') {
      h = String(hostStart + i);
      if (count === 1 && hostStart !== hostEnd) h += `-${hostEnd}`;
    }
    out.push({ port: `${start + i}/${proto}`, ip, hostPort: h });
  }
  return out;
}

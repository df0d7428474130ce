/**
 * A service's container as an Engine API create body, as Docker Compose v2 builds it
 * (pkg/compose/create.go): the service's settings, the project's resource names, and the
 * `com.docker.compose.*` labels.
 */
import { parseDuration } from '../base/duration.js';
import { ramInBytes } from '../base/go-units.js';
import type * as wire from '../wire/index.js';
import { COMPOSE_VERSION, dependsOnLabel, LABEL } from './labels.js';
import type { Project } from './project.js';
import type { Service, ServiceNetwork } from './types.js';

export interface ContainerIdentity {
  /** The container's name (`proj-web-1`, or `container_name`). */
  name: string;
  number: number;
  oneoff: boolean;
  /** A one-off container's slug (`run`). */
  slug?: string;
  configHash: string;
  imageId: string;
}

/** The image a service runs: `image:`, or the name compose gives a built one (`proj-web`). */
export function imageName(project: string, service: string, svc: Service): string {
  return svc.image ?? `${project}-${service}`;
}

/** `proj-web-1`, or a `container_name`. */
export function containerName(project: string, service: string, svc: Service, n: number): string {
  return svc.container_name ?? `${project}-${service}-${n}`;
}

const ns = (d: string | undefined): number | undefined => (d === undefined ? undefined : parseDuration(d));
const bytes = (v: string | number | undefined): number | undefined => (v === undefined ? undefined : typeof v === 'number' ? v : ramInBytes(v));

export function containerLabels(p: Project, service: string, svc: Service, id: ContainerIdentity): Record<string, string> {
  const labels: Record<string, string> = { ...(svc.labels ?? {}) };
  Object.assign(labels, {
    [LABEL.project]: p.name,
    [LABEL.service]: service,
    [LABEL.number]: String(id.number),
    [LABEL.oneoff]: id.oneoff ? 'True' : 'False',
    [LABEL.configHash]: id.configHash,
    [LABEL.configFiles]: p.configFiles.join(','),
    [LABEL.workingDir]: p.workingDir,
    [LABEL.version]: COMPOSE_VERSION,
    [LABEL.image]: id.imageId,
    [LABEL.dependsOn]: dependsOnLabel(svc),
  });
  if (id.slug) labels[LABEL.slug] = id.slug;
  if (p.envFiles?.length) labels[LABEL.environmentFile] = p.envFiles.join(',');
  return labels;
}

function healthcheck(svc: Service): wire.Config['Healthcheck'] | undefined {
  const h = svc.healthcheck;
  if (!h) return undefined;
  if (h.disable) return { Test: ['NONE'] };
  return {
    ...(h.test ? { Test: h.test } : {}),
    ...(h.interval ? { Interval: ns(h.interval) } : {}),
    ...(h.timeout ? { Timeout: ns(h.timeout) } : {}),
    ...(h.start_period ? { StartPeriod: ns(h.start_period) } : {}),
    ...(h.start_interval ? { StartInterval: ns(h.start_interval) } : {}),
    ...(h.retries !== undefined ? { Retries: h.retries } : {}),
  };
}

const DEPLOY_CONDITIONS: Record<string, string> = { none: 'no', no: 'no', 'on-failure': 'on-failure', 'unless-stopped': 'unless-stopped', any: 'always', always: 'always' };

/** `restart:`, or deploy.restart_policy (which wins, as in compose v2's getRestartPolicy). */
function restartPolicy(svc: Service): { Name: string; MaximumRetryCount: number } | undefined {
  const d = svc.deploy?.restart_policy;
  if (d) return { Name: DEPLOY_CONDITIONS[d.condition ?? 'any'] ?? d.condition ?? 'always', MaximumRetryCount: d.max_attempts ?? 0 };
  const r = svc.restart;
  if (!r) return undefined;
  const [name, count] = r.split(':');
  return { Name: name!, MaximumRetryCount: count ? Number(count) : 0 };
}

function portBindings(svc: Service): { exposed: Record<string, object>; bindings: Record<string, { HostIp: string; HostPort: string }[]> } {
  const exposed: Record<string, object> = {};
  const bindings: Record<string, { HostIp: string; HostPort: string }[]> = {};
  for (const e of svc.expose ?? []) exposed[e.includes('/') ? e : `${e}/tcp`] = {};
  for (const p of svc.ports ?? []) {
    const key = `${p.target}/${p.protocol ?? 'tcp'}`;
    exposed[key] = {};
    (bindings[key] ??= []).push({ HostIp: p.host_ip ?? '', HostPort: p.published ?? '' });
  }
  return { exposed, bindings };
}

interface Mounts {
  binds: string[];
  mounts: wire.Mount[];
}

function mounts(p: Project, svc: Service, anonymous: Record<string, string> = {}): Mounts {
  const out: Mounts = { binds: [], mounts: [] };
  const targets = new Set((svc.volumes ?? []).map((v) => v.target));
  // Anonymous volumes of the image (VOLUME) that the old container had: kept as they were.
  for (const [target, name] of Object.entries(anonymous)) if (!targets.has(target)) out.mounts.push({ Type: 'volume', Source: name, Target: target, ReadOnly: false } as wire.Mount);
  for (const v of svc.volumes ?? []) {
    if (v.type === 'bind' && v.bind?.create_host_path) {
      // The legacy Binds form: the daemon creates a missing host path, as compose v2 relies on.
      const opts = [v.read_only ? 'ro' : '', v.bind.selinux ?? '', v.bind.propagation ?? ''].filter(Boolean);
      out.binds.push(`${v.source}:${v.target}${opts.length ? `:${opts.join(',')}` : ''}`);
    } else if (v.type === 'bind') {
      out.mounts.push({ Type: 'bind', Source: v.source, Target: v.target, ReadOnly: v.read_only ?? false, ...(v.bind?.propagation ? { BindOptions: { Propagation: v.bind.propagation } } : {}) } as wire.Mount);
    } else if (v.type === 'volume') {
      const source = v.source ? (p.volumes[v.source]?.name as string | undefined) ?? v.source : (anonymous[v.target] ?? '');
      out.mounts.push({ Type: 'volume', Source: source, Target: v.target, ReadOnly: v.read_only ?? false, ...(v.volume?.nocopy ? { VolumeOptions: { NoCopy: true } } : {}) } as wire.Mount);
    } else if (v.type === 'tmpfs') {
      out.mounts.push({ Type: 'tmpfs', Target: v.target, ...(v.tmpfs?.size !== undefined ? { TmpfsOptions: { SizeBytes: bytes(v.tmpfs.size) } } : {}) } as wire.Mount);
    }
  }
  for (const s of svc.secrets ?? []) {
    const def = p.secrets[s.source];
    if (typeof def?.file === 'string') out.binds.push(`${def.file}:${s.target?.startsWith('/') ? s.target : `/run/secrets/${s.target ?? s.source}`}:ro`);
  }
  for (const c of svc.configs ?? []) {
    const def = p.configs[c.source];
    if (typeof def?.file === 'string') out.binds.push(`${def.file}:${c.target ?? `/${c.source}`}:ro`);
  }
  return out;
}

function ulimits(svc: Service): { Name: string; Soft: number; Hard: number }[] | undefined {
  if (!svc.ulimits) return undefined;
  return Object.entries(svc.ulimits).map(([Name, v]) => (typeof v === 'object' ? { Name, Soft: Number(v.soft), Hard: Number(v.hard) } : { Name, Soft: Number(v), Hard: Number(v) }));
}

function devices(svc: Service): { PathOnHost: string; PathInContainer: string; CgroupPermissions: string }[] | undefined {
  return svc.devices?.map((d) => {
    if (typeof d === 'object') return { PathOnHost: d.source, PathInContainer: d.target ?? d.source, CgroupPermissions: d.permissions ?? 'rwm' };
    const [host, container, perms] = d.split(':');
    return { PathOnHost: host!, PathInContainer: container ?? host!, CgroupPermissions: perms ?? 'rwm' };
  });
}

/** The service's networks, highest priority first (then by name), as compose orders them. */
export function serviceNetworks(svc: Service): [string, ServiceNetwork][] {
  const prio = (n: ServiceNetwork | null): number => n?.priority ?? 0;
  return Object.entries(svc.networks ?? {})
    .sort(([a, x], [b, y]) => prio(y) - prio(x) || (a < b ? -1 : a > b ? 1 : 0))
    .map(([k, n]) => [k, n ?? {}]);
}

/** `links` (to a service's first container) and `external_links` (a container by name), as `container:alias`. */
function links(p: Project, svc: Service): string[] | undefined {
  const out: string[] = [];
  for (const l of svc.links ?? []) {
    const [target, alias] = l.split(':');
    out.push(`${containerName(p.name, target!, p.services[target!] ?? {}, 1)}:${alias ?? target}`);
  }
  for (const l of (svc.external_links as string[] | undefined) ?? []) {
    const [target, alias] = l.split(':');
    out.push(`${target}:${alias ?? target}`);
  }
  return out.length ? out : undefined;
}

/** What network_mode `service:x` and `volumes_from: [x]` point to: the service's first container. */
export type ServiceContainer = (service: string) => string;

function networkingConfig(p: Project, service: string, svc: Service, serviceContainer: ServiceContainer): { mode: string; endpoints: Record<string, wire.EndpointSettings> } {
  if (svc.network_mode) {
    const m = svc.network_mode.startsWith('service:') ? `container:${serviceContainer(svc.network_mode.slice(8))}` : svc.network_mode;
    return { mode: m, endpoints: {} };
  }
  const endpoints: Record<string, wire.EndpointSettings> = {};
  const nets = serviceNetworks(svc);
  for (const [key, n] of nets) {
    const name = String(p.networks[key]?.name ?? key);
    const ipam = n.ipv4_address || n.ipv6_address ? { IPAMConfig: { ...(n.ipv4_address ? { IPv4Address: n.ipv4_address } : {}), ...(n.ipv6_address ? { IPv6Address: n.ipv6_address } : {}) } } : {};
    endpoints[name] = { Aliases: [service, ...(n.aliases ?? [])], ...ipam, ...(n.gw_priority !== undefined ? { GwPriority: n.gw_priority } : {}), ...(n.mac_address ? { MacAddress: n.mac_address } : {}) } as wire.EndpointSettings;
  }
  const first = nets[0] ? String(p.networks[nets[0][0]]?.name ?? nets[0][0]) : 'default';
  return { mode: first, endpoints };
}

function env(svc: Service): string[] {
  return Object.entries(svc.environment ?? {})
    .filter(([, v]) => v !== null)
    .map(([k, v]) => `${k}=${v}`);
}

export interface CreateOverrides {
  command?: string[];
  entrypoint?: string[];
  env?: string[];
  user?: string;
  workdir?: string;
  tty?: boolean;
  interactive?: boolean;
  /** `run` without --service-ports: no published ports. */
  noPorts?: boolean;
  autoRemove?: boolean;
  labels?: Record<string, string>;
  /** A recreated container keeps its predecessor's anonymous volumes: their names by target. */
  anonymousVolumes?: Record<string, string>;
}

/** The POST /containers/create body for one of a service's containers. */
export function createBody(p: Project, service: string, svc: Service, id: ContainerIdentity, serviceContainer: ServiceContainer, o: CreateOverrides = {}): Record<string, unknown> {
  const ports = portBindings(o.noPorts ? { ...svc, ports: [] } : svc);
  const m = mounts(p, svc, o.anonymousVolumes);
  const net = networkingConfig(p, service, svc, serviceContainer);
  const limits = svc.deploy?.resources?.limits;
  const memory = bytes(limits?.memory ?? svc.mem_limit);
  const cpus = limits?.cpus ?? svc.cpus;
  const tty = o.tty ?? svc.tty ?? false;
  const stdinOpen = o.interactive ?? svc.stdin_open ?? false;
  const hostConfig: Record<string, unknown> = {
    Binds: m.binds.length ? m.binds : null,
    Mounts: m.mounts.length ? m.mounts : undefined,
    NetworkMode: net.mode,
    PortBindings: ports.bindings,
    RestartPolicy: restartPolicy(svc) ?? { Name: 'no', MaximumRetryCount: 0 },
    AutoRemove: o.autoRemove ?? false,
    CapAdd: svc.cap_add,
    CapDrop: svc.cap_drop,
    Privileged: svc.privileged ?? false,
    ReadonlyRootfs: svc.read_only ?? false,
    Init: svc.init,
    Devices: devices(svc),
    Ulimits: ulimits(svc),
    LogConfig: svc.logging ? { Type: svc.logging.driver ?? '', Config: Object.fromEntries(Object.entries(svc.logging.options ?? {}).map(([k, v]) => [k, String(v)])) } : undefined,
    Memory: memory,
    NanoCpus: cpus !== undefined ? Math.round(Number(cpus) * 1e9) : undefined,
    PidsLimit: limits?.pids ?? svc.pids_limit,
    Tmpfs: svc.tmpfs?.length ? Object.fromEntries(svc.tmpfs.map((t) => [t.split(':')[0]!, t.split(':').slice(1).join(':')])) : undefined,
    ExtraHosts: svc.extra_hosts?.map((h) => h.replace('=', ':')),
    Dns: svc.dns,
    DnsSearch: svc.dns_search,
    DnsOptions: svc.dns_opt,
    ShmSize: bytes(svc.shm_size),
    Sysctls: svc.sysctls,
    SecurityOpt: svc.security_opt,
    // `service:x` (compose's form) is the engine's `container:<x's first container>`.
    PidMode: svc.pid?.startsWith('service:') ? `container:${serviceContainer(svc.pid.slice(8))}` : svc.pid,
    IpcMode: svc.ipc?.startsWith('service:') ? `container:${serviceContainer(svc.ipc.slice(8))}` : svc.ipc,
    GroupAdd: svc.group_add?.map(String),
    CpuShares: svc.cpu_shares as number | undefined,
    CpusetCpus: svc.cpuset as string | undefined,
    CpuQuota: svc.cpu_quota as number | undefined,
    CpuPeriod: svc.cpu_period as number | undefined,
    MemoryReservation: bytes((svc.mem_reservation ?? svc.deploy?.resources?.reservations?.memory) as string | number | undefined),
    MemorySwap: svc.memswap_limit !== undefined ? (svc.memswap_limit === -1 ? -1 : bytes(svc.memswap_limit as string | number)) : undefined,
    OomScoreAdj: svc.oom_score_adj as number | undefined,
    OomKillDisable: svc.oom_kill_disable as boolean | undefined,
    UsernsMode: svc.userns_mode as string | undefined,
    UTSMode: svc.uts as string | undefined,
    CgroupParent: svc.cgroup_parent as string | undefined,
    Runtime: svc.runtime as string | undefined,
    DeviceCgroupRules: svc.device_cgroup_rules as string[] | undefined,
    Annotations: svc.annotations as Record<string, string> | undefined,
    Links: links(p, svc),
    VolumesFrom: svc.volumes_from?.map((v) => (v.startsWith('container:') ? v.slice(10) : serviceContainer(v.split(':')[0]!) + (v.includes(':') ? `:${v.split(':')[1]}` : ''))),
  };
  const stopTimeout = svc.stop_grace_period ? Math.round(parseDuration(svc.stop_grace_period) / 1e9) : undefined;
  return {
    Hostname: svc.hostname,
    Domainname: svc.domainname,
    User: o.user ?? svc.user,
    AttachStdin: stdinOpen,
    AttachStdout: true,
    AttachStderr: true,
    Tty: tty,
    OpenStdin: stdinOpen,
    StdinOnce: false,
    Env: [...env(svc), ...(o.env ?? [])],
    Cmd: o.command ?? svc.command ?? undefined,
    Entrypoint: o.entrypoint ?? svc.entrypoint ?? undefined,
    Image: imageName(p.name, service, svc),
    WorkingDir: o.workdir ?? svc.working_dir,
    Labels: { ...containerLabels(p, service, svc, id), ...(o.labels ?? {}) },
    ExposedPorts: Object.keys(ports.exposed).length ? ports.exposed : undefined,
    Healthcheck: healthcheck(svc),
    StopSignal: svc.stop_signal,
    StopTimeout: stopTimeout,
    HostConfig: hostConfig,
    NetworkingConfig: { EndpointsConfig: net.endpoints },
  };
}

/**
 * The one place where a response (or a refusal) depends on the API version the client asked
 * for: what moby's routers do per version (docs/api/version-history.md, v1.24 to v1.50), applied
 * to the current (1.50) shapes the routes build; for 1.21 to 1.23, which moby 28 no longer
 * serves, what Docker 20.10 (the last engine docker-compose 1.x pinned them against) did.
 * Request-side version rules for container create live with its checks (wire/container-checks).
 */
import type { ContainerRecord } from '../containers/index.js';

type Json = Record<string, unknown>;

/** Image config fields moby's image inspect always writes on API ≥ 1.50, empty when unset. */
const CONFIG_CURRENT: Json = { Cmd: null, Entrypoint: null, Env: null, Labels: null, OnBuild: null, User: '', Volumes: null, WorkingDir: '' };

/**
 * The `container.Config` fields image inspect wrote before 1.50 (an implementation detail of
 * moby's, deprecated in 1.46): always there, empty.
 */
const CONFIG_V149: Json = {
  ...CONFIG_CURRENT,
  AttachStderr: false,
  AttachStdin: false,
  AttachStdout: false,
  Domainname: '',
  Hostname: '',
  Image: '',
  OpenStdin: false,
  StdinOnce: false,
  Tty: false,
};

const ZERO_TIME = '0001-01-01T00:00:00Z';

/** A zero `container.Config` as Go marshals it: what ContainerConfig is for an image no builder container made. */
const EMPTY_CONTAINER_CONFIG: Json = { ...CONFIG_V149, Cmd: null, Image: '' };

/**
 * `GET /images/{name}/json`: legacy Config fields, `VirtualSize` before 1.44, a zero `Created`
 * before 1.44 when the image has none, `Container` and `ContainerConfig` before 1.45.
 * @param legacy the image's own `container` and `container_config` (docker build / commit set them).
 */
export function imageInspectForVersion(out: Json, apiMinor: number, legacy: { container?: string | undefined; containerConfig?: Json | undefined }): Json {
  const config = { ...(apiMinor < 50 ? CONFIG_V149 : CONFIG_CURRENT), ...stripUndefined((out.Config as Json | undefined) ?? {}) };
  const r: Json = { ...out, Config: config };
  if (apiMinor < 44) {
    r.VirtualSize = r.Size;
    if (!r.Created) r.Created = ZERO_TIME;
  } else if (!r.Created) delete r.Created;
  if (apiMinor < 45) {
    r.Container = legacy.container ?? '';
    r.ContainerConfig = { ...EMPTY_CONTAINER_CONFIG, ...(legacy.containerConfig ?? {}) };
  }
  return r;
}

/** `GET /images/json` and `/system/df`'s images: `<none>` placeholders before 1.43, `VirtualSize` before 1.44. */
export function imageSummaryForVersion(out: Json, apiMinor: number): Json {
  const r = { ...out };
  const tags = (r.RepoTags as string[] | null) ?? [];
  const digests = (r.RepoDigests as string[] | null) ?? [];
  if (apiMinor < 43 && tags.length === 0 && digests.length === 0) {
    r.RepoTags = ['<none>:<none>'];
    r.RepoDigests = ['<none>@<none>'];
  }
  if (apiMinor < 44) r.VirtualSize = r.Size;
  return r;
}

/** `GET /system/df`: `BuilderSize` before 1.42. */
export function diskUsageForVersion(out: Json, apiMinor: number): Json {
  return apiMinor < 42 ? { ...out, BuilderSize: 0 } : out;
}

const PREDEFINED_NETWORKS = new Set(['default', 'bridge', 'host', 'none']);

/**
 * `GET /containers/{id}/json`: before 1.45 a user-defined network's Aliases also hold the short
 * ID and the hostname, as moby added them itself then.
 */
export function containerInspectForVersion(out: Json, rec: ContainerRecord, apiMinor: number): Json {
  if (apiMinor >= 45) return out;
  const settings = out.NetworkSettings as { Networks?: Record<string, Json> } | undefined;
  const networks = settings?.Networks ?? {};
  const patched: Record<string, Json> = {};
  for (const [name, ep] of Object.entries(networks)) {
    if (PREDEFINED_NETWORKS.has(name) || name.startsWith('container:')) {
      patched[name] = ep;
      continue;
    }
    const aliases = [...((ep.Aliases as string[] | null) ?? []), rec.id.slice(0, 12), (out.Config as Json | undefined)?.Hostname as string | undefined].filter((a): a is string => Boolean(a));
    patched[name] = { ...ep, Aliases: [...new Set(aliases)] };
  }
  return { ...out, NetworkSettings: { ...settings, Networks: patched } };
}

/**
 * `GET /info`: security options by name only before 1.25, `<unknown>` for an unknown kernel or
 * OS before 1.39, runtimes without `status` before 1.44, the non-distributable registry fields
 * before 1.47, `Expected` commits before 1.49, the bridge-nf fields before 1.50.
 */
export function infoForVersion(out: Json, apiMinor: number): Json {
  const r: Json = { ...out };
  if (apiMinor < 25) r.SecurityOptions = ((r.SecurityOptions as string[] | null) ?? []).map(securityOptionName);
  if (apiMinor < 39) {
    if (!r.KernelVersion) r.KernelVersion = '<unknown>';
    if (!r.OperatingSystem) r.OperatingSystem = '<unknown>';
  }
  if (apiMinor < 44) {
    const runtimes = (r.Runtimes as Record<string, Json> | undefined) ?? {};
    r.Runtimes = Object.fromEntries(Object.entries(runtimes).map(([k, v]) => [k, { path: v.path }]));
  }
  if (apiMinor < 47) r.RegistryConfig = { AllowNondistributableArtifactsCIDRs: null, AllowNondistributableArtifactsHostnames: null, ...(r.RegistryConfig as Json) };
  if (apiMinor < 49) {
    for (const key of ['ContainerdCommit', 'RuncCommit', 'InitCommit']) {
      const c = r[key] as Json | undefined;
      if (c) r[key] = { ...c, Expected: c.ID };
    }
  }
  if (apiMinor < 50) Object.assign(r, { BridgeNfIptables: false, BridgeNfIp6tables: false });
  return r;
}

/**
 * `DELETE /containers/{id}` of a running container without `force`: API versions before 1.44
 * (Docker 24 and older) refused it in words old clients look for ("You cannot remove …";
 * docker-py 5's tests do). Undefined when the current wording applies.
 */
export function removeRefusalForVersion(rec: ContainerRecord, apiMinor: number): string | undefined {
  const state = rec.state.status;
  if (apiMinor >= 44 || !(state === 'running' || state === 'paused' || state === 'restarting')) return undefined;
  const procedure = 'Stop the container before attempting removal or force remove';
  return `You cannot remove a ${state} container ${rec.id}. ${state === 'paused' ? `Unpause and then ${procedure.toLowerCase()}` : procedure}`;
}

/** `name=seccomp,profile=builtin` → `seccomp` (moby's DecodeSecurityOptions, then the name). */
function securityOptionName(opt: string): string {
  const name = opt.split(',').find((kv) => kv.startsWith('name='));
  return name ? name.slice('name='.length) : opt;
}

/**
 * Docker 20.10 answered errors to API 1.23 and older in plain text (`http.Error`), JSON only
 * from 1.24 on (unversioned paths get JSON).
 */
export function errorsAsText(apiMinor: number | undefined): boolean {
  return apiMinor !== undefined && apiMinor <= 23;
}

/** How `POST /containers/{id}/wait` behaves for a version (moby's postContainersWait). */
export interface WaitBehaviour {
  /** Before 1.30 the `condition` parameter was not read: always `not-running`. */
  readCondition: boolean;
  /** From 1.30 the 200 and headers go out at once, before the wait ends; before, with the result. */
  headersFirst: boolean;
  /**
   * Before 1.34 a failed removal (condition `removed`) ended the wait with an empty body: the
   * only way those clients could be told.
   */
  emptyOnRemovalError: boolean;
}

export function waitForVersion(apiMinor: number): WaitBehaviour {
  return { readCondition: apiMinor >= 30, headersFirst: apiMinor >= 30, emptyOnRemovalError: apiMinor < 34 };
}

/** `POST /exec/{id}/start`: Docker 20.10 read the body of API 1.21 without asking for JSON. */
export function execStartChecksJson(apiMinor: number): boolean {
  return apiMinor > 21;
}

/** `GET /networks`: before 1.28 each listed network carried its containers, as inspect does. */
export function networkListDetailed(apiMinor: number): boolean {
  return apiMinor < 28;
}

function stripUndefined(o: Json): Json {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));
}

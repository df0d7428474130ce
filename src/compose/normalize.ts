/**
 * One compose file's model in the long syntax compose v2's `config` prints: short forms
 * expanded (ports, volumes, depends_on, build, networks, secrets/configs), lists of `KEY=VALUE`
 * as maps, strings where lists are meant as lists, relative host paths made absolute against
 * the project (or included/extended file's) directory. Runs before the files are merged, so
 * the merge rules see one shape; `!reset`/`!override` markers are kept around the values.
 */
import { homedir } from 'node:os';
import { isAbsolute, resolve } from 'node:path';
import { BerthError } from '../base/errors.js';
import { isDict, mapMarked, type Dict } from './markers.js';
import { shellSplit } from './shell-split.js';

const fail = (message: string): BerthError => new BerthError('InvalidArgument', message);

/** `~`, `./x` or `x` against `dir`, as compose resolves host paths. */
export function hostPath(p: string, dir: string): string {
  if (p === '~' || p.startsWith('~/')) return homedir() + p.slice(1);
  return isAbsolute(p) ? p : resolve(dir, p);
}

/** `KEY=VALUE` list or map into a map; a bare `KEY` maps to null (resolved later from the environment). */
export function listOrDict(v: unknown, sep = '='): Dict {
  if (isDict(v)) {
    const out: Dict = {};
    // Markers (`!reset`) stay for the merge.
    for (const [k, x] of Object.entries(v)) out[k] = x === null || x === undefined ? null : typeof x === 'object' ? x : String(x);
    return out;
  }
  const out: Dict = {};
  for (const item of (v as unknown[] | undefined) ?? []) {
    const s = String(item);
    const i = s.indexOf(sep);
    if (i < 0) out[s] = null;
    else out[s.slice(0, i)] = s.slice(i + 1);
  }
  return out;
}

const asList = (v: unknown): unknown[] => (Array.isArray(v) ? v : v === undefined || v === null ? [] : [v]);

function command(v: unknown): unknown {
  return typeof v === 'string' ? shellSplit(v) : v;
}

function build(v: unknown, dir: string): unknown {
  const b: Dict = typeof v === 'string' ? { context: v } : { ...(v as Dict) };
  const context = String(b.context ?? '.');
  // A git URL or remote tarball stays as written; a directory becomes absolute.
  b.context = /^(https?:\/\/|git@|git:\/\/|github\.com\/)/.test(context) ? context : hostPath(context, dir);
  if (b.dockerfile === undefined && b.dockerfile_inline === undefined) b.dockerfile = 'Dockerfile';
  if (b.args !== undefined) b.args = listOrDict(b.args);
  if (b.labels !== undefined) b.labels = listOrDict(b.labels);
  if (typeof b.cache_from === 'string') b.cache_from = [b.cache_from];
  return b;
}

/** `[HOST_IP:][HOST[-HOST]:]CONTAINER[-CONTAINER][/PROTO]` into the long syntax, one entry per port of a range. */
export function parsePortShort(spec: string): Dict[] {
  let rest = spec;
  let protocol = 'tcp';
  const slash = rest.lastIndexOf('/');
  if (slash >= 0) {
    protocol = rest.slice(slash + 1);
    rest = rest.slice(0, slash);
  }
  let hostIp: string | undefined;
  const v6 = /^\[([^\]]+)\]:(.*)$/.exec(rest);
  if (v6) {
    hostIp = v6[1];
    rest = v6[2]!;
  }
  const parts = rest.split(':');
  if (!hostIp && parts.length === 3) hostIp = parts.shift();
  if (parts.length > 2 || parts.some((p, i) => p === '' && !(i === 0 && parts.length === 2))) throw fail(`invalid port spec: ${JSON.stringify(spec)}`);
  const container = parts[parts.length - 1]!;
  const published = parts.length === 2 && parts[0] !== '' ? parts[0] : undefined;
  const range = (r: string): [number, number] => {
    const m = /^(\d+)(?:-(\d+))?$/.exec(r);
    if (!m) throw fail(`invalid containerPort: ${r}`);
    return [Number(m[1]), Number(m[2] ?? m[1])];
  };
  const [cStart, cEnd] = range(container);
  const hostRange = published !== undefined ? range(published) : undefined;
  const out: Dict[] = [];
  for (let p = cStart; p <= cEnd; p++) {
    let pub: string | undefined = published;
    // Equal ranges pair port by port; a host range for one container port stays a range.
    if (hostRange && cEnd > cStart) {
      if (hostRange[1] - hostRange[0] !== cEnd - cStart) pub = published;
      else pub = String(hostRange[0] + (p - cStart));
    }
    out.push(portEntry({ host_ip: hostIp, target: p, published: pub, protocol }));
  }
  return out;
}

function portEntry(p: Dict): Dict {
  const out: Dict = { mode: p.mode ?? 'ingress' };
  if (p.name !== undefined) out.name = p.name;
  if (p.host_ip !== undefined) out.host_ip = p.host_ip;
  out.target = Number(p.target);
  if (p.published !== undefined && p.published !== null && p.published !== '') out.published = String(p.published);
  out.protocol = p.protocol ?? 'tcp';
  if (p.app_protocol !== undefined) out.app_protocol = p.app_protocol;
  return out;
}

function ports(v: unknown): unknown {
  return asList(v).flatMap((p) => (isDict(p) ? [portEntry(p)] : parsePortShort(String(p))));
}

function isHostPathSource(s: string): boolean {
  return s.startsWith('.') || s.startsWith('/') || s.startsWith('~') || isAbsolute(s);
}

/** `[SOURCE:]TARGET[:MODE]` into the long syntax. */
export function parseVolumeShort(spec: string, dir: string): Dict {
  const parts = spec.split(':');
  if (parts.length === 1) return { type: 'volume', target: spec, volume: {} };
  if (parts.length > 3) throw fail(`invalid spec: ${spec}: too many colons`);
  const [source, target, mode] = parts as [string, string, string | undefined];
  const opts = mode ? mode.split(',') : [];
  const bind = isHostPathSource(source);
  const v: Dict = { type: bind ? 'bind' : 'volume', source: bind ? hostPath(source, dir) : source, target };
  if (opts.includes('ro')) v.read_only = true;
  if (bind) {
    const b: Dict = { create_host_path: true };
    const selinux = opts.find((o) => o === 'z' || o === 'Z');
    if (selinux) b.selinux = selinux;
    const propagation = opts.find((o) => /^r?(shared|slave|private)$/.test(o));
    if (propagation) b.propagation = propagation;
    v.bind = b;
  } else v.volume = opts.includes('nocopy') ? { nocopy: true } : {};
  return v;
}

function volumes(v: unknown, dir: string): unknown {
  return asList(v).map((x) => {
    if (!isDict(x)) return parseVolumeShort(String(x), dir);
    const out = { ...x };
    if (out.type === 'bind' && typeof out.source === 'string') out.source = hostPath(out.source, dir);
    return out;
  });
}

function dependsOn(v: unknown): unknown {
  const entries: [string, Dict][] = Array.isArray(v) ? v.map((s) => [String(s), {}]) : Object.entries((v as Dict) ?? {}).map(([k, x]) => [k, { ...(x as Dict) }]);
  const out: Dict = {};
  for (const [name, d] of entries) out[name] = { condition: d.condition ?? 'service_started', ...(d.restart !== undefined ? { restart: d.restart } : {}), required: d.required ?? true };
  return out;
}

function networks(v: unknown): unknown {
  if (Array.isArray(v)) return Object.fromEntries(v.map((n) => [String(n), null]));
  return v;
}

function fileRefs(v: unknown): unknown {
  return asList(v).map((x) => (isDict(x) ? x : { source: String(x) }));
}

function envFiles(v: unknown, dir: string): unknown {
  return asList(v).map((x) => {
    const f: Dict = isDict(x) ? { ...x } : { path: String(x) };
    f.path = hostPath(String(f.path), dir);
    f.required ??= true;
    return f;
  });
}

/** Per-key conversions of a service; keys absent here are kept as written. */
const SERVICE_KEYS: Record<string, (v: unknown, dir: string) => unknown> = {
  build,
  command,
  entrypoint: command,
  environment: (v) => listOrDict(v),
  labels: (v) => listOrDict(v),
  annotations: (v) => listOrDict(v),
  sysctls: (v) => listOrDict(v),
  env_file: envFiles,
  ports,
  expose: (v) => asList(v).map(String),
  volumes,
  tmpfs: asList,
  dns: asList,
  dns_search: asList,
  depends_on: dependsOn,
  networks,
  secrets: fileRefs,
  configs: fileRefs,
  extra_hosts: (v) => (isDict(v) ? Object.entries(v).map(([h, ip]) => `${h}=${String(ip)}`) : v),
  develop: (v, dir) => {
    const d = { ...(v as Dict) };
    if (Array.isArray(d.watch)) {
      d.watch = d.watch.map((w: Dict) => ({ ...w, path: hostPath(String(w.path), dir), ...(typeof w.ignore === 'string' ? { ignore: [w.ignore] } : {}), ...(typeof w.include === 'string' ? { include: [w.include] } : {}) }));
    }
    return d;
  },
  healthcheck: (v) => {
    const h = { ...(v as Dict) };
    if (typeof h.test === 'string') h.test = ['CMD-SHELL', h.test];
    return h;
  },
};

export function normalizeService(svc: Dict, dir: string): Dict {
  const out: Dict = {};
  for (const [k, v] of Object.entries(svc)) {
    const fn = SERVICE_KEYS[k];
    out[k] = fn && v !== null ? mapMarked(v, (x) => fn(x, dir)) : v;
  }
  return out;
}

/** Top-level networks/volumes/secrets/configs: null entries become empty maps, file paths absolute. */
function resources(v: unknown, dir: string, withFile: boolean): Dict {
  const out: Dict = {};
  for (const [k, x] of Object.entries((v as Dict | undefined) ?? {})) {
    const r: Dict = isDict(x) ? { ...x } : {};
    if (withFile && typeof r.file === 'string') r.file = hostPath(r.file, dir);
    if (r.labels !== undefined) r.labels = listOrDict(r.labels);
    out[k] = x === null || isDict(x) ? r : x;
  }
  return out;
}

export function normalizeModel(model: Dict, dir: string): Dict {
  const out: Dict = { ...model };
  const services: Dict = {};
  for (const [name, svc] of Object.entries((model.services as Dict | undefined) ?? {})) services[name] = isDict(svc) ? normalizeService(svc, dir) : svc;
  out.services = services;
  for (const key of ['networks', 'volumes']) if (model[key] !== undefined) out[key] = resources(model[key], dir, false);
  for (const key of ['secrets', 'configs']) if (model[key] !== undefined) out[key] = resources(model[key], dir, true);
  return out;
}

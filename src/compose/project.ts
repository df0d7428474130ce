/**
 * The loaded project: the merged model finalized as compose v2 does before any command uses it:
 * profiles applied, `env_file`s read into `environment`, bare variables resolved, the default
 * network added where services need it, resources named (`proj_default`, `proj_data`), and
 * references checked (undefined services, networks and volumes, `depends_on` cycles).
 */
import { readFileSync } from 'node:fs';
import { BerthError } from '../base/errors.js';
import { parseDotenv } from './dotenv.js';
import { dependencyOrder } from './graph.js';
import { isDict, type Dict } from './markers.js';
import type { Service } from './types.js';

export interface Project {
  name: string;
  workingDir: string;
  configFiles: string[];
  /** The env files interpolation read (`--env-file`, or the project's `.env`). */
  envFiles?: string[];
  /** Enabled services, by name. */
  services: Record<string, Service>;
  /** Services a profile leaves out. */
  disabled: Record<string, Service>;
  networks: Record<string, Dict>;
  volumes: Record<string, Dict>;
  secrets: Record<string, Dict>;
  configs: Record<string, Dict>;
  /** What secrets and configs given by `environment:` or `content:` hold, by their key. */
  contents: { secrets: Record<string, string>; configs: Record<string, string> };
  /** The model as `config` prints it (top-level keys in compose v2's order). */
  model: Dict;
}

export interface FinalizeOptions {
  name: string;
  workingDir: string;
  configFiles: string[];
  profiles: string[];
  services: string[];
  env: (name: string) => string | undefined;
}

const invalid = (m: string): BerthError => new BerthError('InvalidArgument', m);

function enabled(svc: Dict, name: string, o: FinalizeOptions): boolean {
  const profiles = (svc.profiles as string[] | undefined) ?? [];
  return profiles.length === 0 || o.services.includes(name) || profiles.some((p) => o.profiles.includes(p) || o.profiles.includes('*'));
}

/** env_file entries (read in order, later ones winning) under `environment`; bare keys from the environment. */
function resolveEnvironment(svc: Dict, o: FinalizeOptions): void {
  const env: Dict = {};
  for (const f of (svc.env_file as Dict[] | undefined) ?? []) {
    let text: string;
    try {
      // Sync: a handful of small files, read once per command.
      text = readFileSync(String(f.path), 'utf8');
    } catch {
      if (f.required === false) continue;
      throw new BerthError('NotFound', `env file ${String(f.path)} not found: stat ${String(f.path)}: no such file or directory`);
    }
    Object.assign(env, parseDotenv(text, String(f.path), o.env));
  }
  for (const [k, v] of Object.entries((svc.environment as Dict | undefined) ?? {})) env[k] = v ?? o.env(k) ?? null;
  delete svc.env_file;
  if (Object.keys(env).length) svc.environment = env;
}

/**
 * What a service uses of another (network_mode/pid/ipc service:x, volumes_from, links) makes it depend
 * on it, as compose-go adds those: started first, and a recreated one restarts it.
 */
function implicitDependencies(svc: Dict): void {
  const deps = { ...((svc.depends_on as Dict | undefined) ?? {}) };
  const add = (name: string, restart: boolean): void => {
    deps[name] ??= { condition: 'service_started', ...(restart ? { restart: true } : {}), required: true };
  };
  for (const mode of [svc.network_mode, svc.pid, svc.ipc]) if (typeof mode === 'string' && mode.startsWith('service:')) add(mode.slice(8), true);
  for (const v of (svc.volumes_from as string[] | undefined) ?? []) if (!v.startsWith('container:')) add(v.split(':')[0]!, false);
  for (const l of (svc.links as string[] | undefined) ?? []) add(l.split(':')[0]!, false);
  if (Object.keys(deps).length) svc.depends_on = deps;
}

function resourceName(project: string, key: string, r: Dict): string {
  if (typeof r.name === 'string') return r.name;
  return r.external === true ? key : `${project}_${key}`;
}

function checkReferences(services: Record<string, Dict>, disabled: Record<string, Dict>, networks: Dict, volumes: Dict): void {
  for (const [name, svc] of Object.entries(services)) {
    for (const [dep, d] of Object.entries((svc.depends_on as Record<string, Dict> | undefined) ?? {})) {
      if (services[dep]) continue;
      if (d.required === false) continue;
      const why = disabled[dep] ? `service ${JSON.stringify(dep)} is disabled` : `depends on undefined service ${JSON.stringify(dep)}`;
      throw invalid(`service ${JSON.stringify(name)} ${why.startsWith('depends') ? why : `depends on ${JSON.stringify(dep)}, but ${why}`}: invalid compose project`);
    }
    for (const net of Object.keys((svc.networks as Dict | undefined) ?? {})) {
      if (!(net in networks)) throw invalid(`service ${JSON.stringify(name)} refers to undefined network ${net}: invalid compose project`);
    }
    for (const v of (svc.volumes as Dict[] | undefined) ?? []) {
      if (v.type === 'volume' && typeof v.source === 'string' && v.source !== '' && !(v.source in volumes)) {
        throw invalid(`service ${JSON.stringify(name)} refers to undefined volume ${v.source}: invalid compose project`);
      }
    }
  }
}

export function finalize(model: Dict, o: FinalizeOptions): Project {
  const services: Record<string, Dict> = {};
  const disabled: Record<string, Dict> = {};
  for (const [name, raw] of Object.entries((model.services as Dict | undefined) ?? {})) {
    if (!isDict(raw)) continue;
    const svc = structuredClone(raw);
    if (!enabled(svc, name, o)) {
      disabled[name] = svc;
      continue;
    }
    resolveEnvironment(svc, o);
    implicitDependencies(svc);
    if (svc.network_mode === undefined && svc.networks === undefined) svc.networks = { default: null };
    services[name] = svc;
  }
  for (const name of o.services) if (!services[name] && !disabled[name]) throw new BerthError('NotFound', `no such service: ${name}`);
  const networks: Record<string, Dict> = {};
  const usesDefault = Object.values(services).some((s) => isDict(s.networks) && 'default' in s.networks);
  for (const [k, v] of Object.entries((model.networks as Dict | undefined) ?? {})) networks[k] = { ...(v as Dict) };
  if (usesDefault && !networks.default) networks.default = {};
  for (const [k, n] of Object.entries(networks)) networks[k] = { name: resourceName(o.name, k, n), ...n };
  const volumes: Record<string, Dict> = {};
  for (const [k, v] of Object.entries((model.volumes as Dict | undefined) ?? {})) volumes[k] = { name: resourceName(o.name, k, v as Dict), ...(v as Dict) };
  const named = (section: unknown): Record<string, Dict> => Object.fromEntries(Object.entries((section as Dict | undefined) ?? {}).map(([k, v]) => [k, { name: resourceName(o.name, k, v as Dict), ...(v as Dict) }]));
  const secrets = named(model.secrets);
  const configs = named(model.configs);
  const contents = { secrets: inlineContents(secrets, o), configs: inlineContents(configs, o) };
  checkReferences(services, disabled, networks, volumes);
  dependencyOrder(services);
  const out: Dict = { name: o.name, services };
  if (Object.keys(networks).length) out.networks = networks;
  if (Object.keys(volumes).length) out.volumes = volumes;
  if (Object.keys(secrets).length) out.secrets = secrets;
  if (Object.keys(configs).length) out.configs = configs;
  for (const [k, v] of Object.entries(model)) if (k.startsWith('x-')) out[k] = v;
  return {
    name: o.name,
    workingDir: o.workingDir,
    configFiles: o.configFiles,
    services: services as Record<string, Service>,
    disabled: disabled as Record<string, Service>,
    networks,
    volumes,
    secrets,
    configs,
    contents,
    model: out,
  };
}

/** The contents of secrets/configs not read from a file: an environment variable's value, or inline `content`. */
function inlineContents(defs: Record<string, Dict>, o: FinalizeOptions): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, d] of Object.entries(defs)) {
    if (typeof d.content === 'string') out[k] = d.content;
    else if (typeof d.environment === 'string') {
      // Unset, it fails the container that uses it (inline-files.ts), not every command.
      const v = o.env(d.environment);
      if (v !== undefined) out[k] = v;
    }
  }
  return out;
}

/** A project known only by name (`-p NAME` where no compose file is found): commands act on its labelled objects. */
export function emptyProject(name: string, workingDir: string): Project {
  return { name, workingDir, configFiles: [], services: {}, disabled: {}, networks: {}, volumes: {}, secrets: {}, configs: {}, contents: { secrets: {}, configs: {} }, model: { name, services: {} } };
}

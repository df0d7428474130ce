import { readFile } from 'node:fs/promises';
import { invalidArgument, isErrno } from '../base/errors.js';
import { isLogLevel, type LogLevel } from '../base/log.js';
import type { PushCompression } from '../base/parallel-compress.js';
import { RegistryConfig } from '../distribution/index.js';

/** berthd's settings, from flags and the JSON config file (daemon.json keys where they exist). */
export interface DaemonConfig {
  hosts: string[];
  dataRoot: string;
  execRoot: string;
  pidfile: string;
  logLevel: LogLevel;
  debug: boolean;
  tls: boolean;
  tlsVerify: boolean;
  tlsCaCert: string;
  tlsCert: string;
  tlsKey: string;
  defaultRuntime: string;
  labels: string[];
  configFile: string;
  /** The default bridge network's Linux bridge (dockerd's `bridge`). */
  bridge: string;
  /** The default bridge's gateway address and subnet, e.g. 10.200.0.1/24 (dockerd's `bip`); '' picks a free pool. */
  bip: string;
  /** DNS servers for containers and the embedded resolvers' upstreams (dockerd's `dns`); [] uses the host's. */
  dns: string[];
  /** Containers' logging driver when they name none (dockerd's `log-driver`). */
  logDriver: string;
  /** That driver's default options (dockerd's `log-opts`). */
  logOpts: Record<string, string>;
  /** Registries reached without certificate checks or over HTTP (dockerd's `insecure-registries`); loopback always is. */
  insecureRegistries: string[];
  /** Mirrors of Docker Hub tried first for pulls (dockerd's `registry-mirrors`). */
  registryMirrors: string[];
  /** How push compresses layers that are not already stored so: gzip (Docker schema 2), zstd or none (OCI). */
  pushCompression: PushCompression;
}

export const DEFAULTS: DaemonConfig = {
  hosts: [],
  dataRoot: '/var/lib/berth',
  execRoot: '/run/berth',
  pidfile: '/run/berth/berthd.pid',
  logLevel: 'info',
  debug: false,
  tls: false,
  tlsVerify: false,
  tlsCaCert: '',
  tlsCert: '',
  tlsKey: '',
  defaultRuntime: 'runc',
  labels: [],
  configFile: '/etc/berth/daemon.json',
  bridge: 'berth0',
  bip: '',
  dns: [],
  logDriver: 'json-file',
  logOpts: {},
  insecureRegistries: [],
  registryMirrors: [],
  pushCompression: 'gzip',
};

export const DEFAULT_SOCKET = '/run/berth/berthd.sock';

/** daemon.json key → config field; the same names dockerd uses. */
const FILE_KEYS: Record<string, keyof DaemonConfig> = {
  hosts: 'hosts',
  'data-root': 'dataRoot',
  'exec-root': 'execRoot',
  pidfile: 'pidfile',
  'log-level': 'logLevel',
  debug: 'debug',
  tls: 'tls',
  tlsverify: 'tlsVerify',
  tlscacert: 'tlsCaCert',
  tlscert: 'tlsCert',
  tlskey: 'tlsKey',
  'default-runtime': 'defaultRuntime',
  labels: 'labels',
  bridge: 'bridge',
  bip: 'bip',
  dns: 'dns',
  'log-driver': 'logDriver',
  'log-opts': 'logOpts',
  'insecure-registries': 'insecureRegistries',
  'registry-mirrors': 'registryMirrors',
  'push-compression': 'pushCompression',
};

/** Keys that SIGHUP can change without a restart. */
export const RELOADABLE: (keyof DaemonConfig)[] = ['logLevel', 'debug', 'labels', 'defaultRuntime', 'insecureRegistries', 'registryMirrors', 'pushCompression'];

export async function readConfigFile(path: string, required: boolean): Promise<Partial<DaemonConfig>> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    if (isErrno(err, 'ENOENT') && !required) return {};
    throw invalidArgument(`unable to read config file ${path}: ${(err as Error).message}`);
  }
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    throw invalidArgument(`unable to configure the daemon with file ${path}: ${(err as Error).message}`);
  }
  if (!doc || typeof doc !== 'object' || Array.isArray(doc)) throw invalidArgument(`unable to configure the daemon with file ${path}: not a JSON object`);
  const unknown = Object.keys(doc).filter((k) => !(k in FILE_KEYS));
  if (unknown.length) throw invalidArgument(`the following directives don't match any configuration option: ${unknown.join(', ')}`);
  const out: Partial<DaemonConfig> = {};
  for (const [k, v] of Object.entries(doc as Record<string, unknown>)) {
    const field = FILE_KEYS[k]!;
    const expected = typeof DEFAULTS[field];
    const ok = Array.isArray(DEFAULTS[field])
      ? Array.isArray(v) && v.every((x) => typeof x === 'string')
      : expected === 'object'
        ? isStringMap(v)
        : typeof v === expected;
    if (!ok) throw invalidArgument(`invalid value for "${k}" in ${path}`);
    (out as Record<string, unknown>)[field] = v;
  }
  if (out.logLevel !== undefined && !isLogLevel(out.logLevel)) throw invalidArgument(`unable to parse logging level: ${out.logLevel}`);
  return out;
}

/** Flags win nowhere: like dockerd, a setting given both ways is an error. */
export function mergeConfig(flags: Partial<DaemonConfig>, file: Partial<DaemonConfig>): DaemonConfig {
  const clash = Object.keys(flags).filter((k) => k !== 'configFile' && k in file);
  if (clash.length) {
    const names = clash.map((k) => {
      const key = Object.entries(FILE_KEYS).find(([, f]) => f === k)?.[0] ?? k;
      return `${key}: (from flag: ${JSON.stringify((flags as Record<string, unknown>)[k])}, from file: ${JSON.stringify((file as Record<string, unknown>)[k])})`;
    });
    throw invalidArgument(`the following directives are specified both as a flag and in the configuration file: ${names.join(', ')}`);
  }
  const cfg: DaemonConfig = { ...DEFAULTS, ...file, ...flags };
  if (cfg.debug) cfg.logLevel = 'debug';
  if (cfg.hosts.length === 0) cfg.hosts = [`unix://${DEFAULT_SOCKET}`];
  if (cfg.tlsVerify) cfg.tls = true;
  if (!['gzip', 'zstd', 'none'].includes(cfg.pushCompression)) throw invalidArgument(`invalid push-compression "${cfg.pushCompression}": must be gzip, zstd or none`);
  // Mirrors and insecure registries are refused here, with moby's messages, not at the first pull.
  new RegistryConfig({ insecureRegistries: cfg.insecureRegistries, mirrors: cfg.registryMirrors });
  return cfg;
}

function isStringMap(v: unknown): v is Record<string, string> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && Object.values(v).every((x) => typeof x === 'string');
}

/**
 * Legacy links (`--link target[:alias]`), moby's way (daemon/links, daemon_unix.go registerLinks,
 * container_operations_unix.go): resolved to the target at create when the source is on the
 * default bridge; at each start the source gets an /etc/hosts entry for the target and moby's
 * `<ALIAS>_PORT_*`, `<ALIAS>_NAME` and `<ALIAS>_ENV_*` variables. On a user-defined network a link
 * is a DNS alias of the source's endpoint instead (the network layer answers it).
 */
import { readFile, writeFile } from 'node:fs/promises';
import { BerthError, invalidArgument } from '../base/errors.js';
import type { ContainerRecord, LegacyLink } from './types.js';

/** Start failures of legacy links: moby's messages, passed through as they are. */
export const LINK_ERROR = 'BERTH_ERR_LINK';

const HOST_NETWORK_AND_LINKS = "conflicting options: host type networking can't be used with links. This would result in undefined behavior";

/** moby's opts.ParseLink: `name:alias`, `name` (alias = name), or inspect's `/name:/source/alias`. */
export function parseLink(val: string): { name: string; alias: string } {
  if (val === '') throw invalidArgument('empty string specified for links');
  const parts = val.split(':');
  if (parts.length > 2) throw invalidArgument(`bad format for links: ${val}`);
  const [name, alias] = parts as [string, string | undefined];
  if (alias === undefined) return { name: val, alias: val };
  if (name.startsWith('/')) return { name: name.slice(1), alias: alias.slice(alias.lastIndexOf('/') + 1) };
  return { name, alias };
}

/** Network modes that are not user-defined networks: the ones legacy links apply to. */
function legacyMode(mode: string): boolean {
  return ['', 'default', 'bridge', 'host', 'none'].includes(mode) || mode.startsWith('container:');
}

/**
 * HostConfig.Links resolved at create, as moby's registerLinks: the target by name or ID (through
 * `container:` modes to the namespace's owner); none on a user-defined network, where links are
 * endpoint aliases. A second link with a taken alias is ignored, as moby ignores it.
 */
export function resolveLinks(links: readonly string[], mode: string, find: (ref: string) => ContainerRecord): LegacyLink[] {
  if (!legacyMode(mode)) return [];
  const lookup = (ref: string): ContainerRecord => {
    try {
      return find(ref);
    } catch (err) {
      // Not a 404: the client would report a missing image (moby#39823).
      if (err instanceof BerthError && err.kind === 'NotFound') throw invalidArgument(`could not get container for ${ref}: ${err.message}`);
      throw err;
    }
  };
  const out: LegacyLink[] = [];
  for (const l of links) {
    const { name, alias } = parseLink(l);
    let target = lookup(name);
    for (let hops = 0; target.hostConfig.networkMode.startsWith('container:') && hops < 32; hops++) target = lookup(target.hostConfig.networkMode.slice('container:'.length));
    if (target.hostConfig.networkMode === 'host') throw invalidArgument(HOST_NETWORK_AND_LINKS);
    if (out.some((x) => x.alias === alias)) continue;
    out.push({ alias, targetId: target.id, targetName: target.name });
  }
  return out;
}

/** The link's name, moby's `/<source>/<alias>` (what `rm --link` takes and `ps` lists). */
export function linkName(sourceName: string, alias: string): string {
  return `${sourceName}/${alias}`;
}

/** `HostConfig.Links` in inspect: `/<target>:/<source>/<alias>`, targets by their current names. */
export function inspectLinks(rec: ContainerRecord, get: (id: string) => ContainerRecord | undefined): string[] {
  return (rec.links ?? []).map((l) => `${get(l.targetId)?.name ?? l.targetName}:${linkName(rec.name, l.alias)}`);
}

function linkError(message: string): BerthError {
  return new BerthError('Internal', message, { code: LINK_ERROR });
}

/** What a source container's links give it at a start. */
export interface LinkSetup {
  env: string[];
  hosts: { ip: string; names: string[] }[];
}

export interface LinkPeers {
  get(id: string): ContainerRecord | undefined;
  /** The target's full environment: its image's, overridden by its own (moby's Config.Env). */
  env(target: ContainerRecord): Promise<string[]>;
}

/**
 * The hosts entries and variables for a source on the default bridge (moby's addLegacyLinks,
 * then setupLinkedContainers): every target must be on the default network, and running.
 */
export async function linkSetup(rec: ContainerRecord, peers: LinkPeers): Promise<LinkSetup> {
  const links = (rec.links ?? []).map((l) => ({ ...l, target: peers.get(l.targetId), name: linkName(rec.name, l.alias) }));
  for (const l of links) {
    if (l.target && !l.target.networks?.bridge) throw linkError(`Cannot link to ${l.target.name}, as it does not belong to the default network`);
  }
  const out: LinkSetup = { env: [], hosts: [] };
  for (const l of links) {
    const t = l.target;
    const ip = t?.network?.endpoints.bridge?.ip;
    if (!t || (t.state.status !== 'running' && t.state.status !== 'paused') || !ip) throw linkError(`Cannot link to a non running container: ${t?.name ?? l.targetName} AS ${l.name}`);
    // The alias, the target's hostname, and its name unless the alias is its name.
    out.hosts.push({ ip, names: [l.alias, t.config.hostname || t.id.slice(0, 12), ...(l.alias === t.name.slice(1) ? [] : [t.name.slice(1)])] });
    out.env.push(...linkEnv(ip, l.name, await peers.env(t), Object.keys(t.config.exposedPorts)));
  }
  return out;
}

interface Port {
  port: number;
  proto: string;
  key: string;
}

function parsePort(key: string): Port {
  const [port = '', proto = 'tcp'] = key.split('/');
  return { port: Number(port), proto, key: `${port}/${proto}` };
}

/** moby's withTCPPriority: TCP first, then by protocol, then by number. */
function byTcpFirst(a: Port, b: Port): number {
  if (a.proto.toLowerCase() === b.proto.toLowerCase()) return a.port - b.port;
  if (a.proto.toLowerCase() === 'tcp') return -1;
  if (b.proto.toLowerCase() === 'tcp') return 1;
  return a.proto.toLowerCase() < b.proto.toLowerCase() ? -1 : 1;
}

/**
 * moby's links.Link.ToEnv: `<ALIAS>_PORT`, per port `_PORT_<n>_<PROTO>[_ADDR|_PORT|_PROTO]`,
 * consecutive ports as `_START`/`_END` ranges, `<ALIAS>_NAME`, and the target's environment as
 * `<ALIAS>_ENV_<k>` (without HOME and PATH). `name` is the link's `/<source>/<alias>`.
 */
export function linkEnv(childIp: string, name: string, childEnv: readonly string[], exposedPorts: readonly string[]): string[] {
  const alias = name.slice(name.lastIndexOf('/') + 1).toUpperCase().replaceAll('-', '_');
  const ports = exposedPorts.map(parsePort).sort(byTcpFirst);
  const env: string[] = [];
  const url = (p: Port): string => `${p.proto}://${childIp}:${p.port}`;
  let start = ports[0];
  let end = ports[0];
  for (const [i, p] of ports.entries()) {
    if (i === 0) env.push(`${alias}_PORT=${url(p)}`);
    const prefix = `${alias}_PORT_${p.port}_${p.proto.toUpperCase()}`;
    env.push(`${prefix}=${url(p)}`, `${prefix}_ADDR=${childIp}`, `${prefix}_PORT=${p.port}`, `${prefix}_PROTO=${p.proto}`);
    if (start && end && p.port === end.port + 1 && p.proto.toLowerCase() === start.proto.toLowerCase()) {
      end = p;
      if (i < ports.length - 1) continue;
    }
    if (start && end && end.key !== start.key) {
      const range = `${alias}_PORT_${start.port}_${start.proto.toUpperCase()}`;
      env.push(`${range}_START=${url(start)}`, `${range}_PORT_START=${start.port}`, `${range}_END=${url(end)}`, `${range}_PORT_END=${end.port}`);
    }
    start = p;
    end = p;
  }
  env.push(`${alias}_NAME=${name}`);
  for (const v of childEnv) {
    const eq = v.indexOf('=');
    if (eq < 0) continue;
    const key = v.slice(0, eq);
    if (key === 'HOME' || key === 'PATH') continue;
    env.push(`${alias}_ENV_${key}=${v.slice(eq + 1)}`);
  }
  return env;
}

/** moby's merge of an image's env under a container's: the container's, then the image's others. */
export function mergeEnv(own: readonly string[], image: readonly string[]): string[] {
  const key = (e: string): string => e.split('=', 1)[0]!;
  const keys = new Set(own.map(key));
  return [...own, ...image.filter((e) => !keys.has(key(e)))];
}

const escape = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** libnetwork's etchosts.Update: the lines whose first name is `alias` get the new address. */
export function updateHostsEntry(hosts: string, alias: string, ip: string): string {
  return hosts.replace(new RegExp(`(\\S*)(\\t${escape(alias)})(\\s|\\.)`, 'g'), (_m, _ip: string, name: string, next: string) => `${ip}${name}${next}`);
}

/** The lines whose first name is `alias` removed (a link dropped by `rm --link`). */
export function removeHostsEntry(hosts: string, alias: string): string {
  const line = new RegExp(`^\\S*\\t${escape(alias)}(\\s|$)`);
  return hosts
    .split('\n')
    .filter((l) => !line.test(l))
    .join('\n');
}

/**
 * Rewrites a running container's /etc/hosts. In place, not by rename: the file is bind-mounted
 * into the container, which would keep seeing the old inode (moby writes it in place too).
 */
export async function editHostsFile(path: string, edit: (hosts: string) => string): Promise<void> {
  let before: string;
  try {
    before = await readFile(path, 'utf8');
  } catch {
    return;
  }
  const after = edit(before);
  if (after !== before) await writeFile(path, after);
}

/**
 * A started container's new address in the /etc/hosts of the running containers that link to it
 * (moby's addLegacyLinks, for the parents).
 */
export async function updateLinkingHosts(child: ContainerRecord, all: readonly ContainerRecord[], hostsPath: (rec: ContainerRecord) => string): Promise<void> {
  const ip = child.network?.endpoints.bridge?.ip;
  if (!ip) return;
  for (const p of all) {
    if ((p.state.status !== 'running' && p.state.status !== 'paused') || !p.network?.endpoints.bridge) continue;
    for (const l of p.links ?? []) if (l.targetId === child.id) await editHostsFile(hostsPath(p), (h) => updateHostsEntry(h, l.alias, ip));
  }
}

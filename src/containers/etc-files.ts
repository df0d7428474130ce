/**
 * The per-container /etc/hosts, /etc/hostname and /etc/resolv.conf that Docker bind-mounts
 * (libnetwork etchosts/resolvconf): written in the container's directory before each start.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { atomicWriteFile } from '../base/fs.js';

export interface EtcInput {
  hostname: string;
  domainname: string;
  /** Address the container's hostname resolves to ('' without a network address). */
  ip: string;
  /** Every address of its endpoints (IPv4 and IPv6): each names its hostname, as in moby; default [ip]. */
  ips?: string[] | undefined;
  extraHosts: string[];
  dns: string[];
  dnsSearch: string[];
  dnsOptions: string[];
  /** `--network host`: the host's files, as Docker uses them. */
  hostNetwork: boolean;
  /** The embedded resolver of the container's user-defined network, if it has one. */
  resolver?: string | undefined;
  /** What `--add-host x:host-gateway` points at: the default bridge's gateway. */
  hostGateway?: string | undefined;
  /** Legacy links' targets: an address and its names (alias, hostname, name). */
  links?: { ip: string; names: string[] }[] | undefined;
}

export interface EtcPaths {
  hosts: string;
  hostname: string;
  resolvConf: string;
}

export function etcPaths(containerDir: string): EtcPaths {
  return { hosts: join(containerDir, 'hosts'), hostname: join(containerDir, 'hostname'), resolvConf: join(containerDir, 'resolv.conf') };
}

const DEFAULT_HOSTS = ['127.0.0.1\tlocalhost', '::1\tlocalhost ip6-localhost ip6-loopback', 'fe00::0\tip6-localnet', 'ff00::0\tip6-mcastprefix', 'ff02::1\tip6-allnodes', 'ff02::2\tip6-allrouters'];

function readHost(path: string): Promise<string> {
  return readFile(path, 'utf8').catch(() => '');
}

/** `hostHosts`: the host's /etc/hosts, which a host-network container sees as it is. */
export function hostsContent(i: EtcInput, hostGateway = '', hostHosts = ''): string {
  if (i.hostNetwork) return hostHosts;
  const lines = [...DEFAULT_HOSTS];
  for (const h of i.extraHosts) {
    const sep = h.indexOf(':') >= 0 && h.indexOf('=') < 0 ? h.indexOf(':') : h.indexOf('=');
    const name = h.slice(0, sep);
    const addr = h.slice(sep + 1).replace(/^\[|\]$/g, '');
    lines.push(`${addr === 'host-gateway' ? hostGateway : addr}\t${name}`);
  }
  // libnetwork adds legacy links' entries before the container joins, so before its own.
  for (const l of i.links ?? []) lines.push(`${l.ip}\t${l.names.join(' ')}`);
  for (const ip of i.ips ?? (i.ip ? [i.ip] : [])) lines.push(`${ip}\t${i.domainname ? `${i.hostname}.${i.domainname} ` : ''}${i.hostname}`);
  return lines.join('\n') + '\n';
}

/** The host's resolv.conf without loopback servers (unreachable from a container), Docker's way. */
export function resolvConfContent(i: EtcInput, hostResolv: string): string {
  const lines = hostResolv.split('\n');
  let servers = lines.filter((l) => /^\s*nameserver\s/.test(l)).map((l) => l.trim().split(/\s+/)[1] ?? '');
  let search = lines.filter((l) => /^\s*(search|domain)\s/.test(l)).flatMap((l) => l.trim().split(/\s+/).slice(1));
  let options = lines.filter((l) => /^\s*options\s/.test(l)).flatMap((l) => l.trim().split(/\s+/).slice(1));
  if (!i.hostNetwork) servers = servers.filter((s) => !/^127\.|^::1$|^0\.0\.0\.0$/.test(s));
  if (i.dns.length) servers = i.dns;
  if (servers.length === 0) servers = ['8.8.8.8', '8.8.4.4'];
  if (i.dnsSearch.length) search = i.dnsSearch.filter((s) => s !== '.');
  if (i.dnsOptions.length) options = i.dnsOptions;
  if (i.resolver) {
    // User-defined networks: the embedded resolver answers (and forwards), with Docker's ndots:0.
    servers = [i.resolver];
    if (!options.some((o) => o.startsWith('ndots:'))) options = [...options, 'ndots:0'];
  }
  const out: string[] = [];
  if (search.length) out.push(`search ${search.join(' ')}`);
  for (const s of servers) out.push(`nameserver ${s}`);
  if (options.length) out.push(`options ${options.join(' ')}`);
  return out.join('\n') + '\n';
}

export async function writeEtcFiles(p: EtcPaths, i: EtcInput): Promise<void> {
  const [hostHosts, hostResolv] = await Promise.all([i.hostNetwork ? readHost('/etc/hosts') : '', readHost('/etc/resolv.conf')]);
  await Promise.all([
    atomicWriteFile(p.hostname, `${i.hostname}\n`),
    atomicWriteFile(p.hosts, hostsContent(i, i.hostGateway, hostHosts)),
    atomicWriteFile(p.resolvConf, resolvConfContent(i, hostResolv)),
  ]);
}

/** What a container's resolv.conf is made of, besides the host's file. */
export type ResolvInput = Pick<EtcInput, 'dns' | 'dnsSearch' | 'dnsOptions' | 'resolver'>;

/**
 * A running container's resolv.conf after its embedded resolver changed (network connect or
 * disconnect), as moby rewrites it. Written in place, not renamed over: the container sees the
 * file through a bind mount of this very inode.
 */
export async function rewriteResolvConf(path: string, i: ResolvInput): Promise<void> {
  await writeFile(path, resolvConfContent({ ...i, hostname: '', domainname: '', ip: '', extraHosts: [], hostNetwork: false }, await readHost('/etc/resolv.conf')));
}

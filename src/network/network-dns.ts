/**
 * What the embedded resolvers answer, over the networks and their live endpoints. A resolver
 * listens on a user-defined network's gateway; like moby's per-container resolver it answers
 * for every network its client is on (the first that knows the name wins), so a container
 * connected to a second network after its start resolves names there too.
 */
import { readFileSync } from 'node:fs';
import type { DnsRecordSource } from './dns-server.js';
import { activePools } from './ipam-plan.js';
import type { LiveEndpoint, LiveEndpoints } from './live-endpoints.js';
import type { NetworkRecord } from './types.js';

export interface NetworkDnsDeps {
  networks: () => NetworkRecord[];
  live: LiveEndpoints;
  userDefined: (n: NetworkRecord) => boolean;
  /** The daemon's `dns` setting ([] = the host's resolvers). */
  upstreams: () => string[];
}

/** The addresses a network's resolver listens on: its gateways. */
export function resolverAddresses(n: NetworkRecord): string[] {
  const { v4, v6 } = activePools(n);
  return [v4?.gateway, v6?.gateway].filter((a): a is string => !!a);
}

export class NetworkDns implements DnsRecordSource {
  constructor(private readonly d: NetworkDnsDeps) {}

  private servedAt(addr: string): NetworkRecord | undefined {
    return this.d.networks().find((n) => this.d.userDefined(n) && resolverAddresses(n).includes(addr));
  }

  /** The network served at `addr`, then the client's other user-defined networks. */
  private scope(addr: string, clientIp: string): { nets: NetworkRecord[]; client: LiveEndpoint | undefined } {
    const served = this.servedAt(addr);
    if (!served) return { nets: [], client: undefined };
    const client = this.d.live.at(served.id, clientIp);
    if (!client) return { nets: [served], client };
    const byId = new Map(this.d.networks().map((n) => [n.id, n]));
    const others = this.d.live
      .networksOf(client.container.id)
      .filter((id) => id !== served.id)
      .map((id) => byId.get(id))
      .filter((n): n is NetworkRecord => !!n && this.d.userDefined(n));
    return { nets: [served, ...others], client };
  }

  /**
   * libnetwork's Sandbox.ResolveName: first the client's own link aliases (`--link name:alias`
   * on a network resolves `name` there), then the names on its networks, the served one first.
   */
  lookup(addr: string, name: string, clientIp = ''): string[] {
    const want = name.toLowerCase();
    const { nets, client } = this.scope(addr, clientIp);
    const byName = (networkId: string, wanted: string): string[] =>
      this.d.live
        .on(networkId)
        .filter((e) => e.endpoint.dnsNames.some((x) => x.toLowerCase() === wanted.toLowerCase()))
        .flatMap((e) => [e.endpoint.ip, e.endpoint.ipv6 ?? ''].filter(Boolean));
    // A name that is one of the client's aliases on a network is not looked up as a name there.
    const aliased = new Set<string>();
    for (const n of client ? nets : []) {
      const own = this.d.live.on(n.id).find((e) => e.container.id === client!.container.id);
      const target = linkTarget(own?.endpoint.links ?? [], want);
      if (target === undefined) continue;
      const ips = byName(n.id, target);
      if (ips.length) return ips;
      aliased.add(n.id);
    }
    for (const n of nets) {
      const ips = aliased.has(n.id) ? [] : byName(n.id, want);
      if (ips.length) return ips;
    }
    return [];
  }

  reverse(addr: string, ip: string, clientIp = ''): string | undefined {
    for (const n of this.scope(addr, clientIp).nets) {
      const e = this.d.live.at(n.id, ip);
      if (e) return `${e.container.name}.${n.name}`;
    }
    return undefined;
  }

  upstreams(addr: string, clientIp: string): string[] {
    const { nets, client } = this.scope(addr, clientIp);
    if (!nets[0]) return [];
    // Only a client with a way out gets its other names forwarded: internal networks reach
    // nothing outside, their DNS included (moby 26's proxyDNS = the sandbox has external access).
    const byId = new Map(this.d.networks().map((n) => [n.id, n]));
    const joined = client ? this.d.live.networksOf(client.container.id).map((id) => byId.get(id)) : [nets[0]];
    if (!joined.some((n) => n && !n.internal)) return [];
    const own = client?.container.dns ?? [];
    if (own.length) return own;
    const configured = this.d.upstreams();
    return configured.length ? configured : hostNameservers();
  }
}

/** The container a link alias stands for among an endpoint's links (`name:alias`, or `name`). */
function linkTarget(links: readonly string[], alias: string): string | undefined {
  for (const l of links) {
    const [name = '', a = name] = l.split(':');
    if (a.replace(/^.*\//, '').toLowerCase() === alias) return name.replace(/^\//, '');
  }
  return undefined;
}

/** The host's resolvers (the embedded DNS forwards from the host, so loopback ones work too). */
function hostNameservers(): string[] {
  try {
    return readFileSync('/etc/resolv.conf', 'utf8')
      .split('\n')
      .filter((l) => /^\s*nameserver\s/.test(l))
      .map((l) => l.trim().split(/\s+/)[1] ?? '')
      .filter(Boolean);
  } catch {
    return [];
  }
}

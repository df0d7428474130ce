/**
 * Published ports: host ports handed out (ephemeral ones from the kernel's range) and held by
 * berth, so two containers never get the same one, and the userland proxies that serve them on
 * loopback (Docker's docker-proxy; other traffic is DNATed by the CNI portmap plugin).
 *
 * As in moby 28, a port published without a host address is bound on 0.0.0.0 and on [::], with
 * the same host port; [::] reaches the container's IPv6 address, or, for a container without
 * one, its IPv4 address through the proxy.
 */
import * as net from 'node:net';
import { BerthError, invalidArgument } from '../base/errors.js';
import { PortProxy, pickEphemeralPort } from './port-proxy.js';
import type { PortMapping } from './types.js';
import { NETWORK_ERROR } from './network-errors.js';

/** A port to publish: `hostPort` 0 picks an ephemeral one; a range "a-b" tries each. */
export interface PortRequest {
  proto: 'tcp' | 'udp';
  containerPort: number;
  hostIp: string;
  hostPort: string;
}

/** The container's addresses on the network that carries its ports ('' for a family it lacks). */
export interface PortTarget {
  ip: string;
  ipv6: string;
}

const family = (ip: string): 4 | 6 => (net.isIPv6(ip) ? 6 : 4);
const unspecified = (ip: string): boolean => ip === '0.0.0.0' || ip === '::';

let v6Listenable: Promise<boolean> | undefined;

/** moby's `IsV6Listenable`: no implicit [::] binding on a host without IPv6. */
function hostHasIpv6(): Promise<boolean> {
  v6Listenable ??= new Promise((resolve) => {
    const s = net.createServer();
    s.once('error', () => resolve(false));
    s.listen({ host: '::1', port: 0 }, () => s.close(() => resolve(true)));
  });
  return v6Listenable;
}

export class PortPublisher {
  private readonly proxies = new Map<string, PortProxy[]>();
  /** Host addresses holding each `proto/port`. */
  private readonly allocated = new Map<string, Set<string>>();

  private key(proto: string, port: number): string {
    return `${proto}/${port}`;
  }

  /** A port is taken for an address by the same address or an unspecified one of its family. */
  private free(proto: string, hostIp: string, port: number): boolean {
    const ips = this.allocated.get(this.key(proto, port));
    if (!ips) return true;
    return ![...ips].some((ip) => family(ip) === family(hostIp) && (ip === hostIp || unspecified(ip) || unspecified(hostIp)));
  }

  claim(p: PortMapping): void {
    const k = this.key(p.proto, p.hostPort);
    let s = this.allocated.get(k);
    if (!s) this.allocated.set(k, (s = new Set()));
    s.add(p.hostIp);
  }

  release(ports: PortMapping[]): void {
    for (const p of ports) {
      const k = this.key(p.proto, p.hostPort);
      this.allocated.get(k)?.delete(p.hostIp);
      if (this.allocated.get(k)?.size === 0) this.allocated.delete(k);
    }
  }

  /** The host addresses one request binds (moby's configurePortBindingIPv4/IPv6). */
  private async hostIps(p: PortRequest, families: { v4: boolean; v6: boolean }): Promise<string[]> {
    if (p.hostIp) {
      const ip = p.hostIp.replace(/^\[|\]$/g, '');
      // An IPv4 address needs the container's IPv4 side; an IPv6 one is proxied to either.
      if (family(ip) === 4) return families.v4 ? [ip] : [];
      return [ip];
    }
    return [...(families.v4 ? ['0.0.0.0'] : []), ...((await hostHasIpv6()) ? ['::'] : [])];
  }

  async allocate(c: { id: string; name: string }, ports: PortRequest[], families: { v4: boolean; v6: boolean }): Promise<PortMapping[]> {
    const out: PortMapping[] = [];
    try {
      for (const p of ports) {
        const ips = await this.hostIps(p, families);
        if (!ips.length) continue;
        const hostPort = await this.pickPort(c, p, ips);
        for (const hostIp of ips) {
          const m: PortMapping = { proto: p.proto, containerPort: p.containerPort, hostIp, hostPort };
          this.claim(m);
          out.push(m);
        }
      }
    } catch (err) {
      this.release(out);
      throw err;
    }
    return out;
  }

  private async pickPort(c: { id: string; name: string }, p: PortRequest, ips: string[]): Promise<number> {
    if (p.hostPort === '' || p.hostPort === '0') {
      const taken = new Set([...this.allocated.keys()].filter((k) => k.startsWith(`${p.proto}/`)).map((k) => Number(k.split('/')[1])));
      return pickEphemeralPort(p.proto, ips, taken);
    }
    const [lo, hi] = p.hostPort.split('-').map(Number) as [number, number | undefined];
    if (!Number.isInteger(lo) || lo < 1 || lo > 65535 || (hi !== undefined && (!Number.isInteger(hi) || hi < lo || hi > 65535))) throw invalidArgument(`invalid port specification: "${p.hostPort}"`);
    for (let port = lo; port <= (hi ?? lo); port++) if (ips.every((ip) => this.free(p.proto, ip, port))) return port;
    const busy = ips.find((ip) => !this.free(p.proto, ip, lo)) ?? ips[0]!;
    throw new BerthError('Internal', `driver failed programming external connectivity on endpoint ${c.name} (${c.id}): Bind for ${busy}:${p.hostPort} failed: port is already allocated`, { code: NETWORK_ERROR });
  }

  async openProxies(containerId: string, containerName: string, target: PortTarget, ports: PortMapping[]): Promise<void> {
    const opened: PortProxy[] = [];
    try {
      for (const p of ports) {
        const containerIp = family(p.hostIp) === 6 && target.ipv6 ? target.ipv6 : target.ip || target.ipv6;
        opened.push(await PortProxy.open({ proto: p.proto, hostIp: p.hostIp, hostPort: p.hostPort, containerIp, containerPort: p.containerPort }));
      }
    } catch (err) {
      for (const o of opened) await o.close();
      throw new BerthError('Internal', `driver failed programming external connectivity on endpoint ${containerName} (${containerId}): Error starting userland proxy: ${(err as Error).message}`, { cause: err, code: NETWORK_ERROR });
    }
    this.proxies.set(containerId, [...(this.proxies.get(containerId) ?? []), ...opened]);
  }

  async closeProxies(containerId: string): Promise<void> {
    for (const p of this.proxies.get(containerId) ?? []) await p.close();
    this.proxies.delete(containerId);
  }

  async close(): Promise<void> {
    for (const list of this.proxies.values()) for (const p of list) await p.close();
    this.proxies.clear();
  }
}

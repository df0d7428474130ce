/**
 * Published ports: host ports handed out (ephemeral ones from the kernel's range) and held by
 * berth, so two containers never get the same one, and the userland proxies that serve them on
 * loopback (Docker's docker-proxy; other traffic is DNATed by the CNI portmap plugin).
 */
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

export class PortPublisher {
  private readonly proxies = new Map<string, PortProxy[]>();
  private readonly allocated = new Map<string, Set<string>>();


  private key(proto: string, port: number): string {
    return `${proto}/${port}`;
  }

  private free(proto: string, hostIp: string, port: number): boolean {
    const ips = this.allocated.get(this.key(proto, port));
    if (!ips) return true;
    return !(ips.has(hostIp) || ips.has('0.0.0.0') || (hostIp === '0.0.0.0' && ips.size > 0));
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

  async allocate(c: { id: string; name: string }, ports: PortRequest[]): Promise<PortMapping[]> {
    const out: PortMapping[] = [];
    try {
      for (const p of ports) {
        const hostIp = p.hostIp || '0.0.0.0';
        if (hostIp.includes(':')) continue; // IPv6 host addresses: berth publishes on IPv4 only.
        let hostPort: number | undefined;
        if (p.hostPort === '' || p.hostPort === '0') {
          const taken = new Set([...this.allocated.keys()].filter((k) => k.startsWith(`${p.proto}/`)).map((k) => Number(k.split('/')[1])));
          hostPort = await pickEphemeralPort(p.proto, hostIp, taken);
        } else {
          const [lo, hi] = p.hostPort.split('-').map(Number) as [number, number | undefined];
          if (!Number.isInteger(lo) || lo < 1 || lo > 65535 || (hi !== undefined && (!Number.isInteger(hi) || hi < lo || hi > 65535))) throw invalidArgument(`invalid port specification: "${p.hostPort}"`);
          for (let port = lo; port <= (hi ?? lo); port++) {
            if (this.free(p.proto, hostIp, port)) {
              hostPort = port;
              break;
            }
          }
          if (hostPort === undefined) {
            throw new BerthError('Internal', `driver failed programming external connectivity on endpoint ${c.name} (${c.id}): Bind for ${hostIp}:${p.hostPort} failed: port is already allocated`, { code: NETWORK_ERROR });
          }
        }
        const m: PortMapping = { proto: p.proto, containerPort: p.containerPort, hostIp, hostPort };
        this.claim(m);
        out.push(m);
      }
    } catch (err) {
      this.release(out);
      throw err;
    }
    return out;
  }

  async openProxies(containerId: string, containerName: string, containerIp: string, ports: PortMapping[]): Promise<void> {
    const opened: PortProxy[] = [];
    try {
      for (const p of ports) opened.push(await PortProxy.open({ proto: p.proto, hostIp: p.hostIp, hostPort: p.hostPort, containerIp, containerPort: p.containerPort }));
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

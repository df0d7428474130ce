/**
 * Endpoints on bridge networks: a CNI ADD (veth, addresses, published ports' DNAT) plus what
 * libnetwork adds beside it (link-local addresses, the userland proxies), its DEL, and their
 * return after a daemon restart. The network service checks the request first.
 */
import { BerthError } from '../base/errors.js';
import { randomId } from '../base/ids.js';
import type { Logger } from '../base/log.js';
import { cniAdd, cniDel, type CniResult } from './cni.js';
import { cniNameOf, cniPlugins } from './cni-plugins.js';
import { checkLinkLocal, linkLocalCidr } from './endpoint-checks.js';
import { parseCidr6 } from './ip6.js';
import { activePools } from './ipam-plan.js';
import type { AttachedContainer, LiveEndpoints } from './live-endpoints.js';
import type { NetnsDir } from './netns.js';
import { NETWORK_ERROR } from './network-errors.js';
import type { PortPublisher, PortRequest } from './port-publisher.js';
import { parseCidr } from './subnet.js';
import type { Endpoint, EndpointRequest, NetworkRecord, PortMapping } from './types.js';

export interface EndpointDeps {
  netns: NetnsDir;
  ipamDir: string;
  publish: (action: string, id: string, attrs: Record<string, string>) => void;
  log: Logger;
  live: LiveEndpoints;
  ports: PortPublisher;
  userDefined: (n: NetworkRecord) => boolean;
}

export interface Attached {
  network: NetworkRecord;
  endpoint: Endpoint;
  ports: PortMapping[];
}

type Container = AttachedContainer & { hostname?: string | undefined };

const portMaps = (ports: PortMapping[]): Record<string, unknown>[] => ports.map((m) => ({ hostPort: m.hostPort, containerPort: m.containerPort, protocol: m.proto, hostIP: m.hostIp }));

export class EndpointService {
  constructor(private readonly d: EndpointDeps) {}

  async attach(c: Container, n: NetworkRecord, req: EndpointRequest, ifname: string, ports: PortRequest[]): Promise<Attached> {
    checkLinkLocal(req.linkLocalIps ?? []);
    const { v4, v6 } = activePools(n);
    // An address of a family the network does not hand out is ignored, as by libnetwork.
    const asked = [v4 && req.ipv4Address ? `${req.ipv4Address}/${parseCidr(v4.subnet).prefix}` : '', v6 && req.ipv6Address ? `${req.ipv6Address}/${parseCidr6(v6.subnet).prefix}` : ''].filter(Boolean);
    const runtimeConfig: Record<string, unknown> = {};
    if (asked.length) runtimeConfig.ips = asked;
    if (req.macAddress) runtimeConfig.mac = req.macAddress;
    const mappings = await this.d.ports.allocate(c, ports, { v4: !!v4, v6: !!v6 });
    if (mappings.length) runtimeConfig.portMappings = portMaps(mappings);
    const rt = { containerId: c.id, netns: c.sandbox, ifname };
    const plugins = cniPlugins(n, { ipamDir: this.d.ipamDir, withPorts: mappings.length > 0, staticV4: !!req.ipv4Address, staticV6: !!req.ipv6Address });
    let result: CniResult;
    try {
      result = await cniAdd(cniNameOf(n), plugins, rt, runtimeConfig);
    } catch (err) {
      this.d.ports.release(mappings);
      const msg = (err as Error).message;
      if (/is not available|already reserved|failed to allocate all requested IPs/i.test(msg)) throw new BerthError('Forbidden', 'Address already in use', { cause: err, code: NETWORK_ERROR });
      throw new BerthError('Internal', `failed to set up container networking: ${msg}`, { cause: err, code: NETWORK_ERROR });
    }
    const endpoint = this.endpointFrom(n, c, req, ifname, result);
    try {
      await this.addLinkLocal(c.id, ifname, req.linkLocalIps ?? []);
      await this.d.ports.openProxies(c.id, c.name, { ip: endpoint.ip, ipv6: endpoint.ipv6 ?? '' }, mappings);
    } catch (err) {
      await cniDel(cniNameOf(n), plugins, rt, runtimeConfig, result).catch(() => {});
      this.d.ports.release(mappings);
      throw err;
    }
    this.d.live.track(n.id, c, endpoint);
    this.d.publish('connect', n.id, { container: c.id, name: n.name, type: 'bridge' });
    return { network: n, endpoint, ports: mappings };
  }

  /** `--link-local-ip`: libnetwork adds them to the interface beside its addresses. */
  private async addLinkLocal(containerId: string, ifname: string, ips: string[]): Promise<void> {
    try {
      for (const ip of ips) await this.d.netns.exec(containerId, 'ip', ['addr', 'add', linkLocalCidr(ip), 'dev', ifname]);
    } catch (err) {
      const detail = ((err as { stderr?: string }).stderr ?? (err as Error).message).trim();
      throw new BerthError('Internal', `failed to set up container networking: adding a link-local address: ${detail}`, { cause: err, code: NETWORK_ERROR });
    }
  }

  private endpointFrom(n: NetworkRecord, c: Container, req: EndpointRequest, ifname: string, result: CniResult): Endpoint {
    const ips = (result.ips ?? []).map((x) => ({ ...x, addr: x.address.split('/')[0] ?? '', len: Number(x.address.split('/')[1]) }));
    const ip4 = ips.find((x) => !x.addr.includes(':'));
    const ip6 = ips.find((x) => x.addr.includes(':'));
    const iface = result.interfaces?.find((i) => i.sandbox) ?? result.interfaces?.[ips[0]?.interface ?? -1];
    const asked = req.ipv4Address || req.ipv6Address || req.linkLocalIps?.length;
    return {
      networkId: n.id,
      endpointId: randomId(),
      ifname,
      ip: ip4?.addr ?? '',
      prefixLen: ip4?.len ?? 0,
      gateway: ip4?.gateway ?? '',
      ipv6: ip6?.addr ?? '',
      ipv6PrefixLen: ip6?.len ?? 0,
      ipv6Gateway: ip6?.gateway ?? '',
      mac: iface?.mac ?? '',
      aliases: req.aliases,
      // moby 28's buildEndpointDNSNames: name, aliases, short ID, hostname.
      dnsNames: this.d.userDefined(n) ? [...new Set([c.name, ...req.aliases, c.id.slice(0, 12), ...(c.hostname ? [c.hostname] : [])])] : [],
      ...(req.links.length ? { links: req.links } : {}),
      ipamConfig: asked ? { ipv4Address: req.ipv4Address, ...(req.ipv6Address ? { ipv6Address: req.ipv6Address } : {}), ...(req.linkLocalIps?.length ? { linkLocalIps: req.linkLocalIps } : {}) } : null,
      cniName: cniNameOf(n),
      cniResult: result,
    };
  }

  /** `n` is undefined when the network went away meanwhile: the endpoint is only forgotten. */
  async detach(c: AttachedContainer, n: NetworkRecord | undefined, networkName: string, endpoint: Endpoint, ports: PortMapping[]): Promise<void> {
    this.d.live.forget(endpoint.networkId, c.id);
    // Only the primary endpoint carries the published ports (and their proxies).
    if (ports.length) {
      await this.d.ports.closeProxies(c.id);
      this.d.ports.release(ports);
    }
    if (!n) {
      this.d.log.warn('endpoint of a removed network', { container: c.id, network: networkName });
      return;
    }
    const rt = { containerId: c.id, netns: c.sandbox, ifname: endpoint.ifname };
    const runtimeConfig = ports.length ? { portMappings: portMaps(ports) } : {};
    const plugins = cniPlugins(n, { ipamDir: this.d.ipamDir, withPorts: ports.length > 0 });
    await cniDel(endpoint.cniName ?? cniNameOf(n), plugins, rt, runtimeConfig, endpoint.cniResult as CniResult | undefined).catch((err: unknown) => this.d.log.warn('network teardown failed', { container: c.id, network: n.name, err }));
    this.d.publish('disconnect', n.id, { container: c.id, name: n.name, type: 'bridge' });
  }

  async restore(c: AttachedContainer, endpoints: Endpoint[], ports: PortMapping[]): Promise<void> {
    for (const e of endpoints) this.d.live.track(e.networkId, c, e);
    for (const p of ports) this.d.ports.claim(p);
    const primary = endpoints[0];
    if (primary && ports.length) {
      await this.d.ports.openProxies(c.id, c.name, { ip: primary.ip, ipv6: primary.ipv6 ?? '' }, ports).catch((err: unknown) => this.d.log.warn('cannot reopen published ports', { container: c.id, err }));
    }
  }

  /** DEL of the endpoints a crashed start may have left in a sandbox, on networks in join order. */
  async clearStale(containerId: string, networks: (NetworkRecord | undefined)[]): Promise<void> {
    for (const [i, n] of networks.entries()) {
      if (!n || n.driver !== 'bridge') continue;
      const rt = { containerId, netns: this.d.netns.path(containerId), ifname: `eth${i}` };
      await cniDel(cniNameOf(n), cniPlugins(n, { ipamDir: this.d.ipamDir, withPorts: true }), rt).catch(() => {});
    }
  }
}

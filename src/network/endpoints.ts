/**
 * Endpoints on bridge networks: the interface and its addresses (bridge-endpoint.ts, in-process),
 * the published ports' DNAT (the CNI portmap plugin) and userland proxies, their removal, and
 * their return after a daemon restart. The network service checks the request first.
 */
import { BerthError } from '../base/errors.js';
import { randomId } from '../base/ids.js';
import type { Logger } from '../base/log.js';
import { UndoStack } from '../base/undo.js';
import { ADDRESS_IN_USE, addBridgeEndpoint, clearStaleBridgeEndpoint, removeBridgeEndpoint, type BridgeEndpointDeps } from './bridge-endpoint.js';
import { cniAdd, cniDel, type CniResult } from './cni.js';
import { cniNameOf, PORTMAP } from './cni-plugins.js';
import { checkLinkLocal } from './endpoint-checks.js';
import { activePools } from './ipam-plan.js';
import type { AttachedContainer, LiveEndpoints } from './live-endpoints.js';
import type { NetnsDir } from './netns.js';
import { NETWORK_ERROR } from './network-errors.js';
import type { PortPublisher, PortRequest } from './port-publisher.js';
import type { Endpoint, EndpointRequest, NetworkRecord, PortMapping } from './types.js';

export interface EndpointDeps {
  netns: NetnsDir;
  bridge: BridgeEndpointDeps;
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
    const asked: EndpointRequest = { ...req, ipv4Address: v4 ? req.ipv4Address : '', ipv6Address: v6 ? req.ipv6Address : undefined };
    const mappings = await this.d.ports.allocate(c, ports, { v4: !!v4, v6: !!v6 });
    const t = { containerId: c.id, netns: c.sandbox, ifname };
    const cniName = cniNameOf(n);
    const undo = new UndoStack();
    undo.push('published ports', () => this.d.ports.release(mappings));
    try {
      let result = await addBridgeEndpoint(this.d.bridge, n, t, asked).catch((err: unknown) => {
        const msg = (err as Error).message;
        if (ADDRESS_IN_USE.test(msg)) throw new BerthError('Forbidden', 'Address already in use', { cause: err, code: NETWORK_ERROR });
        throw new BerthError('Internal', `failed to set up container networking: ${msg}`, { cause: err, code: NETWORK_ERROR });
      });
      const added = result;
      undo.push('interface', () => removeBridgeEndpoint(this.d.bridge, cniName, t, added));
      if (mappings.length) {
        const portMappings = portMaps(mappings);
        result = await cniAdd(cniName, [PORTMAP], t, { portMappings }, added).catch((err: unknown) => {
          throw new BerthError('Internal', `failed to set up container networking: ${(err as Error).message}`, { cause: err, code: NETWORK_ERROR });
        });
        undo.push('port forwarding', () => cniDel(cniName, [PORTMAP], t, { portMappings }, added));
      }
      const endpoint = this.endpointFrom(n, c, req, ifname, result);
      await this.d.ports.openProxies(c.id, c.name, { ip: endpoint.ip, ipv6: endpoint.ipv6 ?? '' }, mappings);
      this.d.live.track(n.id, c, endpoint);
      this.d.publish('connect', n.id, { container: c.id, name: n.name, type: 'bridge' });
      return { network: n, endpoint, ports: mappings };
    } catch (err) {
      await undo.unwind((what, e) => this.d.log.warn(`undoing an endpoint's ${what} failed`, { container: c.id, network: n.name, err: e }));
      throw err;
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
    const cniName = endpoint.cniName ?? cniNameOf(n);
    const t = { containerId: c.id, netns: c.sandbox, ifname: endpoint.ifname };
    const result = endpoint.cniResult as CniResult | undefined;
    const warn = (err: unknown): void => this.d.log.warn('network teardown failed', { container: c.id, network: n.name, err });
    if (ports.length) await cniDel(cniName, [PORTMAP], t, { portMappings: portMaps(ports) }, result).catch(warn);
    await removeBridgeEndpoint(this.d.bridge, cniName, t, result).catch(warn);
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

  /**
   * The endpoints a crashed start may have left in a sandbox, on networks in join order: their
   * interfaces, leases and published ports' rules.
   */
  async clearStale(containerId: string, networks: (NetworkRecord | undefined)[]): Promise<void> {
    for (const [i, n] of networks.entries()) {
      if (!n || n.driver !== 'bridge') continue;
      const t = { containerId, netns: this.d.netns.path(containerId), ifname: `eth${i}` };
      if (i === 0) await cniDel(cniNameOf(n), [PORTMAP], t).catch(() => {});
      await clearStaleBridgeEndpoint(this.d.bridge, cniNameOf(n), t).catch(() => {});
    }
  }
}

/**
 * Docker's networks on CNI: the predefined `bridge`, `host` and `none`, user-defined bridge
 * networks (own Linux bridge, IPv4 and/or IPv6 subnets, embedded DNS), and the endpoints
 * containers have on them (a veth, addresses on host-local's leases, NAT and published ports), with
 * Docker's errors. Nothing on the host is named after a network's name (any name is valid):
 * CNI runs, leases and bridges go by the network's ID.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { randomId } from '../base/ids.js';
import { BerthError, conflict, invalidArgument, notFound } from '../base/errors.js';
import { KeyedMutex } from '../base/lock.js';
import { removeAll } from '../base/fs.js';
import { withHostLock } from '../base/host-mutex.js';
import { RtNetlink } from '../base/netlink.js';
import type { Logger } from '../base/log.js';
import { deleteBridge, ensureBridge, linkExists, reserveAuxAddresses } from './bridge-setup.js';
import { cniNameOf } from './cni-plugins.js';
import { EmbeddedDns } from './dns-server.js';
import { validateEndpoint } from './endpoint-checks.js';
import { EndpointService, type Attached } from './endpoints.js';
import { HostLocalIpam } from './host-local.js';
import { applyFirewall } from './firewall.js';
import { hostRoutes6, parseCidr6, ulaBase, type Cidr6 } from './ip6.js';
import { activePools, planPools } from './ipam-plan.js';
import { LiveEndpoints, type AttachedContainer, type LiveEndpoint } from './live-endpoints.js';
import type { NetnsDir } from './netns.js';
import { NetworkDns, resolverAddresses } from './network-dns.js';
import { NETWORK_ERROR } from './network-errors.js';
import type { NetworkStore } from './network-store.js';
import { PortPublisher, type PortRequest } from './port-publisher.js';
import { firstHost, formatCidr, formatIp, hostRoutes, parseCidr, parseIp, pickSubnet, type Cidr } from './subnet.js';
import type { Endpoint, EndpointRequest, IpamPool, NetworkData, NetworkRecord, PortMapping } from './types.js';

export type { PortRequest, AttachedContainer, Attached };
export { NETWORK_ERROR };

const PREDEFINED = ['bridge', 'host', 'none'];
const BRIDGE_NAME_OPT = 'com.docker.network.bridge.name';
const MTU_OPT = 'com.docker.network.driver.mtu';
const POOL_LOCK = 'address-pools';
export interface NetworkServiceDeps {
  store: NetworkStore;
  netns: NetnsDir;
  /** host-local's lease directory (under the exec root: leases end with the host's boot). */
  ipamDir: string;
  publish: (action: string, id: string, attrs: Record<string, string>) => void;
  log: Logger;
  /** Port for the embedded resolvers (53; tests may move it). */
  dnsPort?: number;
  /** The default network's Linux bridge; also names this daemon's firewall chains. */
  defaultBridge: string;
  /** The default bridge's gateway/prefix, or '' to pick a free pool. */
  bip: string;
  /** Where the embedded resolvers forward other names: the daemon's `dns`, or [] for the host's resolvers. */
  upstreams: () => string[];
  /** Seeds this engine's IPv6 ULA prefix, as moby's engine ID does. */
  engineId?: string;
}

export interface CreateNetwork {
  name: string;
  driver?: string | undefined;
  internal?: boolean | undefined;
  attachable?: boolean | undefined;
  labels?: Record<string, string> | undefined;
  options?: Record<string, string> | undefined;
  ipam?: { driver?: string | undefined; options?: Record<string, string> | undefined; config: { subnet?: string | undefined; gateway?: string | undefined; ipRange?: string | undefined; auxAddresses?: Record<string, string> | undefined }[] } | undefined;
  /** undefined: IPv4 on (moby's default), IPv6 off. */
  enableIPv4?: boolean | undefined;
  enableIPv6?: boolean | undefined;
  scope?: string | undefined;
  ingress?: boolean | undefined;
}

export class NetworkService {
  private readonly live = new LiveEndpoints();
  private readonly ports = new PortPublisher();
  private readonly locks = new KeyedMutex();
  private readonly eps: EndpointService;
  /** The host namespace's rtnetlink socket, made on first use and kept. */
  private netlink: RtNetlink | undefined;
  readonly dns: EmbeddedDns;

  constructor(private readonly d: NetworkServiceDeps) {
    const bridge = { ipam: new HostLocalIpam(d.ipamDir), netlink: () => (this.netlink ??= RtNetlink.open()), ensureBridge };
    this.eps = new EndpointService({ netns: d.netns, bridge, publish: d.publish, log: d.log, live: this.live, ports: this.ports, userDefined: (n) => this.userDefined(n) });
    const source = new NetworkDns({ networks: () => d.store.all(), live: this.live, userDefined: (n) => this.userDefined(n), upstreams: d.upstreams });
    this.dns = new EmbeddedDns(source, d.log, { port: d.dnsPort ?? 53 });
  }

  /**
   * Makes the predefined networks (once) and brings the bridges, firewall and resolvers up.
   * Without them (not root, no iptables) the daemon still serves; bridge containers then fail
   * to start with the reason.
   */
  async init(): Promise<void> {
    try {
      await this.setUp();
    } catch (err) {
      this.d.log.warn('bridge networking is unavailable', { err });
    }
  }

  private async setUp(): Promise<void> {
    const byName = new Map(this.d.store.all().map((n) => [n.name, n]));
    if (!byName.has('bridge')) {
      // Pool and bridge under the host lock: another daemon starting now must see our route.
      await withHostLock(POOL_LOCK, async () => {
        const rec = this.defaultBridgeRecord();
        await ensureBridge(rec);
        await this.d.store.put(rec);
      });
    }
    if (!byName.has('host')) await this.d.store.put(this.record('host', 'host', {}, ''));
    if (!byName.has('none')) await this.d.store.put(this.record('none', 'null', {}, ''));
    for (const n of this.d.store.all()) {
      if (n.driver === 'bridge') await this.bringUp(n).catch((err: unknown) => this.d.log.warn('bridge setup failed', { network: n.name, err }));
    }
    await this.refreshFirewall();
  }

  /** The predefined `bridge` network: `bip` if set, else the first default pool no route uses. */
  private defaultBridgeRecord(): NetworkData {
    if (this.d.bip) {
      const subnet = parseCidr(this.d.bip);
      const ip = parseIp(this.d.bip.split('/')[0]!);
      const gateway = ip === subnet.network ? formatIp(firstHost(subnet)) : formatIp(ip);
      return this.record('bridge', 'bridge', {}, this.d.defaultBridge, [{ subnet: formatCidr(subnet), gateway }]);
    }
    const subnet = pickSubnet(this.taken().v4, this.hostRoutes4());
    if (!subnet) throw new BerthError('Unavailable', 'no free address pool for the default bridge network');
    return this.record('bridge', 'bridge', {}, this.d.defaultBridge, [{ subnet: formatCidr(subnet), gateway: formatIp(firstHost(subnet)) }]);
  }

  /** The pools other networks hand addresses out of. */
  private taken(): { v4: Cidr[]; v6: Cidr6[] } {
    const pools = this.d.store.all().map((n) => activePools(n));
    return { v4: pools.flatMap((p) => (p.v4 ? [parseCidr(p.v4.subnet)] : [])), v6: pools.flatMap((p) => (p.v6 ? [parseCidr6(p.v6.subnet)] : [])) };
  }

  /** Routes of berth's own bridges are ours, not the host's: they do not block their subnet. */
  private hostRoutes4(): Cidr[] {
    const own = new Set(this.taken().v4.map(formatCidr));
    return hostRoutes().filter((r) => !own.has(formatCidr(r)));
  }

  async close(): Promise<void> {
    await this.ports.close();
    await this.dns.close();
    this.netlink?.close();
    this.netlink = undefined;
  }

  private record(name: string, driver: NetworkRecord['driver'], req: Partial<CreateNetwork>, bridge: string, pools: IpamPool[] = []): NetworkData {
    const id = randomId();
    return {
      schemaVersion: 1,
      id,
      name,
      driver,
      created: new Date().toISOString(),
      internal: req.internal ?? false,
      attachable: req.attachable ?? false,
      labels: req.labels ?? {},
      options: req.options ?? {},
      ...(driver === 'bridge' ? { enableIPv4: req.enableIPv4 ?? true, enableIPv6: req.enableIPv6 ?? false } : {}),
      ipam: { driver: 'default', options: req.ipam?.options ?? {}, config: pools },
      bridge,
      mtu: Number(req.options?.[MTU_OPT] ?? 0) || 0,
      cniName: id,
    };
  }

  /** By full ID, name, or unique ID prefix, as Docker resolves networks. */
  find(ref: string): NetworkRecord {
    const all = this.d.store.all();
    const hit = all.find((n) => n.id === ref) ?? all.find((n) => n.name === ref);
    if (hit) return hit;
    const byPrefix = ref ? all.filter((n) => n.id.startsWith(ref)) : [];
    if (byPrefix.length === 1) return byPrefix[0]!;
    if (byPrefix.length > 1) throw invalidArgument(`network ${ref} is ambiguous (${byPrefix.length} matches found based on ID prefix)`);
    throw notFound(`network ${ref} not found`);
  }

  list(): NetworkRecord[] {
    return this.d.store.all();
  }

  isPredefined(n: NetworkRecord): boolean {
    return PREDEFINED.includes(n.name);
  }

  /** Containers with a live endpoint on the network. */
  endpoints(networkId: string): LiveEndpoint[] {
    return this.live.on(networkId);
  }

  async create(req: CreateNetwork): Promise<NetworkRecord> {
    const driver = req.driver || 'bridge';
    if (!req.name.trim()) throw invalidArgument('invalid name: name is empty');
    if (PREDEFINED.includes(req.name)) throw new BerthError('Forbidden', `operation is not permitted on predefined ${req.name} network `);
    if (driver === 'host' || driver === 'null') throw new BerthError('Forbidden', `only one instance of "${driver}" network is allowed`);
    if (driver === 'overlay') throw new BerthError('Forbidden', 'This node is not a swarm manager. Use "docker swarm init" or "docker swarm join" to connect this node to swarm and try again.');
    if (driver !== 'bridge') throw new BerthError('NotFound', `could not find plugin ${driver} in v1 plugin registry: plugin not found`);
    if (req.scope === 'swarm' || req.scope === 'global') throw new BerthError('Forbidden', 'cannot create a swarm scoped network when swarm is not active');
    if (req.ingress) throw new BerthError('Forbidden', 'Ingress network can only be global scope network');
    return this.locks.run('create', async () => {
      if (this.d.store.all().some((n) => n.name === req.name)) throw conflict(`network with name ${req.name} already exists`);
      const bridgeName = await this.checkOptions(req);
      const rec = await withHostLock(POOL_LOCK, async () => {
        const r = this.record(req.name, 'bridge', req, '', this.pools(req));
        r.bridge = bridgeName || `br-${r.id.slice(0, 12)}`;
        try {
          await this.bringUp(r);
        } catch (err) {
          await this.takeDown(r);
          throw err;
        }
        return r;
      });
      try {
        await this.d.store.put(rec);
        await this.refreshFirewall();
      } catch (err) {
        await this.takeDown(rec);
        await this.d.store.delete(rec.id);
        throw err;
      }
      this.d.publish('create', rec.id, { name: rec.name, type: 'bridge' });
      return rec;
    });
  }

  /** The bridge name and MTU options, checked; returns the bridge name asked for ('' for none). */
  private async checkOptions(req: CreateNetwork): Promise<string> {
    const bridgeName = req.options?.[BRIDGE_NAME_OPT] || '';
    if (bridgeName && !/^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,14}$/.test(bridgeName)) throw invalidArgument(`invalid bridge name "${bridgeName}"`);
    if (bridgeName && this.d.store.all().some((n) => n.bridge === bridgeName)) throw conflict(`bridge name ${bridgeName} is already in use by another network`);
    // Never take over an interface berth did not make (eth0, docker0…): it would lose its addresses.
    if (bridgeName && linkExists(bridgeName)) {
      throw conflict(`bridge name ${bridgeName} is already in use by an interface of the host`);
    }
    const mtu = req.options?.[MTU_OPT];
    if (mtu !== undefined && !(Number.isInteger(Number(mtu)) && Number(mtu) >= 68)) throw invalidArgument(`invalid MTU value: ${mtu}`);
    return bridgeName;
  }

  private pools(req: CreateNetwork): IpamPool[] {
    const own = new Set(this.taken().v6.map((c) => `${c.network}/${c.prefix}`));
    return planPools({
      config: req.ipam?.config ?? [],
      enableIPv4: req.enableIPv4 ?? true,
      enableIPv6: req.enableIPv6 ?? false,
      taken: this.taken(),
      routes: { v4: this.hostRoutes4(), v6: hostRoutes6().filter((r) => !own.has(`${r.network}/${r.prefix}`)) },
      ula: ulaBase(this.d.engineId ?? 'berth'),
    });
  }

  /** The bridge with its addresses, the resolver on its gateways, and the auxiliary addresses held. */
  private async bringUp(n: NetworkRecord): Promise<void> {
    await ensureBridge(n);
    await reserveAuxAddresses(n, join(this.d.ipamDir, cniNameOf(n)));
    if (this.userDefined(n)) for (const a of resolverAddresses(n)) await this.dns.listen(a);
  }

  private async takeDown(n: NetworkRecord): Promise<void> {
    if (this.userDefined(n)) for (const a of resolverAddresses(n)) await this.dns.unlisten(a).catch(() => {});
    await deleteBridge(n);
  }

  userDefined(n: NetworkRecord): boolean {
    return n.driver === 'bridge' && n.name !== 'bridge';
  }

  private async refreshFirewall(): Promise<void> {
    const nets = this.d.store
      .all()
      .filter((n) => n.driver === 'bridge')
      .map((n) => {
        const { v4, v6 } = activePools(n);
        return { bridge: n.bridge, subnet: v4?.subnet ?? '', subnet6: v6?.subnet ?? '', internal: n.internal, dnsAddresses: this.userDefined(n) ? resolverAddresses(n) : [] };
      });
    await applyFirewall(this.d.defaultBridge, nets);
  }

  async remove(ref: string): Promise<void> {
    const n = this.find(ref);
    if (this.isPredefined(n)) throw new BerthError('Forbidden', `${n.name} is a pre-defined network and cannot be removed`);
    await this.locks.run(n.id, async () => {
      const eps = this.endpoints(n.id);
      // moby 28's wording, and its 403 (libnetwork's ActiveEndpointsError is Forbidden).
      if (eps.length) {
        const list = eps.map((e) => `name:${JSON.stringify(e.container.name)} id:${JSON.stringify(e.endpoint.endpointId.slice(0, 12))}`).join(', ');
        throw new BerthError('Forbidden', `error while removing network: network ${n.name} has active endpoints (${list})`);
      }
      await this.d.store.delete(n.id);
      await this.takeDown(n);
      await removeAll(join(this.d.ipamDir, cniNameOf(n))).catch(() => {});
      await this.refreshFirewall();
      this.d.publish('destroy', n.id, { name: n.name, type: 'bridge' });
    });
  }

  /**
   * moby's endpoint settings check: at create for each network the settings name (`n` when it
   * exists), at connect and start against the network itself. Throws "invalid endpoint settings".
   */
  checkEndpoint(n: NetworkRecord | undefined, name: string, req: EndpointRequest): void {
    validateEndpoint(n, name, req);
  }

  /**
   * Gives a container an endpoint on a network: a veth named `ifname` in its sandbox, its
   * addresses, its DNS names there, and (on its first network) its published ports.
   */
  attach(c: AttachedContainer & { hostname?: string | undefined }, ref: string, req: EndpointRequest, ifname: string, ports: PortRequest[] = []): Promise<Attached> {
    const n = this.find(ref);
    if (n.driver !== 'bridge') throw invalidArgument(`container cannot be connected to network ${n.name}: only bridge networks take endpoints`);
    if (this.live.has(n.id, c.id)) throw new BerthError('Forbidden', `endpoint with name ${c.name} already exists in network ${n.name}`);
    this.checkEndpoint(n, n.name, req);
    return this.eps.attach(c, n, req, ifname, ports);
  }

  /** Takes an endpoint away again (at stop, or `network disconnect`); ports go with the first network's. */
  detach(c: AttachedContainer, networkName: string, endpoint: Endpoint, ports: PortMapping[] = []): Promise<void> {
    return this.eps.detach(c, this.d.store.get(endpoint.networkId), networkName, endpoint, ports);
  }

  /** After a berthd restart: a running container's endpoints and proxies, as they were. */
  restore(c: AttachedContainer, endpoints: Endpoint[], ports: PortMapping[]): Promise<void> {
    return this.eps.restore(c, endpoints, ports);
  }

  /**
   * `docker rename`: the container answers to its new name on its networks (and not the old
   * one). `endpoints` are its recorded ones, their DNS names already renamed ({@link renamedDnsNames}).
   */
  renameContainer(containerId: string, newName: string, endpoints: Endpoint[]): void {
    this.live.update(containerId, newName, endpoints);
  }

  /** The resolver a container on `ref` should use: a user-defined network's gateway (IPv4 first). */
  resolverFor(ref: string): string | undefined {
    const n = this.find(ref);
    return this.userDefined(n) ? resolverAddresses(n)[0] : undefined;
  }

  sandboxPath(containerId: string): string {
    return this.d.netns.path(containerId);
  }

  /**
   * A sandbox a crash left behind (berthd killed between setting a container's network up and
   * recording it): its endpoints' leases and rules are released and the namespace removed.
   */
  async clearStaleSandbox(containerId: string, networkNames: string[]): Promise<void> {
    if (!existsSync(this.d.netns.path(containerId))) return;
    await this.eps.clearStale(containerId, networkNames.map((name) => this.d.store.all().find((x) => x.name === name)));
    await this.d.netns.remove(containerId);
  }

  /** A new network namespace for a container, with `lo` up (as Docker's sandboxes have). */
  createSandbox(containerId: string): Promise<string> {
    return this.d.netns.create(containerId);
  }

  removeSandbox(containerId: string): Promise<void> {
    return this.d.netns.remove(containerId);
  }
}

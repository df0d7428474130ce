/**
 * Docker's networks on CNI: the predefined `bridge`, `host` and `none`, user-defined bridge
 * networks (own Linux bridge, subnet, embedded DNS), and the endpoints containers have on them
 * (a veth, an address from host-local, NAT and published ports), with Docker's errors.
 */
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { randomId } from '../base/ids.js';
import { BerthError, conflict, invalidArgument, notFound } from '../base/errors.js';
import { KeyedMutex } from '../base/lock.js';
import { removeAll } from '../base/fs.js';
import { join } from 'node:path';
import { withHostLock } from '../base/host-mutex.js';
import type { Logger } from '../base/log.js';
import { cniAdd, cniDel, type CniResult } from './cni.js';
import { EmbeddedDns } from './dns-server.js';
import { applyFirewall } from './firewall.js';
import type { NetnsDir } from './netns.js';
import type { NetworkStore } from './network-store.js';
import { PortPublisher } from './port-publisher.js';
import { NETWORK_ERROR } from './network-errors.js';
import { contains, firstHost, formatCidr, formatIp, hostRoutes, overlaps, parseCidr, parseIp, parseSubnet, pickSubnet, type Cidr } from './subnet.js';
import type { Endpoint, EndpointRequest, IpamPool, NetworkRecord, PortMapping } from './types.js';
import type { PortRequest } from './port-publisher.js';

export type { PortRequest };

const execFileP = promisify(execFile);

const PREDEFINED = ['bridge', 'host', 'none'];
export { NETWORK_ERROR };
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
}

export interface CreateNetwork {
  name: string;
  driver?: string | undefined;
  internal?: boolean | undefined;
  attachable?: boolean | undefined;
  labels?: Record<string, string> | undefined;
  options?: Record<string, string> | undefined;
  ipam?: { driver?: string | undefined; options?: Record<string, string> | undefined; config: { subnet?: string | undefined; gateway?: string | undefined; ipRange?: string | undefined }[] } | undefined;
  enableIPv6?: boolean | undefined;
}

export interface AttachedContainer {
  id: string;
  name: string;
  sandbox: string;
  /** Its `--dns` servers: where the embedded resolver forwards its other queries. */
  dns?: string[] | undefined;
}

interface LiveEndpoint {
  container: AttachedContainer;
  endpoint: Endpoint;
}

export class NetworkService {
  private readonly live = new Map<string, Map<string, LiveEndpoint>>();
  private readonly ports = new PortPublisher();
  private readonly locks = new KeyedMutex();
  readonly dns: EmbeddedDns;

  constructor(private readonly d: NetworkServiceDeps) {
    this.dns = new EmbeddedDns(
      {
        lookup: (addr, name, clientIp) => this.dnsLookup(addr, name, clientIp),
        reverse: (addr, ip) => this.dnsReverse(addr, ip),
        upstreams: (addr, clientIp) => {
          // An internal network reaches nothing outside, its DNS included (moby 26+).
          if (this.networkServedAt(addr)?.internal) return [];
          const own = this.containerAt(addr, clientIp)?.dns ?? [];
          if (own.length) return own;
          const configured = d.upstreams();
          return configured.length ? configured : hostNameservers();
        },
      },
      d.log,
      { port: d.dnsPort ?? 53 },
    );
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
        await this.ensureBridge(rec);
        await this.d.store.put(rec);
      });
    }
    if (!byName.has('host')) await this.d.store.put(this.record('host', 'host', {}, ''));
    if (!byName.has('none')) await this.d.store.put(this.record('none', 'null', {}, ''));
    for (const n of this.d.store.all()) if (n.driver === 'bridge') await this.ensureBridge(n).catch((err: unknown) => this.d.log.warn('bridge setup failed', { network: n.name, err }));
    await this.refreshFirewall();
  }

  /** The predefined `bridge` network: `bip` if set, else the first default pool no route uses. */
  private defaultBridgeRecord(): NetworkRecord {
    if (this.d.bip) {
      const subnet = parseCidr(this.d.bip);
      const ip = parseIp(this.d.bip.split('/')[0]!);
      const gateway = ip === subnet.network ? formatIp(firstHost(subnet)) : formatIp(ip);
      return this.record('bridge', 'bridge', {}, this.d.defaultBridge, [{ subnet: formatCidr(subnet), gateway }]);
    }
    const subnet = pickSubnet(
      this.d.store.all().flatMap((n) => n.ipam.config.map((c) => parseCidr(c.subnet))),
      hostRoutes().filter((r) => !this.ownBridgeRoute(r)),
    );
    if (!subnet) throw new BerthError('Unavailable', 'no free address pool for the default bridge network');
    return this.record('bridge', 'bridge', {}, this.d.defaultBridge, [{ subnet: formatCidr(subnet), gateway: formatIp(firstHost(subnet)) }]);
  }

  /** Routes of berth's own bridges are ours, not the host's: they do not block their subnet. */
  private ownBridgeRoute(r: Cidr): boolean {
    return this.d.store.all().some((n) => n.ipam.config.some((c) => formatCidr(parseCidr(c.subnet)) === formatCidr(r)));
  }

  async close(): Promise<void> {
    await this.ports.close();
    await this.dns.close();
  }

  private record(name: string, driver: NetworkRecord['driver'], req: Partial<CreateNetwork>, bridge: string, pools: IpamPool[] = []): NetworkRecord {
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
      ipam: { driver: 'default', options: req.ipam?.options ?? {}, config: pools.length ? pools : (req.ipam?.config ?? []).map((c) => ({ subnet: c.subnet ?? '', gateway: c.gateway || formatIp(firstHost(parseCidr(c.subnet ?? ''))) })) },
      bridge,
      mtu: Number(req.options?.[MTU_OPT] ?? 0) || 0,
    };
  }

  /** By full ID, name, or unique ID prefix, as Docker resolves networks. */
  find(ref: string): NetworkRecord {
    const all = this.d.store.all();
    const hit = all.find((n) => n.id === ref) ?? all.find((n) => n.name === ref);
    if (hit) return hit;
    const byPrefix = all.filter((n) => n.id.startsWith(ref));
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
    return [...(this.live.get(networkId)?.values() ?? [])];
  }

  async create(req: CreateNetwork): Promise<NetworkRecord> {
    const driver = req.driver || 'bridge';
    if (!req.name) throw invalidArgument('network name must not be empty');
    // The name also names host-local's lease directory: nothing that could climb out of it.
    if (!/^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/.test(req.name)) throw invalidArgument(`invalid network name "${req.name}": only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed`);
    if (PREDEFINED.includes(req.name) || driver === 'host' || driver === 'null') throw new BerthError('Forbidden', `operation is not permitted on predefined ${req.name} network `);
    if (driver !== 'bridge') throw new BerthError('NotFound', `could not find plugin ${driver} in v1 plugin registry: plugin not found`);
    if (req.enableIPv6) throw new BerthError('NotImplemented', 'IPv6 networks are not supported by berth');
    return this.locks.run('create', async () => {
      if (this.d.store.all().some((n) => n.name === req.name)) throw conflict(`network with name ${req.name} already exists`);
      const bridgeName = req.options?.[BRIDGE_NAME_OPT] || '';
      if (bridgeName && this.d.store.all().some((n) => n.bridge === bridgeName)) throw conflict(`bridge name ${bridgeName} is already in use by another network`);
      // Never take over an interface berth did not make (eth0, docker0…): it would lose its addresses.
      if (bridgeName && (await execFileP('ip', ['link', 'show', 'dev', bridgeName]).then(() => true, () => false))) {
        throw conflict(`bridge name ${bridgeName} is already in use by an interface of the host`);
      }
      if (bridgeName && !/^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,14}$/.test(bridgeName)) throw invalidArgument(`invalid bridge name "${bridgeName}"`);
      const mtu = req.options?.[MTU_OPT];
      if (mtu !== undefined && !(Number.isInteger(Number(mtu)) && Number(mtu) >= 68)) throw invalidArgument(`invalid MTU value: ${mtu}`);
      const rec = await withHostLock(POOL_LOCK, async () => {
        const r = this.record(req.name, 'bridge', req, '', this.pools(req));
        r.bridge = bridgeName || `br-${r.id.slice(0, 12)}`;
        try {
          await this.ensureBridge(r);
        } catch (err) {
          await this.deleteBridge(r);
          throw err;
        }
        return r;
      });
      try {
        await this.d.store.put(rec);
        await this.refreshFirewall();
      } catch (err) {
        await this.deleteBridge(rec);
        await this.d.store.delete(rec.id);
        throw err;
      }
      this.d.publish('create', rec.id, { name: rec.name, type: 'bridge' });
      return rec;
    });
  }

  /** The network's address pool: the user's subnet/gateway/ip-range, checked, or the next free default one. */
  private pools(req: CreateNetwork): IpamPool[] {
    const cfg = req.ipam?.config ?? [];
    if (cfg.length > 1) throw new BerthError('NotImplemented', 'berth networks take one IPv4 subnet');
    const taken = this.d.store.all().flatMap((n) => n.ipam.config.map((c) => parseCidr(c.subnet)));
    const c = cfg[0];
    if (!c?.subnet) {
      if (c?.gateway || c?.ipRange) throw invalidArgument('gateway and ip-range need a subnet');
      const subnet = pickSubnet(taken, hostRoutes().filter((r) => !this.ownBridgeRoute(r)));
      if (!subnet) throw new BerthError('Unavailable', 'could not find an available, non-overlapping IPv4 address pool among the defaults to assign to the network');
      return [{ subnet: formatCidr(subnet), gateway: formatIp(firstHost(subnet)) }];
    }
    const subnet = parseSubnet(c.subnet);
    if (taken.some((t) => overlaps(t, subnet))) throw new BerthError('Forbidden', 'invalid pool request: Pool overlaps with other one on this address space');
    let gateway = formatIp(firstHost(subnet));
    if (c.gateway) {
      const gw = parseIp(c.gateway);
      if (!contains(subnet, gw)) throw new BerthError('Forbidden', `no matching subnet for gateway ${c.gateway}`);
      gateway = formatIp(gw);
    }
    let ipRange: string | undefined;
    if (c.ipRange) {
      const r = parseCidr(c.ipRange);
      if (!contains(subnet, r.network) || r.prefix < subnet.prefix) throw new BerthError('Forbidden', `no matching subnet for range ${c.ipRange}`);
      ipRange = formatCidr(r);
    }
    return [{ subnet: formatCidr(subnet), gateway, ...(ipRange ? { ipRange } : {}) }];
  }

  /** The Linux bridge with its gateway address, up; and the network's resolver on it. */
  private async ensureBridge(n: NetworkRecord): Promise<void> {
    const pool = n.ipam.config[0];
    if (!pool) return;
    const ip = (args: string[]): Promise<unknown> => execFileP('ip', args);
    await ip(['link', 'add', n.bridge, 'type', 'bridge']).catch(() => {});
    if (n.mtu) await ip(['link', 'set', n.bridge, 'mtu', String(n.mtu)]);
    const cidr = `${pool.gateway}/${parseCidr(pool.subnet).prefix}`;
    // Exactly our gateway address: another one (a stale or foreign set-up) would make the CNI
    // bridge plugin refuse the bridge.
    const { stdout } = await execFileP('ip', ['-4', '-o', 'addr', 'show', 'dev', n.bridge]);
    for (const m of stdout.matchAll(/inet (\S+)/g)) if (m[1] !== cidr) await ip(['addr', 'del', m[1]!, 'dev', n.bridge]);
    await ip(['addr', 'replace', cidr, 'dev', n.bridge]);
    await ip(['link', 'set', n.bridge, 'up']);
    if (this.userDefined(n)) await this.dns.listen(pool.gateway);
  }

  private async deleteBridge(n: NetworkRecord): Promise<void> {
    const pool = n.ipam.config[0];
    if (pool && this.userDefined(n)) await this.dns.unlisten(pool.gateway).catch(() => {});
    await execFileP('ip', ['link', 'del', n.bridge]).catch(() => {});
  }

  userDefined(n: NetworkRecord): boolean {
    return n.driver === 'bridge' && n.name !== 'bridge';
  }

  private async refreshFirewall(): Promise<void> {
    await applyFirewall(
      this.d.defaultBridge,
      this.d.store
        .all()
        .filter((n) => n.driver === 'bridge')
        .map((n) => ({ bridge: n.bridge, subnet: n.ipam.config[0]?.subnet ?? '', internal: n.internal, dnsAddress: this.userDefined(n) ? (n.ipam.config[0]?.gateway ?? '') : '' })),
    );
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
      await this.deleteBridge(n);
      await removeAll(join(this.d.ipamDir, n.name)).catch(() => {});
      await this.refreshFirewall();
      this.d.publish('destroy', n.id, { name: n.name, type: 'bridge' });
    });
  }

  /** The CNI plugin list for an endpoint on `n`. */
  private plugins(n: NetworkRecord, withPorts: boolean, staticIp = false): ({ type: string } & Record<string, unknown>)[] {
    const pool = n.ipam.config[0]!;
    const range: Record<string, string> = { subnet: pool.subnet, gateway: pool.gateway };
    // --ip may be anywhere in the subnet: ip-range only bounds the addresses berth picks.
    if (pool.ipRange && !staticIp) {
      const r = parseCidr(pool.ipRange);
      range.rangeStart = formatIp(Math.max(r.network + (r.prefix < 31 ? 1 : 0), parseCidr(pool.subnet).network + 1));
      range.rangeEnd = formatIp(r.network + 2 ** (32 - r.prefix) - 2);
    }
    return [
      {
        type: 'bridge',
        bridge: n.bridge,
        isGateway: true,
        // Masquerade and forwarding are per network, in berth's own chains (firewall.ts).
        ipMasq: false,
        hairpinMode: true,
        ...(n.mtu ? { mtu: n.mtu } : {}),
        capabilities: { ips: true, mac: true },
        ipam: { type: 'host-local', ranges: [[range]], routes: n.internal ? [] : [{ dst: '0.0.0.0/0' }], dataDir: this.d.ipamDir },
      },
      // Loopback traffic goes to the userland proxy (Docker's split), the rest is DNATed here.
      ...(withPorts ? [{ type: 'portmap', capabilities: { portMappings: true }, snat: true, conditionsV4: ['!', '-d', '127.0.0.0/8'] }] : []),
    ];
  }

  /**
   * Gives a container an endpoint on a network: a veth named `ifname` in its sandbox, an
   * address, its DNS names there, and (on its first network) its published ports.
   */
  async attach(c: AttachedContainer, ref: string, req: EndpointRequest, ifname: string, ports: PortRequest[] = []): Promise<{ network: NetworkRecord; endpoint: Endpoint; ports: PortMapping[] }> {
    const n = this.find(ref);
    if (n.driver !== 'bridge') throw invalidArgument(`container cannot be connected to network ${n.name}: only bridge networks take endpoints`);
    if (this.live.get(n.id)?.has(c.id)) throw new BerthError('Forbidden', `endpoint with name ${c.name} already exists in network ${n.name}`);
    const pool = n.ipam.config[0]!;
    const subnet = parseCidr(pool.subnet);
    const runtimeConfig: Record<string, unknown> = {};
    if (req.ipv4Address) {
      if (!this.userDefined(n)) throw invalidArgument('user specified IP address is supported on user defined networks only');
      const want = parseIp(req.ipv4Address);
      if (!contains(subnet, want)) throw invalidArgument(`no configured subnet or ip-range contain the IP address ${req.ipv4Address}`);
      runtimeConfig.ips = [`${formatIp(want)}/${subnet.prefix}`];
    }
    if (req.macAddress) runtimeConfig.mac = req.macAddress;
    if (req.aliases.length && !this.userDefined(n)) throw invalidArgument('network-scoped alias is supported only for containers in user defined networks');
    const mappings = await this.ports.allocate(c, ports);
    const rt = { containerId: c.id, netns: c.sandbox, ifname };
    if (mappings.length) runtimeConfig.portMappings = mappings.map((m) => ({ hostPort: m.hostPort, containerPort: m.containerPort, protocol: m.proto, hostIP: m.hostIp === '0.0.0.0' ? '' : m.hostIp }));
    let result;
    try {
      result = await cniAdd(n.name, this.plugins(n, mappings.length > 0, !!req.ipv4Address), rt, runtimeConfig);
    } catch (err) {
      this.ports.release(mappings);
      const msg = (err as Error).message;
      if (/is not available|already reserved|failed to allocate all requested IPs/i.test(msg)) throw new BerthError('Forbidden', 'Address already in use', { cause: err, code: NETWORK_ERROR });
      throw new BerthError('Internal', `failed to set up container networking: ${msg}`, { cause: err, code: NETWORK_ERROR });
    }
    const ipCfg = result.ips?.[0];
    const [ipAddr, prefix] = (ipCfg?.address ?? '/').split('/');
    const iface = result.interfaces?.find((i) => i.sandbox) ?? result.interfaces?.[ipCfg?.interface ?? -1];
    const endpoint: Endpoint = {
      networkId: n.id,
      endpointId: randomId(),
      ifname,
      ip: ipAddr ?? '',
      prefixLen: Number(prefix) || subnet.prefix,
      gateway: ipCfg?.gateway ?? (n.internal ? '' : pool.gateway),
      mac: iface?.mac ?? '',
      aliases: req.aliases,
      dnsNames: this.userDefined(n) ? [...new Set([c.name, c.id.slice(0, 12), ...req.aliases])] : [],
      ...(req.links.length ? { links: req.links } : {}),
      ipamConfig: req.ipv4Address ? { ipv4Address: req.ipv4Address } : null,
      cniResult: result,
    };
    try {
      await this.ports.openProxies(c.id, c.name, endpoint.ip, mappings);
    } catch (err) {
      await cniDel(n.name, this.plugins(n, mappings.length > 0), rt, runtimeConfig, result).catch(() => {});
      this.ports.release(mappings);
      throw err;
    }
    this.track(n.id, c, endpoint);
    this.d.publish('connect', n.id, { container: c.id, name: n.name, type: 'bridge' });
    return { network: n, endpoint, ports: mappings };
  }

  private track(networkId: string, c: AttachedContainer, endpoint: Endpoint): void {
    let m = this.live.get(networkId);
    if (!m) this.live.set(networkId, (m = new Map()));
    m.set(c.id, { container: c, endpoint });
  }

  /** Takes an endpoint away again (at stop, or `network disconnect`); ports go with the first network's. */
  async detach(c: AttachedContainer, networkName: string, endpoint: Endpoint, ports: PortMapping[] = []): Promise<void> {
    const n = this.d.store.get(endpoint.networkId);
    this.live.get(endpoint.networkId)?.delete(c.id);
    // Only the primary endpoint carries the published ports (and their proxies).
    if (ports.length) {
      await this.ports.closeProxies(c.id);
      this.ports.release(ports);
    }
    const rt = { containerId: c.id, netns: c.sandbox, ifname: endpoint.ifname };
    const runtimeConfig = ports.length ? { portMappings: ports.map((m) => ({ hostPort: m.hostPort, containerPort: m.containerPort, protocol: m.proto, hostIP: m.hostIp === '0.0.0.0' ? '' : m.hostIp })) } : {};
    if (n) {
      await cniDel(n.name, this.plugins(n, ports.length > 0), rt, runtimeConfig, endpoint.cniResult as CniResult | undefined).catch((err: unknown) => this.d.log.warn('network teardown failed', { container: c.id, network: n.name, err }));
      this.d.publish('disconnect', n.id, { container: c.id, name: n.name, type: 'bridge' });
    } else {
      this.d.log.warn('endpoint of a removed network', { container: c.id, network: networkName });
    }
  }

  /** After a berthd restart: a running container's endpoints and proxies, as they were. */
  async restore(c: AttachedContainer, endpoints: Endpoint[], ports: PortMapping[]): Promise<void> {
    for (const e of endpoints) this.track(e.networkId, c, e);
    for (const p of ports) this.ports.claim(p);
    const primary = endpoints[0];
    if (primary && ports.length) await this.ports.openProxies(c.id, c.name, primary.ip, ports).catch((err: unknown) => this.d.log.warn('cannot reopen published ports', { container: c.id, err }));
  }

  /** `docker rename`: the container answers to its new name on its networks (and not the old one). */
  renameContainer(containerId: string, oldName: string, newName: string, endpoints: Endpoint[]): void {
    for (const m of this.live.values()) {
      const e = m.get(containerId);
      if (e) e.container.name = newName;
    }
    for (const e of endpoints) if (e.dnsNames.length) e.dnsNames = e.dnsNames.map((x) => (x === oldName ? newName : x));
    for (const m of this.live.values()) {
      const e = m.get(containerId);
      const same = e && endpoints.find((x) => x.endpointId === e.endpoint.endpointId);
      if (e && same) e.endpoint = same;
    }
  }

  /** The resolver a container on `ref` should use: the gateway of a user-defined network. */
  resolverFor(ref: string): string | undefined {
    const n = this.find(ref);
    return this.userDefined(n) ? n.ipam.config[0]?.gateway : undefined;
  }

  sandboxPath(containerId: string): string {
    return this.d.netns.path(containerId);
  }

  /**
   * A sandbox a crash left behind (berthd killed between setting a container's network up and
   * recording it): its endpoints' leases and rules are released and the namespace removed.
   */
  async clearStaleSandbox(containerId: string, networkNames: string[]): Promise<void> {
    const path = this.d.netns.path(containerId);
    if (!existsSync(path)) return;
    for (const [i, name] of networkNames.entries()) {
      const n = this.d.store.all().find((x) => x.name === name);
      if (!n || n.driver !== 'bridge') continue;
      await cniDel(n.name, this.plugins(n, true), { containerId, netns: path, ifname: `eth${i}` }).catch(() => {});
    }
    await this.d.netns.remove(containerId);
  }

  /** A new network namespace for a container, with `lo` up (as Docker's sandboxes have). */
  createSandbox(containerId: string): Promise<string> {
    return this.d.netns.create(containerId);
  }

  removeSandbox(containerId: string): Promise<void> {
    return this.d.netns.remove(containerId);
  }

  // ---- embedded DNS ----

  private networkServedAt(addr: string): NetworkRecord | undefined {
    return this.d.store.all().find((n) => this.userDefined(n) && n.ipam.config[0]?.gateway === addr);
  }

  private containerAt(addr: string, ip: string): AttachedContainer | undefined {
    const n = this.networkServedAt(addr);
    return n ? this.endpoints(n.id).find((e) => e.endpoint.ip === ip)?.container : undefined;
  }

  /**
   * libnetwork's Sandbox.ResolveName: first the client's own link aliases (`--link name:alias` on
   * any of its networks, resolving `name` on that network), then the names on the network.
   */
  private dnsLookup(addr: string, name: string, clientIp: string): string[] {
    const n = this.networkServedAt(addr);
    if (!n) return [];
    const byName = (networkId: string, want: string): string[] =>
      this.endpoints(networkId)
        .filter((e) => e.endpoint.dnsNames.some((x) => x.toLowerCase() === want.toLowerCase()))
        .map((e) => e.endpoint.ip);
    const client = this.containerAt(addr, clientIp);
    let aliased = false;
    for (const [networkId, eps] of this.live) {
      const target = client && linkTarget(eps.get(client.id)?.endpoint.links ?? [], name);
      if (target === undefined) continue;
      const ips = byName(networkId, target);
      if (ips.length) return ips;
      if (networkId === n.id) aliased = true;
    }
    // A name that is one of the client's aliases is not looked up as a name on that network.
    return aliased ? [] : byName(n.id, name);
  }

  private dnsReverse(addr: string, ip: string): string | undefined {
    const n = this.networkServedAt(addr);
    if (!n) return undefined;
    const e = this.endpoints(n.id).find((x) => x.endpoint.ip === ip);
    return e ? `${e.container.name}.${n.name}` : undefined;
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

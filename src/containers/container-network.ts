/**
 * A container's networking, moby's way: at create, which networks it joins (`--network`,
 * `--ip`, `--network-alias`, `-p`); at start, a sandbox (netns) with an endpoint on each network
 * and its published ports; at stop, all of it undone.
 */
import { BerthError, conflict, invalidArgument } from '../base/errors.js';
import { joinErrors, renamedDnsNames, type EndpointRequest, type NetworkRecord, type NetworkService, type PortRequest } from '../network/index.js';
import type { ContainerData, ContainerRecord, NetworkState } from './types.js';

/** What containers need of networks (the daemon passes the network service). */
export type ContainerNetworks = Pick<
  NetworkService,
  'find' | 'userDefined' | 'checkEndpoint' | 'attach' | 'detach' | 'restore' | 'resolverFor' | 'createSandbox' | 'removeSandbox' | 'renameContainer' | 'clearStaleSandbox'
>;

/** Rewrites a running container's resolv.conf for its (new) embedded resolver, or none. */
export type ResolverChange = (resolver: string | undefined) => Promise<void>;

export type SpecNetwork = { mode: 'new' } | { mode: 'host' } | { mode: 'path'; path: string };

/** EndpointsConfig from the create body, in our casing. */
export type EndpointsConfig = Record<string, EndpointRequest>;

const isSpecial = (mode: string): boolean => ['host', 'none'].includes(mode) || mode.startsWith('container:');

/**
 * The networks a new container joins, by name, validated as moby does at create. `mode` is
 * HostConfig.NetworkMode ('default' is the bridge network).
 */
export function planNetworks(mode: string, endpoints: EndpointsConfig, macAddress: string, networks: ContainerNetworks, findContainer: (ref: string) => ContainerRecord): Record<string, EndpointRequest> {
  if (isSpecial(mode)) {
    for (const [name, e] of Object.entries(endpoints)) {
      if (e.ipv4Address || e.ipv6Address || e.aliases.length) throw invalidArgument(`conflicting options: ${name === mode || name === 'default' ? 'custom network settings' : 'network'} and the network mode`);
    }
    if (mode.startsWith('container:')) {
      const ref = mode.slice('container:'.length);
      if (!ref) throw invalidArgument('Invalid network mode: invalid container format container:<name|id>');
      findContainer(ref);
    }
    return {};
  }
  checkEndpointsConfig(endpoints, networks);
  const primary = mode === 'default' ? 'bridge' : mode;
  const out: Record<string, EndpointRequest> = {};
  const keys = new Set([primary, ...Object.keys(endpoints).filter((k) => k !== 'default')]);
  for (const key of keys) {
    const net = networks.find(key);
    if (net.driver !== 'bridge') throw invalidArgument(`container cannot be disconnected from host network or connected to host network`);
    const e = endpoints[key] ?? (key === primary ? (endpoints.default ?? endpoints[net.id]) : undefined) ?? { aliases: [], ipv4Address: '', macAddress: '', links: [] };
    const req: EndpointRequest = { ...e, macAddress: e.macAddress || (key === primary ? macAddress : '') };
    out[net.name] = req;
  }
  return out;
}

/** moby's validateNetworkingConfig: each entry under the name it was given, one error for all. */
function checkEndpointsConfig(endpoints: EndpointsConfig, networks: ContainerNetworks): void {
  const errs: string[] = [];
  for (const [key, e] of Object.entries(endpoints)) {
    let net: NetworkRecord | undefined;
    try {
      net = networks.find(key);
    } catch {
      // a network that does not exist (yet) is not moby's concern here
    }
    try {
      networks.checkEndpoint(net, key, e);
    } catch (err) {
      errs.push(`invalid config for network ${key}: ${(err as Error).message}`);
    }
  }
  if (errs.length) throw invalidArgument(joinErrors(errs));
}

/** `-p` bindings and, with `-P`, every exposed port, as the network layer takes them. */
export function portRequests(rec: ContainerRecord): PortRequest[] {
  const out: PortRequest[] = [];
  const split = (key: string): { port: number; proto: 'tcp' | 'udp' } => {
    const [port, proto = 'tcp'] = key.split('/');
    if (proto !== 'tcp' && proto !== 'udp') throw invalidArgument(`invalid proto: ${proto}`);
    const n = Number(port);
    if (!Number.isInteger(n) || n < 1 || n > 65535) throw invalidArgument(`invalid port: ${key}`);
    return { port: n, proto };
  };
  for (const [key, bindings] of Object.entries(rec.hostConfig.portBindings)) {
    const { port, proto } = split(key);
    for (const b of bindings.length ? bindings : [{ hostIp: '', hostPort: '' }]) out.push({ proto, containerPort: port, hostIp: b.hostIp, hostPort: b.hostPort });
  }
  if (rec.hostConfig.publishAllPorts) {
    for (const key of Object.keys(rec.config.exposedPorts)) {
      if (key in rec.hostConfig.portBindings) continue;
      const { port, proto } = split(key);
      out.push({ proto, containerPort: port, hostIp: '', hostPort: '' });
    }
  }
  return out;
}

/**
 * Sets up the container's networking for a start. Fills `rec.network` as it goes, so that a
 * failure part-way can be undone by {@link stopNetwork}. `ips` are the addresses its /etc/hosts
 * names it by (every endpoint's, IPv4 and IPv6, as moby writes them).
 */
export async function startNetwork(rec: ContainerData, networks: ContainerNetworks, findContainer: (ref: string) => ContainerRecord): Promise<{ spec: SpecNetwork; ip: string; ips: string[]; resolver: string | undefined }> {
  const mode = rec.hostConfig.networkMode;
  const none = { ip: '', ips: [], resolver: undefined };
  if (mode === 'host') return { spec: { mode: 'host' }, ...none };
  // runc makes a fresh namespace with lo up itself: no sandbox of our own to set up or remove.
  if (mode === 'none') return { spec: { mode: 'new' }, ...none };
  if (mode.startsWith('container:')) {
    const other = findContainer(mode.slice('container:'.length));
    if (other.state.status !== 'running' && other.state.status !== 'paused') throw conflict(`cannot join network namespace of a non running container: ${other.id}`);
    if (other.hostConfig.networkMode === 'host') return { spec: { mode: 'host' }, ...none };
    // A `none` container's namespace is runc's: it is reached through its process.
    if (!other.network?.sandboxKey) return { spec: { mode: 'path', path: `/proc/${other.state.pid}/ns/net` }, ...none };
    const first = Object.values(other.network.endpoints)[0];
    return { spec: { mode: 'path', path: other.network.sandboxKey }, ip: first?.ip ?? '', ips: [], resolver: undefined };
  }
  await networks.clearStaleSandbox(rec.id, Object.keys(rec.networks ?? {}));
  const sandboxKey = await networks.createSandbox(rec.id);
  const state: NetworkState = { sandboxKey, endpoints: {}, ports: [] };
  rec.network = state;
  const c = { ...attached(rec, sandboxKey), hostname: rec.config.hostname };
  let i = 0;
  for (const [name, req] of Object.entries(rec.networks ?? {})) {
    const ports = i === 0 ? portRequests(rec) : [];
    const r = await networks.attach(c, name, req, `eth${i}`, ports);
    state.endpoints[r.network.name] = r.endpoint;
    if (i === 0) state.ports = r.ports;
    i++;
  }
  const eps = Object.values(state.endpoints);
  const ips = eps.flatMap((e) => [e.ip, e.ipv6 ?? ''].filter(Boolean));
  return { spec: { mode: 'path', path: sandboxKey }, ip: ips[0] ?? '', ips, resolver: resolverOf(rec, networks) };
}

/** The container as the network layer sees it. */
function attached(rec: ContainerRecord, sandbox: string): { id: string; name: string; sandbox: string; dns: string[] } {
  return { id: rec.id, name: rec.name.slice(1), sandbox, dns: [...rec.hostConfig.dns] };
}

/**
 * The embedded resolver a running container uses: its first user-defined network's (the
 * resolver answers for all of the container's networks), none on the default bridge alone.
 */
export function resolverOf(rec: ContainerRecord, networks: ContainerNetworks): string | undefined {
  for (const name of Object.keys(rec.network?.endpoints ?? {})) {
    try {
      const r = networks.resolverFor(name);
      if (r) return r;
    } catch {
      // a network removed meanwhile has no resolver
    }
  }
  return undefined;
}

/** Undoes {@link startNetwork}: endpoints, ports and the sandbox. */
export async function stopNetwork(rec: ContainerData, networks: ContainerNetworks): Promise<void> {
  const state = rec.network;
  if (!state) return;
  const c = attached(rec, state.sandboxKey);
  let first = true;
  for (const [name, e] of Object.entries(state.endpoints)) {
    await networks.detach(c, name, e, first ? state.ports : []);
    // Done ones are forgotten at once, so a retry after a failure below never releases twice.
    if (first) state.ports = [];
    delete state.endpoints[name];
    first = false;
  }
  await networks.removeSandbox(rec.id).catch((err: unknown) => {
    throw new BerthError('Internal', `removing the network namespace: ${(err as Error).message}`, { cause: err });
  });
  rec.network = undefined;
}

/** `docker rename` of a running container: its endpoints' DNS names follow (the draft's). */
export function renameEndpoints(rec: ContainerData, oldName: string, newName: string): void {
  for (const e of Object.values(rec.network?.endpoints ?? {})) e.dnsNames = renamedDnsNames(e.dnsNames, oldName, newName);
}

/** After a berthd restart, a running container's endpoints and ports are the network layer's again. */
export async function restoreNetwork(rec: ContainerData, networks: ContainerNetworks): Promise<void> {
  const state = rec.network;
  if (!state) return;
  await networks.restore(attached(rec, state.sandboxKey), Object.values(state.endpoints), state.ports);
}

/**
 * `network connect`: an endpoint now if the container runs (and, when that gives it an embedded
 * resolver it had not, its resolv.conf points there, as moby rewrites it); the network is
 * joined at start anyway.
 */
export async function connectNetwork(rec: ContainerData, network: string, req: EndpointRequest, networks: ContainerNetworks, onResolver?: ResolverChange): Promise<void> {
  const net = networks.find(network);
  const mode = rec.hostConfig.networkMode;
  if (isSpecial(mode)) throw invalidArgument('container sharing network namespace with another container or host cannot be connected to any other network');
  if (net.driver !== 'bridge') throw invalidArgument('container cannot be disconnected from host network or connected to host network');
  if (rec.networks?.[net.name]) throw new BerthError('Forbidden', `endpoint with name ${rec.name.slice(1)} already exists in network ${net.name}`);
  networks.checkEndpoint(net, net.name, req);
  if ((rec.state.status === 'running' || rec.state.status === 'paused') && rec.network) {
    const used = new Set(Object.values(rec.network.endpoints).map((e) => e.ifname));
    let n = 0;
    while (used.has(`eth${n}`)) n++;
    const before = resolverOf(rec, networks);
    const r = await networks.attach({ ...attached(rec, rec.network.sandboxKey), hostname: rec.config.hostname }, net.name, req, `eth${n}`);
    rec.network.endpoints[net.name] = r.endpoint;
    const after = resolverOf(rec, networks);
    if (after !== before) await onResolver?.(after);
  }
  rec.networks = { ...(rec.networks ?? {}), [net.name]: req };
}

/**
 * `network disconnect`: the endpoint goes now if the container runs, and from its next starts.
 * Leaving the network whose resolver it used moves it to its next user-defined network's, or
 * back to its own servers and the host's.
 */
export async function disconnectNetwork(rec: ContainerData, network: string, networks: ContainerNetworks, onResolver?: ResolverChange): Promise<void> {
  const net = networks.find(network);
  if (!rec.networks?.[net.name]) throw invalidArgument(`container ${rec.id} is not connected to network ${net.name}`);
  const live = rec.network?.endpoints[net.name];
  if (live && rec.network) {
    const before = resolverOf(rec, networks);
    const primary = Object.keys(rec.network.endpoints)[0] === net.name;
    await networks.detach(attached(rec, rec.network.sandboxKey), net.name, live, primary ? rec.network.ports : []);
    if (primary) rec.network.ports = [];
    delete rec.network.endpoints[net.name];
    const after = resolverOf(rec, networks);
    if (after !== before) await onResolver?.(after);
  }
  const rest = { ...rec.networks };
  delete rest[net.name];
  rec.networks = rest;
}

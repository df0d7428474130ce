/**
 * A container's networking, moby's way: at create, which networks it joins (`--network`,
 * `--ip`, `--network-alias`, `-p`); at start, a sandbox (netns) with an endpoint on each network
 * and its published ports; at stop, all of it undone.
 */
import { BerthError, conflict, invalidArgument } from '../base/errors.js';
import type { EndpointRequest, NetworkService, PortRequest } from '../network/index.js';
import type { ContainerData, ContainerRecord, NetworkState } from './types.js';

/** What containers need of networks (the daemon passes the network service). */
export type ContainerNetworks = Pick<
  NetworkService,
  'find' | 'userDefined' | 'attach' | 'detach' | 'restore' | 'resolverFor' | 'createSandbox' | 'removeSandbox' | 'renameContainer' | 'clearStaleSandbox'
>;

export type SpecNetwork = { mode: 'new' } | { mode: 'host' } | { mode: 'path'; path: string };

/** EndpointsConfig from the create body, in our casing. */
export type EndpointsConfig = Record<string, { aliases: string[]; ipv4Address: string; macAddress: string; links: string[] }>;

const isSpecial = (mode: string): boolean => ['host', 'none'].includes(mode) || mode.startsWith('container:');

/**
 * The networks a new container joins, by name, validated as moby does at create. `mode` is
 * HostConfig.NetworkMode ('default' is the bridge network).
 */
export function planNetworks(mode: string, endpoints: EndpointsConfig, macAddress: string, networks: ContainerNetworks, findContainer: (ref: string) => ContainerRecord): Record<string, EndpointRequest> {
  if (isSpecial(mode)) {
    for (const [name, e] of Object.entries(endpoints)) {
      if (e.ipv4Address || e.aliases.length) throw invalidArgument(`conflicting options: ${name === mode || name === 'default' ? 'custom network settings' : 'network'} and the network mode`);
    }
    if (mode.startsWith('container:')) {
      const ref = mode.slice('container:'.length);
      if (!ref) throw invalidArgument('Invalid network mode: invalid container format container:<name|id>');
      findContainer(ref);
    }
    return {};
  }
  const primary = mode === 'default' ? 'bridge' : mode;
  const out: Record<string, EndpointRequest> = {};
  const keys = new Set([primary, ...Object.keys(endpoints).filter((k) => k !== 'default')]);
  for (const key of keys) {
    const net = networks.find(key);
    if (net.driver !== 'bridge') throw invalidArgument(`container cannot be disconnected from host network or connected to host network`);
    const e = endpoints[key] ?? (key === primary ? (endpoints.default ?? endpoints[net.id]) : undefined) ?? { aliases: [], ipv4Address: '', macAddress: '', links: [] };
    if (e.ipv4Address && !networks.userDefined(net)) throw invalidArgument('user specified IP address is supported on user defined networks only');
    if (e.aliases.length && !networks.userDefined(net)) throw invalidArgument('network-scoped alias is supported only for containers in user defined networks');
    out[net.name] = { aliases: e.aliases, ipv4Address: e.ipv4Address, macAddress: e.macAddress || (key === primary ? macAddress : ''), links: e.links };
  }
  return out;
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
 * failure part-way can be undone by {@link stopNetwork}.
 */
export async function startNetwork(rec: ContainerData, networks: ContainerNetworks, findContainer: (ref: string) => ContainerRecord): Promise<{ spec: SpecNetwork; ip: string; resolver: string | undefined }> {
  const mode = rec.hostConfig.networkMode;
  if (mode === 'host') return { spec: { mode: 'host' }, ip: '', resolver: undefined };
  // runc makes a fresh namespace with lo up itself: no sandbox of our own to set up or remove.
  if (mode === 'none') return { spec: { mode: 'new' }, ip: '', resolver: undefined };
  if (mode.startsWith('container:')) {
    const other = findContainer(mode.slice('container:'.length));
    if (other.state.status !== 'running' && other.state.status !== 'paused') throw conflict(`cannot join network namespace of a non running container: ${other.id}`);
    if (other.hostConfig.networkMode === 'host') return { spec: { mode: 'host' }, ip: '', resolver: undefined };
    // A `none` container's namespace is runc's: it is reached through its process.
    if (!other.network?.sandboxKey) return { spec: { mode: 'path', path: `/proc/${other.state.pid}/ns/net` }, ip: '', resolver: undefined };
    const first = Object.values(other.network.endpoints)[0];
    return { spec: { mode: 'path', path: other.network.sandboxKey }, ip: first?.ip ?? '', resolver: undefined };
  }
  await networks.clearStaleSandbox(rec.id, Object.keys(rec.networks ?? {}));
  const sandboxKey = await networks.createSandbox(rec.id);
  const state: NetworkState = { sandboxKey, endpoints: {}, ports: [] };
  rec.network = state;
  const c = { id: rec.id, name: rec.name.slice(1), sandbox: sandboxKey, dns: [...rec.hostConfig.dns] };
  let i = 0;
  let resolver: string | undefined;
  for (const [name, req] of Object.entries(rec.networks ?? {})) {
    const ports = i === 0 ? portRequests(rec) : [];
    const r = await networks.attach(c, name, req, `eth${i}`, ports);
    state.endpoints[r.network.name] = r.endpoint;
    if (i === 0) {
      state.ports = r.ports;
      resolver = networks.resolverFor(r.network.id);
    }
    i++;
  }
  const first = Object.values(state.endpoints)[0];
  return { spec: { mode: 'path', path: sandboxKey }, ip: first?.ip ?? '', resolver };
}

/** Undoes {@link startNetwork}: endpoints, ports and the sandbox. */
export async function stopNetwork(rec: ContainerData, networks: ContainerNetworks): Promise<void> {
  const state = rec.network;
  if (!state) return;
  const c = { id: rec.id, name: rec.name.slice(1), sandbox: state.sandboxKey };
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

/** After a berthd restart, a running container's endpoints and ports are the network layer's again. */
export async function restoreNetwork(rec: ContainerData, networks: ContainerNetworks): Promise<void> {
  const state = rec.network;
  if (!state) return;
  await networks.restore({ id: rec.id, name: rec.name.slice(1), sandbox: state.sandboxKey, dns: [...rec.hostConfig.dns] }, Object.values(state.endpoints), state.ports);
}

/** `network connect`: an endpoint now if the container runs; the network is joined at start anyway. */
export async function connectNetwork(rec: ContainerData, network: string, req: EndpointRequest, networks: ContainerNetworks): Promise<void> {
  const net = networks.find(network);
  const mode = rec.hostConfig.networkMode;
  if (isSpecial(mode)) throw invalidArgument('container sharing network namespace with another container or host cannot be connected to any other network');
  if (net.driver !== 'bridge') throw invalidArgument('container cannot be disconnected from host network or connected to host network');
  if (rec.networks?.[net.name]) throw new BerthError('Forbidden', `endpoint with name ${rec.name.slice(1)} already exists in network ${net.name}`);
  if (req.ipv4Address && !networks.userDefined(net)) throw invalidArgument('user specified IP address is supported on user defined networks only');
  if (req.aliases.length && !networks.userDefined(net)) throw invalidArgument('network-scoped alias is supported only for containers in user defined networks');
  if ((rec.state.status === 'running' || rec.state.status === 'paused') && rec.network) {
    const used = new Set(Object.values(rec.network.endpoints).map((e) => e.ifname));
    let n = 0;
    while (used.has(`eth${n}`)) n++;
    const r = await networks.attach({ id: rec.id, name: rec.name.slice(1), sandbox: rec.network.sandboxKey, dns: [...rec.hostConfig.dns] }, net.name, req, `eth${n}`);
    rec.network.endpoints[net.name] = r.endpoint;
  }
  rec.networks = { ...(rec.networks ?? {}), [net.name]: req };
}

/** `network disconnect`: the endpoint goes now if the container runs, and from its next starts. */
export async function disconnectNetwork(rec: ContainerData, network: string, networks: ContainerNetworks): Promise<void> {
  const net = networks.find(network);
  if (!rec.networks?.[net.name]) throw invalidArgument(`container ${rec.id} is not connected to network ${net.name}`);
  const live = rec.network?.endpoints[net.name];
  if (live && rec.network) {
    const primary = Object.keys(rec.network.endpoints)[0] === net.name;
    await networks.detach({ id: rec.id, name: rec.name.slice(1), sandbox: rec.network.sandboxKey }, net.name, live, primary ? rec.network.ports : []);
    if (primary) rec.network.ports = [];
    delete rec.network.endpoints[net.name];
  }
  const rest = { ...rec.networks };
  delete rest[net.name];
  rec.networks = rest;
}

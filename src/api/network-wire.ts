/**
 * Docker's network JSON (network resources, a container's NetworkSettings and port lists) from
 * berth's network records and container state.
 */
import type { ContainerRecord } from '../containers/index.js';
import type { Endpoint, EndpointRequest, IpamPool, NetworkRecord, NetworkService } from '../network/index.js';
import type { DeepReadonly } from '../base/record-table.js';

type Json = Record<string, unknown>;

export function networkToWire(n: NetworkRecord, s: NetworkService, withContainers: boolean): Json {
  const options = n.name === 'bridge' && n.driver === 'bridge'
    ? { 'com.docker.network.bridge.default_bridge': 'true', 'com.docker.network.bridge.enable_icc': 'true', 'com.docker.network.bridge.enable_ip_masquerade': 'true', 'com.docker.network.bridge.host_binding_ipv4': '0.0.0.0', 'com.docker.network.bridge.name': n.bridge, 'com.docker.network.driver.mtu': String(n.mtu || 1500) }
    : n.options;
  return {
    Name: n.name,
    Id: n.id,
    Created: n.created,
    Scope: 'local',
    Driver: n.driver,
    EnableIPv4: n.driver === 'bridge' ? n.enableIPv4 !== false : true,
    EnableIPv6: n.enableIPv6 ?? false,
    IPAM: { Driver: n.ipam.driver, Options: Object.keys(n.ipam.options).length ? n.ipam.options : null, Config: n.ipam.config.map(poolToWire) },
    Internal: n.internal,
    Attachable: n.attachable,
    Ingress: false,
    ConfigFrom: { Network: '' },
    ConfigOnly: false,
    Containers: withContainers
      ? Object.fromEntries(
          s.endpoints(n.id).map((e) => [
            e.container.id,
            {
              Name: e.container.name,
              EndpointID: e.endpoint.endpointId,
              MacAddress: e.endpoint.mac,
              IPv4Address: e.endpoint.ip ? `${e.endpoint.ip}/${e.endpoint.prefixLen}` : '',
              IPv6Address: e.endpoint.ipv6 ? `${e.endpoint.ipv6}/${e.endpoint.ipv6PrefixLen ?? 0}` : '',
            },
          ]),
        )
      : {},
    Options: options,
    Labels: n.labels,
  };
}

/** One `IPAM.Config` entry, its empty fields left out (Go's omitempty). */
function poolToWire(c: IpamPool): Json {
  return {
    Subnet: c.subnet,
    ...(c.ipRange ? { IPRange: c.ipRange } : {}),
    ...(c.gateway ? { Gateway: c.gateway } : {}),
    ...(c.auxAddresses && Object.keys(c.auxAddresses).length ? { AuxiliaryAddresses: c.auxAddresses } : {}),
  };
}

/** EndpointIPAMConfig as asked (omitempty fields), or null when nothing was. */
function ipamConfigToWire(req: DeepReadonly<EndpointRequest> | undefined): Json | null {
  if (!req || !(req.ipv4Address || req.ipv6Address || req.linkLocalIps?.length)) return null;
  return {
    ...(req.ipv4Address ? { IPv4Address: req.ipv4Address } : {}),
    ...(req.ipv6Address ? { IPv6Address: req.ipv6Address } : {}),
    ...(req.linkLocalIps?.length ? { LinkLocalIPs: req.linkLocalIps } : {}),
  };
}

function endpointToWire(rec: ContainerRecord, networkId: string, e: DeepReadonly<Endpoint> | undefined, req: DeepReadonly<EndpointRequest> | undefined): Json {
  return {
    IPAMConfig: ipamConfigToWire(req),
    Links: req?.links.length ? req.links : null,
    Aliases: req?.aliases.length ? req.aliases : null,
    MacAddress: e?.mac ?? req?.macAddress ?? '',
    DriverOpts: req?.driverOpts && Object.keys(req.driverOpts).length ? req.driverOpts : null,
    GwPriority: 0,
    NetworkID: networkId,
    EndpointID: e?.endpointId ?? '',
    Gateway: e?.gateway ?? '',
    IPAddress: e?.ip ?? '',
    IPPrefixLen: e?.prefixLen ?? 0,
    IPv6Gateway: e?.ipv6Gateway ?? '',
    GlobalIPv6Address: e?.ipv6 ?? '',
    GlobalIPv6PrefixLen: e?.ipv6PrefixLen ?? 0,
    DNSNames: e?.dnsNames.length ? e.dnsNames : null,
  };
}

/** `NetworkSettings.Ports`: published ports while running, exposed ones as null. */
function portMap(rec: ContainerRecord): Json {
  const running = rec.state.status === 'running' || rec.state.status === 'paused';
  if (!running || !rec.network) return {};
  const out: Record<string, Json[] | null> = {};
  for (const key of Object.keys(rec.config.exposedPorts)) out[key.includes('/') ? key : `${key}/tcp`] = null;
  for (const p of rec.network.ports) {
    const key = `${p.containerPort}/${p.proto}`;
    out[key] = [...(out[key] ?? []), { HostIp: p.hostIp, HostPort: String(p.hostPort) }];
  }
  return out;
}

export function networkSettingsToWire(rec: ContainerRecord, s: NetworkService): Json {
  const mode = rec.hostConfig.networkMode === 'default' ? 'bridge' : rec.hostConfig.networkMode;
  const networks: Json = {};
  const find = (name: string): NetworkRecord | undefined => {
    try {
      return s.find(name);
    } catch {
      return undefined;
    }
  };
  if (mode === 'host' || mode === 'none') {
    networks[mode] = endpointToWire(rec, find(mode)?.id ?? '', undefined, undefined);
  } else {
    for (const [name, req] of Object.entries(rec.networks ?? {})) networks[name] = endpointToWire(rec, find(name)?.id ?? '', rec.network?.endpoints[name], req);
  }
  const bridge = rec.network?.endpoints.bridge;
  return {
    Bridge: '',
    SandboxID: rec.network ? rec.id : '',
    SandboxKey: rec.network?.sandboxKey ?? '',
    Ports: portMap(rec),
    HairpinMode: false,
    LinkLocalIPv6Address: '',
    LinkLocalIPv6PrefixLen: 0,
    SecondaryIPAddresses: null,
    SecondaryIPv6Addresses: null,
    EndpointID: bridge?.endpointId ?? '',
    Gateway: bridge?.gateway ?? '',
    // The deprecated top-level fields are the default bridge's endpoint's, as in moby.
    GlobalIPv6Address: bridge?.ipv6 ?? '',
    GlobalIPv6PrefixLen: bridge?.ipv6PrefixLen ?? 0,
    IPAddress: bridge?.ip ?? '',
    IPPrefixLen: bridge?.prefixLen ?? 0,
    IPv6Gateway: bridge?.ipv6Gateway ?? '',
    MacAddress: bridge?.mac ?? '',
    Networks: networks,
  };
}

/** `ps`'s Ports: published ones with their host side, then exposed ones. */
export function portSummaryToWire(rec: ContainerRecord): Json[] {
  const out: Json[] = [];
  const running = rec.state.status === 'running' || rec.state.status === 'paused';
  const published = new Set<string>();
  if (running) {
    for (const p of rec.network?.ports ?? []) {
      out.push({ IP: p.hostIp, PrivatePort: p.containerPort, PublicPort: p.hostPort, Type: p.proto });
      published.add(`${p.containerPort}/${p.proto}`);
    }
  }
  for (const key of Object.keys(rec.config.exposedPorts)) {
    const [port, proto = 'tcp'] = key.split('/');
    if (!published.has(`${port}/${proto}`)) out.push({ PrivatePort: Number(port), Type: proto });
  }
  return out;
}

/**
 * Docker's network JSON (network resources, a container's NetworkSettings and port lists) from
 * berth's network records and container state.
 */
import type { ContainerRecord } from '../containers/index.js';
import type { Endpoint, NetworkRecord, NetworkService } from '../network/index.js';
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
    EnableIPv4: true,
    EnableIPv6: false,
    IPAM: { Driver: n.ipam.driver, Options: Object.keys(n.ipam.options).length ? n.ipam.options : null, Config: n.ipam.config.map((c) => ({ Subnet: c.subnet, ...(c.ipRange ? { IPRange: c.ipRange } : {}), Gateway: c.gateway })) },
    Internal: n.internal,
    Attachable: n.attachable,
    Ingress: false,
    ConfigFrom: { Network: '' },
    ConfigOnly: false,
    Containers: withContainers
      ? Object.fromEntries(
          s.endpoints(n.id).map((e) => [
            e.container.id,
            { Name: e.container.name, EndpointID: e.endpoint.endpointId, MacAddress: e.endpoint.mac, IPv4Address: `${e.endpoint.ip}/${e.endpoint.prefixLen}`, IPv6Address: '' },
          ]),
        )
      : {},
    Options: options,
    Labels: n.labels,
  };
}

function endpointToWire(rec: ContainerRecord, networkId: string, e: DeepReadonly<Endpoint> | undefined, req: { readonly aliases: readonly string[]; readonly links?: readonly string[]; ipv4Address: string; macAddress: string } | undefined): Json {
  return {
    IPAMConfig: req?.ipv4Address ? { IPv4Address: req.ipv4Address } : null,
    Links: req?.links?.length ? req.links : null,
    Aliases: req?.aliases.length ? req.aliases : null,
    MacAddress: e?.mac ?? req?.macAddress ?? '',
    DriverOpts: null,
    GwPriority: 0,
    NetworkID: networkId,
    EndpointID: e?.endpointId ?? '',
    Gateway: e?.gateway ?? '',
    IPAddress: e?.ip ?? '',
    IPPrefixLen: e?.prefixLen ?? 0,
    IPv6Gateway: '',
    GlobalIPv6Address: '',
    GlobalIPv6PrefixLen: 0,
    DNSNames: e?.dnsNames.length ? e.dnsNames : null,
    ...(rec.hostConfig.networkMode === 'none' ? {} : {}),
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
    GlobalIPv6Address: '',
    GlobalIPv6PrefixLen: 0,
    IPAddress: bridge?.ip ?? '',
    IPPrefixLen: bridge?.prefixLen ?? 0,
    IPv6Gateway: '',
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

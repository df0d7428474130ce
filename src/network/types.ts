/** One network as persisted in `<root>/<id>.json`: Docker's network resource, in our casing. */
export interface NetworkRecord {
  schemaVersion: 1;
  id: string;
  name: string;
  driver: 'bridge' | 'host' | 'null';
  created: string;
  internal: boolean;
  attachable: boolean;
  labels: Record<string, string>;
  /** Driver options as given (`com.docker.network.bridge.name`, `…driver.mtu`, …). */
  options: Record<string, string>;
  /** IPv4 only: one pool per network (bridge driver). */
  ipam: { driver: string; options: Record<string, string>; config: IpamPool[] };
  /** The Linux bridge (bridge driver only). */
  bridge: string;
  mtu: number;
}

export interface IpamPool {
  subnet: string;
  gateway: string;
  ipRange?: string | undefined;
}

/** What a container asks of one network (Docker's EndpointSettings on create/connect). */
export interface EndpointRequest {
  aliases: string[];
  ipv4Address: string;
  macAddress: string;
  /** moby adds the container's short ID and name (for DNS) itself. */
  links: string[];
}

/** A container's live endpoint on a network. */
export interface Endpoint {
  networkId: string;
  endpointId: string;
  ifname: string;
  ip: string;
  prefixLen: number;
  gateway: string;
  mac: string;
  aliases: string[];
  /** Names other containers on the network resolve to this endpoint. */
  dnsNames: string[];
  /** `--link target:alias` on this network: aliases only this container resolves (libnetwork's ep.aliases). */
  links?: string[];
  /** `--ip` as asked (Docker shows it back as IPAMConfig). */
  ipamConfig: { ipv4Address: string } | null;
  /** The CNI ADD result, handed back to DEL (as libcni's cache does). */
  cniResult?: unknown;
}

/** A published port, after allocation. */
export interface PortMapping {
  proto: 'tcp' | 'udp';
  containerPort: number;
  hostIp: string;
  hostPort: number;
}

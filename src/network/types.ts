import type { DeepReadonly } from '../base/record-table.js';

/** One network as persisted in `<root>/<id>.json`: Docker's network resource, in our casing. */
export interface NetworkData {
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
  /** moby 28's EnableIPv4/EnableIPv6. Records of older berths have neither: IPv4 only. */
  enableIPv4?: boolean;
  enableIPv6?: boolean;
  /** At most one IPv4 and one IPv6 pool (bridge driver), IPv4 first. */
  ipam: { driver: string; options: Record<string, string>; config: IpamPool[] };
  /** The Linux bridge (bridge driver only). */
  bridge: string;
  mtu: number;
  /**
   * The CNI network name endpoints are added under (host-local keeps its leases in a directory
   * of that name): the network's ID. Records of older berths have none and keep using their
   * name, which those berths only accepted as a plain file name.
   */
  cniName?: string;
}

/** A network as the store hands it out: a snapshot nobody changes in place. */
export type NetworkRecord = DeepReadonly<NetworkData>;

export interface IpamPool {
  subnet: string;
  gateway: string;
  ipRange?: string | undefined;
  /** Addresses the network's driver keeps for itself: never given to a container. */
  auxAddresses?: Record<string, string> | undefined;
  /** Picked from the default pools, not given: `--ip`/`--ip6` are refused on it, as by moby. */
  auto?: true | undefined;
}

/** What a container asks of one network (Docker's EndpointSettings on create/connect). */
export interface EndpointRequest {
  aliases: string[];
  ipv4Address: string;
  /** `--ip6`; absent in records of older berths. */
  ipv6Address?: string | undefined;
  /** `--link-local-ip`: extra addresses in 169.254.0.0/16 or fe80::/10 on the interface. */
  linkLocalIps?: string[] | undefined;
  macAddress: string;
  /** Kept and shown back, as moby does for options no driver of berth's reads. */
  driverOpts?: Record<string, string> | undefined;
  /** moby adds the container's short ID and name (for DNS) itself. */
  links: string[];
}

/** A container's live endpoint on a network. */
export interface Endpoint {
  networkId: string;
  endpointId: string;
  ifname: string;
  /** IPv4 address, '' on an IPv6-only network. */
  ip: string;
  prefixLen: number;
  gateway: string;
  /** IPv6 address ('' without IPv6; absent in records of older berths). */
  ipv6?: string | undefined;
  ipv6PrefixLen?: number | undefined;
  ipv6Gateway?: string | undefined;
  mac: string;
  aliases: string[];
  /** Names other containers on the network resolve to this endpoint. */
  dnsNames: string[];
  /** `--link target:alias` on this network: aliases only this container resolves (libnetwork's ep.aliases). */
  links?: string[];
  /** The addresses as asked (Docker shows them back as IPAMConfig). */
  ipamConfig: { ipv4Address: string; ipv6Address?: string | undefined; linkLocalIps?: string[] | undefined } | null;
  /** The CNI network name the endpoint was added with, which its DEL must repeat. */
  cniName?: string | undefined;
  /** The CNI ADD result, handed back to DEL (as libcni's cache does). */
  cniResult?: unknown;
}

/** A published port, after allocation. */
export interface PortMapping {
  proto: 'tcp' | 'udp';
  containerPort: number;
  /** '0.0.0.0', '::' or an address of the host. */
  hostIp: string;
  hostPort: number;
}

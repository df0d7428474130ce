/**
 * Network request bodies as moby v28 declares them (api/types/network): create, connect,
 * disconnect, and the endpoint settings a container create names per network.
 */
import { bool, embedded, int, map, nullable, slice, str, strings, strMap, struct, type Static } from './go-types.js';

export const EndpointIPAMConfig = struct('EndpointIPAMConfig', 'network.EndpointIPAMConfig', { IPv4Address: str(), IPv6Address: str(), LinkLocalIPs: strings() });

/** `network.EndpointSettings`: what a container asks of one network. */
export const EndpointSettings = struct('EndpointSettings', 'network.EndpointSettings', {
  IPAMConfig: nullable(EndpointIPAMConfig),
  Links: strings(),
  Aliases: strings(),
  MacAddress: str(),
  DriverOpts: strMap(),
  GwPriority: int(),
  NetworkID: str(),
  EndpointID: str(),
  Gateway: str(),
  IPAddress: str(),
  IPPrefixLen: int(),
  IPv6Gateway: str(),
  GlobalIPv6Address: str(),
  GlobalIPv6PrefixLen: int(),
  DNSNames: strings(),
});
export type EndpointSettings = Static<typeof EndpointSettings>;

const IPAMConfig = struct('IPAMConfig', 'network.IPAMConfig', { Subnet: str(), IPRange: str(), Gateway: str(), AuxiliaryAddresses: strMap() });

export const IPAM = struct('IPAM', 'network.IPAM', { Driver: str(), Options: strMap(), Config: slice(IPAMConfig) });

/** The body of `POST /networks/create`. */
export const NetworkCreateRequest = struct('CreateRequest', 'network.CreateRequest', {
  ...embedded('CreateOptions', {
    Driver: str(),
    Scope: str(),
    EnableIPv4: nullable(bool()),
    EnableIPv6: nullable(bool()),
    IPAM: nullable(IPAM),
    Internal: bool(),
    Attachable: bool(),
    Ingress: bool(),
    ConfigOnly: bool(),
    ConfigFrom: nullable(struct('ConfigReference', 'network.ConfigReference', { Network: str() })),
    Options: strMap(),
    Labels: strMap(),
  }),
  Name: str(),
  CheckDuplicate: nullable(bool()),
});
export type NetworkCreateRequest = Static<typeof NetworkCreateRequest>;

/** The body of `POST /networks/{id}/connect`. */
export const NetworkConnectRequest = struct('ConnectOptions', 'network.ConnectOptions', { Container: str(), EndpointConfig: nullable(EndpointSettings) });
export type NetworkConnectRequest = Static<typeof NetworkConnectRequest>;

/** The body of `POST /networks/{id}/disconnect`. */
export const NetworkDisconnectRequest = struct('DisconnectOptions', 'network.DisconnectOptions', { Container: str(), Force: bool() });
export type NetworkDisconnectRequest = Static<typeof NetworkDisconnectRequest>;

/** `map[string]*EndpointSettings`, by network name. */
export const EndpointsConfig = map(nullable(EndpointSettings), 'map[string]*network.EndpointSettings');

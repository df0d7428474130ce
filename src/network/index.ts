export { NetworkStore } from './network-store.js';
export { NetnsDir } from './netns.js';
export { NetworkService, NETWORK_ERROR, type AttachedContainer, type CreateNetwork, type NetworkServiceDeps, type PortRequest } from './network-service.js';
export type { Endpoint, EndpointRequest, IpamPool, NetworkRecord, PortMapping } from './types.js';
export { removeFirewall } from './firewall.js';

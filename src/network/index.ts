export { NetworkStore } from './network-store.js';
export { NetnsDir } from './netns.js';
export { NetworkService, NETWORK_ERROR, type AttachedContainer, type Attached, type CreateNetwork, type NetworkServiceDeps, type PortRequest } from './network-service.js';
export type { Endpoint, EndpointRequest, IpamPool, NetworkRecord, PortMapping } from './types.js';
export { activePools } from './ipam-plan.js';
export { renamedDnsNames } from './live-endpoints.js';
export { joinErrors } from './endpoint-checks.js';
export { removeFirewall } from './firewall.js';

export { decode, parseJson, unmarshalMessage } from './go-json.js';
export * from './bodies.js';
export type { Config, EndpointSettings, HostConfig, Mount, NetworkingConfig, RestartPolicy, Ulimit } from './schemas/index.js';
export { checkCreate, checkRestartPolicy, type CreateCheckContext } from './container-checks.js';
export { ALL_CAPS, checkResources, parseUintList, type ResourceCaps } from './resource-checks.js';

export { decode, parseJson, unmarshalMessage } from './go-json.js';
export type { Static, TSchema } from './go-types.js';
export * from './container.js';
export * from './network.js';
export * from './exec.js';
export * from './volume.js';
export * from './registry.js';
export { checkCreate, checkRestartPolicy, type CreateCheckContext } from './container-checks.js';
export { ALL_CAPS, checkResources, parseUintList, type ResourceCaps } from './resource-checks.js';

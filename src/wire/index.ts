export { decode, parseJson, unmarshalMessage } from './go-json.js';
export type { Static } from './go-types.js';
export * from './container.js';
export * from './network.js';
export * from './exec.js';
export * from './volume.js';

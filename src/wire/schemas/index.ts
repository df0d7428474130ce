/**
 * The wire schemas (TypeBox): the single source of the request bodies' TypeScript types and of
 * their validators. Only the build imports these values (src/wire/codegen.ts compiles them to
 * standalone validators in dist/); everything else imports their types, so that neither berthd
 * nor berth loads TypeBox or ajv at run time.
 */
import { CreateRequest, UpdateConfig } from './container.js';
import { ExecCreateRequest, ExecStartRequest } from './exec.js';
import { NetworkConnectRequest, NetworkCreateRequest, NetworkDisconnectRequest } from './network.js';
import { VolumeCreateRequest } from './volume.js';
import { AuthConfig } from './registry.js';

export * from './container.js';
export * from './exec.js';
export * from './network.js';
export * from './volume.js';
export * from './registry.js';
export { GO_KEYWORDS, type GoSchema, type Static } from './go-types.js';

/** The bodies routes decode: one generated validator each, named as here. */
export const bodies = {
  CreateRequest,
  UpdateConfig,
  ExecCreateRequest,
  ExecStartRequest,
  NetworkCreateRequest,
  NetworkConnectRequest,
  NetworkDisconnectRequest,
  VolumeCreateRequest,
  AuthConfig,
};

export type BodyName = keyof typeof bodies;

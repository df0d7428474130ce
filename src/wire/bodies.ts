/**
 * Handles on the request bodies routes decode, as in `readBody(ctx, wire.CreateRequest)`: the
 * name of a validator generated at build time, carrying the body's TypeScript type from its
 * TypeBox schema. Only types come from the schemas, so this loads neither TypeBox nor ajv.
 */
import type * as schemas from './schemas/index.js';

declare const bodyType: unique symbol;

/** A request body by name; `T` is its static type, a marker for the compiler only. */
export interface WireBody<T> {
  readonly name: schemas.BodyName;
  readonly [bodyType]?: T;
}

function wireBody<N extends schemas.BodyName>(name: N): WireBody<schemas.Static<(typeof schemas.bodies)[N]>> {
  return { name };
}

/** The body of `POST /containers/create`. */
export const CreateRequest = wireBody('CreateRequest');
export type CreateRequest = schemas.CreateRequest;
/** The body of `POST /containers/{id}/update`. */
export const UpdateConfig = wireBody('UpdateConfig');
export type UpdateConfig = schemas.UpdateConfig;
/** The body of `POST /containers/{id}/exec`. */
export const ExecCreateRequest = wireBody('ExecCreateRequest');
export type ExecCreateRequest = schemas.ExecCreateRequest;
/** The body of `POST /exec/{id}/start`. */
export const ExecStartRequest = wireBody('ExecStartRequest');
export type ExecStartRequest = schemas.ExecStartRequest;
/** The body of `POST /networks/create`. */
export const NetworkCreateRequest = wireBody('NetworkCreateRequest');
export type NetworkCreateRequest = schemas.NetworkCreateRequest;
/** The body of `POST /networks/{id}/connect`. */
export const NetworkConnectRequest = wireBody('NetworkConnectRequest');
export type NetworkConnectRequest = schemas.NetworkConnectRequest;
/** The body of `POST /networks/{id}/disconnect`. */
export const NetworkDisconnectRequest = wireBody('NetworkDisconnectRequest');
export type NetworkDisconnectRequest = schemas.NetworkDisconnectRequest;
/** The body of `POST /volumes/create`. */
export const VolumeCreateRequest = wireBody('VolumeCreateRequest');
export type VolumeCreateRequest = schemas.VolumeCreateRequest;
/** The body of `POST /auth`, and what `X-Registry-Auth` carries (base64url JSON). */
export const AuthConfig = wireBody('AuthConfig');
export type AuthConfig = schemas.AuthConfig;

/** Registry request bodies as moby v28 declares them (api/types/registry). */
import { str, struct, type Static } from './go-types.js';

/** The body of `POST /auth`, and what `X-Registry-Auth` carries (base64url JSON). */
export const AuthConfig = struct('AuthConfig', 'registry.AuthConfig', {
  username: str(),
  password: str(),
  auth: str(),
  email: str(),
  serveraddress: str(),
  identitytoken: str(),
  registrytoken: str(),
});
export type AuthConfig = Static<typeof AuthConfig>;

/**
 * Types of the registry client's surface. images/ declares the same shapes for what it needs
 * (RemoteRegistry, RemoteRepository); the daemon hands this client over where those are asked for.
 */

/** Credentials for one registry, as a client sent them (X-Registry-Auth, POST /auth). */
export interface RegistryCredentials {
  username?: string;
  password?: string;
  /** An OAuth2 refresh token (what `docker login` stores when a token server issued one). */
  identityToken?: string;
  /** A bearer token sent as is. */
  registryToken?: string;
  serverAddress?: string;
}

export interface BlobDescriptor {
  mediaType: string;
  digest: `sha256:${string}`;
  size: number;
}

/** daemon.json's registry settings. */
export interface RegistrySettings {
  /** `insecure-registries`: CIDRs and host[:port] names; loopback is always insecure. */
  insecureRegistries: string[];
  /** `registry-mirrors`: URLs tried before Docker Hub for pulls from docker.io. */
  mirrors: string[];
}

export { RegistryClient, type LoginResult, type OpenOptions, type RegistryClientOptions, type SearchResult } from './registry-client.js';
export { RegistryRepository, MANIFEST_ACCEPT, MANIFEST_MAX, type FetchedManifest } from './repository.js';
export { RegistryConfig, credentialKey, hostOfServerAddress, validateMirror, DOCKER_HUB, INDEX_SERVER } from './endpoints.js';
export { RegistryResponseError, UnexpectedStatusError, TransportError, formatErrors } from './errors.js';
export { parseChallenge, parseChallenges, type Challenge } from './challenge.js';
export type { RegistryCredentials, RegistrySettings, BlobDescriptor } from './types.js';

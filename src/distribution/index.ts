export { RegistryClient, type LoginResult, type OpenOptions, type RegistryClientOptions, type SearchResult } from './registry-client.js';
export type { RegistryRepository, FetchedManifest } from './repository.js';
export { RegistryConfig } from './endpoints.js';
export type { RegistryCredentials, RegistrySettings, BlobDescriptor } from './types.js';

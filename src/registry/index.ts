export { startRegistry, type RegistryConfig, type RunningRegistry, type TokenAuthConfig } from './registry.js';
export { garbageCollect, type GcOptions, type GcResult } from './storage/gc.js';
export { RegistryStorage } from './storage/registry-storage.js';
export { Htpasswd } from './auth/htpasswd.js';
export { RulePolicy, type AccessPolicy, type AccessRule } from './auth/scope.js';

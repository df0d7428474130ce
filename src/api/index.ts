export { createApi, type ApiHandlers } from './server.js';
export type { Route } from './context.js';
export type { DebugVars, EngineInfo, EngineServices, HostCaps, SystemService, VersionInfo } from './services.js';
export { API_MAX_MINOR, API_MIN_MINOR } from './services.js';
export { authForHost, authFromJson } from './registry-auth.js';

export { createApi, type ApiHandlers, type Route } from './server.js';
export type { EngineInfo, EngineServices, SystemService, VersionInfo } from './services.js';
export { API_MAX_MINOR, API_MIN_MINOR } from './services.js';

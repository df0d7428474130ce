export { ApiClient, ApiError, clientOptionsFromEnv, encodeJsonBody, escapePath, readAll, DEFAULT_HOST, type ClientOptions, type RequestSpec } from './api-client.js';
export { readJsonMessages, type JsonMessage } from './json-messages.js';
export { copyRaw, demultiplex, type OutputSink } from './stdcopy.js';

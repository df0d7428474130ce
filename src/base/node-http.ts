/**
 * node:http and node:https for berthd's modules, taken through `process.getBuiltinModule` rather than
 * an ESM import. An ESM import of node:http builds its namespace from every export, which runs the
 * module's lazy getters (WebSocket, EventSource… from Node's bundled undici) and so loads undici and
 * TLS: ~14 MB of RSS in a process that never uses them. Import the types from node:http as types.
 */
import type * as Http from 'node:http';
import type * as Https from 'node:https';

export const nodeHttp: typeof Http = process.getBuiltinModule('node:http');

/** node:https, loaded (TLS with it) at the first call: a daemon that never speaks TLS never pays for it. */
export function nodeHttps(): typeof Https {
  return process.getBuiltinModule('node:https');
}

import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Grant } from '../auth/authorizer.js';
import type { RegistryStorage } from '../storage/registry-storage.js';
import type { PullSource } from '../pull-source.js';
import { registryError } from '../errors.js';

export interface RequestContext {
  req: IncomingMessage;
  res: ServerResponse;
  url: URL;
  /** The repository name of `/v2/<name>/…` routes; '' elsewhere. */
  repo: string;
  /** The last path parameter: digest, reference or upload id. */
  ref: string;
  grant: Grant;
  signal: AbortSignal;
}

export interface RouteDeps {
  storage: RegistryStorage;
  pull: PullSource;
  /** Writes refused with 405 UNSUPPORTED (read-only mode and pull-through caches). */
  readOnly: boolean;
}

export type Handler = (ctx: RequestContext, deps: RouteDeps) => Promise<void>;

export function uploadLocation(repo: string, uuid: string): string {
  return `/v2/${repo}/blobs/uploads/${uuid}`;
}

export function blobLocation(repo: string, digest: string): string {
  return `/v2/${repo}/blobs/${digest}`;
}

/** Reads a whole request body, refusing more than `limit` bytes with `tooBig`. */
export async function readBody(req: IncomingMessage, limit: number, tooBig: () => Error): Promise<Buffer> {
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > limit) {
    req.resume();
    throw tooBig();
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limit) {
      req.resume();
      throw tooBig();
    }
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

export function assertWritable(deps: RouteDeps): void {
  if (deps.readOnly) throw registryError('UNSUPPORTED');
}


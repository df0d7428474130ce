import type { IncomingMessage, ServerResponse } from 'node:http';
import type { HTTPMethod } from 'find-my-way';
import { invalidArgument } from '../base/errors.js';

/** What a route handler gets: the raw request/response plus parsed parts. */
export interface RequestContext {
  req: IncomingMessage;
  res: ServerResponse;
  params: Record<string, string>;
  query: URLSearchParams;
  /** Negotiated API minor version (1.NN → NN). */
  apiMinor: number;
  /** Aborted when the client goes away. */
  signal: AbortSignal;
}

export type RouteHandler = (ctx: RequestContext) => Promise<void>;

/** A route table entry: method, find-my-way path, handler. */
export type Route = [HTTPMethod, string, RouteHandler];

export function sendJson(res: ServerResponse, status: number, value: unknown): void {
  const body = JSON.stringify(value) + '\n';
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) });
  res.end(body);
}

export function sendEmpty(res: ServerResponse, status: number): void {
  res.writeHead(status, { 'Content-Length': 0 });
  res.end();
}

export async function readBody(req: IncomingMessage, limit = 16 << 20): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of req) {
    size += (c as Buffer).length;
    if (size > limit) throw invalidArgument('request body too large');
    chunks.push(c as Buffer);
  }
  return Buffer.concat(chunks);
}

/** A JSON body; empty bodies are `undefined`; malformed JSON is a 400 with Docker's wording. */
export async function readJson<T>(req: IncomingMessage): Promise<T | undefined> {
  const body = await readBody(req);
  if (body.length === 0) return undefined;
  try {
    return JSON.parse(body.toString('utf8')) as T;
  } catch (err) {
    throw invalidArgument(`invalid JSON: ${(err as Error).message}`, err);
  }
}

/** Docker's boolean query values: "1", "true", "True" are true; absent is `fallback`. */
export function queryBool(q: URLSearchParams, key: string, fallback = false): boolean {
  const v = q.get(key);
  if (v === null || v === '') return fallback;
  return !['0', 'false', 'False', 'FALSE', 'no'].includes(v);
}

export function queryInt(q: URLSearchParams, key: string): number | undefined {
  const v = q.get(key);
  if (v === null || v === '') return undefined;
  const n = Number(v);
  if (!Number.isInteger(n)) throw invalidArgument(`invalid value for ${key}: ${v}`);
  return n;
}

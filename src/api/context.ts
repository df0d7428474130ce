import type { IncomingMessage, ServerResponse } from 'node:http';
import type { HTTPMethod } from 'find-my-way';
import { invalidArgument } from '../base/errors.js';
import { decode, parseJson, type WireBody } from '../wire/index.js';

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

async function readRaw(req: IncomingMessage, limit = 16 << 20): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of req) {
    size += (c as Buffer).length;
    if (size > limit) throw invalidArgument('request body too large');
    chunks.push(c as Buffer);
  }
  return Buffer.concat(chunks);
}

/** moby's CheckForJSON: a body must come as `application/json` (parameters allowed). */
export function checkJsonContentType(req: IncomingMessage): void {
  const ct = req.headers['content-type'] ?? '';
  const length = req.headers['content-length'];
  if (ct === '' && (length === '0' || (length === undefined && req.headers['transfer-encoding'] === undefined))) return;
  const media = ct.split(';')[0]!.trim().toLowerCase();
  if (media === '') throw invalidArgument(`malformed Content-Type header (${ct}): mime: no media type`);
  if (media !== 'application/json') throw invalidArgument(`unsupported Content-Type header (${ct}): must be 'application/json'`);
}

/**
 * The one way routes read a JSON body: checked against its wire schema with Go's json rules and
 * messages (moby's httputils.ReadJSON). An empty body is `undefined`, as moby leaves the struct
 * zero, unless `ifEmpty` names the error a route gives for it. `anyContentType` skips the
 * Content-Type check, for the few (route, API version) pairs moby read without one.
 * @throws BerthError InvalidArgument (400) for a wrong content type, bad JSON or a wrong type.
 */
export async function readBody<T>(ctx: Pick<RequestContext, 'req'>, schema: WireBody<T>, ifEmpty?: string, anyContentType = false): Promise<T | undefined> {
  if (!anyContentType) checkJsonContentType(ctx.req);
  const body = await readRaw(ctx.req);
  return decodeBody(body, schema, ifEmpty);
}

/** {@link readBody} for a body already read (an upgraded request's). */
export function decodeBody<T>(body: Buffer, schema: WireBody<T>, ifEmpty?: string): T | undefined {
  if (body.toString('utf8').trim() === '') {
    if (ifEmpty) throw invalidArgument(ifEmpty);
    return undefined;
  }
  return decode(schema, parseJson(body.toString('utf8')));
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

/** Responses as the distribution spec shapes them: headers, JSON bodies and error bodies. */
import type { ServerResponse } from 'node:http';
import type { Logger } from '../../base/log.js';
import { AuthChallenge, isRegistryError, type RegistryErrorCode } from '../errors.js';

const STATUS: Record<RegistryErrorCode, number> = {
  BLOB_UNKNOWN: 404,
  BLOB_UPLOAD_INVALID: 400,
  BLOB_UPLOAD_UNKNOWN: 404,
  DIGEST_INVALID: 400,
  MANIFEST_BLOB_UNKNOWN: 400,
  MANIFEST_INVALID: 400,
  MANIFEST_UNKNOWN: 404,
  NAME_INVALID: 400,
  NAME_UNKNOWN: 404,
  SIZE_INVALID: 400,
  TAG_INVALID: 400,
  RANGE_INVALID: 416,
  MANIFEST_TOO_BIG: 413,
  PAGINATION_NUMBER_INVALID: 400,
  UNAUTHORIZED: 401,
  DENIED: 403,
  UNSUPPORTED: 405,
  UNAVAILABLE: 503,
  TOOMANYREQUESTS: 429,
  PAGE_NOT_FOUND: 404,
  UNKNOWN: 500,
};

/** Codes that are distribution's own spellings of a spec code on the wire. */
const WIRE_CODE: Partial<Record<RegistryErrorCode, string>> = { MANIFEST_TOO_BIG: 'SIZE_INVALID', PAGE_NOT_FOUND: 'NOT_FOUND' };

export function sendJson(res: ServerResponse, status: number, value: unknown, contentType = 'application/json'): void {
  const body = Buffer.from(JSON.stringify(value));
  res.statusCode = status;
  res.setHeader('Content-Type', contentType);
  res.setHeader('Content-Length', body.length);
  res.end(body);
}

/** A response without body (202, 201, 204): Content-Length 0 as distribution sends. */
export function sendEmpty(res: ServerResponse, status: number, headers: Record<string, string | number> = {}): void {
  res.statusCode = status;
  for (const [k, v] of Object.entries(headers)) res.setHeader(k, v);
  if (status !== 204) res.setHeader('Content-Length', 0);
  res.end();
}

/** Any error as the spec's `{"errors":[…]}`; unexpected ones are logged and become 500 UNKNOWN. */
export function sendError(res: ServerResponse, err: unknown, log: Logger): void {
  if (res.headersSent) {
    // Mid-body (a blob stream that failed): the client must see a broken transfer, not a short one.
    res.destroy(err instanceof Error ? err : undefined);
    return;
  }
  let status = 500;
  let entry: { code: string; message: string; detail?: unknown };
  if (isRegistryError(err)) {
    status = STATUS[err.registryCode];
    entry = { code: WIRE_CODE[err.registryCode] ?? err.registryCode, message: err.message };
    if (err.detail !== undefined) entry.detail = err.detail;
    if (err instanceof AuthChallenge) res.setHeader('WWW-Authenticate', err.challenge);
  } else {
    log.error('registry: request failed', { error: err });
    entry = { code: 'UNKNOWN', message: err instanceof Error ? err.message : String(err) };
  }
  if (res.req.method === 'HEAD') {
    sendEmpty(res, status);
    return;
  }
  sendJson(res, status, { errors: [entry] });
}

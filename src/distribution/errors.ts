/**
 * Registry errors as the Docker engine words them: the distribution error body
 * (`{"errors":[{"code","message","detail"}]}`) rendered like Go's errcode (`manifest unknown:
 * manifest unknown`), OAuth errors from a bearer challenge, and transport failures wrapped like
 * Go's url.Error (`Get "https://host/v2/": dial tcp …: connect: connection refused`).
 */
import type { IncomingHttpHeaders } from 'node:http';
import { BerthError, type ErrorKind } from '../base/errors.js';
import { parseChallenges } from './challenge.js';

/** The error codes docker/distribution knows; any other code reads as `unknown`. */
const KNOWN_CODES = new Set([
  'UNKNOWN', 'UNSUPPORTED', 'UNAUTHORIZED', 'DENIED', 'UNAVAILABLE', 'TOOMANYREQUESTS',
  'DIGEST_INVALID', 'SIZE_INVALID', 'RANGE_INVALID', 'NAME_INVALID', 'TAG_INVALID', 'NAME_UNKNOWN',
  'MANIFEST_UNKNOWN', 'MANIFEST_INVALID', 'MANIFEST_UNVERIFIED', 'MANIFEST_BLOB_UNKNOWN',
  'BLOB_UNKNOWN', 'BLOB_UPLOAD_UNKNOWN', 'BLOB_UPLOAD_INVALID', 'PAGINATION_NUMBER_INVALID',
]);

const KIND_OF_CODE: Record<string, ErrorKind> = {
  UNAUTHORIZED: 'Unauthorized',
  DENIED: 'Forbidden',
  NAME_UNKNOWN: 'NotFound',
  MANIFEST_UNKNOWN: 'NotFound',
  BLOB_UNKNOWN: 'NotFound',
  BLOB_UPLOAD_UNKNOWN: 'NotFound',
  TOOMANYREQUESTS: 'Unavailable',
  UNAVAILABLE: 'Unavailable',
};

export interface RegistryErrorItem {
  code: string;
  message: string;
}

/** An error answer of a registry (4xx with a parsable body, or an OAuth error in a challenge). */
export class RegistryResponseError extends BerthError {
  constructor(
    readonly status: number,
    readonly errors: RegistryErrorItem[],
    message = formatErrors(errors),
  ) {
    super(KIND_OF_CODE[errors[0]?.code ?? ''] ?? 'Internal', message, { code: errors[0]?.code ?? 'UNKNOWN' });
    this.name = 'RegistryResponseError';
  }

  /** The first error's code (`MANIFEST_UNKNOWN`, …), as Docker decides on the first one. */
  get registryCode(): string {
    return this.errors[0]?.code ?? 'UNKNOWN';
  }

  /** The first error alone, as Go prints it (`manifest unknown: manifest unknown`). */
  get firstError(): string {
    return this.errors[0] ? formatError(this.errors[0]) : this.message;
  }
}

/** Go's `errcode.Error.Error()`: the code in words, then the message. */
export function formatError(e: RegistryErrorItem): string {
  const code = KNOWN_CODES.has(e.code) ? e.code : 'UNKNOWN';
  return `${code.toLowerCase().replaceAll('_', ' ')}: ${e.message}`;
}

/** Go's `errcode.Errors.Error()`. */
export function formatErrors(errors: RegistryErrorItem[]): string {
  if (errors.length === 0) return '<nil>';
  if (errors.length === 1) return formatError(errors[0]!);
  return `errors:\n${errors.map((e) => formatError(e) + '\n').join('')}`;
}

/** Default messages of distribution's codes, for bodies that carry a code but no message. */
const DEFAULT_MESSAGE: Record<string, string> = {
  UNAUTHORIZED: 'authentication required',
  DENIED: 'requested access to the resource is denied',
  TOOMANYREQUESTS: 'too many requests',
  UNKNOWN: 'unknown error',
};

/** A status outside 4xx: `received unexpected HTTP status: 500 Internal Server Error`. */
export class UnexpectedStatusError extends BerthError {
  constructor(readonly status: number, statusText: string) {
    super(status === 503 || status === 429 ? 'Unavailable' : 'Internal', `received unexpected HTTP status: ${status} ${statusText}`);
    this.name = 'UnexpectedStatusError';
  }
}

/**
 * docker/distribution's `HandleErrorResponse`: OAuth errors in a bearer challenge first, then the
 * JSON error body (or the `{"details": …}` form some token servers use), else the bare status.
 */
export function errorFromResponse(status: number, statusText: string, headers: IncomingHttpHeaders, challenges: string[], body: Buffer): BerthError {
  if (status < 400 || status >= 500) return new UnexpectedStatusError(status, statusText);
  const items = bodyErrors(status, headers, body);
  for (const c of parseChallenges(challenges)) {
    if (c.scheme !== 'bearer') continue;
    const code = c.params.error === 'invalid_token' ? 'UNAUTHORIZED' : c.params.error === 'insufficient_scope' ? 'DENIED' : undefined;
    if (!code) continue;
    const first = { code, message: c.params.error_description || DEFAULT_MESSAGE[code]! };
    return new RegistryResponseError(status, [first, ...(items ?? [])]);
  }
  if (items && items.length > 0) return new RegistryResponseError(status, items);
  if (status === 401) return new RegistryResponseError(status, [{ code: 'UNAUTHORIZED', message: body.toString('utf8').trim() || DEFAULT_MESSAGE.UNAUTHORIZED! }]);
  if (status === 403) return new RegistryResponseError(status, [{ code: 'DENIED', message: body.toString('utf8').trim() || DEFAULT_MESSAGE.DENIED! }]);
  if (status === 429) return new RegistryResponseError(status, [{ code: 'TOOMANYREQUESTS', message: body.toString('utf8').trim() || DEFAULT_MESSAGE.TOOMANYREQUESTS! }]);
  return new UnexpectedStatusError(status, statusText);
}

function bodyErrors(status: number, headers: IncomingHttpHeaders, body: Buffer): RegistryErrorItem[] | undefined {
  const type = (headers['content-type'] ?? '').split(';')[0]!.trim();
  const text = body.toString('utf8');
  const plain = (): RegistryErrorItem[] | undefined => {
    const code = status === 401 ? 'UNAUTHORIZED' : status === 403 ? 'DENIED' : status === 429 ? 'TOOMANYREQUESTS' : 'UNKNOWN';
    return text.trim() ? [{ code, message: text.trim() }] : undefined;
  };
  if (type !== 'application/json' && type !== 'application/vnd.api+json') return plain();
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    return undefined;
  }
  const details = (doc as { details?: unknown })?.details;
  if (typeof details === 'string' && details !== '') return [{ code: status === 401 ? 'UNAUTHORIZED' : status === 403 ? 'DENIED' : 'UNKNOWN', message: details }];
  const errors = (doc as { errors?: unknown })?.errors;
  if (!Array.isArray(errors) || errors.length === 0) return undefined;
  return errors.map((e: { code?: unknown; message?: unknown }) => {
    const code = typeof e?.code === 'string' ? e.code : 'UNKNOWN';
    return { code, message: typeof e?.message === 'string' && e.message !== '' ? e.message : (DEFAULT_MESSAGE[code] ?? code.toLowerCase().replaceAll('_', ' ')) };
  });
}

const GO_METHOD: Record<string, string> = { GET: 'Get', HEAD: 'Head', POST: 'Post', PUT: 'Put', PATCH: 'Patch', DELETE: 'Delete' };

/** Go's url.Error prefix: `Get "https://host/v2/": `. */
export function requestPrefix(method: string, url: URL | string): string {
  return `${GO_METHOD[method] ?? method} "${url.toString()}"`;
}

/** A failure to talk to the registry at all (refused, unresolvable, reset, TLS), in Go's words. */
export class TransportError extends BerthError {
  constructor(
    message: string,
    readonly errno: string | undefined,
    cause: unknown,
  ) {
    super('Internal', message, { cause });
    this.name = 'TransportError';
  }
}

/** Wraps a Node socket/TLS error as Go's net/http would print it. */
export function transportError(method: string, url: URL, err: unknown): TransportError {
  const e = err as NodeJS.ErrnoException & { address?: string; port?: number; hostname?: string };
  const host = url.hostname.replace(/^\[|\]$/g, '');
  const port = url.port || (url.protocol === 'https:' ? '443' : '80');
  let detail: string;
  switch (e?.code) {
    case 'ECONNREFUSED':
      detail = `dial tcp ${e.address ?? host}:${e.port ?? port}: connect: connection refused`;
      break;
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
    case 'EAI_NODATA':
      detail = `dial tcp: lookup ${e.hostname ?? host}: no such host`;
      break;
    case 'ECONNRESET':
      detail = 'read: connection reset by peer';
      break;
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      detail = `dial tcp ${host}:${port}: connect: ${e.code === 'EHOSTUNREACH' ? 'no route to host' : 'network is unreachable'}`;
      break;
    case 'ETIMEDOUT':
    case 'ESOCKETTIMEDOUT':
      detail = `dial tcp ${host}:${port}: i/o timeout`;
      break;
    case 'ERR_SSL_WRONG_VERSION_NUMBER':
    case 'ERR_SSL_PACKET_LENGTH_TOO_LONG':
      detail = 'http: server gave HTTP response to HTTPS client';
      break;
    default:
      detail = e?.message ?? String(err);
  }
  return new TransportError(`${requestPrefix(method, url)}: ${detail}`, e?.code, err);
}

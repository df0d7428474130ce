/**
 * The distribution spec's error codes. Storage and auth throw `RegistryError`s (a BerthError
 * kind plus the spec's code); only http/respond.ts turns them into statuses and error bodies.
 */
import { BerthError, type ErrorKind } from '../base/errors.js';

export type RegistryErrorCode =
  | 'BLOB_UNKNOWN'
  | 'BLOB_UPLOAD_INVALID'
  | 'BLOB_UPLOAD_UNKNOWN'
  | 'DIGEST_INVALID'
  | 'MANIFEST_BLOB_UNKNOWN'
  | 'MANIFEST_INVALID'
  | 'MANIFEST_UNKNOWN'
  | 'NAME_INVALID'
  | 'NAME_UNKNOWN'
  | 'SIZE_INVALID'
  | 'TAG_INVALID'
  | 'RANGE_INVALID'
  | 'MANIFEST_TOO_BIG'
  | 'PAGINATION_NUMBER_INVALID'
  | 'UNAUTHORIZED'
  | 'DENIED'
  | 'UNSUPPORTED'
  | 'UNAVAILABLE'
  | 'TOOMANYREQUESTS'
  | 'PAGE_NOT_FOUND'
  | 'UNKNOWN';

/** Kind and default message of each code; the messages are distribution's. */
const CODES: Record<RegistryErrorCode, [ErrorKind, string]> = {
  BLOB_UNKNOWN: ['NotFound', 'blob unknown to registry'],
  BLOB_UPLOAD_INVALID: ['InvalidArgument', 'blob upload invalid'],
  BLOB_UPLOAD_UNKNOWN: ['NotFound', 'blob upload unknown to registry'],
  DIGEST_INVALID: ['InvalidArgument', 'provided digest did not match uploaded content'],
  MANIFEST_BLOB_UNKNOWN: ['InvalidArgument', 'manifest references a manifest or blob unknown to registry'],
  MANIFEST_INVALID: ['InvalidArgument', 'manifest invalid'],
  MANIFEST_UNKNOWN: ['NotFound', 'manifest unknown'],
  NAME_INVALID: ['InvalidArgument', 'invalid repository name'],
  NAME_UNKNOWN: ['NotFound', 'repository name not known to registry'],
  SIZE_INVALID: ['InvalidArgument', 'provided length did not match content length'],
  TAG_INVALID: ['InvalidArgument', 'manifest tag did not match URI'],
  RANGE_INVALID: ['InvalidArgument', 'invalid content range'],
  MANIFEST_TOO_BIG: ['InvalidArgument', 'manifest too big'],
  PAGINATION_NUMBER_INVALID: ['InvalidArgument', 'invalid number of results requested'],
  UNAUTHORIZED: ['Unauthorized', 'authentication required'],
  DENIED: ['Forbidden', 'requested access to the resource is denied'],
  UNSUPPORTED: ['NotImplemented', 'The operation is unsupported.'],
  UNAVAILABLE: ['Unavailable', 'service unavailable'],
  TOOMANYREQUESTS: ['Unavailable', 'too many requests'],
  PAGE_NOT_FOUND: ['NotFound', 'page not found'],
  UNKNOWN: ['Internal', 'unknown error'],
};

export class RegistryError extends BerthError {
  readonly registryCode: RegistryErrorCode;
  readonly detail: unknown;

  constructor(code: RegistryErrorCode, message?: string, detail?: unknown) {
    const [kind, text] = CODES[code];
    super(kind, message ?? text, { code });
    this.name = 'RegistryError';
    this.registryCode = code;
    this.detail = detail;
  }
}

/** A 401 with the challenge the client must answer (WWW-Authenticate). */
export class AuthChallenge extends RegistryError {
  constructor(
    readonly challenge: string,
    message?: string,
  ) {
    super('UNAUTHORIZED', message);
  }
}

export function registryError(code: RegistryErrorCode, message?: string, detail?: unknown): RegistryError {
  return new RegistryError(code, message, detail);
}

export function isRegistryError(err: unknown, code?: RegistryErrorCode): err is RegistryError {
  return err instanceof RegistryError && (code === undefined || err.registryCode === code);
}

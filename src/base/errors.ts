/**
 * Error kinds shared by every layer. Domain code throws `BerthError` with a kind; only
 * `api/http-errors.ts` maps kinds to HTTP statuses and `client/` maps statuses back.
 */
export type ErrorKind =
  | 'NotFound'
  | 'InvalidArgument'
  | 'Conflict'
  | 'AlreadyExists'
  | 'Unauthorized'
  | 'Forbidden'
  | 'Unavailable'
  | 'NotImplemented'
  | 'NotModified'
  | 'Internal';

export class BerthError extends Error {
  readonly kind: ErrorKind;
  readonly code: string | undefined;

  constructor(kind: ErrorKind, message: string, options: { cause?: unknown; code?: string } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'BerthError';
    this.kind = kind;
    this.code = options.code;
  }
}

export const notFound = (message: string, code?: string): BerthError =>
  new BerthError('NotFound', message, code === undefined ? {} : { code });
export const invalidArgument = (message: string, cause?: unknown): BerthError =>
  new BerthError('InvalidArgument', message, { cause });
export const conflict = (message: string): BerthError => new BerthError('Conflict', message);

export function isBerthError(err: unknown, kind?: ErrorKind): err is BerthError {
  return err instanceof BerthError && (kind === undefined || err.kind === kind);
}

/** Adds context to an error on its way up while keeping its kind (`image x: load: …`). */
export function withContext(err: unknown, context: string): BerthError {
  if (err instanceof BerthError) {
    const wrapped = new BerthError(err.kind, `${context}: ${err.message}`, { cause: err });
    return err.code === undefined ? wrapped : new BerthError(err.kind, wrapped.message, { cause: err, code: err.code });
  }
  const message = err instanceof Error ? err.message : String(err);
  return new BerthError('Internal', `${context}: ${message}`, { cause: err });
}

/** True for Node system errors with the given errno code (ENOENT, EEXIST, …). */
export function isErrno(err: unknown, code: string): boolean {
  return typeof err === 'object' && err !== null && (err as NodeJS.ErrnoException).code === code;
}

import type { ServerResponse } from 'node:http';
import { BerthError, type ErrorKind } from '../base/errors.js';
import type { Logger } from '../base/log.js';

const STATUS: Record<ErrorKind, number> = {
  NotFound: 404,
  InvalidArgument: 400,
  Conflict: 409,
  AlreadyExists: 409,
  Unauthorized: 401,
  Forbidden: 403,
  Unavailable: 503,
  NotImplemented: 501,
  NotModified: 304,
  Internal: 500,
};

/** The one place error kinds become HTTP statuses. */
export function statusOf(err: unknown): number {
  if (err instanceof BerthError) return STATUS[err.kind];
  if (err instanceof SyntaxError) return 400;
  return 500;
}

export function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/**
 * Docker's error reply: `{"message": …}` with `Content-Type: application/json` exactly (the CLI
 * prints raw JSON for any other content type, e.g. with `; charset=utf-8`); the message as plain
 * text, as Go's `http.Error` writes it, where `asText` (API 1.23 and older).
 */
export function sendError(res: ServerResponse, err: unknown, log: Logger, asText = false): void {
  const status = statusOf(err);
  // A client that hung up (Ctrl-C on `docker save`) is not the daemon's failure.
  if (res.destroyed && !res.writableFinished) log.debug('request abandoned by the client', { message: messageOf(err) });
  else if (status >= 500) log.error('request failed', { err });
  else log.debug('request refused', { status, message: messageOf(err) });
  if (res.headersSent) {
    res.destroy();
    return;
  }
  if (status === 304) {
    res.writeHead(304).end();
    return;
  }
  const body = asText ? messageOf(err) + '\n' : JSON.stringify({ message: messageOf(err) }) + '\n';
  const headers = asText ? { 'Content-Type': 'text/plain; charset=utf-8', 'X-Content-Type-Options': 'nosniff' } : { 'Content-Type': 'application/json' };
  const send = (): void => {
    if (res.headersSent || res.destroyed) return;
    res.writeHead(status, { ...headers, 'Content-Length': Buffer.byteLength(body) });
    res.end(body);
  };
  // A client still uploading (load, import) would get EPIPE instead of the message: read the
  // rest of its body first, as Go's net/http does.
  const req = res.req;
  if (req && !req.readableEnded && !req.destroyed) {
    // Whatever consumed the body (a pipe, an abandoned async iterator whose 'readable' listener
    // would keep resume() from flowing) is gone: detach it, discard the rest, reply at its end.
    req.unpipe();
    req.removeAllListeners('readable');
    req.removeAllListeners('data');
    req.on('data', () => {});
    req.once('end', send);
    req.once('close', send);
    // A client that never finishes its upload still gets the answer, then the connection closes.
    setTimeout(() => {
      send();
      req.destroy();
    }, 10_000).unref();
    req.resume();
    return;
  }
  send();
}

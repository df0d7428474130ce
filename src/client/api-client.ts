import type { ClientRequest, IncomingMessage, RequestOptions } from 'node:http';
import { accessSync, constants, readFileSync, writeSync } from 'node:fs';
import { downloadToFd, DownloadStatusError, uploadFile } from './bulk-download.js';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { Readable, type Duplex } from 'node:stream';
import { BerthError, type ErrorKind } from '../base/errors.js';

export const DEFAULT_HOST = 'unix:///run/berth/berthd.sock';
const API_PREFIX = '/v1.50';

export interface TlsOptions {
  ca?: Buffer;
  cert?: Buffer;
  key?: Buffer;
  verify: boolean;
}

export interface ClientOptions {
  host: string;
  tls?: TlsOptions;
}

export interface RequestSpec {
  query?: Record<string, string | number | boolean | string[] | undefined>;
  body?: Buffer | string | Readable | object;
  headers?: Record<string, string>;
  signal?: AbortSignal;
}

const KIND_BY_STATUS: Record<number, ErrorKind> = {
  400: 'InvalidArgument',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'NotFound',
  409: 'Conflict',
  501: 'NotImplemented',
  503: 'Unavailable',
};

/** An error reply from the daemon: its status mapped back to a kind, its message verbatim. */
export class ApiError extends BerthError {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(KIND_BY_STATUS[status] ?? 'Internal', message);
  }
}

/**
 * A typed Docker Engine API client over node:http (unix socket, TCP, TLS). Built on node:http
 * rather than undici because attach/exec need the raw upgraded socket and the CLI's start-up
 * time matters: node:http is already loaded.
 */
export class ApiClient {
  readonly host: string;
  private readonly target: { socketPath?: string; hostname?: string; port?: number; https: boolean };

  constructor(private readonly opts: ClientOptions) {
    this.host = opts.host;
    const m = /^(unix|tcp|https?):\/\/(.*)$/.exec(opts.host);
    if (!m) throw new BerthError('InvalidArgument', `invalid host "${opts.host}": expected unix://PATH or tcp://HOST:PORT`);
    if (m[1] === 'unix') this.target = { socketPath: m[2]!, https: false };
    else {
      const u = new URL(`http://${m[2]}`);
      const https = opts.tls !== undefined || m[1] === 'https';
      this.target = { hostname: u.hostname.replace(/^\[|\]$/g, ''), port: Number(u.port || (https ? 2376 : 2375)), https };
    }
  }

  /** Sends a request and returns the raw response (any status). */
  async raw(method: string, path: string, spec: RequestSpec = {}): Promise<IncomingMessage> {
    const { options, body } = this.prepare(method, path, spec);
    return new Promise((resolve, reject) => {
      const req = this.request(options, resolve);
      req.on('error', (err: NodeJS.ErrnoException) => reject(this.connectError(err)));
      if (body instanceof Readable) {
        body.on('error', (e) => req.destroy(e));
        body.pipe(req);
      } else req.end(body);
    });
  }

  /**
   * Sends a request asking to upgrade the connection (`Connection: Upgrade`, `Upgrade: tcp`), as
   * attach and exec start do, and returns the raw duplex connection once the daemon answers
   * `101`. Bytes written are the container's stdin (`end()` half-closes: stdin EOF); bytes read
   * are its output. An error reply becomes an ApiError; any other reply is refused, as the docker
   * CLI refuses it ("unable to upgrade to tcp, received 200").
   */
  async hijack(method: string, path: string, spec: RequestSpec = {}): Promise<Duplex> {
    const { options, body } = this.prepare(method, path, { ...spec, headers: { Connection: 'Upgrade', Upgrade: 'tcp', ...spec.headers } });
    if (body instanceof Readable) throw new BerthError('InvalidArgument', 'hijack: a streamed request body is not supported');
    return new Promise((resolve, reject) => {
      const req = this.request(options);
      req.on('error', (err: NodeJS.ErrnoException) => reject(this.connectError(err)));
      req.on('upgrade', (_res: IncomingMessage, socket: Duplex, head: Buffer) => {
        // Output that arrived with the 101 belongs to the stream.
        if (head.length) socket.unshift(head);
        resolve(socket);
      });
      req.on('response', (res: IncomingMessage) => {
        if ((res.statusCode ?? 500) >= 400) {
          errorFrom(res).then(reject, reject);
          return;
        }
        res.resume();
        reject(new BerthError('Internal', `unable to upgrade to tcp, received ${res.statusCode}`));
      });
      req.end(body);
    });
  }

  /** Request options and body for node:http; shared by `raw` and `hijack`. */
  private prepare(method: string, path: string, spec: RequestSpec): { options: RequestOptions; body: Buffer | Readable | undefined } {
    const url = this.url(path, spec.query);
    // On a unix socket the Host header is free (docker sends api.moby.localhost); over TCP it must
    // name the server, since TLS takes the server name from it.
    const headers: Record<string, string> = { 'User-Agent': 'berth-cli/0.1.0', ...(this.target.socketPath ? { Host: 'api.moby.localhost' } : {}), ...spec.headers };
    let body: Buffer | Readable | undefined;
    if (spec.body instanceof Readable) body = spec.body;
    else if (Buffer.isBuffer(spec.body) || typeof spec.body === 'string') body = Buffer.from(spec.body);
    else if (spec.body !== undefined) {
      body = Buffer.from(encodeJsonBody(spec.body));
      headers['Content-Type'] ??= 'application/json';
    }
    if (Buffer.isBuffer(body)) headers['Content-Length'] = String(body.length);
    const options: RequestOptions & { ca?: Buffer; cert?: Buffer; key?: Buffer; rejectUnauthorized?: boolean } = {
      method,
      // No keep-alive: a pooled connection the daemon has just closed (idle timeout, restart)
      // would fail the next request with EPIPE; a fresh unix-socket connection costs microseconds.
      agent: false,
      path: url,
      headers,
      ...(this.target.socketPath ? { socketPath: this.target.socketPath } : { hostname: this.target.hostname, port: this.target.port }),
      ...(spec.signal ? { signal: spec.signal } : {}),
    };
    if (this.target.https && this.opts.tls) {
      const t = this.opts.tls;
      Object.assign(options, { ...(t.ca ? { ca: t.ca } : {}), ...(t.cert ? { cert: t.cert } : {}), ...(t.key ? { key: t.key } : {}), rejectUnauthorized: t.verify });
    }
    return { options, body };
  }

  private request(options: RequestOptions, onResponse?: (res: IncomingMessage) => void): ClientRequest {
    // Loaded on first use, and as CommonJS: `import('node:http')` builds the ESM facade, whose
    // export of the lazy WebSocket/fetch getters loads undici, http2 and tls (~40 ms of start-up).
    const request = this.target.https ? process.getBuiltinModule('node:https').request : process.getBuiltinModule('node:http').request;
    return request(options, onResponse);
  }

  /** Sends a request; a status ≥ 400 becomes an ApiError carrying the daemon's message. */
  async call(method: string, path: string, spec: RequestSpec = {}): Promise<IncomingMessage> {
    const res = await this.raw(method, path, spec);
    if ((res.statusCode ?? 500) >= 400) throw await errorFrom(res);
    return res;
  }

  async json<T>(method: string, path: string, spec: RequestSpec = {}): Promise<T> {
    const res = await this.call(method, path, spec);
    const text = await readAll(res);
    return (text.length ? JSON.parse(text.toString('utf8')) : undefined) as T;
  }

  /**
   * GETs a (large) body into a file descriptor with the fast path of `downloadToFd`; over TLS,
   * through node:http. HTTP errors become ApiErrors as for every other call.
   */
  async download(path: string, query: RequestSpec['query'], fd: number, onProgress?: (bytes: number) => void): Promise<void> {
    if (this.target.https) {
      const res = await this.call('GET', path, { query: query ?? {} });
      let n = 0;
      for await (const chunk of res) {
        const b = chunk as Buffer;
        for (let off = 0; off < b.length; ) off += writeSync(fd, b, off, b.length - off);
        n += b.length;
        onProgress?.(n);
      }
      return;
    }
    const url = this.url(path, query);
    try {
      await downloadToFd(this.target, url, { 'User-Agent': 'berth-cli/0.1.0', Host: this.hostHeader() }, fd, onProgress);
    } catch (err) {
      if (err instanceof DownloadStatusError) throw apiErrorFrom(err.status, err.body);
      throw this.connectError(err as NodeJS.ErrnoException);
    }
  }

  /**
   * POSTs a file (an archive to load or import) with the fast path of `uploadFile`; over TLS,
   * through node:http. Returns the reply body; an HTTP error becomes an ApiError.
   */
  async uploadFile(path: string, query: RequestSpec['query'], file: string, contentType: string): Promise<Readable> {
    try {
      accessSync(file, constants.R_OK);
    } catch {
      throw new BerthError('InvalidArgument', `open ${file}: no such file or directory`);
    }
    if (this.target.https) {
      const { createReadStream } = await import('node:fs');
      return this.call('POST', path, { query: query ?? {}, body: createReadStream(file, { highWaterMark: 1 << 20 }), headers: { 'Content-Type': contentType } });
    }
    let reply: { status: number; body: Readable };
    try {
      reply = await uploadFile(this.target, this.url(path, query), { 'User-Agent': 'berth-cli/0.1.0', Host: this.hostHeader(), 'Content-Type': contentType }, file);
    } catch (err) {
      throw this.connectError(err as NodeJS.ErrnoException);
    }
    if (reply.status >= 400) throw apiErrorFrom(reply.status, (await readAll(reply.body)).toString('utf8'));
    return reply.body;
  }

  private hostHeader(): string {
    return this.target.socketPath ? 'api.moby.localhost' : `${this.target.hostname}:${this.target.port}`;
  }

  private url(path: string, query: RequestSpec['query'] = {}): string {
    const qs = new URLSearchParams();
    for (const [k, v] of Object.entries(query)) {
      if (v === undefined || v === false) continue;
      if (Array.isArray(v)) for (const x of v) qs.append(k, x);
      else qs.append(k, v === true ? '1' : String(v));
    }
    // Go's url.Values.Encode: like URLSearchParams, except that `~` stays and `*` is escaped.
    const encoded = qs.toString().replace(/%7E/g, '~').replace(/\*/g, '%2A');
    return `${API_PREFIX}${path}${qs.size ? `?${encoded}` : ''}`;
  }

  private connectError(err: NodeJS.ErrnoException): Error {
    if (err.code === 'ENOENT' || err.code === 'ECONNREFUSED' || err.code === 'EACCES') {
      return new BerthError('Unavailable', `Cannot connect to the berth daemon at ${this.host}. Is berthd running?`, { cause: err });
    }
    return err;
  }
}

/**
 * A request body as the docker client's `json.NewEncoder(…).Encode` writes it: `<`, `>`, `&`,
 * U+2028 and U+2029 escaped, and a newline at the end.
 */
export function encodeJsonBody(value: unknown): string {
  return `${JSON.stringify(value).replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)}\n`;
}

/**
 * A name or ID as a path segment, escaped as the docker client's `url.URL.String()` escapes a
 * path: letters, digits and `-_.~$&+,:;=@` stay, every other byte becomes `%XX`.
 */
export function escapePath(segment: string): string {
  let out = '';
  for (const b of Buffer.from(segment, 'utf8')) {
    const c = String.fromCharCode(b);
    out += /[A-Za-z0-9\-_.~$&+,:;=@]/.test(c) ? c : `%${b.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

export async function readAll(res: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of res) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

async function errorFrom(res: IncomingMessage): Promise<ApiError> {
  return apiErrorFrom(res.statusCode ?? 500, (await readAll(res)).toString('utf8'));
}

function apiErrorFrom(status: number, body: string): ApiError {
  let message = body.trim() || `status ${status}`;
  try {
    const parsed = JSON.parse(body) as { message?: string };
    if (typeof parsed.message === 'string') message = parsed.message;
  } catch {
    // not JSON: keep the text
  }
  return new ApiError(status, message);
}

/**
 * Where to connect, in docker's order of precedence: `-H`, then BERTH_HOST, then DOCKER_HOST.
 * TLS follows DOCKER_TLS_VERIFY/DOCKER_CERT_PATH as the docker CLI does.
 */
export function clientOptionsFromEnv(flags: { host?: string; tls?: boolean; tlsverify?: boolean; tlscacert?: string; tlscert?: string; tlskey?: string }, env = process.env): ClientOptions {
  const host = flags.host ?? env.BERTH_HOST ?? env.DOCKER_HOST ?? DEFAULT_HOST;
  const verify = flags.tlsverify ?? (env.DOCKER_TLS_VERIFY !== undefined && env.DOCKER_TLS_VERIFY !== '');
  const useTls = verify || flags.tls === true || flags.tlscacert !== undefined || flags.tlscert !== undefined;
  if (!useTls) return { host };
  const dir = env.DOCKER_CERT_PATH ?? join(homedir(), '.docker');
  const read = (p: string | undefined, fallback: string): Buffer | undefined => {
    try {
      return readFileSync(p ?? join(dir, fallback));
    } catch {
      return undefined;
    }
  };
  const tls: TlsOptions = { verify };
  const ca = read(flags.tlscacert, 'ca.pem');
  const cert = read(flags.tlscert, 'cert.pem');
  const key = read(flags.tlskey, 'key.pem');
  if (ca) tls.ca = ca;
  if (cert) tls.cert = cert;
  if (key) tls.key = key;
  return { host, tls };
}

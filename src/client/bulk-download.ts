import { closeSync, fstatSync, openSync, readSync, writeSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { PassThrough, type Readable } from 'node:stream';
import { BerthError } from '../base/errors.js';

export interface DownloadTarget {
  socketPath?: string;
  hostname?: string;
  port?: number;
}

/** Thrown for an HTTP error reply; the caller turns it into its own error type. */
export class DownloadStatusError extends Error {
  constructor(
    readonly status: number,
    readonly body: string,
  ) {
    super(`status ${status}`);
  }
}

const READ_BUFFER = 1 << 20;

/**
 * Bulk transfers (image archives in and out) over a raw socket. node:http reads 64 KiB at a time
 * into fresh buffers and sends each through its parser and a stream, and frames uploads of unknown
 * length in chunks: for a 200 MB `save` or `load` that costs as much as the transfer. Here the
 * socket reads into one reused 1 MiB buffer (`onread`), a file goes out with a Content-Length, and
 * only the status line, headers and chunked framing of the reply are parsed.
 */
class ResponseReader {
  status = 0;
  private head: Buffer | undefined = Buffer.alloc(0);
  private remaining = -1;
  private chunked = false;
  private readonly decoder = new ChunkDecoder();
  errorBody: Buffer[] | undefined;

  constructor(private readonly onBody: (b: Buffer) => void) {}

  get complete(): boolean {
    if (this.head !== undefined) return false;
    return this.chunked ? this.decoder.done : this.remaining === 0;
  }

  /** A reply with neither length nor chunking ends when the connection closes. */
  get endsAtClose(): boolean {
    return this.head === undefined && !this.chunked && this.remaining === -1;
  }

  /** True once the status line and headers are in. */
  get started(): boolean {
    return this.head === undefined;
  }

  push(data: Buffer): void {
    if (this.head !== undefined) {
      this.head = Buffer.concat([this.head, data]);
      const end = this.head.indexOf('\r\n\r\n');
      if (end < 0) {
        if (this.head.length > 64 << 10) throw new BerthError('Internal', 'response headers too large');
        return;
      }
      const lines = this.head.subarray(0, end).toString('latin1').split('\r\n');
      this.status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(lines[0] ?? '')?.[1] ?? 0);
      for (const line of lines.slice(1)) {
        const colon = line.indexOf(':');
        const name = line.slice(0, colon).trim().toLowerCase();
        const value = line.slice(colon + 1).trim();
        if (name === 'content-length') this.remaining = Number(value);
        if (name === 'transfer-encoding' && /chunked/i.test(value)) this.chunked = true;
      }
      if (this.status >= 400 || this.status === 0) this.errorBody = [];
      data = this.head.subarray(end + 4);
      this.head = undefined;
    }
    const body = (b: Buffer): void => {
      if (this.errorBody) this.errorBody.push(Buffer.from(b));
      else this.onBody(b);
    };
    if (this.chunked) this.decoder.push(data, body);
    else if (this.remaining >= 0) {
      const take = data.subarray(0, this.remaining);
      this.remaining -= take.length;
      if (take.length) body(take);
    } else if (data.length) body(data);
  }

  error(): DownloadStatusError | undefined {
    return this.errorBody ? new DownloadStatusError(this.status, Buffer.concat(this.errorBody).toString()) : undefined;
  }
}

function open(target: DownloadTarget, onData: (b: Buffer) => void, onFail: (err: Error) => void): Socket {
  const opts = {
    onread: {
      buffer: Buffer.allocUnsafe(READ_BUFFER),
      callback: (n: number, buf: Uint8Array): boolean => {
        try {
          onData(Buffer.from(buf.buffer, buf.byteOffset, n));
        } catch (err) {
          onFail(err as Error);
        }
        return true;
      },
    },
  };
  return target.socketPath !== undefined ? connect({ path: target.socketPath, ...opts }) : connect({ host: target.hostname!, port: target.port!, ...opts });
}

function requestHead(method: string, path: string, headers: Record<string, string>): string {
  return [`${method} ${path} HTTP/1.1`, ...Object.entries({ Connection: 'close', ...headers }).map(([k, v]) => `${k}: ${v}`), '', ''].join('\r\n');
}

/** GETs a (large) body straight into a file descriptor. */
export function downloadToFd(target: DownloadTarget, path: string, headers: Record<string, string>, fd: number, onProgress?: (bytes: number) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    let written = 0;
    let done = false;
    const reader = new ResponseReader((data) => {
      for (let off = 0; off < data.length; ) off += writeSync(fd, data, off, data.length - off);
      written += data.length;
      onProgress?.(written);
    });
    const finish = (err?: Error): void => {
      if (done) return;
      done = true;
      socket.destroy();
      if (err) reject(err);
      else resolve();
    };
    const socket = open(
      target,
      (data) => {
        reader.push(data);
        if (reader.complete) finish(reader.error());
      },
      finish,
    );
    socket.on('connect', () => socket.write(requestHead('GET', path, headers)));
    socket.on('error', (err) => finish(err));
    socket.on('end', () => {
      const err = reader.error();
      if (err) finish(err);
      else if (reader.complete || reader.endsAtClose) finish();
      else finish(new BerthError('Unavailable', 'the daemon closed the connection before the end of the archive'));
    });
  });
}

/**
 * POSTs a file with a Content-Length and returns the reply's status and body stream as soon as
 * the reply starts (the daemon may answer an error before the upload ends).
 */
export function uploadFile(target: DownloadTarget, path: string, headers: Record<string, string>, file: string): Promise<{ status: number; body: Readable }> {
  return new Promise((resolve, reject) => {
    const fd = openSync(file, 'r');
    const size = fstatSync(fd).size;
    const body = new PassThrough();
    let settled = false;
    let stopped = false;
    const reader = new ResponseReader((b) => body.write(b));
    const fail = (err: Error): void => {
      stopped = true;
      socket.destroy();
      if (!settled) {
        settled = true;
        reject(err);
      } else body.destroy(err);
    };
    const socket = open(
      target,
      (data) => {
        reader.push(data);
        if (reader.started && !settled) {
          settled = true;
          resolve({ status: reader.status, body });
        }
        if (reader.complete) {
          stopped = true;
          const err = reader.error();
          if (err) body.end(Buffer.from(err.body));
          else body.end();
          socket.destroy();
        }
      },
      fail,
    );
    socket.on('error', fail);
    socket.on('end', () => {
      if (reader.endsAtClose) body.end();
      else if (!reader.complete) fail(new BerthError('Unavailable', 'the daemon closed the connection before its reply ended'));
    });
    socket.on('connect', () => {
      socket.write(requestHead('POST', path, { ...headers, 'Content-Length': String(size) }));
      let off = 0;
      const pump = (): void => {
        while (!stopped && off < size) {
          const buf = Buffer.allocUnsafe(Math.min(READ_BUFFER, size - off));
          const n = readSync(fd, buf, 0, buf.length, off);
          if (n === 0) break;
          off += n;
          if (!socket.write(n === buf.length ? buf : buf.subarray(0, n))) {
            socket.once('drain', pump);
            return;
          }
        }
        closeSync(fd);
      };
      pump();
    });
  });
}

/** HTTP/1.1 chunked transfer decoding, fed arbitrary slices. */
class ChunkDecoder {
  private state: 'size' | 'data' | 'crlf' | 'trailer' = 'size';
  private line = '';
  private left = 0;
  done = false;

  push(data: Buffer, emit: (b: Buffer) => void): void {
    let i = 0;
    while (i < data.length && !this.done) {
      if (this.state === 'data') {
        const n = Math.min(this.left, data.length - i);
        emit(data.subarray(i, i + n));
        i += n;
        this.left -= n;
        if (this.left === 0) this.state = 'crlf';
        continue;
      }
      const c = data[i++]!;
      if (c !== 0x0a) {
        if (c !== 0x0d) this.line += String.fromCharCode(c);
        continue;
      }
      const line = this.line;
      this.line = '';
      if (this.state === 'crlf') this.state = 'size';
      else if (this.state === 'size') {
        const size = parseInt(line.split(';')[0]!.trim(), 16);
        if (Number.isNaN(size)) throw new BerthError('Internal', `bad chunk size "${line}"`);
        if (size === 0) this.state = 'trailer';
        else {
          this.left = size;
          this.state = 'data';
        }
      } else if (line === '') this.done = true;
    }
  }
}

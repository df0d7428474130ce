import { writeSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
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
 * GETs a large body (an image archive) straight into a file descriptor. node:http reads 64 KiB at a
 * time into fresh buffers and dispatches each through the parser and a stream: for a 200 MB `save`
 * that doubles the transfer time. Here the socket reads into one reused 1 MiB buffer (`onread`)
 * and each read is written out at once; only the status line, headers and chunked framing are
 * parsed, which is all a GET of a body needs.
 */
export function downloadToFd(target: DownloadTarget, path: string, headers: Record<string, string>, fd: number, onProgress?: (bytes: number) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    let head: Buffer | undefined = Buffer.alloc(0);
    let status = 0;
    let remaining = -1; // Content-Length left, or -1 when chunked / until close
    let chunked = false;
    let errorBody: Buffer[] | undefined;
    let written = 0;
    let done = false;
    const decoder = new ChunkDecoder();
    const finish = (err?: Error): void => {
      if (done) return;
      done = true;
      socket.destroy();
      if (err) reject(err);
      else resolve();
    };
    const body = (data: Buffer): void => {
      if (errorBody) {
        errorBody.push(Buffer.from(data));
        return;
      }
      let off = 0;
      while (off < data.length) off += writeSync(fd, data, off, data.length - off);
      written += data.length;
      onProgress?.(written);
    };
    const onData = (data: Buffer): void => {
      if (head !== undefined) {
        head = Buffer.concat([head, data]);
        const end = head.indexOf('\r\n\r\n');
        if (end < 0) {
          if (head.length > 64 << 10) finish(new BerthError('Internal', 'response headers too large'));
          return;
        }
        const lines = head.subarray(0, end).toString('latin1').split('\r\n');
        status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(lines[0] ?? '')?.[1] ?? 0);
        for (const line of lines.slice(1)) {
          const colon = line.indexOf(':');
          const name = line.slice(0, colon).trim().toLowerCase();
          const value = line.slice(colon + 1).trim();
          if (name === 'content-length') remaining = Number(value);
          if (name === 'transfer-encoding' && /chunked/i.test(value)) chunked = true;
        }
        if (status >= 400 || status === 0) errorBody = [];
        data = head.subarray(end + 4);
        head = undefined;
      }
      if (chunked) {
        decoder.push(data, body);
        if (decoder.done) finish(errorBody ? new DownloadStatusError(status, Buffer.concat(errorBody).toString()) : undefined);
        return;
      }
      if (remaining >= 0) {
        const take = data.subarray(0, remaining);
        remaining -= take.length;
        if (take.length) body(take);
        if (remaining === 0) finish(errorBody ? new DownloadStatusError(status, Buffer.concat(errorBody).toString()) : undefined);
        return;
      }
      body(data);
    };
    const opts = {
      onread: {
        buffer: Buffer.allocUnsafe(READ_BUFFER),
        callback: (n: number, buf: Uint8Array): boolean => {
          try {
            onData(Buffer.from(buf.buffer, buf.byteOffset, n));
          } catch (err) {
            finish(err as Error);
          }
          return true;
        },
      },
    };
    const socket: Socket = target.socketPath !== undefined ? connect({ path: target.socketPath, ...opts }) : connect({ host: target.hostname!, port: target.port!, ...opts });
    socket.on('connect', () => {
      const lines = [`GET ${path} HTTP/1.1`, ...Object.entries({ Connection: 'close', ...headers }).map(([k, v]) => `${k}: ${v}`), '', ''];
      socket.write(lines.join('\r\n'));
    });
    socket.on('error', (err) => finish(err));
    socket.on('end', () => {
      if (errorBody) finish(new DownloadStatusError(status, Buffer.concat(errorBody).toString()));
      else if (head !== undefined || (remaining > 0 && !chunked) || (chunked && !decoder.done)) finish(new BerthError('Unavailable', 'the daemon closed the connection before the end of the archive'));
      else finish();
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

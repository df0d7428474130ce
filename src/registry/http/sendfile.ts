/**
 * Blob bodies through sendfile(2): the kernel moves the file's pages to the socket, with no copy
 * through user space and no JS per chunk. Go's net/http does the same for docker-registry (its
 * io.Copy from a file to a TCP connection is a sendfile); a Node stream pipe copies every byte
 * twice and runs a callback per MiB, which made berth's registry serve ~30 % fewer bytes per
 * second than docker-registry to 8 clients.
 *
 * The socket stays non-blocking: each sendfile (on libuv's threadpool, so that the kernel's work
 * of sending, loopback delivery included, spreads over the cores as Go's does) moves what fits in
 * the socket's buffer and returns at once. When the buffer is full, the next small piece goes
 * through an ordinary write, whose completion is libuv telling us there is room again: no thread
 * and no poll is ever parked on a slow client.
 */
import type { FileHandle } from 'node:fs/promises';
import type { ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { sendfile } from '../../base/libc.js';

/** The most one sendfile call may move (it returns earlier when the socket's buffer is full). */
const CHUNK = 16 << 20;
/** The ordinary write that waits for room in a full socket. */
const WAIT_WRITE = 16 << 10;

/** The socket's fd when the body can go by sendfile: plain TCP or unix, not TLS. */
export function sendfileTarget(res: ServerResponse): number | undefined {
  const socket = res.socket;
  // A TLSSocket says so (`encrypted`): checked without importing node:tls, which loads OpenSSL's TLS.
  if (!socket || (socket as Partial<TLSSocket>).encrypted === true) return undefined;
  const fd = (socket as unknown as { _handle?: { fd?: number } })._handle?.fd;
  return typeof fd === 'number' && fd >= 0 ? fd : undefined;
}

/** Resolves once everything written to the socket so far is in the kernel. */
function flushed(socket: Socket, chunk: Buffer = Buffer.alloc(0)): Promise<void> {
  return new Promise((resolve, reject) => socket.write(chunk, (err) => (err ? reject(err) : resolve())));
}

/**
 * Sends `length` bytes of `file` from `start` as the response body (headers set by the caller,
 * Content-Length among them), then ends the response. A failure part-way destroys the socket:
 * the client sees a short body, as with any broken transfer.
 */
export async function sendFileBody(res: ServerResponse, fd: number, file: FileHandle, start: number, length: number, signal: AbortSignal): Promise<void> {
  res.flushHeaders();
  const socket = res.socket!;
  const end = start + length;
  let offset = start;
  let spare: Buffer | undefined;
  try {
    // sendfile bypasses Node's write queue: it must be empty first (the headers included).
    await flushed(socket);
    while (offset < end) {
      signal.throwIfAborted();
      const n = await sendfile(fd, file.fd, offset, Math.min(CHUNK, end - offset));
      if (n === 0) throw new Error(`blob file ended at ${offset} of ${end} bytes`);
      if (n > 0) {
        offset += n;
        continue;
      }
      spare ??= Buffer.allocUnsafe(WAIT_WRITE);
      const { bytesRead } = await file.read(spare, 0, Math.min(spare.length, end - offset), offset);
      if (bytesRead === 0) throw new Error(`blob file ended at ${offset} of ${end} bytes`);
      offset += bytesRead;
      await flushed(socket, spare.subarray(0, bytesRead));
    }
  } catch (err) {
    socket.destroy();
    throw err;
  }
  res.end();
}

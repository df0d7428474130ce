/**
 * A connection to conmon's attach socket (`<bundle>/attach`, SOCK_SEQPACKET, which Node's `net`
 * cannot open: node-unix-socket's SeqpacketSocket can). Packets from conmon carry one stream byte
 * (2 stdout, 3 stderr) then up to 8 KiB of output; packets to it are raw stdin, at most 32 KiB
 * each; shutting down our write side closes the container's stdin.
 */
import { closeSync, openSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { SeqpacketSocket as SeqpacketSocketType } from 'node-unix-socket';
import { BerthError } from '../base/errors.js';

const require = createRequire(import.meta.url);
// Loaded on first attach: the addon costs start-up time and memory a daemon without attaches need not pay.
let addon: typeof import('node-unix-socket') | undefined;
const load = (): typeof import('node-unix-socket') => (addon ??= require('node-unix-socket') as typeof import('node-unix-socket'));

const MAX_STDIN_PACKET = 32 << 10;
const READ_BUFFER = 8193;

export type OutputStream = 'stdout' | 'stderr';

export class AttachSocket {
  private ended = false;

  private constructor(private readonly sock: SeqpacketSocketType) {}

  /** Connects through /proc/self/fd so bundle paths longer than sun_path still work. */
  static connect(bundle: string): Promise<AttachSocket> {
    const { SeqpacketSocket } = load();
    const dirFd = openSync(bundle, 'r');
    const sock = new SeqpacketSocket();
    sock.setInternalReadBufferSize(READ_BUFFER);
    return new Promise((resolve, reject) => {
      const fail = (err: Error): void => {
        closeSync(dirFd);
        reject(new BerthError('Unavailable', `attach: ${err.message}`, { cause: err }));
      };
      sock.once('error', fail);
      try {
        sock.connect(`/proc/self/fd/${dirFd}/attach`, () => {
          sock.off('error', fail);
          closeSync(dirFd);
          resolve(new AttachSocket(sock));
        });
      } catch (err) {
        fail(err as Error);
      }
    });
  }

  onOutput(fn: (stream: OutputStream, data: Buffer) => void): void {
    this.sock.on('data', (packet: Buffer) => {
      if (packet.length < 2) return;
      fn(packet[0] === 3 ? 'stderr' : 'stdout', packet.subarray(1));
    });
  }

  /** Called once, when conmon closes the socket (the container's process ended) or on error. */
  onClose(fn: () => void): void {
    let done = false;
    const once = (): void => {
      if (!done) {
        done = true;
        fn();
      }
    };
    this.sock.on('end', once);
    this.sock.on('close', once);
    this.sock.on('error', once);
  }

  async writeStdin(data: Buffer): Promise<void> {
    for (let off = 0; off < data.length && !this.ended; off += MAX_STDIN_PACKET) {
      const part = data.subarray(off, off + MAX_STDIN_PACKET);
      await new Promise<void>((resolve) => this.sock.write(part, 0, part.length, resolve));
    }
  }

  /** Half-close: conmon closes the container's stdin (unless it runs with --leave-stdin-open). */
  closeStdin(): void {
    if (this.ended) return;
    this.ended = true;
    try {
      this.sock.end();
    } catch {
      // already closed
    }
  }

  close(): void {
    this.ended = true;
    try {
      this.sock.destroy();
    } catch {
      // already closed
    }
  }
}

/**
 * Hijacked connections (attach, exec start): after the HTTP head, the socket carries the
 * process's output (8-byte stdcopy frames without a TTY, raw bytes with one) and the client's
 * stdin. Detach keys (ctrl-p ctrl-q by default) end the client's connection, not the process.
 */
import type { Duplex } from 'node:stream';
import { invalidArgument } from '../base/errors.js';

export const MULTIPLEXED = 'application/vnd.docker.multiplexed-stream';
export const RAW = 'application/vnd.docker.raw-stream';

const STREAM_ID = { stdin: 0, stdout: 1, stderr: 2 } as const;

export function frame(stream: 'stdout' | 'stderr' | 'stdin', data: Buffer): Buffer {
  const header = Buffer.alloc(8);
  header[0] = STREAM_ID[stream];
  header.writeUInt32BE(data.length, 4);
  return Buffer.concat([header, data]);
}

/** The reply that turns the connection into a stream: 101 for an Upgrade request, 200 otherwise. */
export function hijackHead(upgrade: boolean, tty: boolean): string {
  const type = tty ? RAW : MULTIPLEXED;
  return upgrade
    ? `HTTP/1.1 101 UPGRADED\r\nContent-Type: ${type}\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n\r\n`
    : `HTTP/1.1 200 OK\r\nContent-Type: ${type}\r\n\r\n`;
}

/** Docker's detach-keys syntax: "ctrl-p,ctrl-q", "a,ctrl-@". */
export function parseDetachKeys(spec: string): Buffer {
  const out: number[] = [];
  for (const key of spec.split(',')) {
    const k = key.trim().toLowerCase();
    if (/^ctrl-[a-z@[\\\]^_]$/.test(k)) {
      const c = k.charCodeAt(5);
      out.push(c >= 0x61 ? c - 0x60 : c - 0x40);
    } else if (k.length === 1) out.push(k.charCodeAt(0));
    else throw invalidArgument(`Invalid detach keys (${spec}) provided`);
  }
  return Buffer.from(out);
}

/**
 * Watches stdin for the detach sequence. Bytes that might begin it are held back until the
 * sequence completes (detach) or breaks (they are passed on), as Docker's term.EscapeProxy does.
 */
export class DetachScanner {
  private matched = 0;

  constructor(private readonly keys: Buffer) {}

  /** Returns the bytes to pass to the process, and whether the sequence completed. */
  push(data: Buffer): { pass: Buffer; detach: boolean } {
    if (this.keys.length === 0) return { pass: data, detach: false };
    const pass: number[] = [];
    for (const b of data) {
      if (b === this.keys[this.matched]) {
        this.matched++;
        if (this.matched === this.keys.length) return { pass: Buffer.from(pass), detach: true };
        continue;
      }
      if (this.matched > 0) {
        pass.push(...this.keys.subarray(0, this.matched));
        this.matched = 0;
        if (b === this.keys[0]) {
          this.matched = 1;
          continue;
        }
      }
      pass.push(b);
    }
    return { pass: Buffer.from(pass), detach: false };
  }
}

/** Writes with backpressure ignored: the process's output must not stall on one slow client. */
export function safeWrite(socket: Duplex, data: Buffer): void {
  if (!socket.destroyed && socket.writable) socket.write(data);
}

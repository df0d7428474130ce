import type { Readable } from 'node:stream';

/** Where demultiplexed output goes; a sink may return a promise to apply backpressure. */
export type OutputSink = (data: Buffer) => void | Promise<void>;

const HEADER = 8;

/**
 * Reads Docker's multiplexed stream (attach, logs and exec without a TTY) and hands each frame's
 * payload to its sink: stream 0 (stdin, echoed) and 1 to stdout, 2 to stderr, as moby's
 * `stdcopy.StdCopy` does. A frame is an 8-byte header `[stream, 0, 0, 0, size (uint32 BE)]` and
 * `size` bytes; frames may be split across reads or share one.
 * @throws Error for stream 3 (the daemon's in-band system error) and for an unknown stream id.
 */
export async function demultiplex(src: Readable, stdout: OutputSink, stderr: OutputSink): Promise<void> {
  let buf: Buffer = Buffer.alloc(0);
  for await (const chunk of src) {
    buf = buf.length ? Buffer.concat([buf, chunk as Buffer]) : (chunk as Buffer);
    let off = 0;
    while (buf.length - off >= HEADER) {
      const size = buf.readUInt32BE(off + 4);
      if (buf.length - off - HEADER < size) break;
      const stream = buf[off]!;
      const payload = buf.subarray(off + HEADER, off + HEADER + size);
      off += HEADER + size;
      if (stream === 0 || stream === 1) await stdout(payload);
      else if (stream === 2) await stderr(payload);
      else if (stream === 3) throw new Error(`error from daemon in stream: ${payload.toString('utf8')}`);
      else throw new Error(`Unrecognized input header: ${stream}`);
    }
    buf = off === buf.length ? Buffer.alloc(0) : buf.subarray(off);
  }
}

/** Copies a raw (TTY) stream to one sink. */
export async function copyRaw(src: Readable, out: OutputSink): Promise<void> {
  for await (const chunk of src) await out(chunk as Buffer);
}

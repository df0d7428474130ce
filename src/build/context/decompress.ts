/**
 * Decompression of build contexts and ADD archives in every format Docker accepts (moby's
 * archive.DecompressStream): gzip and zstd with Node's zlib, bzip2 and xz with the host's
 * `bzip2`/`xz` tools, which moby also shells out to for xz.
 */
import { spawn } from 'node:child_process';
import { PassThrough, type Readable, type Transform } from 'node:stream';
import * as zlib from 'node:zlib';
import { BerthError } from '../../base/errors.js';
import { detectCompression, peek, type Compression } from '../../base/compression.js';

const TOOLS: Partial<Record<Compression, [string, string[]]>> = {
  bzip2: ['bzip2', ['-d', '-c', '-q']],
  xz: ['xz', ['-d', '-c', '-q']],
};

/** Sniffs `input` and returns its compression and the uncompressed bytes as a stream. */
export async function decompressStream(input: Readable, signal?: AbortSignal): Promise<{ compression: Compression; stream: Readable; head: Buffer }> {
  const { head, stream } = await peek(input, 512);
  const compression = detectCompression(head);
  return { compression, stream: decompress(stream, compression, signal), head };
}

/** Undoes `compression` on `input`; errors surface on the returned stream. */
export function decompress(input: Readable, compression: Compression, signal?: AbortSignal): Readable {
  switch (compression) {
    case 'none':
      return input;
    case 'gzip':
      return pipeErrors(input, zlib.createGunzip({ chunkSize: 1 << 20 }));
    case 'zstd': {
      const make = (zlib as unknown as { createZstdDecompress?: () => Transform }).createZstdDecompress;
      if (make === undefined) throw new BerthError('NotImplemented', 'zstd decompression needs Node.js 22.15 or later');
      return pipeErrors(input, make());
    }
    default:
      return viaTool(input, compression, signal);
  }
}

/** Pipes `input` into `transform`, forwarding input errors, and returns the transform. */
function pipeErrors(input: Readable, transform: Transform): Readable {
  // As for the tools below: a late error must not go unhandled once the consumer stopped.
  transform.on('error', () => undefined);
  input.on('error', (err) => transform.destroy(err));
  input.pipe(transform);
  return transform;
}

function viaTool(input: Readable, compression: Compression, signal?: AbortSignal): Readable {
  const tool = TOOLS[compression];
  if (tool === undefined) throw new BerthError('InvalidArgument', `unsupported compression: ${compression}`);
  const [cmd, args] = tool;
  const child = spawn(cmd, args, { stdio: ['pipe', 'pipe', 'pipe'], ...(signal ? { signal } : {}) });
  const out = new PassThrough({ highWaterMark: 1 << 20 });
  // The tool's verdict can come after the consumer gave up on a bad archive: never let that
  // late error go unhandled (a consumer still reading gets it through its own listener).
  out.on('error', () => undefined);
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  child.on('error', (err) => out.destroy(new BerthError('Internal', `${cmd}: ${err.message}`, { cause: err })));
  // The exit status decides how the output ends: an error must arrive before a clean EOF would.
  child.on('close', (code) => {
    if (code === 0) out.end();
    else out.destroy(new BerthError('InvalidArgument', stderr.trim() || `${cmd}: exit status ${code}`));
  });
  child.stdout.pipe(out, { end: false });
  input.on('error', (err) => {
    child.kill();
    out.destroy(err);
  });
  // The tool may exit before reading all input (a corrupt file): EPIPE then is not the error.
  child.stdin.on('error', () => undefined);
  input.pipe(child.stdin);
  out.on('close', () => {
    if (child.exitCode === null) child.kill();
  });
  return out;
}

/** Reads up to `n` uncompressed bytes of `input` and stops (ADD's archive detection). */
export async function readHead(input: Readable, n: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let have = 0;
  try {
    for await (const chunk of input) {
      chunks.push(chunk as Buffer);
      have += (chunk as Buffer).length;
      if (have >= n) break;
    }
  } catch {
    // A truncated stream still tells what it starts with.
  } finally {
    input.destroy();
  }
  return Buffer.concat(chunks).subarray(0, n);
}


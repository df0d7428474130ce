/** Sniffs and undoes the compressions image layers and archives come in. */
import { PassThrough, Readable, type Transform } from 'node:stream';
import { createGunzip } from 'node:zlib';
import * as zlib from 'node:zlib';
import { invalidArgument } from './errors.js';

export type Compression = 'none' | 'gzip' | 'zstd' | 'xz' | 'bzip2';

export function detectCompression(head: Uint8Array): Compression {
  if (head[0] === 0x1f && head[1] === 0x8b) return 'gzip';
  if (head[0] === 0x28 && head[1] === 0xb5 && head[2] === 0x2f && head[3] === 0xfd) return 'zstd';
  if (head[0] === 0xfd && head[1] === 0x37 && head[2] === 0x7a && head[3] === 0x58 && head[4] === 0x5a) return 'xz';
  if (head[0] === 0x42 && head[1] === 0x5a && head[2] === 0x68) return 'bzip2';
  return 'none';
}

/**
 * Reads the first bytes of a stream without losing them: returns them and a stream that yields
 * the whole input again.
 */
export async function peek(input: Readable, want = 512): Promise<{ head: Buffer; stream: Readable }> {
  const chunks: Buffer[] = [];
  let have = 0;
  const iterator = input[Symbol.asyncIterator]();
  while (have < want) {
    const next = (await iterator.next()) as IteratorResult<Buffer>;
    if (next.done) break;
    chunks.push(next.value);
    have += next.value.length;
  }
  const head = Buffer.concat(chunks);
  async function* replay(): AsyncGenerator<Buffer> {
    if (head.length) yield head;
    for (;;) {
      const next = (await iterator.next()) as IteratorResult<Buffer>;
      if (next.done) return;
      yield next.value;
    }
  }
  return { head, stream: Readable.from(replay(), { objectMode: false, highWaterMark: 1 << 20 }) };
}

/** A transform that undoes `kind` (identity for 'none'); zstd uses Node's built-in zlib. */
export function decompressor(kind: Compression): Transform {
  switch (kind) {
    case 'none':
      return new PassThrough({ highWaterMark: 1 << 20 });
    case 'gzip':
      return createGunzip({ chunkSize: 1 << 20 });
    case 'zstd': {
      const make = (zlib as unknown as { createZstdDecompress?: () => Transform }).createZstdDecompress;
      if (!make) throw invalidArgument('unsupported compression: zstd');
      return make();
    }
    default:
      throw invalidArgument(`unsupported compression: ${kind}`);
  }
}

/** True when a 512-byte block looks like a tar header (ustar magic or a valid v7 checksum). */
export function looksLikeTar(head: Uint8Array): boolean {
  if (head.length < 512) return head.length === 0 ? false : isZeroBlock(head);
  const magic = Buffer.from(head.subarray(257, 262)).toString('latin1');
  if (magic === 'ustar') return true;
  return isZeroBlock(head.subarray(0, 512)) || checksumOk(head.subarray(0, 512));
}

function isZeroBlock(b: Uint8Array): boolean {
  for (const x of b) if (x !== 0) return false;
  return true;
}

function checksumOk(block: Uint8Array): boolean {
  const field = Buffer.from(block.subarray(148, 156)).toString('latin1').replace(/[\0 ]+$/, '').trim();
  const stored = parseInt(field, 8);
  if (Number.isNaN(stored)) return false;
  let sum = 0;
  for (let i = 0; i < 512; i++) sum += i >= 148 && i < 156 ? 0x20 : (block[i] ?? 0);
  return sum === stored;
}

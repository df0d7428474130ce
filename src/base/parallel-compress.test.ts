import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import * as zlib from 'node:zlib';
import { byteEntropy, compressChunks, looksIncompressible, type ParallelCompressOptions } from './parallel-compress.js';

/** Feeds `input` in pieces through one reused buffer, and copies each output chunk before the next. */
async function compress(kind: 'gzip' | 'zstd', input: Buffer, opts: ParallelCompressOptions = {}, pieceSize = 100_000): Promise<Buffer> {
  const out: Buffer[] = [];
  const lease = Buffer.alloc(pieceSize);
  const pieces = async function* (): AsyncGenerator<Buffer> {
    for (let o = 0; o < input.length; o += pieceSize) {
      const n = input.copy(lease, 0, o, o + pieceSize);
      yield lease.subarray(0, n);
      // The compressor had to copy it: scribble over the lease.
      lease.fill(0xa5);
    }
  };
  for await (const c of compressChunks(kind, pieces(), opts)) out.push(Buffer.from(c));
  return Buffer.concat(out);
}

const text = Buffer.from('the quick brown fox jumps over the lazy dog\n'.repeat(60_000));
const random = randomBytes(3 << 20);
const mixed = Buffer.concat([text.subarray(0, 1_500_000), random.subarray(0, 1_200_000), Buffer.alloc(700_000), random.subarray(0, 5)]);

test('gzip: one member that zlib and gzip(1) read back, for text, random, mixed and empty input', async () => {
  for (const input of [text, random, mixed, Buffer.alloc(0), Buffer.from('x')]) {
    const gz = await compress('gzip', input, { chunkSize: 256 << 10 });
    assert.deepEqual(zlib.gunzipSync(gz), input);
    const cli = spawnSync('gzip', ['-dc'], { input: gz, maxBuffer: 64 << 20 });
    assert.equal(cli.status, 0, cli.stderr.toString());
    assert.ok(cli.stdout.equals(input));
  }
});

test('gzip: text compresses, random data is stored at almost no cost in size', async () => {
  assert.ok((await compress('gzip', text)).length < text.length / 20);
  const stored = await compress('gzip', random);
  assert.ok(stored.length < random.length * 1.001 + 100, `stored: ${stored.length}`);
});

test('the output depends on the bytes only, not on how the input was cut', async () => {
  const digest = (b: Buffer): string => createHash('sha256').update(b).digest('hex');
  const a = await compress('gzip', mixed, {}, 7_777);
  const b = await compress('gzip', mixed, {}, 1 << 20);
  const c = await compress('gzip', mixed, { concurrency: 1 }, 65_536);
  assert.equal(digest(a), digest(b));
  assert.equal(digest(a), digest(c));
});

test('zstd: concatenated frames decode as one stream', async (t) => {
  if (!(zlib as unknown as { zstdDecompressSync?: unknown }).zstdDecompressSync) {
    t.skip('no zstd in this Node');
    return;
  }
  for (const input of [text, mixed, Buffer.alloc(0)]) {
    const z = await compress('zstd', input, { chunkSize: 256 << 10 });
    const decode = (zlib as unknown as { zstdDecompressSync: (b: Buffer) => Buffer }).zstdDecompressSync;
    assert.deepEqual(decode(z), input);
  }
});

test('entropy: random data is recognised, text and zeros are not', () => {
  assert.ok(byteEntropy(random, 0, 4096) > 7.9);
  assert.ok(byteEntropy(text, 0, 4096) < 5);
  assert.equal(looksIncompressible(random.subarray(0, 1 << 20)), true);
  assert.equal(looksIncompressible(text.subarray(0, 1 << 20)), false);
  // Random at both ends but structure in the middle: compressed.
  const sandwich = Buffer.concat([random.subarray(0, 400_000), Buffer.alloc(300_000), random.subarray(0, 400_000)]);
  assert.equal(looksIncompressible(sandwich), false);
});

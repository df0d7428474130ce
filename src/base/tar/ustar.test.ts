import { test } from 'node:test';
import assert from 'node:assert/strict';
import tar from 'tar-stream';
import { ustarHeader, padding } from './ustar.js';

/** The first block tar-stream's pack writes for one entry. */
async function packHeader(h: Partial<tar.Header>): Promise<Buffer> {
  const pack = tar.pack();
  const chunks: Buffer[] = [];
  pack.on('data', (c: unknown) => {
    chunks.push(c as Buffer);
  });
  const entry = pack.entry(h as tar.Header);
  entry.on('error', () => {});
  await new Promise((r) => setImmediate(r));
  pack.destroy();
  return Buffer.concat(chunks).subarray(0, 512);
}

test('ustar headers match tar-stream byte for byte, including sizes past 8 GiB', async () => {
  const cases: [Parameters<typeof ustarHeader>[0], Partial<tar.Header>][] = [
    [{ name: 'blobs/', type: 'directory', mode: 0o755, size: 0, mtimeSeconds: 0 }, { name: 'blobs/', type: 'directory', mode: 0o755, mtime: new Date(0) }],
    [{ name: 'blobs/sha256/' + 'a'.repeat(64), type: 'file', mode: 0o644, size: 12345, mtimeSeconds: 0 }, { name: 'blobs/sha256/' + 'a'.repeat(64), mode: 0o644, size: 12345, mtime: new Date(0) }],
    [{ name: 'big', type: 'file', mode: 0o644, size: 9 * 2 ** 30, mtimeSeconds: 0 }, { name: 'big', mode: 0o644, size: 9 * 2 ** 30, mtime: new Date(0) }],
  ];
  for (const [ours, theirs] of cases) assert.deepEqual(ustarHeader(ours), await packHeader(theirs), ours.name);
  assert.throws(() => ustarHeader({ name: 'x'.repeat(101), type: 'file', mode: 0o644, size: 0, mtimeSeconds: 0 }), /does not fit/);
  assert.equal(padding(512).length, 0);
  assert.equal(padding(513).length, 511);
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ApiClient, ApiError, readAll } from '../../src/client/index.js';

test('the download fast path reads chunked and sized bodies exactly, and maps errors', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'berth-dl-'));
  const payload = randomBytes(3 * 1024 * 1024 + 17);
  const server = createServer((req, res) => {
    if (req.url?.includes('/upload')) {
      let n = 0;
      req.on('data', (c: Buffer) => (n += c.length));
      req.on('end', () => res.end(`received ${n}`));
      return;
    }
    if (req.url?.includes('/refuse')) {
      const body = JSON.stringify({ message: 'refused early' });
      res.writeHead(400, { 'Content-Type': 'application/json', 'Content-Length': body.length });
      res.end(body);
      return;
    }
    if (req.url?.includes('/sized')) {
      res.writeHead(200, { 'Content-Length': payload.length });
      res.end(payload);
    } else if (req.url?.includes('/chunked')) {
      res.writeHead(200);
      for (let off = 0; off < payload.length; off += 70_001) res.write(payload.subarray(off, off + 70_001));
      res.end();
    } else {
      const body = JSON.stringify({ message: 'No such image: nope:latest' });
      res.writeHead(404, { 'Content-Type': 'application/json', 'Content-Length': body.length });
      res.end(body);
    }
  });
  const sock = join(dir, 's.sock');
  await new Promise<void>((r) => server.listen(sock, () => r()));
  const client = new ApiClient({ host: `unix://${sock}` });
  try {
    for (const path of ['/sized', '/chunked']) {
      const out = join(dir, `out${path.slice(1)}`);
      const fd = openSync(out, 'w');
      let progress = 0;
      await client.download(path, { names: ['a', 'b'] }, fd, (n) => (progress = n));
      closeSync(fd);
      assert.ok(readFileSync(out).equals(payload), `${path}: identical bytes`);
      assert.equal(progress, payload.length);
    }
    // Uploads: the body arrives whole, and an early error reply is reported as the daemon's message.
    const big = join(dir, 'upload.bin');
    writeFileSync(big, randomBytes(5 << 20));
    const reply = await client.uploadFile('/upload', { quiet: true }, big, 'application/x-tar');
    assert.equal((await readAll(reply)).toString(), `received ${5 << 20}`);
    await assert.rejects(client.uploadFile('/refuse', {}, big, 'application/x-tar'), (err: unknown) => err instanceof ApiError && err.status === 400 && /refused early/.test(err.message));
    const fd = openSync(join(dir, 'err'), 'w');
    await assert.rejects(client.download('/missing', {}, fd), (err: unknown) => err instanceof ApiError && err.status === 404 && err.message === 'No such image: nope:latest');
    closeSync(fd);
  } finally {
    server.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

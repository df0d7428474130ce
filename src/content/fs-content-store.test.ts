import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { sha256 } from '../base/digest.js';
import { FsContentStore } from './fs-content-store.js';

test('ingest verifies, commits by digest and leaves nothing on failure', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'berth-content-'));
  try {
    const store = new FsContentStore(dir);
    await store.init();
    const data = Buffer.from('hello blobs');
    const info = await store.ingest(Readable.from([data]));
    assert.deepEqual(info, { digest: sha256(data), size: data.length });
    assert.deepEqual(await store.read(info.digest), data);
    assert.equal(await store.has(info.digest), true);
    await assert.rejects(store.ingest(Readable.from([Buffer.from('other')]), { expected: info.digest }), /digest mismatch/);
    await assert.rejects(store.ingest(Readable.from([Buffer.from('other')]), { expectedSize: 99 }), /size mismatch/);
    assert.deepEqual(readdirSync(join(dir, 'ingest')), [], 'failed ingests leave no temp file');
    assert.deepEqual((await store.list()).map((b) => b.digest), [info.digest]);
    await assert.rejects(store.info(sha256('absent')), /not found/);
    // A crash leaves temp files: the sweep at startup removes them.
    writeFileSync(join(dir, 'ingest', 'leftover'), 'x');
    assert.equal(await store.sweepIngests(), 1);
    await store.delete(info.digest);
    assert.equal(await store.has(info.digest), false);
    const put = await store.put('small');
    assert.equal(put.digest, sha256('small'));
    await assert.rejects(store.put('small', sha256('else')), /digest mismatch/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

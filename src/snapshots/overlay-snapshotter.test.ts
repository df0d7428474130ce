import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sha256 } from '../base/digest.js';
import { OverlaySnapshotter } from './overlay-snapshotter.js';

test('layers appear only when committed; staging and half layers are swept', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'berth-snap-'));
  try {
    const snaps = new OverlaySnapshotter(dir);
    await snaps.init();
    const a = await snaps.stage();
    writeFileSync(join(a.dir, 'f'), 'x');
    assert.deepEqual(await snaps.list(), []);
    const snap = await a.commit(sha256('layer-a'), 1);
    assert.equal(snap.size, 1);
    assert.deepEqual((await snaps.list()).map((s) => s.diffId), [sha256('layer-a')]);
    // The same layer committed twice keeps the first.
    const again = await snaps.stage();
    assert.equal((await again.commit(sha256('layer-a'), 1)).dir, snap.dir);
    const b = await snaps.stage();
    await b.abort();
    await snaps.stage(); // left behind as by a crash
    mkdirSync(join(dir, sha256('no-meta').slice(7)));
    assert.equal(await snaps.sweepStaging(), 2);
    assert.deepEqual(readdirSync(dir), [sha256('layer-a').slice(7)]);
    await snaps.remove(sha256('layer-a'));
    assert.deepEqual(readdirSync(dir), []);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statfsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { NetnsDir } from '../../src/network/index.js';
import { isRoot } from '../helpers/daemon.js';

// nsfs's magic number: what a pinned network namespace's path reports.
const NSFS_MAGIC = 0x6e736673;

/** How many mounts sit on `path` (a directory bound onto itself more than once stacks them). */
function mountsOn(path: string): number {
  return readFileSync('/proc/self/mountinfo', 'utf8').split('\n').filter((l) => l.split(' ')[4] === path).length;
}

test('network namespaces created at once on a fresh directory: its bind mount made once, every namespace pinned', { skip: !isRoot }, async () => {
  const root = mkdtempSync(join(tmpdir(), 'berth-netns-'));
  const dir = new NetnsDir(join(root, 'netns'));
  const ids = Array.from({ length: 6 }, (_, i) => `${i}`.repeat(12));
  try {
    const paths = await Promise.all(ids.map((id) => dir.create(id)));
    // Two concurrent binds would stack: a namespace pinned between them is hidden under the second.
    assert.equal(mountsOn(join(root, 'netns')), 1);
    for (const p of paths) assert.equal(statfsSync(p).type, NSFS_MAGIC, p);
  } finally {
    for (const id of ids) await dir.remove(id);
    // The directory's bind mount of itself (once, or stacked by the race this guards against).
    for (let i = 0; i < 8 && spawnSync('umount', [join(root, 'netns')]).status === 0; i++);
    rmSync(root, { recursive: true, force: true });
  }
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MNT_DETACH, mount, umount2 } from './libc.js';
import { mounted, otherFilesystemOn } from './mountinfo.js';

const isRoot = process.getuid?.() === 0;

test('otherFilesystemOn sees a filesystem mounted on a directory, as the mount table does', { skip: !isRoot }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'mountinfo-'));
  const target = join(dir, 'merged');
  mkdirSync(target);
  try {
    assert.equal(await otherFilesystemOn(target), false);
    assert.equal(await mounted(target), false);
    mount('tmpfs', target, 'tmpfs', 0, 'size=1m');
    assert.equal(await otherFilesystemOn(target), true);
    assert.equal(await mounted(target), true);
    umount2(target, MNT_DETACH);
    assert.equal(await otherFilesystemOn(target), false);
    assert.equal(await otherFilesystemOn(join(dir, 'missing')), false);
  } finally {
    try {
      umount2(target, MNT_DETACH);
    } catch {
      // not mounted
    }
    rmSync(dir, { recursive: true, force: true });
  }
});

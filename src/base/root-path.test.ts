import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resolveInRoot } from './root-path.js';

test('symlinks resolve inside the root, never above it', () => {
  const root = mkdtempSync(join(tmpdir(), 'berth-root-'));
  try {
    mkdirSync(join(root, 'etc'));
    writeFileSync(join(root, 'etc/real'), 'x');
    symlinkSync('/etc/shadow', join(root, 'etc/passwd'));
    symlinkSync('../../../../etc', join(root, 'up'));
    symlinkSync('real', join(root, 'etc/rel'));
    symlinkSync('loop', join(root, 'loop'));
    assert.equal(resolveInRoot(root, '/etc/passwd'), join(root, 'etc/shadow'));
    assert.equal(resolveInRoot(root, '/up/group'), join(root, 'etc/group'));
    assert.equal(resolveInRoot(root, 'etc/rel'), join(root, 'etc/real'));
    assert.equal(resolveInRoot(root, '/etc/rel', false), join(root, 'etc/rel'));
    assert.equal(resolveInRoot(root, '/../../x'), join(root, 'x'));
    assert.equal(resolveInRoot(root, '/'), root);
    assert.throws(() => resolveInRoot(root, '/loop'), /too many levels/);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

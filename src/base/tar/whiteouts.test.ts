import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { lgetxattr } from '../libc.js';
import { TarExtractor, type ExtractOptions } from './index.js';
import { chunked, makeTar, rejectsInvalid, tempDir, type TestEntry } from './test-archives.js';

const root = process.getuid?.() === 0;
const needsRoot = { skip: root ? false : 'needs root' };
const extractor = new TarExtractor();
const dirs: string[] = [];
after(async () => {
  await extractor.close();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function scratch(): { dest: string } {
  const dest = join(tempDir(), 'dest');
  dirs.push(join(dest, '..'));
  mkdirSync(dest);
  return { dest };
}

async function extract(entries: TestEntry[], dest: string, opts: Partial<ExtractOptions> = {}) {
  const archive = await makeTar(entries);
  return extractor.extract(chunked(archive), dest, { whiteouts: 'overlay', allowDevices: false, sameOwner: root, ...opts });
}

test('overlay whiteouts become 0/0 devices and opaque xattrs', needsRoot, async () => {
  const { dest } = scratch();
  mkdirSync(join(dest, 'etc'));
  writeFileSync(join(dest, 'etc/gone'), 'lower');
  await extract(
    [
      { name: 'etc/', type: 'directory' },
      { name: 'etc/.wh.gone', data: '' },
      { name: 'opq/', type: 'directory', pax: { 'SCHILY.xattr.trusted.overlay.redirect': '/x' } },
      { name: 'opq/.wh..wh..opq', data: '' },
      { name: 'opq/kept', data: 'k' },
      { name: '.wh.redo', data: '' },
      { name: 'redo/', type: 'directory' },
    ],
    dest,
  );
  assert.deepEqual(readdirSync(join(dest, 'etc')), ['gone'], 'markers are never written as files');
  const wh = lstatSync(join(dest, 'etc/gone'));
  assert.ok(wh.isCharacterDevice());
  assert.equal(wh.rdev, 0);
  assert.equal(String(lgetxattr(join(dest, 'opq'), 'trusted.overlay.opaque')), 'y');
  assert.equal(lgetxattr(join(dest, 'opq'), 'trusted.overlay.redirect'), undefined, 'layers cannot forge overlay metadata');
  assert.deepEqual(readdirSync(join(dest, 'opq')), ['kept']);
  // A directory that replaces a whiteout must hide the lower directory of that name.
  assert.equal(String(lgetxattr(join(dest, 'redo'), 'trusted.overlay.opaque')), 'y');
});

test('plain whiteouts delete lower content but never entries of the same archive', async () => {
  const { dest } = scratch();
  for (const p of ['a/old/deep', 'b/lower/x', 'b/keep/lower']) mkdirSync(join(dest, p), { recursive: true });
  writeFileSync(join(dest, 'a/file'), 'lower');
  await extract(
    [
      { name: 'a/.wh.old', data: '' },
      { name: 'a/.wh.file', data: '' },
      { name: 'b/keep/new', data: 'n' },
      { name: 'b/.wh..wh..opq', data: '' },
      { name: 'b/late', data: 'l' },
      { name: 'c/same', data: 's' },
      { name: 'c/.wh.same', data: '' },
    ],
    dest,
    { whiteouts: 'plain' },
  );
  assert.deepEqual(readdirSync(join(dest, 'a')), []);
  assert.deepEqual(readdirSync(join(dest, 'b')).sort(), ['keep', 'late']);
  assert.deepEqual(readdirSync(join(dest, 'b/keep')), ['new']);
  assert.equal(readFileSync(join(dest, 'c/same'), 'utf8'), 's');
});

test('whiteouts that name no entry are rejected', async () => {
  for (const name of ['.wh.', 'd/.wh.', 'd/.wh..', '.wh..']) {
    const { dest } = scratch();
    writeFileSync(join(dest, 'keep'), 'k');
    await rejectsInvalid(extract([{ name: 'd/x', data: '' }, { name, data: '' }], dest, { whiteouts: 'plain' }), /invalid whiteout/);
    assert.ok(existsSync(join(dest, 'keep')));
  }
});

test('keep mode writes whiteout markers as ordinary files', async () => {
  const { dest } = scratch();
  await extract([{ name: 'd/.wh.x', data: '' }, { name: 'd/.wh..wh..opq', data: '' }], dest, { whiteouts: 'keep' });
  assert.deepEqual(readdirSync(join(dest, 'd')).sort(), ['.wh..wh..opq', '.wh.x']);
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { TarExtractor } from './extract.js';
import { writeSplitTar } from './tar-split.js';
import { chunked, makeTar, tempDir } from './test-archives.js';

const isRoot = process.getuid?.() === 0;

/** Extracts with a split, rebuilds the tar from the split and the files, returns the bytes. */
async function roundTrip(archive: Buffer, extractor: TarExtractor): Promise<Buffer> {
  const dir = tempDir();
  try {
    mkdirSync(join(dir, 'diff'));
    await extractor.extract(chunked(archive, 7000), join(dir, 'diff'), { whiteouts: 'overlay', allowDevices: true, sameOwner: isRoot, splitPath: join(dir, 'tar-split') });
    const out = new PassThrough();
    const chunks: Buffer[] = [];
    out.on('data', (c: Buffer) => chunks.push(c));
    await writeSplitTar(join(dir, 'tar-split'), out);
    return Buffer.concat(chunks);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('the exact tar comes back from the split and the unpacked files', { skip: !isRoot }, async () => {
  const extractor = new TarExtractor();
  try {
    const long = 'd'.repeat(120) + '/' + 'f'.repeat(130);
    const cases: [string, Buffer][] = [
      ['plain files, dirs, links', await makeTar([
        { name: 'bin/', type: 'directory' },
        { name: 'bin/a', data: 'A'.repeat(1000) },
        { name: 'bin/b', type: 'link', linkname: 'bin/a' },
        { name: 'bin/c', type: 'symlink', linkname: '/bin/a' },
        { name: 'empty', data: '' },
        { name: 'odd', data: 'x'.repeat(513) },
      ])],
      ['long names and PAX records', await makeTar([
        { name: long, data: 'long' },
        { name: 'x', data: 'pax', pax: { 'SCHILY.xattr.user.k': 'v', comment: 'hi' } },
        { name: 'l', type: 'symlink', linkname: 'y'.repeat(150) },
      ])],
      ['a path written twice and a file replaced by a directory', await makeTar([
        { name: 'dup', data: 'first version' },
        { name: 'dup', data: 'second, longer version' },
        { name: 'was-file', data: 'gone soon' },
        { name: 'was-file/', type: 'directory' },
        { name: 'was-file/inner', data: 'inner' },
        { name: 'dir/', type: 'directory' },
        { name: 'dir/keep', data: 'kept in stash' },
        { name: 'dir', type: 'symlink', linkname: '/elsewhere' },
      ])],
      ['whiteouts, even with content', await makeTar([
        { name: 'etc/', type: 'directory' },
        { name: 'etc/.wh.passwd', data: '' },
        { name: 'etc/.wh.odd', data: 'whiteouts should be empty' },
        { name: 'etc/.wh..wh..opq', data: '' },
      ])],
    ];
    // And one written by GNU tar, with its own header flavour and trailing blocks.
    const src = tempDir();
    mkdirSync(join(src, 'tree/sub'), { recursive: true });
    writeFileSync(join(src, 'tree/sub/file'), 'gnu tar content\n'.repeat(300));
    symlinkSync('sub/file', join(src, 'tree/link'));
    cases.push(['GNU tar', execFileSync('tar', ['-C', join(src, 'tree'), '--format=gnu', '-cf', '-', '.'])]);
    cases.push(['POSIX tar', execFileSync('tar', ['-C', join(src, 'tree'), '--format=posix', '-cf', '-', '.'])]);
    rmSync(src, { recursive: true, force: true });
    for (const [name, archive] of cases) {
      const back = await roundTrip(archive, extractor);
      assert.equal(back.length, archive.length, `${name}: same length`);
      assert.ok(back.equals(archive), `${name}: same bytes`);
    }
  } finally {
    await extractor.close();
  }
});

test('a modified layer file is reported, not silently saved', { skip: !isRoot }, async () => {
  const extractor = new TarExtractor();
  const dir = tempDir();
  try {
    mkdirSync(join(dir, 'diff'));
    await extractor.extract(chunked(await makeTar([{ name: 'f', data: 'original' }])), join(dir, 'diff'), { whiteouts: 'overlay', allowDevices: true, sameOwner: true, splitPath: join(dir, 'tar-split') });
    writeFileSync(join(dir, 'diff/f'), 'tampered with');
    await assert.rejects(writeSplitTar(join(dir, 'tar-split'), new PassThrough()), /expected 8: the stored layer was modified/);
    assert.ok(readFileSync(join(dir, 'tar-split')).length > 0);
  } finally {
    await extractor.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

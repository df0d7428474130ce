import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, linkSync, lstatSync, mkdirSync, readFileSync, rmSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import tar from 'tar-stream';
import { lgetxattr, lsetxattr, mknod, S_IFCHR } from '../libc.js';
import { extractTar } from './extract.js';
import { writeLayerTar } from './layer-writer.js';
import { makeTar, tempDir } from './test-archives.js';

const isRoot = process.getuid?.() === 0;

async function tarOf(dir: string, whiteouts: 'overlay' | 'none', exclude?: Set<string>): Promise<Buffer> {
  const out = new PassThrough();
  const chunks: Buffer[] = [];
  out.on('data', (c: Buffer) => chunks.push(c));
  await writeLayerTar(dir, out, { whiteouts, ...(exclude ? { exclude } : {}) });
  return Buffer.concat(chunks);
}

async function entriesOf(archive: Buffer): Promise<string[]> {
  const ex = tar.extract();
  const out: string[] = [];
  const reading = (async () => {
    for await (const e of ex) {
      const h = e.header;
      out.push(`${h.type} ${h.name}${h.linkname ? ` -> ${h.linkname}` : ''}${h.type === 'file' ? ` ${h.size}` : ''} ${(h.mode ?? 0).toString(8)}`);
      e.resume();
    }
  })();
  Readable.from([archive]).pipe(ex);
  await reading;
  return out;
}

test('a tree becomes a sorted, deterministic layer tar', async () => {
  const dir = tempDir();
  try {
    mkdirSync(join(dir, 'b/sub'), { recursive: true });
    writeFileSync(join(dir, 'b/sub/file'), 'hello');
    writeFileSync(join(dir, 'a'), 'first');
    linkSync(join(dir, 'a'), join(dir, 'c-hardlink'));
    symlinkSync('/etc/passwd', join(dir, 'link'));
    utimesSync(join(dir, 'a'), 1_700_000_000, 1_700_000_000);
    const one = await tarOf(dir, 'none', new Set(['link']));
    const two = await tarOf(dir, 'none', new Set(['link']));
    assert.deepEqual(one, two, 'same tree, same bytes');
    assert.deepEqual(await entriesOf(one), ['file a 5 644', 'directory b/ 755', 'directory b/sub/ 755', 'file b/sub/file 5 644', 'link c-hardlink -> a 644']);
    assert.ok((await entriesOf(await tarOf(dir, 'none'))).includes('symlink link -> /etc/passwd 777'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('overlay whiteouts and opaque dirs convert to OCI markers and back', { skip: !isRoot }, async () => {
  const upper = tempDir();
  const back = tempDir();
  try {
    mkdirSync(join(upper, 'etc'));
    mknod(join(upper, 'etc/removed'), S_IFCHR | 0o000, 0, 0);
    mkdirSync(join(upper, 'opaque'));
    lsetxattr(join(upper, 'opaque'), 'trusted.overlay.opaque', 'y');
    writeFileSync(join(upper, 'opaque/kept'), 'k');
    mknod(join(upper, 'real-null'), S_IFCHR | 0o666, 1, 3);
    chmodSync(join(upper, 'real-null'), 0o666);
    const archive = await tarOf(upper, 'overlay');
    const names = await entriesOf(archive);
    assert.ok(names.includes('file etc/.wh.removed 0 600'), names.join('\n'));
    assert.ok(names.includes('file opaque/.wh..wh..opq 0 755'), names.join('\n'));
    assert.ok(names.includes('character-device real-null 666'), names.join('\n'));
    assert.ok(!names.some((n) => n.includes('trusted.overlay')));
    // Reading it back in overlay mode restores the same whiteouts.
    await extractTar(Readable.from([archive]), back, { whiteouts: 'overlay', allowDevices: true, sameOwner: true });
    const wh = lstatSync(join(back, 'etc/removed'));
    assert.ok(wh.isCharacterDevice() && wh.rdev === 0);
    assert.equal(lgetxattr(join(back, 'opaque'), 'trusted.overlay.opaque')?.toString(), 'y');
    assert.equal(readFileSync(join(back, 'opaque/kept'), 'utf8'), 'k');
    assert.ok(lstatSync(join(back, 'real-null')).isCharacterDevice());
    // And writing that back gives the same entries (whiteout devices get fresh mtimes, as in Docker).
    assert.deepEqual(await entriesOf(await tarOf(back, 'overlay')), names);
  } finally {
    rmSync(upper, { recursive: true, force: true });
    rmSync(back, { recursive: true, force: true });
  }
});

test('a layer tar extracted and written again lists the same entries', { skip: !isRoot }, async () => {
  const dir = tempDir();
  try {
    const original = await makeTar([
      { name: 'bin/', type: 'directory' },
      { name: 'bin/tool', data: 'x'.repeat(1000), mode: 0o4755 },
      { name: 'etc/', type: 'directory' },
      { name: 'etc/.wh.gone', data: '' },
      { name: 'etc/conf', data: 'c', uid: 1000, gid: 1000 },
    ]);
    await extractTar(Readable.from([original]), dir, { whiteouts: 'overlay', allowDevices: true, sameOwner: true });
    const again = await entriesOf(await tarOf(dir, 'overlay'));
    assert.deepEqual(again, ['directory bin/ 755', 'file bin/tool 1000 4755', 'directory etc/ 755', 'file etc/.wh.gone 0 600', 'file etc/conf 1 644']);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

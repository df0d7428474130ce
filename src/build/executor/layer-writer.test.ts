import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { linkSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { writeSplitTar } from '../../base/tar/index.js';
import { lgetxattr, lsetxattr, mknod } from '../../base/libc.js';
import { composeLayer, describeDirectory, tarOrder } from './layer-writer.js';
import { tarHeader } from './tar-header.js';

const isRoot = process.getuid?.() === 0;

function target(): { dir: string; splitPath: string; root: string } {
  const root = mkdtempSync(join(tmpdir(), 'berth-layer-'));
  mkdirSync(join(root, 'diff'));
  return { root, dir: join(root, 'diff'), splitPath: join(root, 'tar-split') };
}

async function rebuilt(splitPath: string): Promise<Buffer> {
  const out = new PassThrough();
  const chunks: Buffer[] = [];
  out.on('data', (c: Buffer) => chunks.push(c));
  await writeSplitTar(splitPath, out);
  return Buffer.concat(chunks);
}

const sha = (b: Buffer): string => `sha256:${createHash('sha256').update(b).digest('hex')}`;

describe('layers written without a tar', { skip: !isRoot }, () => {
  test('composed entries: files copied, tar rebuilt from the split hashes to the diff ID', async () => {
    const t = target();
    const src = mkdtempSync(join(tmpdir(), 'berth-src-'));
    try {
      writeFileSync(join(src, 'a'), 'alpha'.repeat(300));
      writeFileSync(join(src, 'empty'), '');
      mkdirSync(join(t.dir, 'app/sub'), { recursive: true });
      symlinkSync('../a', join(t.dir, 'app/link'));
      const long = `app/${'d'.repeat(120)}`;
      mkdirSync(join(t.dir, long));
      const m = 1_700_000_000;
      const layer = await composeLayer(t, [
        { path: 'app/sub', type: 'directory', mode: 0o750, uid: 7, gid: 8, size: 0, mtimeSeconds: m },
        { path: 'app', type: 'directory', mode: 0o755, uid: 0, gid: 0, size: 0, mtimeSeconds: m },
        { path: 'app/sub/a', type: 'file', src: join(src, 'a'), mode: 0o640, uid: 1000, gid: 1000, size: 1500, mtimeSeconds: m },
        { path: 'app/empty', type: 'file', src: join(src, 'empty'), mode: 0o600, uid: 0, gid: 0, size: 0, mtimeSeconds: m },
        { path: 'app/link', type: 'symlink', linkname: '../a', mode: 0o777, uid: 0, gid: 0, size: 0, mtimeSeconds: m },
        { path: long, type: 'directory', mode: 0o700, uid: 0, gid: 0, size: 0, mtimeSeconds: m },
      ]);
      const tar = await rebuilt(t.splitPath);
      assert.equal(sha(tar), layer.diffId);
      assert.equal(tar.length, layer.tarBytes);
      assert.equal(layer.contentBytes, 1500);
      const st = lstatSync(join(t.dir, 'app/sub/a'));
      assert.deepEqual([st.mode & 0o7777, st.uid, st.gid, Math.floor(st.mtimeMs / 1000)], [0o640, 1000, 1000, m]);
      assert.equal(readFileSync(join(t.dir, 'app/sub/a'), 'utf8'), 'alpha'.repeat(300));
      const listing = execFileSync('tar', ['-tv', '--numeric-owner'], { input: tar }).toString();
      assert.match(listing, /^drwxr-xr-x 0\/0 +0 .* app\/\n/m);
      assert.match(listing, /^drwxr-x--- 7\/8 +0 .* app\/sub\/\n/m);
      assert.match(listing, /^-rw-r----- 1000\/1000 +1500 .* app\/sub\/a\n/m);
      assert.match(listing, /app\/link -> \.\.\/a/);
      assert.ok(listing.includes(`${long}/`), 'a long name survives through PAX');
      assert.ok(listing.indexOf('app/\n') < listing.indexOf('app/empty'), 'parents come first');
    } finally {
      rmSync(t.root, { recursive: true, force: true });
      rmSync(src, { recursive: true, force: true });
    }
  });

  test('an empty layer is the empty tar (Docker marks the step empty_layer)', async () => {
    const t = target();
    try {
      const layer = await composeLayer(t, []);
      assert.equal(layer.diffId, 'sha256:5f70bf18a086007016e948b04aed3b82103a36bea41755b6cddfaf10ace3c6ef');
    } finally {
      rmSync(t.root, { recursive: true, force: true });
    }
  });

  test('a container layer: whiteouts, opaque directories, hard links, overlay bookkeeping dropped', async () => {
    const t = target();
    try {
      mkdirSync(join(t.dir, 'etc/opq'), { recursive: true });
      writeFileSync(join(t.dir, 'etc/f'), 'data');
      linkSync(join(t.dir, 'etc/f'), join(t.dir, 'etc/g'));
      mknod(join(t.dir, 'etc/gone'), 0o020000, 0, 0);
      lsetxattr(join(t.dir, 'etc/opq'), 'trusted.overlay.opaque', 'y');
      lsetxattr(join(t.dir, 'etc'), 'trusted.overlay.impure', 'y');
      const layer = await describeDirectory(t);
      const tar = await rebuilt(t.splitPath);
      assert.equal(sha(tar), layer.diffId);
      const names = execFileSync('tar', ['-t'], { input: tar }).toString().trim().split('\n');
      assert.deepEqual(names, ['etc/', 'etc/.wh.gone', 'etc/f', 'etc/g', 'etc/opq/', 'etc/opq/.wh..wh..opq']);
      assert.match(execFileSync('tar', ['-tv'], { input: tar }).toString(), /etc\/g link to etc\/f/);
      assert.equal(lgetxattr(join(t.dir, 'etc'), 'trusted.overlay.impure'), undefined, "overlay's bookkeeping is gone from the files");
      assert.equal(lgetxattr(join(t.dir, 'etc/opq'), 'trusted.overlay.opaque')?.toString(), 'y', 'opacity stays');
    } finally {
      rmSync(t.root, { recursive: true, force: true });
    }
  });
});

test('tar order: depth first, siblings by bytes', () => {
  const e = (path: string) => ({ path, type: 'file' as const, mode: 0, uid: 0, gid: 0, size: 0, mtimeSeconds: 0 });
  assert.deepEqual(tarOrder([e('b'), e('a/z'), e('a'), e('a-b'), e('A')]).map((x) => x.path), ['A', 'a', 'a/z', 'a-b', 'b']);
});

test('ustar headers: checksum, prefix split, PAX for what does not fit', () => {
  const h = tarHeader({ path: 'x', type: 'file', mode: 0o644, uid: 1, gid: 2, size: 3, mtimeSeconds: 4 });
  assert.equal(h.length, 512);
  let sum = 0;
  for (let i = 0; i < 512; i++) sum += i >= 148 && i < 156 ? 0x20 : h[i]!;
  assert.equal(parseInt(h.subarray(148, 154).toString('latin1'), 8), sum);
  const split = tarHeader({ path: `${'p'.repeat(120)}/name`, type: 'file', mode: 0o644, uid: 0, gid: 0, size: 0, mtimeSeconds: 0 });
  assert.equal(split.length, 512, 'a path that splits into prefix and name needs no PAX');
  assert.equal(split.subarray(345, 465).toString('latin1').replace(/\0+$/, ''), 'p'.repeat(120));
  const pax = tarHeader({ path: 'n'.repeat(200), type: 'file', mode: 0o644, uid: 3_000_000, gid: 0, size: 0, mtimeSeconds: 0, xattrs: { 'security.capability': Buffer.from([1, 2]) } });
  assert.equal(pax.length, 512 * 3);
  assert.equal(String.fromCharCode(pax[156]!), 'x');
  const records = pax.subarray(512, 1024).toString('latin1');
  assert.match(records, new RegExp(`\\d+ path=${'n'.repeat(200)}\\n`));
  assert.match(records, /\d+ uid=3000000\n/);
  assert.match(records, /\d+ SCHILY\.xattr\.security\.capability=\x01\x02\n/);
});

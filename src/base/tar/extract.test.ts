import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { createReadStream, existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { lgetxattr } from '../libc.js';
import { cleanName, extractTar, TarExtractor, type ExtractOptions } from './index.js';
import { chunked, makeTar, patchBytes, rejectsInvalid, tempDir, type TestEntry } from './test-archives.js';

const root = process.getuid?.() === 0;
const needsRoot = { skip: root ? false : 'needs root' };
const extractor = new TarExtractor();
const dirs: string[] = [];
after(async () => {
  await extractor.close();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** A scratch dir holding `dest/` (the target) so that escapes would be visible next to it. */
function scratch(): { work: string; dest: string } {
  const work = tempDir();
  dirs.push(work);
  const dest = join(work, 'dest');
  mkdirSync(dest);
  return { work, dest };
}

const overlay: ExtractOptions = { whiteouts: 'overlay', allowDevices: false, sameOwner: root };

async function extract(entries: TestEntry[] | Buffer, dest: string, opts: Partial<ExtractOptions> = {}) {
  const archive = Buffer.isBuffer(entries) ? entries : await makeTar(entries);
  return extractor.extract(chunked(archive), dest, { ...overlay, ...opts });
}

test('cleanName strips leading slashes and dots and rejects escapes', () => {
  assert.deepEqual(cleanName('/etc/passwd'), ['etc', 'passwd']);
  assert.deepEqual(cleanName('./a//b/./c/../d/'), ['a', 'b', 'd']);
  assert.deepEqual(cleanName('./'), []);
  assert.throws(() => cleanName('../x'), /escapes the target directory/);
  assert.throws(() => cleanName('a/../../x'), /escapes the target directory/);
});

test('files, dirs, symlinks, hardlinks with modes, owners, mtimes and xattrs', async () => {
  const { dest } = scratch();
  const mtime = new Date(1_600_000_000_000);
  const res = await extract(
    [
      { name: './', type: 'directory', mode: 0o755 },
      { name: 'bin/', type: 'directory', mode: 0o711, mtime, uid: 7, gid: 8 },
      { name: 'bin/su', data: 'su!', mode: 0o4755, uid: 1000, gid: 1001, mtime, pax: { 'SCHILY.xattr.user.note': 'hi' } },
      { name: 'bin/sudo', type: 'link', linkname: 'bin/su' },
      { name: 'tmp/', type: 'directory', mode: 0o1777 },
      { name: 'lib', type: 'symlink', linkname: '/usr/lib', mtime },
      { name: 'usr/lib/x/' + 'n'.repeat(150), data: 'long name' },
      { name: 'p', type: 'fifo', mode: 0o600 },
    ],
    dest,
    { computeDiffId: true },
  );
  assert.equal(res.entries, 8);
  const su = lstatSync(join(dest, 'bin/su'));
  assert.equal(readFileSync(join(dest, 'bin/su'), 'utf8'), 'su!');
  assert.equal(su.mode & 0o7777, 0o4755);
  assert.equal(su.mtimeMs, mtime.getTime());
  assert.equal(su.nlink, 2);
  assert.equal(lstatSync(join(dest, 'bin/sudo')).ino, su.ino);
  assert.equal(String(lgetxattr(join(dest, 'bin/su'), 'user.note')), 'hi');
  const bin = lstatSync(join(dest, 'bin'));
  assert.equal(bin.mode & 0o7777, 0o711);
  assert.equal(bin.mtimeMs, mtime.getTime(), 'directory mtime is set after its children are written');
  assert.equal(lstatSync(join(dest, 'tmp')).mode & 0o7777, 0o1777);
  assert.equal(readlinkSync(join(dest, 'lib')), '/usr/lib');
  assert.equal(lstatSync(join(dest, 'lib')).mtimeMs, mtime.getTime());
  assert.equal(readFileSync(join(dest, 'usr/lib/x', 'n'.repeat(150)), 'utf8'), 'long name');
  assert.ok(lstatSync(join(dest, 'p')).isFIFO());
  if (root) {
    assert.deepEqual([su.uid, su.gid], [1000, 1001]);
    assert.deepEqual([bin.uid, bin.gid], [7, 8]);
  }
  assert.match(res.diffId ?? '', /^sha256:[0-9a-f]{64}$/);
});

test('binary xattr values survive PAX decoding', async () => {
  const { dest } = scratch();
  const value = Buffer.from([0x00, 0xff, 0xfe, 0x80, 0x0a, 0x3d]);
  const archive = patchBytes(await makeTar([{ name: 'f', pax: { 'SCHILY.xattr.user.bin': 'XXXXXX' } }]), 'XXXXXX', value);
  await extract(archive, dest);
  assert.deepEqual(lgetxattr(join(dest, 'f'), 'user.bin'), value);
});

test('entries that climb out of the target are rejected and nothing is written outside', async () => {
  for (const name of ['../x', 'a/../../x', '/../x']) {
    const { work, dest } = scratch();
    await rejectsInvalid(extract([{ name: 'ok', data: '1' }, { name, data: 'pwned' }], dest), /escapes the target directory/);
    assert.deepEqual(readdirSync(work), ['dest']);
  }
});

test('absolute names land inside the target', async () => {
  const { dest } = scratch();
  await extract([{ name: '/etc/passwd', data: 'root:x:0:0::/root:/bin/sh\n' }], dest);
  assert.match(readFileSync(join(dest, 'etc/passwd'), 'utf8'), /^root:/);
});

test('writes through symlinks pointing outside stay inside the target', async () => {
  // Every target would reach the canary (a sibling of dest) if it were followed on the host.
  const targets = (canary: string) => [canary, '../canary', '../'.repeat(12) + canary.slice(1)];
  for (let i = 0; i < 3; i++) {
    const { work, dest } = scratch();
    const canary = join(work, 'canary');
    mkdirSync(canary);
    const linkname = targets(canary)[i]!;
    await extract(
      [
        { name: 'evil', type: 'symlink', linkname },
        { name: 'evil/pwned', data: 'x' },
        { name: 'evil/sub/deeper', data: 'y' },
      ],
      dest,
    );
    assert.deepEqual(readdirSync(canary), [], `canary untouched via ${linkname}`);
    assert.deepEqual(readdirSync(work).sort(), ['canary', 'dest']);
    // Resolved as in a chroot: `..` stops at dest, absolute paths start there.
    const landed = i === 1 ? join(dest, 'canary') : join(dest, canary);
    assert.equal(readFileSync(join(landed, 'pwned'), 'utf8'), 'x');
    assert.equal(readFileSync(join(landed, 'sub/deeper'), 'utf8'), 'y');
  }
});

test('symlink loops are rejected', async () => {
  const { dest } = scratch();
  await rejectsInvalid(
    extract([{ name: 'a', type: 'symlink', linkname: 'b' }, { name: 'b', type: 'symlink', linkname: '/a' }, { name: 'a/x', data: '' }], dest),
    /too many levels of symbolic links/,
  );
});

test('a symlink as the final component is replaced, never followed', async () => {
  const { work, dest } = scratch();
  const outside = join(work, 'outside');
  writeFileSync(outside, 'keep');
  await extract([{ name: 'f', type: 'symlink', linkname: outside }, { name: 'f', data: 'new' }], dest);
  assert.equal(readFileSync(outside, 'utf8'), 'keep');
  assert.ok(lstatSync(join(dest, 'f')).isFile());
});

test('hard links must point at an existing non-directory inside the target', async () => {
  const cases = (canary: string): [string, TestEntry[]][] => [
    ['../canary/secret', []],
    ['evil/secret', [{ name: 'evil', type: 'symlink', linkname: canary }]],
    ['dir', [{ name: 'dir/', type: 'directory' }]],
    ['missing', []],
  ];
  for (let i = 0; i < 4; i++) {
    const { work, dest } = scratch();
    const canary = join(work, 'canary');
    mkdirSync(canary);
    writeFileSync(join(canary, 'secret'), 's');
    const [linkname, before] = cases(canary)[i]!;
    await rejectsInvalid(extract([...before, { name: 'h', type: 'link', linkname }], dest), /hard link target/);
    assert.equal(existsSync(join(dest, 'h')), false);
    assert.equal(lstatSync(join(canary, 'secret')).nlink, 1);
  }
});

test('device nodes are refused unless allowed', async () => {
  const { dest } = scratch();
  const dev: TestEntry = { name: 'dev/null', type: 'character-device', devmajor: 1, devminor: 3, mode: 0o666 };
  await rejectsInvalid(extract([dev], dest), /device nodes are not allowed here/);
  assert.equal(existsSync(join(dest, 'dev/null')), false);
});

test('device nodes are created when allowed', needsRoot, async () => {
  const { dest } = scratch();
  await extract(
    [
      { name: 'dev/null', type: 'character-device', devmajor: 1, devminor: 3, mode: 0o666 },
      { name: 'dev/loop9', type: 'block-device', devmajor: 7, devminor: 9, mode: 0o660 },
    ],
    dest,
    { allowDevices: true },
  );
  const nul = lstatSync(join(dest, 'dev/null'));
  assert.ok(nul.isCharacterDevice());
  assert.equal(nul.rdev, (1 << 8) | 3);
  assert.equal(nul.mode & 0o7777, 0o666);
  assert.ok(lstatSync(join(dest, 'dev/loop9')).isBlockDevice());
});

test('existing entries are replaced; directories merge', async () => {
  const { dest } = scratch();
  mkdirSync(join(dest, 'merge'));
  writeFileSync(join(dest, 'merge/old'), 'o');
  mkdirSync(join(dest, 'was-dir/sub'), { recursive: true });
  await extract(
    [
      { name: 'merge/', type: 'directory', mode: 0o700 },
      { name: 'was-dir', data: 'now a file' },
      { name: 'l', type: 'symlink', linkname: 'x' },
      { name: 'l', type: 'symlink', linkname: 'y' },
    ],
    dest,
  );
  assert.deepEqual(readdirSync(join(dest, 'merge')), ['old']);
  assert.equal(lstatSync(join(dest, 'merge')).mode & 0o777, 0o700);
  assert.equal(readFileSync(join(dest, 'was-dir'), 'utf8'), 'now a file');
  assert.equal(readlinkSync(join(dest, 'l')), 'y');
});

test('gzip input, file input, diff_id and progress', async () => {
  const tarball = await makeTar([{ name: 'a', data: 'x'.repeat(100_000) }, { name: 'b/c', data: 'y' }]);
  const gz = gzipSync(tarball);
  const { work, dest } = scratch();
  let progress = 0;
  const res = await extract(gz, dest, { computeDiffId: true, onProgress: (n) => (progress = n) });
  assert.equal(readFileSync(join(dest, 'a'), 'utf8').length, 100_000);
  assert.equal(res.bytes, gz.length);
  assert.equal(progress, gz.length);
  assert.equal(res.diffId, `sha256:${createHash('sha256').update(tarball).digest('hex')}`);
  const file = join(work, 'layer.tar.gz');
  writeFileSync(file, gz);
  const dest2 = join(work, 'dest2');
  mkdirSync(dest2);
  const res2 = await extractTar({ path: file }, dest2, { ...overlay, computeDiffId: true });
  assert.equal(res2.diffId, res.diffId);
  assert.equal(readFileSync(join(dest2, 'b/c'), 'utf8'), 'y');
});

test('an fs.ReadStream is read as a stream, honouring its start offset', async () => {
  const { work, dest } = scratch();
  const file = join(work, 'embedded');
  writeFileSync(file, Buffer.concat([Buffer.alloc(512, 0x41), await makeTar([{ name: 'inner', data: 'i' }])]));
  await extractor.extract(createReadStream(file, { start: 512 }), dest, overlay);
  assert.equal(readFileSync(join(dest, 'inner'), 'utf8'), 'i');
});

test('unsupported compression, truncated and garbage input are rejected', async () => {
  const tarball = await makeTar([{ name: 'a', data: 'z'.repeat(50_000) }]);
  const zstd = Buffer.concat([Buffer.from([0x28, 0xb5, 0x2f, 0xfd]), Buffer.alloc(100)]);
  const xz = Buffer.concat([Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]), Buffer.alloc(100)]);
  await rejectsInvalid(extract(zstd, scratch().dest), /unsupported compression: zstd/);
  await rejectsInvalid(extract(xz, scratch().dest), /unsupported compression: xz/);
  await rejectsInvalid(extract(tarball.subarray(0, 20_000), scratch().dest), /invalid tar archive/);
  await rejectsInvalid(extract(Buffer.alloc(3000, 0x41), scratch().dest), /invalid tar archive/);
  await rejectsInvalid(extract(Buffer.from('no'), scratch().dest), /invalid tar archive/);
  await rejectsInvalid(extract(gzipSync(tarball).subarray(0, 60), scratch().dest), /invalid tar archive/);
  // The same extractor (and worker) still works after failures.
  const { dest } = scratch();
  await extract(tarball, dest);
  assert.equal(readFileSync(join(dest, 'a'), 'utf8').length, 50_000);
});

test('abort stops the extraction and rejects with the reason', async () => {
  const tarball = await makeTar([{ name: 'big', data: Buffer.alloc(1 << 20, 1) }, { name: 'after', data: 'x' }]);
  const { dest } = scratch();
  const ac = new AbortController();
  const reason = new Error('user cancelled');
  const input = chunked(tarball.subarray(0, 600_000), 64 * 1024, false); // stalls, never ends
  const p = extractor.extract(input, dest, {
    ...overlay,
    signal: ac.signal,
    onProgress: (n) => n > 0 && ac.abort(reason),
  });
  await assert.rejects(p, (err) => err === reason);
  assert.ok(input.destroyed);
  assert.equal(existsSync(join(dest, 'after')), false);
  const pre = AbortSignal.abort(reason);
  await assert.rejects(extractTar(chunked(tarball), dest, { ...overlay, signal: pre }), (err) => err === reason);
});

test('a closed extractor refuses work', async () => {
  const x = new TarExtractor();
  await x.close();
  await assert.rejects(x.extract(chunked(Buffer.alloc(1024)), scratch().dest, overlay), /closed/);
});

test('an input stream error rejects with that error', async () => {
  const { dest } = scratch();
  const input = chunked(Buffer.alloc(10_000), 1024, false);
  const boom = new Error('socket reset');
  setTimeout(() => input.destroy(boom), 20);
  await assert.rejects(extractor.extract(input, dest, overlay), (err) => err === boom);
});

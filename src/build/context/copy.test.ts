/**
 * COPY/ADD planning against real directories: moby's checksum formulas (file:/dir:/multi:,
 * contents and modes count, mtimes do not), wildcard and path resolution with Docker's messages,
 * the destination rules, owners, archives for ADD, and --chown lookups.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { makeTar } from '../../base/tar/test-archives.js';
import { SourceHasher, combinedChecksum, hashStrings } from './checksum.js';
import { parseChmod, resolveChown } from './chown.js';
import { normalizeDest, planCopy, type CopyEntry } from './copy-plan.js';
import { resolveSources, type CopySourcesRequest } from './copy-sources.js';

const dirs: string[] = [];
after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** A context directory from a `path → content` map (`/`-suffixed keys are directories). */
function context(tree: Record<string, string | Buffer>): string {
  const root = mkdtempSync(join(tmpdir(), 'berth-copy-'));
  dirs.push(root);
  for (const [path, data] of Object.entries(tree)) {
    if (path.endsWith('/')) mkdirSync(join(root, path), { recursive: true });
    else {
      mkdirSync(join(root, path, '..'), { recursive: true });
      writeFileSync(join(root, path), data);
      chmodSync(join(root, path), 0o644);
    }
  }
  return root;
}

async function resolve(root: string, sources: string[], dest = '/dst/', cmdName: 'COPY' | 'ADD' = 'COPY'): ReturnType<typeof resolveSources> {
  const req: CopySourcesRequest = { cmdName, sources, dest, fromContext: true };
  return resolveSources(req, new SourceHasher(root));
}

const uid = process.getuid?.() ?? 0;
const gid = process.getgid?.() ?? 0;

describe('checksums', () => {
  test('a file: sha256 of the tarsum v1 header fields and the content', async () => {
    const root = context({ 'a.txt': 'hello' });
    const header = `namea.txtmode420uid${uid}gid${gid}size5typeflag0linknameunamegnamedevmajor0devminor0`;
    const expected = createHash('sha256').update(header).update('hello').digest('hex');
    assert.equal(await new SourceHasher(root).sourceChecksum('a.txt'), `file:${expected}`);
  });

  test('contents and modes change it; mtimes do not', async () => {
    const root = context({ 'a.txt': 'hello' });
    const sum = async (): Promise<string> => new SourceHasher(root).sourceChecksum('a.txt');
    const first = await sum();
    utimesSync(join(root, 'a.txt'), new Date(1), new Date(1));
    assert.equal(await sum(), first);
    chmodSync(join(root, 'a.txt'), 0o755);
    const moded = await sum();
    assert.notEqual(moded, first);
    writeFileSync(join(root, 'a.txt'), 'hellO');
    chmodSync(join(root, 'a.txt'), 0o755);
    assert.notEqual(await sum(), moded);
  });

  test('a directory: dir: over the sorted member sums, itself included', async () => {
    const root = context({ 'd/x': '1', 'd/sub/y': '2' });
    const h = new SourceHasher(root);
    const members = await Promise.all(['d', 'd/sub', 'd/sub/y', 'd/x'].map((p) => h.hash(p)));
    assert.equal(await h.sourceChecksum('d'), hashStrings('dir', members.sort()));
    const all = await Promise.all(['d', 'd/sub', 'd/sub/y', 'd/x'].map((p) => h.hash(p)));
    assert.equal(await h.sourceChecksum('.'), hashStrings('dir', all.sort()));
  });

  test('several sources: multi:; one: itself', async () => {
    assert.equal(combinedChecksum(['file:a']), 'file:a');
    assert.equal(combinedChecksum(['file:a', 'dir:b']), `multi:${createHash('sha256').update('file:a,dir:b').digest('hex')}`);
  });

  test('a symlink source hashes what it points to, inside the root', async () => {
    const root = context({ 'real.txt': 'data' });
    symlinkSync('/real.txt', join(root, 'abs-link'));
    const h = new SourceHasher(root);
    assert.equal(await h.sourceChecksum('abs-link'), await h.sourceChecksum('real.txt'));
  });
});

describe('COPY/ADD sources', () => {
  test('wildcards match per path segment, in lexical order', async () => {
    const root = context({ 'a.go': '', 'b.go': '', 'c.txt': '', 'sub/d.go': '' });
    const r = await resolve(root, ['*.go']);
    assert.deepEqual(r.sources.map((s) => (s.kind === 'path' ? s.path : s.url)), ['a.go', 'b.go']);
    assert.match(r.checksum, /^multi:/);
    const nested = await resolve(root, ['*/*.go']);
    assert.deepEqual(nested.sources.map((s) => (s.kind === 'path' ? s.path : '')), ['sub/d.go']);
  });

  test("Docker's messages", async () => {
    const root = context({ 'a.txt': '', 'b.txt': '' });
    await assert.rejects(resolve(root, ['missing.txt']), { message: 'COPY failed: file not found in build context or excluded by .dockerignore: stat missing.txt: file does not exist' });
    await assert.rejects(resolveSources({ cmdName: 'COPY', sources: ['missing'], dest: '/x', fromContext: false }, new SourceHasher(root)), { message: 'COPY failed: stat missing: file does not exist' });
    await assert.rejects(resolve(root, ['*.md']), { message: 'COPY failed: no source files were specified' });
    await assert.rejects(resolve(root, ['a.txt', 'b.txt'], '/dst'), { message: 'When using COPY with more than one source file, the destination must be a directory and end with a /' });
    await assert.rejects(resolve(root, ['*.txt'], '/dst', 'ADD'), { message: 'When using ADD with more than one source file, the destination must be a directory and end with a /' });
    await assert.rejects(resolve(root, ['https://example.com/x']), { message: "COPY failed: source can't be a URL for COPY" });
    await assert.rejects(resolve(root, ['../etc/passwd']), { message: 'COPY failed: forbidden path outside the build context: ../etc/passwd ()' });
  });

  test('leading / and ./ are the context root; ADD keeps URLs for the executor', async () => {
    const root = context({ 'a.txt': 'x' });
    const r = await resolve(root, ['/a.txt', './a.txt', 'https://example.com/f.tgz'], '/d/', 'ADD');
    assert.deepEqual(r.sources.map((s) => (s.kind === 'path' ? s.path : s.url)), ['a.txt', 'a.txt', 'https://example.com/f.tgz']);
  });

  test('a symlink out of the context resolves inside it', async () => {
    const root = context({ 'etc/passwd': 'inside' });
    symlinkSync('../../../../etc/passwd', join(root, 'link'));
    const r = await resolve(root, ['link']);
    const s = r.sources[0]!;
    assert.ok(s.kind === 'path' && s.fullPath === join(root, 'etc/passwd'));
  });
});

describe('copy plan', () => {
  const dests = (entries: CopyEntry[]): string[] => entries.map((e) => `${e.type[0]}:${e.dest}`);

  test('a directory copies its contents; parents are ensured', async () => {
    const root = context({ 'app/': '', 'app/x': '1', 'app/lib/y': '2' });
    symlinkSync('x', join(root, 'app/link'));
    const { sources } = await resolve(root, ['app']);
    const plan = await planCopy(sources, { dest: '/srv/app', workdir: '/' });
    assert.deepEqual(dests(plan), ['d:/srv', 'd:/srv/app', 'd:/srv/app/lib', 'f:/srv/app/lib/y', 's:/srv/app/link', 'f:/srv/app/x']);
    assert.deepEqual(plan.map((e) => ('uid' in e ? [e.uid, e.gid] : [])), plan.map(() => [0, 0]));
    const link = plan.find((e) => e.type === 'symlink');
    assert.ok(link?.type === 'symlink' && link.target === 'x');
  });

  test('a file goes into a directory destination, or becomes the destination', async () => {
    const root = context({ 'a.txt': 'hello' });
    const { sources } = await resolve(root, ['a.txt']);
    assert.deepEqual(dests(await planCopy(sources, { dest: '/d/', workdir: '/' })), ['d:/d', 'f:/d/a.txt']);
    assert.deepEqual(dests(await planCopy(sources, { dest: '/d/b.txt', workdir: '/' })), ['d:/d', 'f:/d/b.txt']);
    assert.deepEqual(dests(await planCopy(sources, { dest: '/d', workdir: '/', isDirectory: async (p) => p === '/d' })), ['d:/d', 'f:/d/a.txt']);
    assert.deepEqual(dests(await planCopy(sources, { dest: 'rel/', workdir: '/work' })), ['d:/work', 'd:/work/rel', 'f:/work/rel/a.txt']);
  });

  test('a symlink source is followed but keeps its own name', async () => {
    const root = context({ 'real.txt': 'data' });
    symlinkSync('real.txt', join(root, 'alias'));
    const { sources } = await resolve(root, ['alias']);
    const plan = await planCopy(sources, { dest: '/d/', workdir: '/' });
    const file = plan.find((e) => e.type === 'file');
    assert.ok(file?.type === 'file' && file.dest === '/d/alias' && file.src === join(root, 'real.txt') && file.size === 4);
  });

  test('owners: root, --chown, or preserved for COPY --from; --chmod; modes kept', async () => {
    const root = context({ 'dir/f': 'x' });
    chmodSync(join(root, 'dir/f'), 0o750);
    const { sources } = await resolve(root, ['dir']);
    const owned = (await planCopy(sources, { dest: '/d', workdir: '/', chown: { uid: 1000, gid: 1001 } })).filter((e) => e.type === 'file');
    assert.deepEqual(owned.map((e) => e.type === 'file' && [e.uid, e.gid, e.mode]), [[1000, 1001, 0o750]]);
    const kept = (await planCopy(sources, { dest: '/d', workdir: '/', preserveOwnership: true })).filter((e) => e.type === 'file');
    assert.deepEqual(kept.map((e) => e.type === 'file' && [e.uid, e.gid]), [[uid, gid]]);
    const moded = (await planCopy(sources, { dest: '/d', workdir: '/', chmod: 0o600 })).filter((e) => e.type === 'file');
    assert.deepEqual(moded.map((e) => e.type === 'file' && e.mode), [0o600]);
  });

  test('--exclude skips matching members', async () => {
    const root = context({ 'src/a.go': '', 'src/a_test.go': '', 'src/doc/x.md': '' });
    const { sources } = await resolve(root, ['src']);
    assert.deepEqual(dests(await planCopy(sources, { dest: '/s', workdir: '/', excludes: ['*_test.go', 'doc'] })), ['d:/s', 'f:/s/a.go']);
  });

  test('ADD extracts local archives (plain or compressed); other files are copied', async () => {
    const tarball = await makeTar([{ name: 'inner.txt', data: 'x' }]);
    const root = context({ 'a.tar': tarball, 'b.tar.gz': gzipSync(tarball), 'c.txt': 'not an archive' });
    const { sources } = await resolve(root, ['a.tar', 'b.tar.gz', 'c.txt'], '/x/', 'ADD');
    assert.deepEqual(dests(await planCopy(sources, { dest: '/x/', workdir: '/', decompress: true })), ['d:/x', 'e:/x', 'd:/x', 'e:/x', 'd:/x', 'f:/x/c.txt']);
    assert.deepEqual(dests(await planCopy(sources.slice(0, 1), { dest: '/x/', workdir: '/' })), ['d:/x', 'f:/x/a.tar']);
  });

  test('normalizeDest', () => {
    assert.equal(normalizeDest('/app', 'sub/'), '/app/sub/');
    assert.equal(normalizeDest('/app', '.'), '/app');
    assert.equal(normalizeDest('/app', '/abs/../x'), '/x');
    assert.equal(normalizeDest('/', '/'), '/');
  });
});

describe('--chown and --chmod', () => {
  const passwd = 'root:x:0:0:root:/root:/bin/sh\napp:x:1000:1000::/home/app:/bin/sh\n';
  const group = 'root:x:0:\napp:x:1000:\nstaff:x:50:app\n';

  test('names from the image, numbers as they are, user alone doubles as group name', () => {
    assert.deepEqual(resolveChown('app', passwd, group), { uid: 1000, gid: 1000 });
    assert.deepEqual(resolveChown('app:staff', passwd, group), { uid: 1000, gid: 50 });
    assert.deepEqual(resolveChown('1234:5678', undefined, undefined), { uid: 1234, gid: 5678 });
    assert.deepEqual(resolveChown('42', undefined, undefined), { uid: 42, gid: 42 });
  });

  test("moby's messages", () => {
    const prefix = 'unable to convert uid/gid chown string to host mapping: ';
    assert.throws(() => resolveChown('a:b:c', passwd, group), { message: `${prefix}invalid chown string format: a:b:c` });
    assert.throws(() => resolveChown('nobody', passwd, group), { message: `${prefix}can't find uid for user nobody: no such user: nobody` });
    assert.throws(() => resolveChown('app:wheel', passwd, group), { message: `${prefix}can't find gid for group wheel: no such group: wheel` });
    assert.throws(() => resolveChown('app', undefined, group), { message: `${prefix}can't find uid for user app: open /etc/passwd: no such file or directory` });
  });

  test('octal --chmod', () => {
    assert.equal(parseChmod('755'), 0o755);
    assert.equal(parseChmod('0640'), 0o640);
    assert.throws(() => parseChmod('u+x'), { message: 'invalid chmod parameter: u+x' });
  });
});

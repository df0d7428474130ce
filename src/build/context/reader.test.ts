/**
 * The context reader: every body format Docker accepts, hostile archives, finding the
 * Dockerfile (also the CLI's `.dockerfile.<random>` for a Dockerfile outside the context) and
 * .dockerignore applied as moby and the CLI do.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { after, describe, test } from 'node:test';
import { gzipSync } from 'node:zlib';
import * as zlib from 'node:zlib';
import { makeTar, type TestEntry } from '../../base/tar/test-archives.js';
import { readBuildContext, type ReadContextOptions } from './reader.js';

const dirs: string[] = [];
after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'berth-ctx-'));
  dirs.push(d);
  return d;
}

async function read(body: Buffer, opts: ReadContextOptions = {}): Promise<{ root: string; ctx: Awaited<ReturnType<typeof readBuildContext>> }> {
  const root = tempDir();
  const ctx = await readBuildContext(Readable.from([body]), root, opts);
  return { root, ctx };
}

function files(root: string, rel = ''): string[] {
  const out: string[] = [];
  for (const e of readdirSync(join(root, rel), { withFileTypes: true })) {
    const p = rel === '' ? e.name : `${rel}/${e.name}`;
    out.push(e.isDirectory() ? `${p}/` : p);
    if (e.isDirectory()) out.push(...files(root, p));
  }
  return out.sort();
}

function viaTool(tool: string, data: Buffer): Buffer {
  const r = spawnSync(tool, ['-c'], { input: data });
  assert.equal(r.status, 0, r.stderr.toString());
  return r.stdout;
}

const basic: TestEntry[] = [
  { name: 'Dockerfile', data: 'FROM busybox\nCOPY . /app\n' },
  { name: 'src/', type: 'directory' },
  { name: 'src/main.c', data: 'int main(){}' },
];

describe('context reader: formats', () => {
  test('plain tar', async () => {
    const { root, ctx } = await read(await makeTar(basic));
    assert.equal(ctx.dockerfile, 'FROM busybox\nCOPY . /app\n');
    assert.equal(ctx.dockerfilePath, 'Dockerfile');
    assert.deepEqual(files(root), ['Dockerfile', 'src/', 'src/main.c']);
  });

  for (const [name, pack] of [
    ['gzip', (b: Buffer) => gzipSync(b)],
    ['bzip2', (b: Buffer) => viaTool('bzip2', b)],
    ['xz', (b: Buffer) => viaTool('xz', b)],
    ['zstd', (b: Buffer) => (zlib as unknown as { zstdCompressSync: (b: Buffer) => Buffer }).zstdCompressSync(b)],
  ] as const) {
    test(`${name}-compressed tar, recognised by its magic bytes`, async () => {
      const { root } = await read(pack(await makeTar(basic)));
      assert.equal(readFileSync(join(root, 'src/main.c'), 'utf8'), 'int main(){}');
    });
  }

  test('a bare Dockerfile (docker build - < Dockerfile from API clients)', async () => {
    const { root, ctx } = await read(Buffer.from('FROM alpine\nRUN true\n'));
    assert.deepEqual([ctx.dockerfile, ctx.hasFiles, files(root)], ['FROM alpine\nRUN true\n', false, []]);
  });

  test('a corrupt compressed body fails', async () => {
    const bad = viaTool('xz', await makeTar(basic)).subarray(0, 40);
    await assert.rejects(read(bad));
  });
});

describe('context reader: hostile archives', () => {
  test('../ and absolute names never leave the directory', async () => {
    const parent = tempDir();
    const root = join(parent, 'ctx');
    mkdirSync(root);
    await assert.rejects(readBuildContext(Readable.from([await makeTar([{ name: '../escape', data: 'x' }])]), root));
    assert.equal(existsSync(join(parent, 'escape')), false);
  });

  test('a symlink to / followed by a file through it stays inside', async () => {
    const outside = tempDir();
    const entries: TestEntry[] = [
      { name: 'Dockerfile', data: 'FROM x' },
      { name: 'link', type: 'symlink', linkname: outside },
      { name: 'link/pwned', data: 'x' },
    ];
    const { root } = await read(await makeTar(entries));
    assert.deepEqual(readdirSync(outside), []);
    assert.equal(readFileSync(join(root, outside.slice(1), 'pwned'), 'utf8'), 'x');
  });

  test('a Dockerfile symlinked outside the context is read inside it', async () => {
    const entries: TestEntry[] = [
      { name: 'etc/', type: 'directory' },
      { name: 'etc/passwd', data: 'FROM inside' },
      { name: 'Dockerfile', type: 'symlink', linkname: '/etc/passwd' },
    ];
    const { ctx } = await read(await makeTar(entries));
    assert.equal(ctx.dockerfile, 'FROM inside');
  });
});

describe('context reader: the Dockerfile', () => {
  test('named by the dockerfile parameter; `Dockerfile` falls back to `dockerfile`', async () => {
    const { ctx } = await read(await makeTar([{ name: 'build/Dockerfile.dev', data: 'FROM dev' }]), { dockerfile: 'build/Dockerfile.dev' });
    assert.equal(ctx.dockerfile, 'FROM dev');
    const lower = await read(await makeTar([{ name: 'dockerfile', data: 'FROM lower' }]));
    assert.deepEqual([lower.ctx.dockerfile, lower.ctx.dockerfilePath], ['FROM lower', 'dockerfile']);
  });

  test('missing and empty Dockerfiles', async () => {
    await assert.rejects(read(await makeTar([{ name: 'x', data: 'y' }])), { message: 'Cannot locate specified Dockerfile: Dockerfile' });
    await assert.rejects(read(await makeTar([{ name: 'x', data: 'y' }]), { dockerfile: 'other' }), { message: 'Cannot locate specified Dockerfile: other' });
    await assert.rejects(read(await makeTar([{ name: 'Dockerfile', data: '' }])), { message: 'the Dockerfile (Dockerfile) cannot be empty' });
    await assert.rejects(read(Buffer.alloc(0)), { message: 'Cannot locate specified Dockerfile: Dockerfile' });
  });

  test('a Dockerfile from outside the context (the CLI sends .dockerfile.<random> and ignores it)', async () => {
    const entries: TestEntry[] = [
      { name: '.dockerignore', data: 'secret\n.dockerfile.0123abcd\n.dockerignore\n' },
      { name: '.dockerfile.0123abcd', data: 'FROM outside' },
      { name: 'app.txt', data: 'app' },
    ];
    const { root, ctx } = await read(await makeTar(entries), { dockerfile: '.dockerfile.0123abcd' });
    assert.equal(ctx.dockerfile, 'FROM outside');
    assert.deepEqual(files(root), ['app.txt']);
    assert.deepEqual(ctx.ignore, ['secret', '.dockerfile.0123abcd', '.dockerignore']);
  });
});

describe('context reader: .dockerignore', () => {
  const entries: TestEntry[] = [
    { name: 'Dockerfile', data: 'FROM x' },
    { name: '.dockerignore', data: '# comment\nnode_modules\n!node_modules/keep\n*.log\n**/*.tmp\n/build\nDockerfile\n' },
    { name: 'a.log', data: '' },
    { name: 'sub/b.log', data: '' },
    { name: 'sub/c.tmp', data: '' },
    { name: 'sub/d.txt', data: '' },
    { name: 'node_modules/x/index.js', data: '' },
    { name: 'node_modules/keep/index.js', data: '' },
    { name: 'build/out', data: '' },
    { name: 'src/build/y', data: '' },
  ];

  test('left to the client for local contexts: only the Dockerfile/.dockerignore rule applies', async () => {
    const { root, ctx } = await read(await makeTar(entries));
    assert.equal(ctx.dockerfile, 'FROM x');
    assert.ok(!existsSync(join(root, 'Dockerfile')), 'an ignored Dockerfile is not copyable');
    assert.ok(existsSync(join(root, 'a.log')));
  });

  test('applied server-side for remote contexts, exceptions re-including children', async () => {
    const { root } = await read(await makeTar(entries), { applyIgnore: true });
    assert.deepEqual(files(root), ['.dockerignore', 'node_modules/', 'node_modules/keep/', 'node_modules/keep/index.js', 'src/', 'src/build/', 'src/build/y', 'sub/', 'sub/b.log', 'sub/d.txt']);
  });

  test('<Dockerfile>.dockerignore wins over .dockerignore', async () => {
    const own: TestEntry[] = [
      { name: 'app.Dockerfile', data: 'FROM x' },
      { name: 'app.Dockerfile.dockerignore', data: 'a\n' },
      { name: '.dockerignore', data: 'b\n' },
      { name: 'a', data: '' },
      { name: 'b', data: '' },
    ];
    const { root, ctx } = await read(await makeTar(own), { dockerfile: 'app.Dockerfile', applyIgnore: true });
    assert.deepEqual(ctx.ignore, ['a']);
    assert.ok(existsSync(join(root, 'b')) && !existsSync(join(root, 'a')));
  });
});

describe('member sums computed while extracting', { skip: process.getuid?.() !== 0 }, () => {
  test('equal what hashing the extracted files gives, so the cache key never reads them twice', async () => {
    const { SourceHasher } = await import('./checksum.js');
    const tar = await makeTar([
      { name: 'Dockerfile', data: 'FROM scratch\n' },
      { name: 'dir/', type: 'directory' },
      { name: 'dir/a.txt', data: 'alpha', mode: 0o640, uid: 1000, gid: 50 },
      { name: './dir/empty', data: '' },
      { name: 'big', data: 'x'.repeat(300_000), mode: 0o4755 },
      { name: 'link', type: 'symlink', linkname: 'big' },
    ]);
    const { root, ctx } = await read(tar);
    assert.deepEqual([...(ctx.sums?.keys() ?? [])].sort(), ['Dockerfile', 'big', 'dir/a.txt', 'dir/empty']);
    const lazy = new SourceHasher(root);
    for (const [name, sum] of ctx.sums ?? []) assert.equal(sum, await lazy.hash(name), name);
    const known = new SourceHasher(root, ctx.sums);
    assert.equal(await known.sourceChecksum('dir'), await lazy.sourceChecksum('dir'));
  });
});

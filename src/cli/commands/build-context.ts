/**
 * The build context as the docker CLI sends it (cli/command/image/build and moby's
 * go-archive TarWithOptions): the context directory as a tar, owned by root, without what
 * .dockerignore excludes (but always with the Dockerfile and .dockerignore), a Dockerfile from
 * outside the context added as `.dockerfile.<random>`; or stdin, a tar as it is or a Dockerfile.
 */
import { randomBytes } from '../../base/crypto.js';
import { createReadStream, type Stats } from 'node:fs';
import { lstat, readFile, readdir, readlink } from 'node:fs/promises';
import { isAbsolute, join, relative, resolve, sep } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import tar from 'tar-stream';
import { PatternMatcher, readIgnoreFile } from '../../base/patternmatcher.js';

export interface ContextTar {
  body: Readable;
  /** The `dockerfile` parameter: its path in the context. */
  dockerfile: string;
}

/** Tars `dir` with `dockerfile` (a path as given by `-f`, or '' for the default). */
export async function contextFromDir(dir: string, dockerfileFlag: string, dockerfileOnStdin?: Buffer): Promise<ContextTar> {
  const root = resolve(dir);
  const st = await lstat(root).catch(() => undefined);
  if (!st?.isDirectory()) throw new Error(`unable to prepare context: path "${dir}" not found`);
  let dockerfile = dockerfileFlag === '' ? 'Dockerfile' : dockerfileFlag;
  let extra: { name: string; data: Buffer } | undefined;
  if (dockerfileOnStdin) {
    extra = { name: randomDockerfileName(), data: dockerfileOnStdin };
  } else {
    const abs = isAbsolute(dockerfile) ? dockerfile : dockerfileFlag === '' ? join(root, dockerfile) : resolve(dockerfile);
    const found = await findDockerfile(abs, dockerfileFlag === '');
    const rel = relative(root, found);
    if (rel.startsWith('..') || isAbsolute(rel)) extra = { name: randomDockerfileName(), data: await readFile(found) };
    else dockerfile = rel.split(sep).join('/');
  }
  if (extra) dockerfile = extra.name;
  let excludes = await readDockerignore(root);
  // The Dockerfile and .dockerignore are always sent (moby's TrimBuildFilesFromExcludes).
  const keep = ['.dockerignore', ...(extra ? [] : [dockerfile])];
  if (excludes.length > 0) excludes = [...excludes, ...keep.map((k) => `!${k}`)];
  const matcher = excludes.length > 0 ? new PatternMatcher(excludes) : undefined;
  const pack = tar.pack();
  const body = new PassThrough({ highWaterMark: 1 << 20 });
  pack.pipe(body);
  pack.on('error', (err) => body.destroy(err));
  void writeTree(pack, root, matcher, extra).then(
    () => pack.finalize(),
    (err: unknown) => pack.destroy(err as Error),
  );
  return { body, dockerfile };
}

/** `docker build -`: a tar (maybe compressed) goes as it is; anything else is a Dockerfile. */
export async function contextFromStdin(input: Buffer, dockerfileFlag: string): Promise<ContextTar> {
  if (isArchive(input)) return { body: Readable.from([input]), dockerfile: dockerfileFlag };
  const pack = tar.pack();
  const name = dockerfileFlag === '' ? 'Dockerfile' : dockerfileFlag;
  const body = new PassThrough();
  pack.pipe(body);
  pack.entry({ name, mode: 0o600, uid: 0, gid: 0, mtime: new Date() }, input);
  pack.finalize();
  return { body, dockerfile: name };
}

function isArchive(b: Buffer): boolean {
  if (b[0] === 0x1f && b[1] === 0x8b) return true;
  if (b.subarray(0, 3).toString('latin1') === 'BZh') return true;
  if (b[0] === 0xfd && b.subarray(1, 6).toString('latin1') === '7zXZ\0') return true;
  if (b[0] === 0x28 && b[1] === 0xb5 && b[2] === 0x2f && b[3] === 0xfd) return true;
  return b.length >= 512 && b.subarray(257, 262).toString('latin1') === 'ustar';
}

function randomDockerfileName(): string {
  return `.dockerfile.${randomBytes(10).toString('hex')}`;
}

/** The Dockerfile, or for the default name its lower-case spelling, as the docker CLI looks. */
async function findDockerfile(abs: string, isDefault: boolean): Promise<string> {
  const exists = async (p: string): Promise<boolean> => (await lstat(p).catch(() => undefined)) !== undefined;
  if (await exists(abs)) return abs;
  if (isDefault) {
    const lower = join(abs, '..', 'dockerfile');
    if (await exists(lower)) return lower;
  }
  throw new Error(`unable to prepare context: unable to evaluate symlinks in Dockerfile path: lstat ${abs}: no such file or directory`);
}

async function readDockerignore(root: string): Promise<string[]> {
  try {
    return readIgnoreFile(await readFile(join(root, '.dockerignore'), 'utf8'));
  } catch {
    return [];
  }
}

type Pack = ReturnType<typeof tar.pack>;

/** Every path not excluded, sorted, owned by root (docker's ChownOpts), symlinks as links. */
async function writeTree(pack: Pack, root: string, matcher: PatternMatcher | undefined, extra: { name: string; data: Buffer } | undefined): Promise<void> {
  const entry = (header: Parameters<Pack['entry']>[0], data?: Buffer): Promise<void> =>
    new Promise((res, rej) => {
      const cb = (err?: unknown): void => (err ? rej(err as Error) : res());
      if (data !== undefined) pack.entry(header, data, cb);
      else pack.entry(header, cb);
    });
  const walk = async (rel: string): Promise<void> => {
    const dir = rel === '' ? root : join(root, rel);
    for (const name of (await readdir(dir)).sort()) {
      const childRel = rel === '' ? name : `${rel}/${name}`;
      const st: Stats = await lstat(join(dir, name));
      const excluded = matcher?.matches(childRel) ?? false;
      if (excluded && !(st.isDirectory() && matcher?.hasExclusions)) continue;
      const header = { name: childRel, mode: st.mode & 0o7777, uid: 0, gid: 0, mtime: st.mtime };
      if (st.isDirectory()) {
        if (!excluded) await entry({ ...header, type: 'directory' });
        await walk(childRel);
      } else if (st.isSymbolicLink()) {
        await entry({ ...header, type: 'symlink', linkname: await readlink(join(dir, name)) });
      } else if (st.isFile()) {
        await new Promise<void>((res, rej) => {
          const sink = pack.entry({ ...header, type: 'file', size: st.size }, (err) => (err ? rej(err) : res()));
          createReadStream(join(dir, name)).on('error', rej).pipe(sink);
        });
      }
    }
  };
  await walk('');
  if (extra) await entry({ name: extra.name, mode: 0o600, uid: 0, gid: 0, mtime: new Date(), type: 'file' }, extra.data);
}

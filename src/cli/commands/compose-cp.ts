/**
 * `compose cp`: files between a service's container and the host, through the archive API
 * (`SERVICE:PATH` on one side), with `docker cp`'s rules for where a copy lands: into an existing
 * directory under its own name, else under the destination's name.
 */
import { createReadStream, createWriteStream } from 'node:fs';
import { lstat, mkdir, readdir, readlink, stat, symlink } from 'node:fs/promises';
import { basename, dirname, join, posix, resolve } from 'node:path';
import { PassThrough } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import tar from 'tar-stream';
import { ApiError, escapePath } from '../../client/index.js';
import { LABEL, type Context } from '../../compose/index.js';
import type { CliContext } from '../context.js';

type Pack = ReturnType<typeof tar.pack>;

async function containerOf(c: Context, service: string, index: string): Promise<string> {
  const ct = (await c.engine.containers(c.project.name, { services: [service], oneoff: false })).find((x) => x.Labels[LABEL.number] === index);
  if (!ct) throw new Error(`service "${service}" has no container #${index}`);
  return ct.Id;
}

async function isContainerDir(ctx: CliContext, id: string, path: string): Promise<boolean | undefined> {
  try {
    const res = await ctx.client.call('HEAD', `/containers/${escapePath(id)}/archive`, { query: { path } });
    res.resume();
    const stat = JSON.parse(Buffer.from(String(res.headers['x-docker-container-path-stat'] ?? ''), 'base64').toString('utf8') || '{}') as { mode?: number };
    return ((stat.mode ?? 0) & 0x80000000) !== 0;
  } catch (err) {
    if (err instanceof ApiError && err.status === 404) return undefined;
    throw err;
  }
}

async function packPath(pack: Pack, abs: string, name: string): Promise<void> {
  const st = await lstat(abs);
  const header = { name, mode: st.mode & 0o7777, uid: st.uid, gid: st.gid, mtime: st.mtime };
  if (st.isDirectory()) {
    await new Promise<void>((res, rej) => pack.entry({ ...header, type: 'directory' }, (e) => (e ? rej(e) : res())));
    for (const child of (await readdir(abs)).sort()) await packPath(pack, join(abs, child), `${name}/${child}`);
  } else if (st.isSymbolicLink()) {
    const linkname = await readlink(abs);
    await new Promise<void>((res, rej) => pack.entry({ ...header, type: 'symlink', linkname }, (e) => (e ? rej(e) : res())));
  } else if (st.isFile()) {
    await new Promise<void>((res, rej) => {
      const sink = pack.entry({ ...header, type: 'file', size: st.size }, (e) => (e ? rej(e) : res()));
      createReadStream(abs).on('error', rej).pipe(sink);
    });
  }
}

async function toContainer(ctx: CliContext, id: string, src: string, dst: string): Promise<void> {
  const abs = resolve(src);
  await stat(abs).catch(() => {
    throw new Error(`stat ${abs}: no such file or directory`);
  });
  const dir = await isContainerDir(ctx, id, dst);
  // An existing directory takes the copy under its own name; anything else names the copy.
  const [parent, name] = dir ? [dst, basename(abs)] : [posix.dirname(dst), posix.basename(dst)];
  const pack = tar.pack();
  // tar-stream's streams are streamx ones: a Node stream carries the body.
  const body = new PassThrough();
  pack.pipe(body);
  void packPath(pack, abs, name).then(
    () => pack.finalize(),
    (err: unknown) => pack.destroy(err as Error),
  );
  const res = await ctx.client.call('PUT', `/containers/${escapePath(id)}/archive`, { query: { path: parent }, body, headers: { 'Content-Type': 'application/x-tar' } });
  res.resume();
}

async function fromContainer(ctx: CliContext, id: string, src: string, dst: string): Promise<void> {
  const res = await ctx.client.call('GET', `/containers/${escapePath(id)}/archive`, { query: { path: src } });
  const target = resolve(dst);
  const existingDir = await stat(target).then(
    (s) => s.isDirectory(),
    () => false,
  );
  const root = posix.basename(src.replace(/\/+$/, '')) || '/';
  const extract = tar.extract();
  extract.on('entry', (header, stream, next) => {
    const rel = header.name.replace(/^\.?\/*/, '');
    const renamed = existingDir ? rel : rel === root ? '' : rel.startsWith(`${root}/`) ? rel.slice(root.length + 1) : rel;
    const out = existingDir ? join(target, renamed) : renamed === '' ? target : join(target, renamed);
    const done = (err?: unknown): void => (err ? extract.destroy(err as Error) : next());
    if (header.type === 'directory') {
      stream.resume();
      mkdir(out, { recursive: true, mode: header.mode }).then(() => done(), done);
    } else if (header.type === 'symlink') {
      stream.resume();
      mkdir(dirname(out), { recursive: true })
        .then(() => symlink(header.linkname ?? '', out))
        .then(() => done(), done);
    } else if (header.type === 'file') {
      mkdir(dirname(out), { recursive: true })
        .then(() => pipeline(stream, createWriteStream(out, { mode: header.mode })))
        .then(() => done(), done);
    } else {
      stream.resume();
      next();
    }
  });
  await pipeline(res, extract);
}

export async function composeCp(ctx: CliContext, c: Context, src: string, dst: string, o: { index: string }): Promise<void> {
  const remote = (s: string): [string, string] | undefined => {
    const i = s.indexOf(':');
    return i > 0 && !s.startsWith('/') && !s.startsWith('.') ? [s.slice(0, i), s.slice(i + 1)] : undefined;
  };
  const from = remote(src);
  const to = remote(dst);
  if (from && to) throw new Error('copying between services is not supported');
  if (!from && !to) throw new Error('source or destination must be a SERVICE:PATH');
  if (to) await toContainer(ctx, await containerOf(c, to[0], o.index), src, to[1]);
  else await fromContainer(ctx, await containerOf(c, from![0], o.index), from![1], dst);
}

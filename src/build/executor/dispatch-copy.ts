/**
 * COPY and ADD (moby's dispatchCopy/dispatchAdd and performCopy, with BuildKit's --from=image,
 * --chmod, --exclude, --link and heredoc sources): sources resolve inside their root, their
 * checksum keys the cache, and on a miss the files are written straight into the new layer.
 */
import { createReadStream, type Stats } from 'node:fs';
import { lstat, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join, posix } from 'node:path';
import { createHash } from '../../base/crypto.js';
import { invalidArgument, isErrno, withContext } from '../../base/errors.js';
import { extractTar } from '../../base/tar/index.js';
import { SourceHasher, combinedChecksum } from '../context/checksum.js';
import { resolveChown, parseChmod, type Identity } from '../context/chown.js';
import { planCopy, type CopyEntry } from '../context/copy-plan.js';
import { isURL, resolveSources, type CopySource } from '../context/copy-sources.js';
import { decompressStream } from '../context/decompress.js';
import { scopedPath } from '../context/scoped-path.js';
import { resolveFrom } from '../dockerfile/plan.js';
import { envsFromList } from '../dockerfile/shell/lex.js';
import type { CommandOf } from '../dockerfile/instructions/types.js';
import { LayerPlan, withCurrentView, type Owner } from './copy-layer.js';
import type { ImageView } from './image-view.js';
import { download } from './remote.js';
import { withCmdCommentString } from './run-config.js';
import type { StepContext } from './step-context.js';

type CopyCommand = CommandOf<'copy'> | CommandOf<'add'>;

interface Resolved {
  sources: CopySource[];
  checksum: string;
  preserveOwnership: boolean;
}

export async function dispatchCopy(stage: StepContext, cmd: CopyCommand): Promise<void> {
  const name = cmd.kind === 'copy' ? 'COPY' : 'ADD';
  if (cmd.kind === 'copy' && cmd.parents) throw invalidArgument('the --parents option is not supported');
  const chmod = cmd.chmod === '' ? undefined : parseChmod(cmd.chmod);
  const resolved = await resolveAll(stage, cmd, name);
  const flags = [cmd.chown !== '' ? `--chown=${cmd.chown} ` : '', chmod !== undefined ? `--chmod=${cmd.chmod} ` : '', ...cmd.excludes.map((e) => `--exclude=${e} `)].join('');
  const containerConfig = withCmdCommentString(stage.state.runConfig, `${name} ${flags}${resolved.checksum} in ${cmd.dest} `);
  if (await stage.probeCache(containerConfig)) return;
  const workdir = stage.state.runConfig.WorkingDir || '/';
  await withCurrentView(stage, (view) =>
    stage.commit(containerConfig, async (target) => {
      const plan = new LayerPlan(view, target.dir);
      const chown = cmd.chown === '' ? undefined : await identity(view, cmd.chown);
      const entries = await planCopy(resolved.sources, {
        dest: cmd.dest,
        workdir,
        ...(chown ? { chown } : {}),
        preserveOwnership: resolved.preserveOwnership && chown === undefined,
        ...(chmod !== undefined ? { chmod } : {}),
        decompress: cmd.kind === 'add',
        excludes: cmd.excludes,
        isDirectory: async (p) => plan.isDirectory(await plan.resolve(p, true)),
      });
      await applyEntries(stage, plan, entries, chown ?? { uid: 0, gid: 0 });
      return plan.write(target, stage.env.signal);
    }),
  );
}

/** Every source of the step, from its root (the context, a stage, an image, a download, a heredoc). */
async function resolveAll(stage: StepContext, cmd: CopyCommand, name: 'COPY' | 'ADD'): Promise<Resolved> {
  const env = stage.env;
  const sources: CopySource[] = [];
  let preserveOwnership = false;
  const paths = cmd.sources.filter((s) => !isURL(s));
  const urls = cmd.sources.filter(isURL);
  if (name === 'COPY' && urls.length > 0) throw invalidArgument("COPY failed: source can't be a URL for COPY");
  if (paths.length > 0) {
    let hasher = env.contextHasher;
    let fromContext = true;
    if (cmd.kind === 'copy' && cmd.from !== '') {
      const view = await fromView(stage, cmd.from);
      hasher = new SourceHasher(view.root);
      fromContext = false;
      preserveOwnership = true;
    }
    sources.push(...(await resolveSources({ cmdName: name, sources: paths, dest: cmd.dest, fromContext }, hasher)).sources);
  }
  for (const url of urls) {
    const dir = join(env.scratch, `download-${env.nextId()}`);
    const got = await download(url, dir, (e) => stage.out.progress(e), env.signal).catch((err: unknown) => {
      throw withContext(err, `${name} failed`);
    });
    stage.out.out('\n');
    if (cmd.kind === 'add' && cmd.checksum !== '') await verifyChecksum(got.path, cmd.checksum);
    if (got.name === '' && cmd.dest.endsWith('/')) throw invalidArgument(`cannot determine filename from url: ${url}`);
    const r = await resolveSources({ cmdName: name, sources: [posix.basename(got.path)], dest: cmd.dest, fromContext: false, allowWildcards: false }, new SourceHasher(dir));
    // A download is a file, never an archive to extract (moby's noDecompress).
    sources.push(...r.sources.map((s) => (s.kind === 'path' ? { ...s, noDecompress: true } : s)));
  }
  if (cmd.contents.length > 0) {
    const dir = join(env.scratch, `heredoc-${env.nextId()}`);
    await mkdir(dir, { recursive: true });
    for (const c of cmd.contents) await writeFile(join(dir, c.path), c.data, { mode: 0o644 });
    sources.push(...(await resolveSources({ cmdName: name, sources: cmd.contents.map((c) => c.path), dest: cmd.dest, fromContext: false, allowWildcards: false }, new SourceHasher(dir))).sources);
  }
  if (sources.length === 0) throw invalidArgument(`${name} failed: no source files were specified`);
  if (sources.length > 1 && !cmd.dest.endsWith('/')) {
    throw invalidArgument(`When using ${name} with more than one source file, the destination must be a directory and end with a /`);
  }
  return { sources, checksum: combinedChecksum(sources.map((s) => (s.kind === 'path' ? s.checksum : s.url))), preserveOwnership };
}

/** `COPY --from=<stage|index|image>`: a view of that stage's result or that image. */
async function fromView(stage: StepContext, from: string): Promise<ImageView> {
  const env = stage.env;
  const meta = envsFromList([...env.plan.globalArgs.metaValues()].map(([k, v]) => `${k}=${v}`));
  const expanded = env.lex.processWord(from, meta);
  const byName = new Map(env.plan.all.filter((p) => p.stage.name !== '').map((p) => [p.stage.name, p.stage.index]));
  let ref;
  try {
    ref = resolveFrom(expanded, stage.planned.stage.index, byName);
  } catch (err) {
    throw withContext(err, `invalid from flag value ${from}`);
  }
  if (ref.kind === 'stage') return env.sources.view(await env.stageImage(ref.index));
  if (ref.kind === 'scratch') return env.sources.view(undefined);
  const img = await env.sources.image(ref.ref, undefined, (e) => stage.out.progress(e)).catch((err: unknown) => {
    throw withContext(err, `invalid from flag value ${from}`);
  });
  return env.sources.view(img);
}

async function identity(view: ImageView, chown: string): Promise<Identity> {
  const read = async (p: string): Promise<string | undefined> => {
    try {
      return await readFile(await scopedPath(view.root, p), 'utf8');
    } catch (err) {
      if (isErrno(err, 'ENOENT') || isErrno(err, 'ENOTDIR') || isErrno(err, 'EISDIR')) return undefined;
      throw err;
    }
  };
  return resolveChown(chown, await read('etc/passwd'), await read('etc/group'));
}

/** Applies planned entries to the layer plan, destinations resolved through the image's symlinks. */
async function applyEntries(stage: StepContext, plan: LayerPlan, entries: readonly CopyEntry[], created: Owner): Promise<void> {
  const secs = (ms: number | undefined): number => Math.floor((ms ?? Date.now()) / 1000);
  for (const e of entries) {
    stage.env.signal.throwIfAborted();
    switch (e.type) {
      case 'directory': {
        const rel = await plan.resolve(e.dest, true);
        if (e.ensure) await plan.ensureDir(rel, e, e.mode);
        else await plan.setDir(rel, { mode: e.mode, uid: e.uid, gid: e.gid, mtimeSeconds: secs(e.mtimeMs) });
        break;
      }
      case 'file': {
        const rel = await plan.resolve(e.dest, true);
        await plan.ensureDir(posix.dirname(rel) === '.' ? '' : posix.dirname(rel), created);
        await plan.addFile(rel, e.src, { mode: e.mode, uid: e.uid, gid: e.gid, size: e.size, mtimeSeconds: secs(e.mtimeMs) });
        break;
      }
      case 'symlink': {
        const rel = await plan.resolve(e.dest, false);
        await plan.ensureDir(posix.dirname(rel) === '.' ? '' : posix.dirname(rel), created);
        await plan.addSymlink(rel, e.target, { uid: e.uid, gid: e.gid, mtimeSeconds: secs(e.mtimeMs) });
        break;
      }
      case 'special': {
        const rel = await plan.resolve(e.dest, false);
        await plan.ensureDir(posix.dirname(rel) === '.' ? '' : posix.dirname(rel), created);
        await plan.addSpecial(rel, await lstat(e.src), { mode: e.mode, uid: e.uid, gid: e.gid, mtimeSeconds: secs(e.mtimeMs) });
        break;
      }
      case 'extract':
        await applyArchive(stage, plan, e.src, e.dest);
        break;
    }
  }
}

/** ADD of a local archive: unpacked (owners as archived) and merged into the destination. */
async function applyArchive(stage: StepContext, plan: LayerPlan, archive: string, dest: string): Promise<void> {
  const dir = join(stage.env.scratch, `unpack-${stage.env.nextId()}`);
  await mkdir(dir, { recursive: true });
  const { stream } = await decompressStream(createReadStream(archive), stage.env.signal);
  await extractTar(stream, dir, { whiteouts: 'keep', allowDevices: true, sameOwner: true, signal: stage.env.signal });
  const st: Stats = await lstat(dir);
  const entries = await planCopy([{ kind: 'path', path: '.', fullPath: dir, isDir: st.isDirectory(), checksum: '' }], { dest: `${dest}/`, workdir: '/', preserveOwnership: true });
  // The unpacked root itself stands for the destination, which keeps its own metadata.
  await applyEntries(stage, plan, entries.filter((x) => !(x.type === 'directory' && !x.ensure && x.dest === dest)), { uid: 0, gid: 0 });
}

async function verifyChecksum(path: string, expected: string): Promise<void> {
  const h = createHash('sha256');
  for await (const chunk of createReadStream(path)) h.update(chunk as Buffer);
  const actual = `sha256:${h.digest('hex')}`;
  if (actual !== expected) throw invalidArgument(`digest mismatch ${actual}: ${expected}`);
}

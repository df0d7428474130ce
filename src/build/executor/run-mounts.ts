/**
 * `RUN --mount` as BuildKit gives it: `bind` (the context, a stage or an image, read-only unless
 * `rw`, whose writes are then thrown away), `cache` (persistent directories, see cache-mounts.ts)
 * and `tmpfs`. Secrets and SSH sockets need a BuildKit client session: a required one fails the
 * step, others are left out, as BuildKit does without the secret.
 */
import { lstat } from 'node:fs/promises';
import { join, posix } from 'node:path';
import { invalidArgument, isErrno } from '../../base/errors.js';
import { SourceHasher } from '../context/checksum.js';
import { rootRelative } from '../../base/slash-path.js';
import { scopedPath } from '../context/scoped-path.js';
import { runMounts, wordExpander } from '../dockerfile/instructions/expand.js';
import type { RunMount } from '../dockerfile/instructions/run-mount.js';
import type { CommandOf } from '../dockerfile/instructions/types.js';
import { resolveFrom } from '../dockerfile/plan.js';
import type { CacheMountLease } from './cache-mounts.js';
import { openScratchView, type ImageView } from './image-view.js';
import type { StepContext } from './step-context.js';
import type { StepMount } from './types.js';

export interface PreparedMounts {
  mounts: StepMount[];
  /** What the mounts add to the step's cache key (`--mount=…` words, bind sources by checksum). */
  key: string[];
  /** Targets the image does not have: runc creates them; they are no part of the layer. */
  stubs: string[];
  release(): Promise<void>;
}

export async function prepareRunMounts(stage: StepContext, cmd: CommandOf<'run'>): Promise<PreparedMounts> {
  const s = stage.state;
  const specs = runMounts(cmd, wordExpander(stage.env.lex, s.args.envFor(s.runConfig.Env ?? [])));
  const prepared: PreparedMounts = { mounts: [], key: [], stubs: [], release: () => Promise.resolve() };
  const undo: (() => Promise<void> | void)[] = [];
  prepared.release = async () => {
    for (const u of undo.splice(0).reverse()) await u();
  };
  try {
    for (const m of specs) await prepareOne(stage, m, prepared, undo);
  } catch (err) {
    await prepared.release();
    throw err;
  }
  return prepared;
}

async function prepareOne(stage: StepContext, m: RunMount, out: PreparedMounts, undo: (() => Promise<void> | void)[]): Promise<void> {
  const env = stage.env;
  if (m.type === 'secret' || m.type === 'ssh') {
    if (m.required) throw invalidArgument(m.type === 'secret' ? `secret ${m.cacheId || posix.basename(m.target)}: not found` : 'no SSH key "default" forwarded from the client');
    return;
  }
  if (m.target === '') throw invalidArgument('mount target must be specified');
  const target = posix.isAbsolute(m.target) ? posix.normalize(m.target) : posix.join('/', stage.state.runConfig.WorkingDir || '/', m.target);
  out.stubs.push(target);
  if (m.type === 'tmpfs') {
    out.mounts.push({ type: 'tmpfs', target, sizeBytes: m.sizeLimit });
    out.key.push(`--mount=type=tmpfs,target=${target}`);
    return;
  }
  const root = await sourceRoot(stage, m.from);
  const source = await scopedPath(root.path, rootRelative(m.source));
  try {
    await lstat(source);
  } catch (err) {
    if (!isErrno(err, 'ENOENT') && !isErrno(err, 'ENOTDIR')) throw err;
    throw invalidArgument(`failed to compute cache key: "/${rootRelative(m.source)}" not found`);
  }
  if (m.type === 'cache') {
    const lease: CacheMountLease = await env.cacheMounts.acquire(
      { id: m.cacheId || target, sharing: m.cacheSharing || 'shared', uid: m.uid ?? 0, gid: m.gid ?? 0, mode: m.mode ?? 0o755, ...(m.from !== '' ? { seed: source } : {}) },
      env.signal,
    );
    undo.push(() => lease.release());
    out.mounts.push({ type: 'bind', source: lease.path, target, readOnly: m.readOnly });
    out.key.push(`--mount=type=cache,target=${target}`);
    return;
  }
  const sum = await new SourceHasher(root.path).sourceChecksum(rootRelative(m.source));
  out.key.push(`--mount=type=bind,from=${root.id},source=${rootRelative(m.source)},target=${target}${m.readOnly ? '' : ',rw'},${sum}`);
  if (m.readOnly) {
    out.mounts.push({ type: 'bind', source, target, readOnly: true });
    return;
  }
  // rw: writes go to a throwaway upper layer over the source.
  const n = env.nextId();
  const view: ImageView = await openScratchView([source], join(env.scratch, `rw-${n}/upper`), join(env.scratch, `rw-${n}/work`), join(env.scratch, `rw-${n}/merged`));
  undo.push(() => view.close());
  out.mounts.push({ type: 'bind', source: view.root, target, readOnly: false });
}

/** The root a mount's `from=` names: the context, a stage's result or an image. */
async function sourceRoot(stage: StepContext, from: string): Promise<{ path: string; id: string }> {
  const env = stage.env;
  if (from === '') return { path: env.contextRoot, id: 'context' };
  const byName = new Map(env.plan.all.filter((p) => p.stage.name !== '').map((p) => [p.stage.name, p.stage.index]));
  const ref = resolveFrom(from, stage.planned.stage.index, byName);
  if (ref.kind === 'stage') {
    const img = await env.stageImage(ref.index);
    return { path: (await env.sources.view(img)).root, id: img?.id ?? 'scratch' };
  }
  if (ref.kind === 'scratch') return { path: (await env.sources.view(undefined)).root, id: 'scratch' };
  const img = await env.sources.image(ref.ref, undefined, (e) => stage.out.progress(e));
  return { path: (await env.sources.view(img)).root, id: img.id };
}

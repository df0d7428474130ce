/**
 * A build from start to end: the context, the Dockerfile, the plan, then the stages the target
 * needs (independent ones at the same time, their output in Dockerfile order), the unused-args
 * warning, `Successfully built` and the tags. Everything a build makes on the side (containers,
 * mounts, scratch files) is gone when it returns, whatever happened.
 */
import { mkdir, mkdtemp, readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { shortId } from '../../base/digest.js';
import { invalidArgument, withContext } from '../../base/errors.js';
import type { Logger } from '../../base/log.js';
import type { TarExtractor } from '../../base/tar/index.js';
import { SourceHasher } from '../context/checksum.js';
import { platformArgs } from '../dockerfile/args.js';
import { loadDockerfile } from '../dockerfile/dockerfile.js';
import type { Command } from '../dockerfile/instructions/types.js';
import { planBuild, unconsumedBuildArgs, type BuildPlan } from '../dockerfile/plan.js';
import { ShellLex } from '../dockerfile/shell/lex.js';
import type { BuildEnv } from './build-env.js';
import type { CacheMounts } from './cache-mounts.js';
import { loadContext } from './context-source.js';
import { BuildCancelledError } from './errors.js';
import { unmountAllUnder } from './image-view.js';
import { OrderedOutput, type Section } from './output.js';
import type { BuildRequest } from './request.js';
import { SourceImages } from './sources.js';
import { hostPlatform, parsePlatform } from './platform.js';
import { LITERAL, StageBuilder } from './stage.js';
import type { BuildImage, BuildImages, BuildSink, StepRunner } from './types.js';

export interface BuilderDeps {
  images: BuildImages;
  runner: StepRunner;
  cacheMounts: CacheMounts;
  /** Where builds keep their scratch directories (on the data root's filesystem). */
  scratchRoot: string;
  extractor?: TarExtractor;
  log: Logger;
}

export class Builder {
  constructor(private readonly d: BuilderDeps) {}

  /** Removes what builds interrupted by a crash left in the scratch root. */
  async init(): Promise<void> {
    await mkdir(this.d.scratchRoot, { recursive: true, mode: 0o700 });
    unmountAllUnder(this.d.scratchRoot);
    for (const name of await readdir(this.d.scratchRoot)) await rm(join(this.d.scratchRoot, name), { recursive: true, force: true });
  }

  /**
   * Builds; resolves with the image ID. Errors before the first output (bad parameters, context
   * or Dockerfile) carry their kind for an HTTP status; later ones are for an `errorDetail`.
   */
  async build(req: BuildRequest, body: Readable, sink: BuildSink, signal: AbortSignal): Promise<string> {
    const tags = this.d.images.checkTags(req.tags);
    let platform;
    try {
      platform = req.platform === '' ? hostPlatform() : parsePlatform(req.platform);
    } catch (err) {
      throw invalidArgument((err as Error).message);
    }
    const scratch = await mkdtemp(join(this.d.scratchRoot, 'build-'));
    const abort = new AbortController();
    const onAbort = (): void => abort.abort(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    let seq = 0;
    const sources = new SourceImages(this.d.images, { pull: req.pull, auth: req.auth, scratch, nextId: () => seq++, signal: abort.signal });
    const containers = new Set<string>();
    const t0 = performance.now();
    try {
      const context = await loadContext(req, body, join(scratch, 'context'), sink, { ...(this.d.extractor ? { extractor: this.d.extractor } : {}), signal });
      this.d.log.debug('build: context read', { ms: Math.round(performance.now() - t0) });
      const dockerfile = loadDockerfile(context.dockerfile);
      const plan = planBuild(dockerfile, { target: req.target, buildArgs: req.buildArgs, escapeToken: dockerfile.escapeToken, predefined: platformArgs(hostPlatform(), platform) });
      const output = new OrderedOutput(sink);
      const head = output.section();
      for (const w of dockerfile.parsed.warnings) head.err(`[WARNING]: ${w.short}\n`);
      if (dockerfile.parsed.warnings.length > 0) head.err('[WARNING]: Empty continuation lines will become errors in a future release.\n');
      const env: BuildEnv = {
        req,
        images: this.d.images,
        runner: this.d.runner,
        contextRoot: context.root,
        contextHasher: new SourceHasher(context.root, context.sums),
        lex: new ShellLex(dockerfile.escapeToken),
        plan,
        cacheFrom: await this.cacheFrom(req),
        scratch,
        nextId: () => seq++,
        stageImage: () => Promise.reject(new Error('no stages yet')),
        sources,
        cacheMounts: this.d.cacheMounts,
        platform,
        containers,
        signal: abort.signal,
      };
      const image = await this.runStages(env, plan, dockerfile.metaArgs.map((m) => m.code), head, output, abort);
      const tail = output.section();
      const unused = unconsumedBuildArgs(plan, plan.needed);
      if (unused.length > 0) tail.out(`[Warning] One or more build-args [${unused.join(' ')}] were not consumed\n`);
      if (image === undefined) throw new Error('No image was generated. Is your Dockerfile empty?');
      tail.out(`Successfully built ${shortId(image.id)}\n`);
      for (const tag of tags) tail.out(`Successfully tagged ${await this.d.images.tag(image.id, tag)}\n`);
      tail.close();
      this.d.log.debug('build: done', { ms: Math.round(performance.now() - t0) });
      return image.id;
    } finally {
      signal.removeEventListener('abort', onAbort);
      abort.abort();
      await this.cleanup(containers, sources, scratch);
    }
  }

  /** `POST /build/prune`: the cache mounts no build uses now (the step cache is images: `image prune`). */
  prune(): Promise<{ deleted: string[]; reclaimed: number }> {
    return this.d.cacheMounts.prune();
  }

  private async cacheFrom(req: BuildRequest): Promise<BuildImage[] | undefined> {
    if (req.cacheFrom.length === 0) return undefined;
    const found: BuildImage[] = [];
    for (const ref of req.cacheFrom) {
      const img = await this.d.images.find(ref).catch(() => undefined);
      if (img) found.push(img);
      else this.d.log.warn(`Could not look up ${ref} for cache resolution, skipping`);
    }
    return found;
  }

  /** Every needed stage at once; each waits for the stages it uses. Resolves with the target's image. */
  private async runStages(env: BuildEnv, plan: BuildPlan, metaArgs: string[], head: Section, output: OrderedOutput, abort: AbortController): Promise<BuildImage | undefined> {
    const labels = labelCommands(env.req.labels);
    let step = 1;
    const total = metaArgs.length + plan.needed.reduce((n, i) => n + 1 + plan.all[i]!.stage.commands.length, 0) + labels.length;
    for (const code of metaArgs) {
      head.out(`Step ${step++}/${total} : ${code}`);
      head.out('\n');
    }
    head.close();
    const results = new Map<number, Promise<BuildImage | undefined>>();
    env.stageImage = (i) => results.get(i) ?? Promise.reject(new Error(`stage ${i} is not part of this build`));
    const sections: Section[] = [];
    for (const i of plan.needed) {
      const planned = plan.all[i]!;
      const section = output.section();
      sections.push(section);
      const builder = new StageBuilder(env, planned, section, step, total);
      step += 1 + planned.stage.commands.length;
      const extra = i === plan.target ? labels : [];
      const run = builder.build(extra).then(
        (img) => {
          if (img !== undefined) section.aux({ ID: img.id });
          section.close();
          return img;
        },
        (err: unknown) => {
          section.close();
          abort.abort(err);
          throw err;
        },
      );
      // Stages nobody waits on yet must not raise unhandled rejections.
      run.catch(() => undefined);
      results.set(i, run);
    }
    const settled = await Promise.allSettled([...results.values()]);
    const failures = settled.filter((r): r is PromiseRejectedResult => r.status === 'rejected').map((r) => r.reason as unknown);
    if (failures.length > 0) throw failures.find((e) => !(e instanceof BuildCancelledError) && !isAbort(e)) ?? failures[0];
    return results.get(plan.target);
  }

  private async cleanup(containers: Set<string>, sources: SourceImages, scratch: string): Promise<void> {
    for (const id of containers) await this.d.runner.remove(id).catch((err: unknown) => this.d.log.warn('removing a build container failed', { id, err }));
    containers.clear();
    await sources.closeAll().catch((err: unknown) => this.d.log.warn('unmounting build views failed', { err }));
    unmountAllUnder(scratch);
    await rm(scratch, { recursive: true, force: true }).catch((err: unknown) => this.d.log.warn('removing a build scratch directory failed', { err: withContext(err, scratch) }));
  }
}

function isAbort(err: unknown): boolean {
  return err instanceof Error && (err.name === 'AbortError' || err.message === 'This operation was aborted');
}

/** `--label`s as LABEL steps at the end of the target stage, sorted (moby's buildLabelOptions). */
function labelCommands(labels: Record<string, string>): Command[] {
  return Object.keys(labels)
    .sort()
    .map((key) => {
      const code = `LABEL ${key}=${labels[key]!}`;
      const cmd: Command = { kind: 'label', keyword: 'LABEL', code, range: { start: 0, end: 0 }, labels: [{ key, value: labels[key]!, noDelim: false }] };
      LITERAL.add(cmd);
      return cmd;
    });
}

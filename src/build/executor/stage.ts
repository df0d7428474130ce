/**
 * One stage of a build: FROM (its base image, ONBUILD triggers), then each instruction as a step
 * that ends with a new image, as moby's dispatchDockerfileWithCancellation does.
 */
import { shortId } from '../../base/digest.js';
import { invalidArgument } from '../../base/errors.js';
import { parseTrigger } from '../dockerfile/dockerfile.js';
import { expandCommand, wordExpander } from '../dockerfile/instructions/expand.js';
import type { Command } from '../dockerfile/instructions/types.js';
import type { PlannedStage } from '../dockerfile/plan.js';
import type { BuildEnv } from './build-env.js';
import { CacheProber } from './cache.js';
import { dispatchCopy } from './dispatch-copy.js';
import { dispatchMetadata } from './dispatch-meta.js';
import { dispatchRun } from './dispatch-run.js';
import { BuildCancelledError } from './errors.js';
import type { Section } from './output.js';
import { parsePlatform } from './platform.js';
import type { StageState, StepContext } from './step-context.js';
import { DEFAULT_PATH, copyRunConfig, envHas, fullRunConfig } from './run-config.js';
import type { BuildImage, LayerTarget, RunConfig, WrittenLayer } from './types.js';

/** Commands the builder adds itself (`--label`): taken literally, never expanded. */
export const LITERAL = new WeakSet<Command>();

export class StageBuilder implements StepContext {
  readonly state: StageState;
  readonly prober: CacheProber;

  constructor(
    readonly env: BuildEnv,
    readonly planned: PlannedStage,
    readonly out: Section,
    private step: number,
    private readonly total: number,
  ) {
    this.state = {
      runConfig: {},
      imageId: '',
      image: undefined,
      fromScratch: false,
      maintainer: '',
      cmdSet: false,
      args: env.plan.globalArgs.forStage(),
      platform: env.platform,
    };
    this.prober = new CacheProber(env.images, !env.req.noCache, env.cacheFrom);
  }

  /** Builds the stage; resolves with its image (undefined for a stage that is only `FROM scratch`). */
  async build(extraCommands: readonly Command[]): Promise<BuildImage | undefined> {
    this.printStep(this.planned.stage.code);
    await this.initialize();
    this.out.out(` ---> ${shortId(this.state.imageId)}\n`);
    for (const cmd of [...this.planned.stage.commands, ...extraCommands]) {
      if (this.env.signal.aborted) {
        this.out.out('Build cancelled\n');
        throw new BuildCancelledError();
      }
      this.printStep(cmd.code);
      await this.dispatch(cmd);
      this.out.out(` ---> ${shortId(this.state.imageId)}\n`);
    }
    return this.state.image;
  }

  private printStep(code: string): void {
    // Two writes, as moby's printCommand does (the CLI shows them as one line).
    this.out.out(`Step ${this.step++}/${this.total} : ${code}`);
    this.out.out('\n');
  }

  /** FROM: the base image's config, the default PATH, then the base's ONBUILD triggers. */
  private async initialize(): Promise<void> {
    const { base, platform } = this.planned;
    const s = this.state;
    if (platform !== '') s.platform = parsePlatform(platform);
    if (base.kind === 'scratch') {
      s.fromScratch = true;
    } else {
      const img = base.kind === 'stage' ? await this.env.stageImage(base.index) : await this.env.sources.image(base.ref, platform !== '' ? s.platform : undefined, (e) => this.out.progress(e));
      if (img === undefined) s.fromScratch = true;
      else this.begin(img);
    }
    if (!envHas(s.runConfig.Env, 'PATH')) s.runConfig.Env = [...(s.runConfig.Env ?? []), `PATH=${DEFAULT_PATH}`];
    s.runConfig.OpenStdin = false;
    s.runConfig.StdinOnce = false;
    s.runConfig.Image = s.imageId;
    const triggers = s.runConfig.OnBuild ?? [];
    if (triggers.length === 0) return;
    s.runConfig.OnBuild = null;
    this.out.out(`# Executing ${triggers.length} build trigger${triggers.length > 1 ? 's' : ''}\n`);
    for (const trigger of triggers) {
      s.runConfig.Image = s.imageId;
      await this.dispatch(parseTrigger(trigger));
    }
  }

  private begin(img: BuildImage): void {
    const s = this.state;
    s.image = img;
    s.imageId = img.id;
    if (img.doc.os) s.platform = { os: img.doc.os, architecture: img.doc.architecture || s.platform.architecture, ...(img.doc.variant ? { variant: img.doc.variant } : {}) };
    s.runConfig = copyRunConfig(img.doc.config ?? {});
  }

  private async dispatch(raw: Command): Promise<void> {
    const s = this.state;
    s.runConfig.Image = s.imageId;
    const env = s.runConfig.Env ?? [];
    const cmd = LITERAL.has(raw) ? raw : expandCommand(raw, wordExpander(this.env.lex, s.args.envFor(env)));
    switch (cmd.kind) {
      case 'run':
        return dispatchRun(this, cmd);
      case 'copy':
      case 'add':
        return dispatchCopy(this, cmd);
      default:
        return dispatchMetadata(this, cmd);
    }
  }

  /** Looks the step up in the cache; on a hit the stage moves on to the cached image. */
  async probeCache(containerConfig: RunConfig): Promise<boolean> {
    const hit = await this.prober.probe(this.state.imageId, containerConfig, this.state.platform);
    if (hit === undefined) return false;
    this.out.out(' ---> Using cache\n');
    this.state.image = await this.env.images.get(hit);
    this.state.imageId = hit;
    return true;
  }

  /** Commits a step: the stage's config, the step's config as `container_config`, maybe a layer. */
  async commit(containerConfig: RunConfig, layer?: (t: LayerTarget) => Promise<WrittenLayer>, containerId?: string): Promise<void> {
    const s = this.state;
    if (s.imageId === '' && !s.fromScratch) throw invalidArgument('Please provide a source image with `from` prior to commit');
    const img = await this.env.images.commit({
      parent: s.image,
      platform: s.platform,
      config: fullRunConfig(copyRunConfig(s.runConfig, { Image: s.imageId })),
      containerConfig: fullRunConfig(copyRunConfig(containerConfig, { Image: s.imageId })),
      author: s.maintainer,
      ...(layer ? { layer } : {}),
      ...(containerId ? { containerId } : {}),
    });
    s.image = img;
    s.imageId = img.id;
  }

  /** A metadata step: probe with the `#(nop)` config, else commit it without a layer. */
  async commitMetadata(containerConfig: RunConfig): Promise<void> {
    if (await this.probeCache(containerConfig)) return;
    await this.commit(containerConfig);
  }
}


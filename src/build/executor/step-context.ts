/** What a step's dispatcher sees of its stage (stage.ts implements it). */
import type { BuildArgs } from '../dockerfile/args.js';
import type { PlannedStage } from '../dockerfile/plan.js';
import type { BuildEnv } from './build-env.js';
import type { Section } from './output.js';
import type { BuildImage, LayerTarget, Platform, RunConfig, WrittenLayer } from './types.js';

export interface StageState {
  runConfig: RunConfig;
  /** The current image; '' before the first commit of a scratch stage. */
  imageId: string;
  image: BuildImage | undefined;
  fromScratch: boolean;
  maintainer: string;
  /** A CMD was set in this stage (a later ENTRYPOINT keeps it). */
  cmdSet: boolean;
  args: BuildArgs;
  platform: Platform;
}

export interface StepContext {
  readonly env: BuildEnv;
  readonly planned: PlannedStage;
  readonly out: Section;
  readonly state: StageState;
  /** Looks the step up in the cache; on a hit the stage moves on to the cached image. */
  probeCache(containerConfig: RunConfig): Promise<boolean>;
  /** Commits a step: the stage's config, the step's config as `container_config`, maybe a layer. */
  commit(containerConfig: RunConfig, layer?: (t: LayerTarget) => Promise<WrittenLayer>, containerId?: string): Promise<void>;
  /** A metadata step: probe with the `#(nop)` config, else commit it without a layer. */
  commitMetadata(containerConfig: RunConfig): Promise<void>;
}

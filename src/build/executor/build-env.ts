/** What every stage of one build shares. */
import type { SourceHasher } from '../context/checksum.js';
import type { BuildPlan } from '../dockerfile/plan.js';
import type { ShellLex } from '../dockerfile/shell/lex.js';
import type { CacheMounts } from './cache-mounts.js';
import type { BuildRequest } from './request.js';
import type { SourceImages } from './sources.js';
import type { BuildImage, BuildImages, Platform, StepRunner } from './types.js';

export interface BuildEnv {
  req: BuildRequest;
  images: BuildImages;
  runner: StepRunner;
  /** The context directory; empty when the body was a bare Dockerfile. */
  contextRoot: string;
  contextHasher: SourceHasher;
  lex: ShellLex;
  plan: BuildPlan;
  /** `--cache-from` images found (undefined: none asked for). */
  cacheFrom: BuildImage[] | undefined;
  /** The build's scratch directory (views, downloads, heredoc files); removed after the build. */
  scratch: string;
  /** Unique numbers for scratch paths. */
  nextId(): number;
  /** The image another stage ended with (waits for it); undefined for an empty scratch stage. */
  stageImage(index: number): Promise<BuildImage | undefined>;
  sources: SourceImages;
  cacheMounts: CacheMounts;
  /** The platform asked for (`platform`), else the host's. */
  platform: Platform;
  /** Build containers not yet removed, for cleanup after a failure or cancellation. */
  containers: Set<string>;
  signal: AbortSignal;
}

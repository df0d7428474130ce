/**
 * Which stages a build runs and in what order: resolves FROM bases and `--from` references to
 * stages (names case-insensitive, only earlier stages count, as in Docker), keeps the stages
 * the target needs, and groups them into waves whose stages do not depend on each other.
 */
import { BuildArgs, type BuildArgValues } from './args.js';
import { DockerfileError, messageOf } from './errors.js';
import { expandCommand, runMounts, wordExpander } from './instructions/expand.js';
import type { Instructions } from './instructions/parse.js';
import type { Stage } from './instructions/types.js';
import { ShellLex, envsFromList } from './shell/lex.js';

/** A stage's source of files or base: an earlier stage, an image, or nothing (`scratch`). */
export type StageRef = { kind: 'stage'; index: number } | { kind: 'image'; ref: string } | { kind: 'scratch' };

/** One stage as the executor sees it, its FROM resolved. */
export interface PlannedStage {
  stage: Stage;
  /** The FROM base after meta-arg expansion. */
  base: StageRef;
  /** `--platform` after meta-arg expansion, or ''. */
  platform: string;
  /** Earlier stages this one needs (its base, COPY --from, RUN --mount from=), sorted. */
  dependsOn: number[];
  /** Images named by COPY --from or RUN --mount from= (pulled or looked up by the executor). */
  images: string[];
}

export interface BuildPlan {
  /** Every stage of the Dockerfile, indexed like `stages`. */
  all: PlannedStage[];
  /** The target's index (the last stage when no target was asked for). */
  target: number;
  /** The stages to build, in Dockerfile order: the target and what it needs. */
  needed: number[];
  /** `needed` in waves: every stage's dependencies are in earlier waves. */
  waves: number[][];
  /** The global build args after the meta ARGs ran (for FROM lines and `forStage()`). */
  globalArgs: BuildArgs;
}

export interface PlanOptions {
  /** `--target`: a stage name (case-insensitive); default: the last stage. */
  target?: string;
  buildArgs: BuildArgValues;
  escapeToken: string;
  /** Predefined global args (BuildKit's TARGETPLATFORM & co). */
  predefined?: ReadonlyMap<string, string>;
}

/** Plans the build; throws DockerfileError for an unknown target or a bad stage reference. */
export function planBuild(instructions: Instructions, opts: PlanOptions): BuildPlan {
  const { stages } = instructions;
  if (stages.length === 0) throw new DockerfileError('No image was generated. Is your Dockerfile empty?');
  const lex = new ShellLex(opts.escapeToken);
  const globalArgs = new BuildArgs(opts.buildArgs);
  if (opts.predefined) globalArgs.predefine(opts.predefined);
  for (const meta of instructions.metaArgs) {
    const expanded = expandCommand(meta, wordExpander(lex, envsFromList(toEnv(globalArgs.allowedValues()))));
    for (const arg of expanded.args) globalArgs.addMetaArg(arg.key, arg.value);
  }
  const metaEnv = envsFromList(toEnv(globalArgs.metaValues()));
  const expandMeta = (word: string, what: string, stage: Stage): string => {
    try {
      return lex.processWord(word, metaEnv);
    } catch (err) {
      throw new DockerfileError(`${what}: ${messageOf(err)}`, stage.range, err);
    }
  };

  const byName = new Map<string, number>();
  const all = stages.map((stage, i): PlannedStage => {
    if (stage.name !== '' && byName.has(stage.name)) throw new DockerfileError(`${stage.name} stage name already used`, stage.range);
    const baseName = expandMeta(stage.baseName, `failed to process arguments for FROM ${stage.baseName}`, stage);
    const platform = stage.platform === '' ? '' : expandMeta(stage.platform, `failed to process arguments for platform ${stage.platform}`, stage);
    const base = resolveBase(baseName, byName);
    const planned: PlannedStage = { stage, base, platform, dependsOn: [], images: [] };
    collectReferences(planned, i, byName, (w) => expandMeta(w, 'invalid from flag value', stage));
    if (stage.name !== '') byName.set(stage.name, i);
    return planned;
  });

  const target = targetIndex(stages, opts.target);
  const needed = neededStages(all, target);
  return { all, target, needed, waves: waves(all, needed), globalArgs };
}

function toEnv(values: Map<string, string>): string[] {
  return [...values].map(([k, v]) => `${k}=${v}`);
}

function resolveBase(name: string, byName: Map<string, number>): StageRef {
  const index = byName.get(name.toLowerCase());
  if (index !== undefined) return { kind: 'stage', index };
  if (name === 'scratch') return { kind: 'scratch' };
  return { kind: 'image', ref: name };
}

/** Adds the stages and images a stage's COPY --from and RUN --mount from= refer to. */
function collectReferences(planned: PlannedStage, index: number, byName: Map<string, number>, expand: (w: string) => string): void {
  const deps = new Set<number>();
  if (planned.base.kind === 'stage') deps.add(planned.base.index);
  const refer = (from: string, range: Stage['range']): void => {
    const ref = resolveFrom(from, index, byName, range);
    if (ref.kind === 'stage') deps.add(ref.index);
    else if (ref.kind === 'image' && !planned.images.includes(ref.ref)) planned.images.push(ref.ref);
  };
  for (const cmd of planned.stage.commands) {
    if (cmd.kind === 'copy' && cmd.from !== '') refer(expand(cmd.from), cmd.range);
    if (cmd.kind === 'run' && cmd.mounts.length > 0) {
      // `from=` cannot hold variables (refused at parse time), so a literal expander will do.
      for (const m of runMounts(cmd, (w) => w)) if (m.from !== '') refer(m.from, cmd.range);
    }
  }
  planned.dependsOn = [...deps].sort((a, b) => a - b);
}

/**
 * A `--from` value: an earlier stage by name, a stage index (moby's rules: not this stage, not
 * a later one), or else an image reference.
 */
export function resolveFrom(from: string, current: number, byName: ReadonlyMap<string, number>, range?: Stage['range']): StageRef {
  const named = byName.get(from.toLowerCase());
  if (named !== undefined) return { kind: 'stage', index: named };
  if (/^[+-]?\d+$/.test(from)) {
    const ix = Number(from);
    if (ix === current) throw new DockerfileError(`invalid from flag value ${from}: refers to current build stage`, range);
    if (ix < 0 || ix > current) throw new DockerfileError(`invalid from flag value ${from}: index out of bounds`, range);
    return { kind: 'stage', index: ix };
  }
  return { kind: 'image', ref: from };
}

function targetIndex(stages: Stage[], target: string | undefined): number {
  if (target === undefined || target === '') return stages.length - 1;
  const index = stages.findIndex((s) => s.name === target.toLowerCase());
  if (index < 0) throw new DockerfileError(`target stage ${JSON.stringify(target)} could not be found`);
  return index;
}

function neededStages(all: PlannedStage[], target: number): number[] {
  const seen = new Set<number>();
  const visit = (i: number): void => {
    if (seen.has(i)) return;
    seen.add(i);
    for (const d of all[i]!.dependsOn) visit(d);
  };
  visit(target);
  return [...seen].sort((a, b) => a - b);
}

/** Longest-path layering: a stage runs in the wave after its last dependency's. */
function waves(all: PlannedStage[], needed: number[]): number[][] {
  const level = new Map<number, number>();
  for (const i of needed) {
    const deps = all[i]!.dependsOn;
    level.set(i, deps.length === 0 ? 0 : Math.max(...deps.map((d) => level.get(d)!)) + 1);
  }
  const out: number[][] = [];
  for (const i of needed) (out[level.get(i)!] ??= []).push(i);
  return out;
}

/**
 * The `--build-arg`s no executed stage consumed: meta ARGs and the ARGs of the stages in
 * `executed` count as consuming (moby warns `[Warning] One or more build-args [X] were not consumed`).
 */
export function unconsumedBuildArgs(plan: BuildPlan, executed: readonly number[] = plan.needed): string[] {
  const consumed = plan.globalArgs.forStage();
  for (const i of executed) {
    for (const cmd of plan.all[i]!.stage.commands) {
      if (cmd.kind === 'arg') for (const a of cmd.args) consumed.addArg(a.key, a.value);
    }
  }
  return consumed.unused();
}

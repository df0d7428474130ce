/**
 * The builder's pure front half: Dockerfile parsing and planning (`dockerfile/`) and build
 * context handling (`context/`). The executor builds on these.
 */
export { loadDockerfile, type Dockerfile } from './dockerfile/dockerfile.js';
export { DockerfileError, type LineRange } from './dockerfile/errors.js';
export { parseDockerfile, parseHeredoc, chompHeredocContent, type ParseResult, type ParseWarning } from './dockerfile/parser/parser.js';
export { dumpNode, type Heredoc, type Node } from './dockerfile/parser/node.js';
export type { Directive } from './dockerfile/parser/directives.js';
export { parseInstructions, parseInstruction, type Instructions } from './dockerfile/instructions/parse.js';
export type * from './dockerfile/instructions/types.js';
export { expandCommand, expandPorts, runMounts, wordExpander } from './dockerfile/instructions/expand.js';
export type { RunMount, MountType, CacheSharing, NetworkMode, SecurityMode, Expander } from './dockerfile/instructions/run-mount.js';
export { ShellLex, envsFromList, type EnvGetter, type ProcessWordResult } from './dockerfile/shell/lex.js';
export { BuildArgs, BUILTIN_ARGS, platformArgs, formatPlatform, unusedArgsWarning, type BuildArgValues, type Platform } from './dockerfile/args.js';
export { planBuild, resolveFrom, unconsumedBuildArgs, type BuildPlan, type PlannedStage, type PlanOptions, type StageRef } from './dockerfile/plan.js';

/**
 * The builder's pure front half: Dockerfile parsing and planning (`dockerfile/`) and build
 * context handling (`context/`). The executor builds on these.
 */
export { loadDockerfile, parseTrigger, type Dockerfile } from './dockerfile/dockerfile.js';
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
export { readBuildContext, finishContext, DEFAULT_DOCKERFILE, type BuildContext, type ReadContextOptions } from './context/reader.js';
export { PatternMatcher, readIgnoreFile } from '../base/patternmatcher.js';
export { filepathMatch, containsWildcards } from '../base/filepath-match.js';
export { SourceHasher, combinedChecksum, hashStrings } from './context/checksum.js';
export { resolveSources, isURL, type CopySource, type CopySourcesRequest, type ResolvedSources } from './context/copy-sources.js';
export { planCopy, normalizeDest, isArchive, type CopyEntry, type CopyPlanOptions } from './context/copy-plan.js';
export { resolveChown, parseChmod, type Identity } from './context/chown.js';
export { scopedPath } from './context/scoped-path.js';
export { decompress, decompressStream } from './context/decompress.js';
export { Builder, type BuilderDeps } from './executor/builder.js';
export { defaultBuildRequest, type BuildRequest } from './executor/request.js';
export { CacheMounts } from './executor/cache-mounts.js';
export { StepFailedError, BuildCancelledError } from './executor/errors.js';
export { describeDirectory } from './executor/layer-writer.js';
export type * from './executor/types.js';

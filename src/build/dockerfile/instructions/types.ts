/**
 * Typed Dockerfile instructions, the shapes of BuildKit's instructions/commands.go in camelCase.
 * Values are as written (unexpanded) until {@link expandCommand} runs with the step's variables.
 */
import type { LineRange } from '../errors.js';
import type { NetworkMode, SecurityMode } from './run-mount.js';

/** What every instruction carries. */
export interface CommandBase {
  /** The keyword as written (`RUN`, `run`). */
  keyword: string;
  /** The whole logical line, trimmed (what `Step N/M :` prints). */
  code: string;
  range: LineRange;
}

export interface KeyValue {
  key: string;
  value: string;
  /** Legacy `ENV key value` form (no `=`). */
  noDelim: boolean;
}

/** A heredoc used as a COPY/ADD source: `COPY <<EOF /dst`. */
export interface SourceContent {
  path: string;
  data: string;
  /** Expand variables in `data` (the delimiter was not quoted). */
  expand: boolean;
}

export interface SourcesAndDest {
  dest: string;
  sources: string[];
  contents: SourceContent[];
}

/** A heredoc attached to RUN (`RUN <<EOF`), passed to the shell as a file. */
export interface ShellInlineFile {
  name: string;
  data: string;
  chomp: boolean;
}

/**
 * RUN, CMD and ENTRYPOINT arguments: exec form as-is, shell form as one string. An empty exec
 * form (`ENTRYPOINT []`) is BuildKit's nil: it clears the setting.
 */
export interface ShellDependentCmdLine {
  cmdLine: string[];
  files: ShellInlineFile[];
  /** Shell form: the command runs through SHELL. */
  prependShell: boolean;
}

export interface HealthConfig {
  /** `["NONE"]`, `["CMD", …]` or `["CMD-SHELL", "…"]`. */
  test: string[];
  /** Nanoseconds; 0 means "inherit/default". */
  interval: number;
  timeout: number;
  startPeriod: number;
  startInterval: number;
  retries: number;
}

export type Command =
  | (CommandBase & { kind: 'env'; env: KeyValue[] })
  | (CommandBase & { kind: 'maintainer'; maintainer: string })
  | (CommandBase & { kind: 'label'; labels: KeyValue[] })
  | (CommandBase & SourcesAndDest & { kind: 'add'; chown: string; chmod: string; link: boolean; excludes: string[]; checksum: string; keepGitDir?: boolean; unpack?: boolean })
  | (CommandBase & SourcesAndDest & { kind: 'copy'; from: string; chown: string; chmod: string; link: boolean; excludes: string[]; parents: boolean })
  | (CommandBase & { kind: 'onbuild'; expression: string })
  | (CommandBase & { kind: 'workdir'; path: string })
  | (CommandBase & ShellDependentCmdLine & { kind: 'run'; flagsUsed: string[]; mounts: string[]; network: NetworkMode; security: SecurityMode })
  | (CommandBase & ShellDependentCmdLine & { kind: 'cmd' })
  | (CommandBase & ShellDependentCmdLine & { kind: 'entrypoint' })
  | (CommandBase & { kind: 'healthcheck'; health: HealthConfig })
  | (CommandBase & { kind: 'expose'; ports: string[] })
  | (CommandBase & { kind: 'user'; user: string })
  | (CommandBase & { kind: 'volume'; volumes: string[] })
  | (CommandBase & { kind: 'stopsignal'; signal: string })
  | (CommandBase & { kind: 'arg'; args: ArgDef[] })
  | (CommandBase & { kind: 'shell'; shell: string[] });

export type CommandKind = Command['kind'];
export type CommandOf<K extends CommandKind> = Extract<Command, { kind: K }>;

/** One name of an ARG line; `value` undefined for `ARG name` without default. */
export interface ArgDef {
  key: string;
  value?: string;
}

/** A build stage: its FROM line and the instructions after it. */
export interface Stage {
  /** Position in the Dockerfile (what `COPY --from=0` refers to). */
  index: number;
  /** Lower-cased `AS` name, or ''. */
  name: string;
  /** The image or stage named in FROM, unexpanded. */
  baseName: string;
  /** `--platform=`, unexpanded, or ''. */
  platform: string;
  keyword: string;
  code: string;
  range: LineRange;
  commands: Command[];
}

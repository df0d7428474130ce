/**
 * Variable expansion of typed instructions (BuildKit's Expand/ExpandRaw methods): which fields
 * of which instructions see `$VAR`. RUN/CMD/ENTRYPOINT/HEALTHCHECK commands, SHELL, ONBUILD and
 * MAINTAINER are left to the shell or taken literally; EXPOSE splits into words (see expandPorts).
 */
import { DockerfileError, messageOf } from '../errors.js';
import type { EnvGetter, ShellLex } from '../shell/lex.js';
import { parseMount, type Expander, type RunMount } from './run-mount.js';
import type { Command, KeyValue, SourceContent } from './types.js';

/** An expander over `env` with the Dockerfile's escape token (BuildKit's ProcessWord). */
export function wordExpander(lex: ShellLex, env: EnvGetter): Expander {
  return (word) => lex.processWord(word, env);
}

/** Returns `cmd` with its expandable fields expanded; throws DockerfileError as Docker words it. */
export function expandCommand<C extends Command>(cmd: C, expand: Expander): C {
  try {
    return expandFields(cmd, expand);
  } catch (err) {
    if (err instanceof DockerfileError) throw err;
    throw new DockerfileError(messageOf(err), cmd.range, err);
  }
}

function expandFields<C extends Command>(cmd: C, x: Expander): C {
  const c = cmd as Command;
  switch (c.kind) {
    case 'env':
      return { ...c, env: kvs(c.env, x) } as C;
    case 'label':
      return { ...c, labels: kvs(c.labels, x) } as C;
    case 'add':
      return { ...c, chown: x(c.chown), chmod: x(c.chmod), checksum: x(c.checksum), sources: c.sources.map(x), dest: x(c.dest), contents: contents(c.contents, x) } as C;
    case 'copy':
      return { ...c, chown: x(c.chown), chmod: x(c.chmod), sources: c.sources.map(x), dest: x(c.dest), contents: contents(c.contents, x) } as C;
    case 'workdir':
      return { ...c, path: x(c.path) } as C;
    case 'user':
      return { ...c, user: x(c.user) } as C;
    case 'volume':
      return { ...c, volumes: c.volumes.map(x) } as C;
    case 'stopsignal':
      return { ...c, signal: x(c.signal) } as C;
    case 'arg':
      return { ...c, args: c.args.map((a) => (a.value === undefined ? { key: x(a.key) } : { key: x(a.key), value: x(a.value) })) } as C;
    default:
      return cmd;
  }
}

function kvs(list: KeyValue[], x: Expander): KeyValue[] {
  return list.map((kv) => ({ key: x(kv.key), value: x(kv.value), noDelim: kv.noDelim }));
}

/** Heredoc sources whose delimiter was unquoted are expanded as a whole (BuildKit's ExpandRaw). */
function contents(list: SourceContent[], x: Expander): SourceContent[] {
  return list.map((c) => (c.expand ? { ...c, data: x(c.data) } : c));
}

/** The `--mount` specs of a RUN, fully parsed with the step's variables. */
export function runMounts(cmd: Extract<Command, { kind: 'run' }>, expand: Expander): RunMount[] {
  return cmd.mounts.map((spec) => {
    try {
      return parseMount(spec, expand);
    } catch (err) {
      if (err instanceof DockerfileError) throw err;
      throw new DockerfileError(messageOf(err), cmd.range, err);
    }
  });
}

/** EXPOSE: each argument expands to words (`EXPOSE $PORTS` with PORTS="80 443"). */
export function expandPorts(cmd: Extract<Command, { kind: 'expose' }>, lex: ShellLex, env: EnvGetter): string[] {
  return cmd.ports.flatMap((p) => lex.processWords(p, env));
}

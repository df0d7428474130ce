/**
 * RUN (moby's dispatchRun, with BuildKit's heredocs, --mount and --network): the command runs in
 * a build container made from the current image; its writable layer becomes the step's layer.
 */
import { lstat, mkdir, rm, rmdir, writeFile } from 'node:fs/promises';
import { join, posix } from 'node:path';
import { StringDecoder } from 'node:string_decoder';
import { shortId } from '../../base/digest.js';
import { BerthError, invalidArgument } from '../../base/errors.js';
import { parseHeredoc, chompHeredocContent } from '../dockerfile/parser/parser.js';
import type { CommandOf } from '../dockerfile/instructions/types.js';
import { withCurrentView } from './copy-layer.js';
import { StepFailedError } from './errors.js';
import { describeDirectory } from './layer-writer.js';
import { copyRunConfig, resolveCmdLine } from './run-config.js';
import { prepareRunMounts, type PreparedMounts } from './run-mounts.js';
import type { StepContext } from './step-context.js';
import type { StepMount } from './types.js';

type RunCommand = CommandOf<'run'>;

export async function dispatchRun(stage: StepContext, cmd: RunCommand): Promise<void> {
  const { env, state: s } = stage;
  if (cmd.security === 'insecure') throw invalidArgument('entitlement security.insecure is not allowed');
  const rc = s.runConfig;
  const script = await heredocScript(stage, cmd);
  const cmdFromArgs = resolveCmdLine(script.args, cmd.prependShell && !script.direct, rc) ?? [];
  const argsEnv = s.args.filterAllowed(rc.Env ?? []);
  const mounts = await prepareRunMounts(stage, cmd);
  try {
    let saveCmd = argsEnv.length > 0 ? s.args.runCmdForHistory(rc.Env ?? [], cmdFromArgs) : cmdFromArgs;
    const flags = [...mounts.key, ...(cmd.network !== 'default' ? [`--network=${cmd.network}`] : [])];
    if (flags.length > 0) saveCmd = [...flags, ...saveCmd];
    const probeConfig = copyRunConfig(rc, { Cmd: saveCmd, ArgsEscaped: false, ...(saveCmd.length > 0 ? { Entrypoint: null } : {}) });
    if (await stage.probeCache(probeConfig)) return;
    if (s.imageId === '') {
      const exe = cmdFromArgs[0] ?? '';
      throw new BerthError('Internal', `failed to create task for container: OCI runtime create failed: exec: "${exe}": stat ${exe}: no such file or directory: unknown`);
    }
    const runConfig = copyRunConfig(rc, {
      Cmd: cmdFromArgs,
      ArgsEscaped: false,
      Env: [...(rc.Env ?? []), ...argsEnv],
      Healthcheck: { Test: ['NONE'] },
      ...(cmdFromArgs.length > 0 ? { Entrypoint: [''] } : {}),
    });
    const stubs = mounts.stubs.length > 0 ? await missingInImage(stage, mounts.stubs) : [];
    await runStep(stage, runConfig, probeConfig, [...mounts.mounts, ...script.mounts], network(stage, cmd), stubs);
  } finally {
    await mounts.release();
    await script.cleanup();
  }
}

function network(stage: StepContext, cmd: RunCommand): string {
  return cmd.network === 'default' ? stage.env.req.host.networkMode : cmd.network;
}

/** Creates, runs and commits the build container, removing it as `rm`/`forcerm` say. */
async function runStep(stage: StepContext, runConfig: ReturnType<typeof copyRunConfig>, probeConfig: ReturnType<typeof copyRunConfig>, mounts: StepMount[], networkMode: string, stubs: string[]): Promise<void> {
  const { env, out } = stage;
  const { id, warnings } = await env.runner.create({ imageId: stage.state.imageId, config: runConfig, host: { ...env.req.host, networkMode }, mounts });
  env.containers.add(id);
  for (const w of warnings) out.out(` ---> [Warning] ${w}\n`);
  out.out(` ---> Running in ${shortId(id)}\n`);
  const keep = !env.req.remove && !env.req.forceRemove;
  try {
    const stdout = new StringDecoder('utf8');
    const stderr = new StringDecoder('utf8');
    const result = await env.runner.run(id, { stdout: (b) => emit(out.out.bind(out), stdout.write(b)), stderr: (b) => emit(out.err.bind(out), stderr.write(b)) }, env.signal);
    emit(out.out.bind(out), stdout.end());
    emit(out.err.bind(out), stderr.end());
    if (result.exitCode !== 0) {
      const detail = result.error ? `: ${result.error}` : '';
      throw new StepFailedError(`The command '${(runConfig.Cmd ?? []).join(' ')}' returned a non-zero code: ${result.exitCode}${detail}`, result.exitCode);
    }
    await stage.commit(
      probeConfig,
      async (target) => {
        await env.runner.exportLayer(id, target.dir, !keep);
        await removeStubs(target.dir, stubs);
        return describeDirectory(target, env.signal);
      },
      id,
    );
  } finally {
    // A container whose removal fails stays in env.containers: the build's cleanup tries again.
    if (env.signal.aborted) {
      await env.runner.remove(id).then(() => env.containers.delete(id), () => undefined);
    } else if (!keep) {
      await env.runner.remove(id).then(
        () => {
          env.containers.delete(id);
          out.out(` ---> Removed intermediate container ${shortId(id)}\n`);
        },
        (err: unknown) => out.out(`Removing intermediate container ${shortId(id)}: ${(err as Error).message}\n`),
      );
    } else {
      env.containers.delete(id);
    }
  }
}

function emit(write: (text: string) => void, text: string): void {
  if (text !== '') write(text);
}

/** The mount targets the image lacks (runc makes them; BuildKit leaves them out of the layer). */
async function missingInImage(stage: StepContext, targets: string[]): Promise<string[]> {
  return withCurrentView(stage, async (view) => {
    const missing: string[] = [];
    for (const t of targets) {
      const rel = t.replace(/^\/+/, '');
      // Every missing component from the top, deepest last.
      const parts = rel.split('/');
      for (let i = 1; i <= parts.length; i++) {
        const p = parts.slice(0, i).join('/');
        const exists = await lstat(join(view.root, p)).then(
          () => true,
          () => false,
        );
        if (!exists) {
          missing.push(p);
        }
      }
    }
    return [...new Set(missing)];
  });
}

/**
 * Removes mount stubs runc left in the layer, when they are still empty (deepest first). Paths
 * whose parents the step turned into symlinks are left alone: nothing here follows a link.
 */
async function removeStubs(dir: string, stubs: string[]): Promise<void> {
  for (const p of [...stubs].sort((a, b) => b.length - a.length)) {
    if (!(await realParents(dir, p))) continue;
    const full = join(dir, p);
    const st = await lstat(full).catch(() => undefined);
    if (st?.isDirectory()) await rmdir(full).catch(() => undefined);
    else if (st?.isFile() && st.size === 0) await rm(full, { force: true });
  }
}

/** Whether every parent of `rel` below `dir` is a real directory (no symlink on the way). */
async function realParents(dir: string, rel: string): Promise<boolean> {
  const parts = rel.split('/');
  for (let i = 1; i < parts.length; i++) {
    const st = await lstat(join(dir, ...parts.slice(0, i))).catch(() => undefined);
    if (!st?.isDirectory()) return false;
  }
  return true;
}

interface HeredocScript {
  args: string[];
  /** The args are the final command already (a script file run directly). */
  direct: boolean;
  mounts: StepMount[];
  cleanup(): Promise<void>;
}

/** BuildKit's RUN heredocs: `RUN <<EOF` runs the body in the shell, or as a file when it has a shebang. */
async function heredocScript(stage: StepContext, cmd: RunCommand): Promise<HeredocScript> {
  const none: HeredocScript = { args: cmd.cmdLine, direct: false, mounts: [], cleanup: () => Promise.resolve() };
  if (cmd.files.length === 0) return none;
  if (cmd.cmdLine.length !== 1 || !cmd.prependShell) throw invalidArgument(`parsing produced an invalid run command: ${JSON.stringify(cmd.cmdLine)}`);
  let heredoc;
  try {
    heredoc = parseHeredoc(cmd.cmdLine[0]!);
  } catch {
    heredoc = undefined;
  }
  if (heredoc === undefined) {
    // A more complex heredoc: reconstituted and left to the shell.
    return { ...none, args: [cmd.cmdLine[0]! + cmd.files.map((f) => `\n${f.data}${f.name}`).join('')] };
  }
  const first = cmd.files[0]!;
  const data = first.chomp ? chompHeredocContent(first.data) : first.data;
  if (!data.startsWith('#!')) return { ...none, args: [data] };
  const dir = join(stage.env.scratch, `pipes-${stage.env.nextId()}`);
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, first.name), data, { mode: 0o755 });
  return {
    args: [posix.join('/dev/pipes', first.name)],
    direct: true,
    mounts: [{ type: 'bind', source: dir, target: '/dev/pipes', readOnly: true }],
    cleanup: () => rm(dir, { recursive: true, force: true }),
  };
}

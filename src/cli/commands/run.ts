/**
 * `berth run` and `berth create`, following docker/cli's run.go and create.go: create (pulling
 * a missing image first), then for `run` attach → wait → start → resize, stream until the
 * container's output ends and exit with its status.
 */
import type { Command } from 'commander';
import { existsSync, writeFileSync } from 'node:fs';
import { ApiError, readAll } from '../../client/index.js';
import type { CliContext } from '../context.js';
import { StatusError, withHelp } from '../errors.js';
import { forwardSignals, monitorTtySize, streamAttached, type StreamEnd } from '../hijacked-io.js';
import { displayJsonMessages } from '../progress.js';
import { apiTag, familiarWithDefaultTag, parseImageRef } from '../reference.js';
import { authHeaderFor } from './distribution.js';
import { addContainerFlags, buildCreateRequest, type ContainerFlags, type CreateRequest } from './container-opts.js';
import { localhostDNSWarning } from './network-opts.js';

interface RunFlags extends ContainerFlags {
  detach?: boolean;
  detachKeys?: string;
  sigProxy: boolean;
}

/**
 * docker's `toStatusError`: a failure that says the command could not be found exits 127, one
 * that could not be executed 126, any other daemon error 125; all printed as
 * `berth: Error response from daemon: …` with the pointer to `--help`.
 */
export function toStatusError(err: unknown, command = 'run'): StatusError {
  const text = err instanceof ApiError ? `Error response from daemon: ${err.message}` : err instanceof Error ? err.message : String(err);
  const status = /executable file not found|no such file or directory|system cannot find the file specified/.test(text) ? 127 : /permission denied|is a directory/.test(text) ? 126 : 125;
  return new StatusError(status, withHelp(command, text).message);
}

/** `[rows, columns]` of the terminal on stdout, as docker puts in HostConfig.ConsoleSize. */
function consoleSize(): [number, number] {
  return process.stdout.isTTY ? [process.stdout.rows || 0, process.stdout.columns || 0] : [0, 0];
}

/** `POST /images/create` for a missing image, its progress on stderr (docker's pullImage). */
async function pullImage(ctx: CliContext, image: string, o: { platform?: string | undefined; quiet?: boolean | undefined }): Promise<void> {
  const ref = parseImageRef(image);
  // The stored credentials for the registry; without any, docker sends `e30=` (`{}`).
  const auth = await authHeaderFor(ref.name.slice(0, ref.name.indexOf('/')));
  const res = await ctx.client.call('POST', '/images/create', { query: { fromImage: ref.name, tag: apiTag(ref), platform: o.platform }, headers: { 'X-Registry-Auth': auth } });
  const sink = o.quiet ? { write: () => true } : process.stderr;
  await displayJsonMessages(res, sink as NodeJS.WritableStream, !o.quiet && process.stderr.isTTY);
}

/**
 * docker's createContainer: `--pull always` pulls first; a 404 with `--pull missing` prints
 * "Unable to find image" and pulls, then creates again. Warnings go to stderr; `--cidfile` gets
 * the ID. Returns the new container's ID.
 */
async function createContainer(ctx: CliContext, req: CreateRequest, o: ContainerFlags): Promise<string> {
  const cidfile = req.body.HostConfig.ContainerIDFile;
  if (cidfile && existsSync(cidfile)) throw new Error(`container ID file found, make sure the other container isn't running or delete ${cidfile}`);
  const create = (): Promise<{ Id: string; Warnings: string[] | null }> =>
    ctx.client.json('POST', '/containers/create', { query: { name: req.name, platform: req.platform }, body: req.body });
  if (o.pull === 'always') await pullImage(ctx, req.body.Image, o);
  let r: { Id: string; Warnings: string[] | null };
  try {
    r = await create();
  } catch (err) {
    if (!(err instanceof ApiError && err.status === 404 && o.pull === 'missing')) throw err;
    if (!o.quiet) process.stderr.write(`Unable to find image '${familiarWithDefaultTag(parseImageRef(req.body.Image))}' locally\n`);
    await pullImage(ctx, req.body.Image, o);
    r = await create();
  }
  const dnsWarning = localhostDNSWarning(req.body.HostConfig.Dns ?? []);
  for (const w of [...(r.Warnings ?? []), ...(dnsWarning ? [dnsWarning] : [])]) process.stderr.write(`WARNING: ${w}\n`);
  if (cidfile) writeFileSync(cidfile, r.Id);
  return r.Id;
}

function validatePull(command: string, pull: string): void {
  if (!['always', 'missing', 'never'].includes(pull)) throw withHelp(command, `invalid pull option: '${pull}': must be one of "always", "missing" or "never"`);
}

async function create(ctx: CliContext, image: string, args: string[], o: ContainerFlags): Promise<void> {
  validatePull('create', o.pull);
  const req = buildCreateRequest('create', image, args, o, consoleSize());
  ctx.print(await createContainer(ctx, req, o));
}

/**
 * Starts waiting for the container as docker's waitExitOrRemoved does: the request is answered
 * (headers) before the CLI starts the container, so no exit can be missed; the body, the exit
 * status, comes when the condition is met. A wait error is status 125.
 */
export async function waitForExit(ctx: CliContext, id: string, condition: 'next-exit' | 'removed' | undefined, signal: AbortSignal): Promise<{ status: Promise<number> }> {
  const res = await ctx.client.call('POST', `/containers/${id}/wait`, { query: { condition }, signal });
  // Wrapped: a promise resolved with a promise would wait for the exit here.
  const status = readAll(res).then(
    (body) => {
      const r = JSON.parse(body.toString('utf8')) as { StatusCode: number; Error?: { Message: string } | null };
      if (r.Error?.Message) {
        process.stderr.write(`Error waiting for container: ${r.Error.Message}\n`);
        return 125;
      }
      return r.StatusCode;
    },
    (err: unknown) => {
      if (signal.aborted) return 0;
      process.stderr.write(`error waiting for container: ${(err as Error).message}\n`);
      return 125;
    },
  );
  return { status };
}

async function run(ctx: CliContext, image: string, args: string[], o: RunFlags): Promise<void> {
  validatePull('run', o.pull);
  const req = buildCreateRequest('run', image, args, o, consoleSize());
  const config = req.body;
  if (!o.detach) {
    if (config.Tty && config.AttachStdin && !process.stdin.isTTY) throw new Error('the input device is not a TTY');
  } else {
    if (o.attach?.length) throw new Error('conflicting options: cannot specify both --attach and --detach');
    config.AttachStdin = false;
    config.AttachStdout = false;
    config.AttachStderr = false;
    config.StdinOnce = false;
  }

  let id: string;
  try {
    id = await createContainer(ctx, req, o);
  } catch (err) {
    throw toStatusError(err);
  }
  const unproxy = o.sigProxy ? forwardSignals(ctx.client, id) : () => {};
  const stopWaiting = new AbortController();
  const attach = config.AttachStdin || config.AttachStdout || config.AttachStderr;
  let unmonitor = (): void => {};
  try {
    const socket = attach
      ? await ctx.client.hijack('POST', `/containers/${id}/attach`, {
          query: { stream: true, stdin: config.AttachStdin, stdout: config.AttachStdout, stderr: config.AttachStderr, detachKeys: o.detachKeys },
        })
      : undefined;
    const autoRemove = config.HostConfig.AutoRemove;
    const { status } = await waitForExit(ctx, id, autoRemove ? 'removed' : 'next-exit', stopWaiting.signal);
    try {
      await ctx.client.call('POST', `/containers/${id}/start`);
    } catch (err) {
      socket?.destroy();
      // With --rm the daemon removes the container; wait for it as docker does (but not forever).
      if (autoRemove) await Promise.race([status, new Promise((r) => setTimeout(r, 10_000).unref())]);
      throw toStatusError(err);
    }
    if (!socket) {
      ctx.print(id);
      return;
    }
    if (config.Tty && process.stdout.isTTY) unmonitor = monitorTtySize(ctx.client, `/containers/${id}/resize`);
    const streamed = streamAttached({ socket, tty: config.Tty, stdin: config.AttachStdin, stdout: config.AttachStdout, stderr: config.AttachStderr, detachKeys: o.detachKeys });
    let end: StreamEnd;
    if (config.AttachStdout || config.AttachStderr) end = await streamed;
    else {
      // No output to outlive the container: its exit ends the run, and the stream with it.
      end = await Promise.race([streamed, status.then(() => 'done' as const)]);
      socket.destroy();
      await streamed.catch(() => 'done');
    }
    if (end === 'detached') return;
    const code = await status;
    if (code !== 0) throw new StatusError(code);
  } finally {
    unmonitor();
    unproxy();
    stopWaiting.abort();
  }
}

export function registerRunCommands(program: Command, container: Command, ctx: CliContext): void {
  for (const parent of [program, container]) {
    addContainerFlags(
      parent
        .command('run')
        .description('Create and run a new container from an image')
        .argument('<IMAGE>')
        .argument('[COMMAND...]', 'Command and arguments')
        // -h is --hostname, as in docker; flags after IMAGE belong to the command.
        .helpOption('--help', 'Print usage')
        .passThroughOptions()
        .option('-d, --detach', 'Run container in background and print container ID')
        .option('--detach-keys <string>', 'Override the key sequence for detaching a container')
        .option('--sig-proxy', 'Proxy received signals to the process (default true)', true)
        .option('--no-sig-proxy', 'Do not proxy received signals to the process'),
    ).action((image: string, args: string[], o: RunFlags) => run(ctx, image, args, o));
    addContainerFlags(
      parent.command('create').description('Create a new container').argument('<IMAGE>').argument('[COMMAND...]', 'Command and arguments').helpOption('--help', 'Print usage').passThroughOptions(),
    ).action((image: string, args: string[], o: ContainerFlags) => create(ctx, image, args, o));
  }
}

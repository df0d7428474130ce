/**
 * Container lifecycle commands (`start`, `stop`, `kill`, `restart`, `rm`, `wait`, `logs`,
 * `pause`, `unpause`, `rename`, `attach`, `container prune`, `container inspect`) and the
 * top-level `inspect`, worded and exiting as docker/cli's cli/command/container does.
 */
import type { Command } from 'commander';
import { ApiError, copyRaw, demultiplex, readAll } from '../../client/index.js';
import { collect, filtersJson, type CliContext } from '../context.js';
import { StatusError, UsageError } from '../errors.js';
import { getTimestamp } from '../format/timestamp.js';
import { humanSize } from '../format/units.js';
import { forwardSignals, monitorTtySize, streamAttached } from '../hijacked-io.js';
import { registerPortCommands } from './port.js';
import { registerPsCommands } from './ps.js';
import { registerRunCommands, waitForExit } from './run.js';
import { confirm, inspectOutput } from './shared.js';

/** The inspect fields the CLI itself reads. */
interface WireInspect {
  Id: string;
  Config: { Tty: boolean; OpenStdin: boolean };
  HostConfig: { AutoRemove: boolean };
  State: { Running: boolean; Paused: boolean; Restarting: boolean };
}

/** An error line as docker prints it: daemon errors with their prefix. */
function errorLine(err: unknown): string {
  return err instanceof ApiError ? `Error response from daemon: ${err.message}` : err instanceof Error ? err.message : String(err);
}

/**
 * Runs `op` on every container (concurrently, as docker's parallelOperation), prints each name
 * that succeeded in argument order, and fails with one line per error (exit 1).
 * `ignore` decides which errors are only reported (`rm -f` of a missing container).
 */
async function eachContainer(ctx: CliContext, names: string[], op: (name: string) => Promise<unknown>, opts: { sequential?: boolean; ignore?: (err: unknown) => boolean } = {}): Promise<void> {
  const run = (n: string): Promise<unknown> => op(n).then(() => undefined, (err: unknown) => err ?? new Error('failed'));
  const results: unknown[] = [];
  if (opts.sequential) for (const n of names) results.push(await run(n));
  else results.push(...(await Promise.all(names.map(run))));
  const errors: string[] = [];
  names.forEach((n, i) => {
    const err = results[i];
    if (err === undefined) ctx.print(n);
    else if (opts.ignore?.(err)) ctx.err.write(`${errorLine(err)}\n`);
    else errors.push(errorLine(err));
  });
  if (errors.length) throw new Error(errors.join('\n'));
}

async function inspectContainer(ctx: CliContext, name: string): Promise<WireInspect> {
  return ctx.client.json<WireInspect>('GET', `/containers/${encodeURIComponent(name)}/json`);
}

/** `--time`/`-t` is sent only when given: the daemon then uses the container's StopTimeout. */
function timeoutQuery(t: string | undefined, command: string): number | undefined {
  if (t === undefined) return undefined;
  if (!/^[+-]?\d+$/.test(t)) throw new UsageError(`invalid argument "${t}" for "-t, --timeout" flag: strconv.ParseInt: parsing "${t}": invalid syntax`, command);
  return Number(t);
}

async function start(ctx: CliContext, names: string[], o: { attach?: boolean; interactive?: boolean; detachKeys?: string }): Promise<void> {
  if (!o.attach && !o.interactive) {
    const failed: string[] = [];
    for (const n of names) {
      try {
        await ctx.client.call('POST', `/containers/${encodeURIComponent(n)}/start`);
        ctx.print(n);
      } catch (err) {
        ctx.err.write(`${errorLine(err)}\n`);
        failed.push(n);
      }
    }
    if (failed.length) throw new Error(`Error: failed to start containers: ${failed.join(', ')}`);
    return;
  }
  if (names.length > 1) throw new Error('you cannot start and attach multiple containers at once');
  const c = await inspectContainer(ctx, names[0]!);
  const unproxy = c.Config.Tty ? () => {} : forwardSignals(ctx.client, c.Id);
  const stopWaiting = new AbortController();
  let unmonitor = (): void => {};
  const stdin = Boolean(o.interactive) && c.Config.OpenStdin;
  try {
    const socket = await ctx.client.hijack('POST', `/containers/${c.Id}/attach`, { query: { stream: true, stdin, stdout: true, stderr: true, detachKeys: o.detachKeys } });
    const { status } = await waitForExit(ctx, c.Id, c.HostConfig.AutoRemove ? 'removed' : 'next-exit', stopWaiting.signal);
    try {
      await ctx.client.call('POST', `/containers/${c.Id}/start`);
    } catch (err) {
      socket.destroy();
      if (c.HostConfig.AutoRemove) await Promise.race([status, new Promise((r) => setTimeout(r, 10_000).unref())]);
      throw err;
    }
    if (c.Config.Tty && process.stdout.isTTY) unmonitor = monitorTtySize(ctx.client, `/containers/${c.Id}/resize`);
    const end = await streamAttached({ socket, tty: c.Config.Tty, stdin, stdout: true, stderr: true, detachKeys: o.detachKeys });
    if (end === 'detached') return;
    const code = await status;
    if (code !== 0) throw new StatusError(code);
  } finally {
    unmonitor();
    unproxy();
    stopWaiting.abort();
  }
}

/** The state checks of docker's inspectContainerAndCheckState. */
function checkAttachable(c: WireInspect): void {
  if (!c.State.Running) throw new Error('You cannot attach to a stopped container, start it first');
  if (c.State.Paused) throw new Error('You cannot attach to a paused container, unpause it first');
  if (c.State.Restarting) throw new Error('You cannot attach to a restarting container, wait until it is running');
}

async function attach(ctx: CliContext, name: string, o: { stdin: boolean; detachKeys?: string; sigProxy: boolean }): Promise<void> {
  const stopWaiting = new AbortController();
  // Waiting starts first, so an exit while attaching is not missed.
  const { status } = await waitForExit(ctx, name, undefined, stopWaiting.signal);
  let unproxy = (): void => {};
  let unmonitor = (): void => {};
  try {
    const c = await inspectContainer(ctx, name);
    checkAttachable(c);
    if (o.stdin && c.Config.Tty && !process.stdin.isTTY) throw new Error('the input device is not a TTY');
    const stdin = o.stdin && c.Config.OpenStdin;
    if (o.sigProxy && !c.Config.Tty) unproxy = forwardSignals(ctx.client, name);
    const socket = await ctx.client.hijack('POST', `/containers/${encodeURIComponent(name)}/attach`, { query: { stream: true, stdin, stdout: true, stderr: true, detachKeys: o.detachKeys } });
    try {
      checkAttachable(await inspectContainer(ctx, name));
    } catch (err) {
      socket.destroy();
      throw err;
    }
    if (c.Config.Tty && process.stdout.isTTY) unmonitor = monitorTtySize(ctx.client, `/containers/${encodeURIComponent(name)}/resize`, true);
    const end = await streamAttached({ socket, tty: c.Config.Tty, stdin, stdout: true, stderr: true, detachKeys: o.detachKeys });
    // docker reports the detach as the escape error it is (exit 1).
    if (end === 'detached') throw new Error('read escape sequence');
    const code = await status;
    if (code !== 0) throw new StatusError(code);
  } finally {
    unmonitor();
    unproxy();
    stopWaiting.abort();
  }
}

/** `--since`/`--until` as the API wants them, errors worded as the docker client words them. */
function apiTime(name: string, value: string | undefined): string | undefined {
  if (!value) return undefined;
  try {
    return getTimestamp(value);
  } catch (err) {
    throw new Error(`invalid value for ${JSON.stringify(name)}: ${(err as Error).message}`, { cause: err });
  }
}

async function logs(ctx: CliContext, name: string, o: { follow?: boolean; since?: string; until?: string; timestamps?: boolean; details?: boolean; tail: string }): Promise<void> {
  const c = await inspectContainer(ctx, name);
  const res = await ctx.client.call('GET', `/containers/${c.Id}/logs`, {
    query: {
      stdout: true,
      stderr: true,
      since: apiTime('since', o.since),
      until: apiTime('until', o.until),
      timestamps: o.timestamps,
      follow: o.follow,
      tail: o.tail,
      details: o.details,
    },
  });
  const write = (out: NodeJS.WriteStream) => (data: Buffer): void | Promise<void> => {
    if (out.write(data)) return;
    return new Promise<void>((resolve) => out.once('drain', resolve));
  };
  // A TTY container's log is one raw stream; otherwise stdcopy frames.
  if (c.Config.Tty) await copyRaw(res, write(process.stdout));
  else await demultiplex(res, write(process.stdout), write(process.stderr));
}

async function waitAll(ctx: CliContext, names: string[]): Promise<void> {
  const errors: string[] = [];
  for (const n of names) {
    try {
      const r = await ctx.client.json<{ StatusCode: number }>('POST', `/containers/${encodeURIComponent(n)}/wait`);
      ctx.print(String(r.StatusCode));
    } catch (err) {
      errors.push(errorLine(err));
    }
  }
  if (errors.length) throw new Error(errors.join('\n'));
}

async function rename(ctx: CliContext, oldName: string, newName: string): Promise<void> {
  const from = oldName.trim();
  const to = newName.trim();
  if (!from || !to) throw new Error('Error: Neither old nor new names may be empty');
  try {
    await ctx.client.call('POST', `/containers/${encodeURIComponent(from)}/rename`, { query: { name: to } });
  } catch (err) {
    ctx.err.write(`${errorLine(err)}\n`);
    throw new Error(`Error: failed to rename container named ${from}`);
  }
}

async function prune(ctx: CliContext, o: { force?: boolean; filter?: string[] }): Promise<void> {
  if (!o.force && !(await confirm(ctx, 'WARNING! This will remove all stopped containers.'))) return;
  const r = await ctx.client.json<{ ContainersDeleted: string[] | null; SpaceReclaimed: number }>('POST', '/containers/prune', { query: { filters: filtersJson(o.filter) } });
  if (r.ContainersDeleted?.length) ctx.out.write(`Deleted Containers:\n${r.ContainersDeleted.join('\n')}\n\n`);
  ctx.print(`Total reclaimed space: ${humanSize(r.ContainersDeleted?.length ? r.SpaceReclaimed : 0)}`);
}

async function getJson(ctx: CliContext, path: string, query: Record<string, boolean | undefined> = {}): Promise<unknown> {
  const res = await ctx.client.call('GET', path, { query });
  return JSON.parse((await readAll(res)).toString('utf8')) as unknown;
}

/** `berth inspect`: containers first, then images, as docker's inspectAll tries them. */
async function inspectAny(ctx: CliContext, names: string[], o: { format?: string; type?: string; size?: boolean }): Promise<void> {
  if (o.type !== undefined && o.type !== 'container' && o.type !== 'image') throw new Error(`unknown type: ${JSON.stringify(o.type)}: must be one of "container", "image"`);
  await inspectOutput(ctx, names, o.format, async (n) => {
    const path = encodeURIComponent(n);
    if (o.type !== 'image') {
      try {
        return await getJson(ctx, `/containers/${path}/json`, { size: o.size });
      } catch (err) {
        if (o.type === 'container' || !(err instanceof ApiError && err.status === 404)) throw err;
      }
    }
    try {
      const image = await getJson(ctx, `/images/${n}/json`);
      if (o.size) ctx.err.write('WARNING: --size ignored for image\n');
      return image;
    } catch (err) {
      if (o.type === 'image' || !(err instanceof ApiError && err.status === 404)) throw err;
    }
    throw new Error(`Error: No such object: ${n}`);
  });
}

export function registerContainerCommands(program: Command, ctx: CliContext): void {
  const container = program.command('container').description('Manage containers');
  registerRunCommands(program, container, ctx);
  registerPsCommands(program, container, ctx);
  registerPortCommands(program, container, ctx);
  // Each command exists at the top level and under `container`, as in docker.
  const both = (name: string, define: (cmd: Command) => void): void => {
    define(program.command(name));
    define(container.command(name));
  };
  both('start', (cmd) =>
    cmd
      .description('Start one or more stopped containers')
      .argument('<CONTAINER...>')
      .option('-a, --attach', 'Attach STDOUT/STDERR and forward signals')
      .option('-i, --interactive', "Attach container's STDIN")
      .option('--detach-keys <string>', 'Override the key sequence for detaching a container')
      .action((names: string[], o: { attach?: boolean; interactive?: boolean; detachKeys?: string }) => start(ctx, names, o)),
  );
  both('stop', (cmd) =>
    cmd
      .description('Stop one or more running containers')
      .argument('<CONTAINER...>')
      .option('-s, --signal <string>', 'Signal to send to the container')
      .option('-t, --timeout <int>', 'Seconds to wait before killing the container')
      .action((names: string[], o: { signal?: string; timeout?: string }) => {
        const t = timeoutQuery(o.timeout, 'stop');
        return eachContainer(ctx, names, (n) => ctx.client.call('POST', `/containers/${encodeURIComponent(n)}/stop`, { query: { signal: o.signal, t } }));
      }),
  );
  both('restart', (cmd) =>
    cmd
      .description('Restart one or more containers')
      .argument('<CONTAINER...>')
      .option('-s, --signal <string>', 'Signal to send to the container')
      .option('-t, --timeout <int>', 'Seconds to wait before killing the container')
      .action((names: string[], o: { signal?: string; timeout?: string }) => {
        const t = timeoutQuery(o.timeout, 'restart');
        return eachContainer(ctx, names, (n) => ctx.client.call('POST', `/containers/${encodeURIComponent(n)}/restart`, { query: { signal: o.signal, t } }), { sequential: true });
      }),
  );
  both('kill', (cmd) =>
    cmd
      .description('Kill one or more running containers')
      .argument('<CONTAINER...>')
      .option('-s, --signal <string>', 'Signal to send to the container')
      .action((names: string[], o: { signal?: string }) => eachContainer(ctx, names, (n) => ctx.client.call('POST', `/containers/${encodeURIComponent(n)}/kill`, { query: { signal: o.signal } }))),
  );
  const addRm = (cmd: Command): Command =>
    cmd
      .description('Remove one or more containers')
      .argument('<CONTAINER...>')
      .option('-f, --force', 'Force the removal of a running container (uses SIGKILL)')
      .option('-l, --link', 'Remove the specified link')
      .option('-v, --volumes', 'Remove anonymous volumes associated with the container')
      .action((names: string[], o: { force?: boolean; link?: boolean; volumes?: boolean }) =>
        eachContainer(
          ctx,
          names,
          (n) => {
            const id = n.replace(/^\/+|\/+$/g, '');
            if (!id) return Promise.reject(new Error('container name cannot be empty'));
            return ctx.client.call('DELETE', `/containers/${encodeURIComponent(id)}`, { query: { v: o.volumes, link: o.link, force: o.force } });
          },
          { ignore: (err) => Boolean(o.force) && err instanceof ApiError && err.status === 404 },
        ),
      );
  addRm(program.command('rm'));
  addRm(container.command('rm').alias('remove'));
  both('wait', (cmd) => cmd.description('Block until one or more containers stop, then print their exit codes').argument('<CONTAINER...>').action((names: string[]) => waitAll(ctx, names)));
  both('pause', (cmd) =>
    cmd.description('Pause all processes within one or more containers').argument('<CONTAINER...>').action((names: string[]) => eachContainer(ctx, names, (n) => ctx.client.call('POST', `/containers/${encodeURIComponent(n)}/pause`))),
  );
  both('unpause', (cmd) =>
    cmd.description('Unpause all processes within one or more containers').argument('<CONTAINER...>').action((names: string[]) => eachContainer(ctx, names, (n) => ctx.client.call('POST', `/containers/${encodeURIComponent(n)}/unpause`))),
  );
  both('rename', (cmd) => cmd.description('Rename a container').argument('<CONTAINER>').argument('<NEW_NAME>').action((a: string, b: string) => rename(ctx, a, b)));
  both('logs', (cmd) =>
    cmd
      .description('Fetch the logs of a container')
      .argument('<CONTAINER>')
      .option('--details', 'Show extra details provided to logs')
      .option('-f, --follow', 'Follow log output')
      .option('--since <string>', 'Show logs since timestamp (e.g. "2013-01-02T13:23:37Z") or relative (e.g. "42m" for 42 minutes)')
      .option('-n, --tail <string>', 'Number of lines to show from the end of the logs', 'all')
      .option('-t, --timestamps', 'Show timestamps')
      .option('--until <string>', 'Show logs before a timestamp (e.g. "2013-01-02T13:23:37Z") or relative (e.g. "42m" for 42 minutes)')
      .action((name: string, o: { follow?: boolean; since?: string; until?: string; timestamps?: boolean; details?: boolean; tail: string }) => logs(ctx, name, o)),
  );
  both('attach', (cmd) =>
    cmd
      .description('Attach local standard input, output, and error streams to a running container')
      .argument('<CONTAINER>')
      .option('--detach-keys <string>', 'Override the key sequence for detaching a container')
      .option('--no-stdin', 'Do not attach STDIN')
      .option('--sig-proxy', 'Proxy all received signals to the process (default true)', true)
      .option('--no-sig-proxy', 'Do not proxy received signals to the process')
      .action((name: string, o: { stdin: boolean; detachKeys?: string; sigProxy: boolean }) => attach(ctx, name, o)),
  );
  container
    .command('prune')
    .description('Remove all stopped containers')
    .option('-f, --force', 'Do not prompt for confirmation')
    .option('--filter <filter>', 'Provide filter values (e.g. "until=<timestamp>")', collect)
    .action((o: { force?: boolean; filter?: string[] }) => prune(ctx, o));
  container
    .command('inspect')
    .description('Display detailed information on one or more containers')
    .argument('<CONTAINER...>')
    .option('-f, --format <string>', 'Format output using a custom template')
    .option('-s, --size', 'Display total file sizes')
    .action((names: string[], o: { format?: string; size?: boolean }) =>
      inspectOutput(ctx, names, o.format, (n) => getJson(ctx, `/containers/${encodeURIComponent(n)}/json`, { size: o.size })),
    );
  program
    .command('inspect')
    .description('Return low-level information on berth objects')
    .argument('<NAME|ID...>')
    .option('-f, --format <string>', 'Format output using a custom template')
    .option('-s, --size', 'Display total file sizes if the type is container')
    .option('--type <string>', 'Only inspect objects of the given type')
    .action((names: string[], o: { format?: string; type?: string; size?: boolean }) => inspectAny(ctx, names, o));
}

/**
 * The attached side of compose: `up` without -d (every container's output, prefixed, until they
 * all exit or ctrl-c stops them), `logs`, and `wait`.
 */
import { escapePath, readAll } from '../../client/index.js';
import { setTimeout as sleep } from 'node:timers/promises';
import { lifecycle, type ContainerInspect, type ContainerSummary, type Context } from '../../compose/index.js';
import type { CliContext } from '../context.js';
import { LogPrinter, shortName, streamLogs } from './compose-logs.js';

export interface AttachOptions {
  color: boolean;
  prefix: boolean;
  /** `--abort-on-container-exit`: the first exit stops the others. */
  abort: boolean;
  exitCodeFrom?: string;
  timeout?: number;
}

/** Seconds since the epoch of an RFC 3339 time, for a logs `since` (the start this `up` made). */
function sinceOf(rfc3339: string): string | undefined {
  const ms = Date.parse(rfc3339);
  return Number.isNaN(ms) || ms <= 0 ? undefined : (ms / 1000).toFixed(3);
}

/** Follows the services' containers until they all exit; returns the exit status `up` ends with. */
export async function attachedUp(ctx: CliContext, c: Context, services: string[], o: AttachOptions): Promise<number> {
  // `attach: false` services run without their output shown (compose v2's --attach-dependencies aside).
  const containers = (await c.engine.containers(c.project.name, { services, oneoff: false })).filter((ct) => c.project.services[ct.Labels['com.docker.compose.service'] ?? '']?.attach !== false);
  const printer = new LogPrinter(ctx.out, o.color, o.prefix);
  for (const ct of containers) printer.register(shortName(ct));
  c.progress.done();
  ctx.print(`Attaching to ${containers.map(shortName).join(', ')}`);
  let stopping: Promise<void> | undefined;
  const stopAll = (): Promise<void> => (stopping ??= lifecycle(c, 'stop', services, { t: o.timeout }).catch(() => {}));
  let interrupted = false;
  const onSigint = (): void => {
    if (interrupted) {
      // The second ctrl-c: kill rather than wait for the graceful stop.
      void lifecycle(c, 'kill', services).finally(() => process.exit(130));
      return;
    }
    interrupted = true;
    process.stderr.write('Gracefully stopping... (press Ctrl+C again to force)\n');
    void stopAll();
  };
  process.on('SIGINT', onSigint);
  let exitCode = 0;
  let firstExit: number | undefined;
  try {
    await Promise.all(
      containers.map(async (ct) => {
        const name = shortName(ct);
        let info = await c.engine.inspect(ct.Id);
        let code = 0;
        for (;;) {
          await streamLogs(ctx.client, ct, info.Config.Tty, printer, { follow: true, since: sinceOf(info.State.StartedAt ?? '') });
          const after = await c.engine.inspect(ct.Id).catch(() => undefined);
          code = after?.State.ExitCode ?? 0;
          // A restart policy brings it back: say so, and follow its next run (compose re-attaches).
          const restarting = !interrupted && !stopping && after !== undefined && (after.State.Restarting === true || after.State.Running);
          if (!interrupted) printer.status(name, `exited with code ${code}${restarting ? ' (restarting)' : ''}`);
          if (!restarting) break;
          info = await runningAgain(c, ct.Id, after);
          if (!info.State.Running) break;
        }
        if (o.exitCodeFrom ? ct.Labels['com.docker.compose.service'] === o.exitCodeFrom : firstExit === undefined) firstExit = code;
        if (o.abort && !interrupted && !stopping) {
          process.stderr.write('Aborting on container exit...\n');
          await stopAll();
        }
      }),
    );
  } finally {
    process.off('SIGINT', onSigint);
  }
  if (stopping) await stopping;
  if (interrupted) return 130;
  if (o.abort) exitCode = firstExit ?? 0;
  return exitCode;
}

/** Waits out a restart policy's delay: the container's state once it runs again (or stays down). */
async function runningAgain(c: Context, id: string, last: ContainerInspect): Promise<ContainerInspect> {
  let info = last;
  for (let i = 0; i < 600 && info.State.Restarting === true && !info.State.Running; i++) {
    await sleep(100);
    info = await c.engine.inspect(id);
  }
  return info;
}

export async function composeLogs(ctx: CliContext, c: Context, services: string[], o: { follow?: boolean; tail: string; timestamps?: boolean; since?: string; until?: string; color: boolean; prefix: boolean; index?: string }): Promise<void> {
  let containers: ContainerSummary[] = await c.engine.containers(c.project.name, { services, oneoff: false });
  if (o.index !== undefined) containers = containers.filter((ct) => ct.Labels['com.docker.compose.container-number'] === o.index);
  const printer = new LogPrinter(ctx.out, o.color, o.prefix);
  for (const ct of containers) printer.register(shortName(ct));
  await Promise.all(
    containers.map(async (ct) => {
      const info = await c.engine.inspect(ct.Id);
      await streamLogs(ctx.client, ct, info.Config.Tty, printer, o);
    }),
  );
}

/** `compose wait`: blocks until the first of the services' containers stops; prints its exit code. */
export async function composeWait(ctx: CliContext, c: Context, services: string[]): Promise<number> {
  const containers = await c.engine.containers(c.project.name, { services, oneoff: false });
  if (containers.length === 0) throw new Error(`no containers for project ${JSON.stringify(c.project.name)}`);
  const code = await Promise.race(
    containers.map(async (ct) => {
      const res = await ctx.client.call('POST', `/containers/${escapePath(ct.Id)}/wait`, { query: { condition: 'not-running' } });
      return (JSON.parse((await readAll(res)).toString('utf8')) as { StatusCode: number }).StatusCode;
    }),
  );
  ctx.print(String(code));
  return code;
}

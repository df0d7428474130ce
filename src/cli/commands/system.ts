import type { Command } from 'commander';
import { readJsonMessages } from '../../client/index.js';
import { collect, filtersJson, type CliContext } from '../context.js';
import { compileTemplate } from '../format/template.js';
import { bytesSize } from '../format/units.js';
import { BERTH_CLI_VERSION } from '../version.js';
import { diskUsage } from './system-df.js';

async function version(ctx: CliContext, o: { format?: string }): Promise<void> {
  const client = {
    Version: BERTH_CLI_VERSION,
    ApiVersion: '1.50',
    GoVersion: `node${process.versions.node}`,
    Os: 'linux',
    Arch: process.arch === 'x64' ? 'amd64' : process.arch,
  };
  let server: Record<string, unknown> | undefined;
  let serverErr: Error | undefined;
  try {
    server = await ctx.client.json<Record<string, unknown>>('GET', '/version');
  } catch (err) {
    serverErr = err as Error;
  }
  if (o.format) {
    ctx.print(compileTemplate(o.format)({ Client: client, Server: server ?? null }));
  } else {
    ctx.print(`Client:\n Version:           ${client.Version}\n API version:       ${client.ApiVersion}\n Node version:      ${client.GoVersion}\n OS/Arch:           ${client.Os}/${client.Arch}`);
    if (server) {
      ctx.print(
        `\nServer: berth\n Engine:\n  Version:          ${String(server.Version)}\n  API version:      ${String(server.ApiVersion)} (minimum version ${String(server.MinAPIVersion)})\n  Node version:     ${String(server.GoVersion)}\n  OS/Arch:          ${String(server.Os)}/${String(server.Arch)}\n  Kernel:           ${String(server.KernelVersion)}`,
      );
    }
  }
  if (serverErr) throw serverErr;
}

async function info(ctx: CliContext, o: { format?: string }): Promise<void> {
  const i = await ctx.client.json<Record<string, unknown>>('GET', '/info');
  if (o.format) {
    ctx.print(compileTemplate(o.format)(i));
    return;
  }
  const lines = [
    'Server:',
    ` Containers: ${String(i.Containers)}`,
    `  Running: ${String(i.ContainersRunning)}`,
    `  Paused: ${String(i.ContainersPaused)}`,
    `  Stopped: ${String(i.ContainersStopped)}`,
    ` Images: ${String(i.Images)}`,
    ` Server Version: ${String(i.ServerVersion)}`,
    ` Storage Driver: ${String(i.Driver)}`,
    ...((i.DriverStatus as [string, string][] | null) ?? []).map(([k, v]) => `  ${k}: ${v}`),
    ` Logging Driver: ${String(i.LoggingDriver)}`,
    ` Cgroup Driver: ${String(i.CgroupDriver)}`,
    ` Cgroup Version: ${String(i.CgroupVersion)}`,
    ` Runtimes: ${Object.keys((i.Runtimes as object | null) ?? {}).join(' ')}`,
    ` Default Runtime: ${String(i.DefaultRuntime)}`,
    ` Kernel Version: ${String(i.KernelVersion)}`,
    ` Operating System: ${String(i.OperatingSystem)}`,
    ` OSType: ${String(i.OSType)}`,
    ` Architecture: ${String(i.Architecture)}`,
    ` CPUs: ${String(i.NCPU)}`,
    ` Total Memory: ${bytesSize(Number(i.MemTotal))}`,
    ` Name: ${String(i.Name)}`,
    ` ID: ${String(i.ID)}`,
    ` Docker Root Dir: ${String(i.DockerRootDir)}`,
    ` Debug Mode: ${String(i.Debug)}`,
    ` Live Restore Enabled: ${String(i.LiveRestoreEnabled)}`,
  ];
  ctx.print(lines.join('\n'));
  for (const w of (i.Warnings as string[] | null) ?? []) ctx.err.write(w + '\n');
}

async function events(ctx: CliContext, o: { since?: string; until?: string; filter?: string[]; format?: string }): Promise<void> {
  const res = await ctx.client.call('GET', '/events', { query: { since: toApiTime(o.since), until: toApiTime(o.until), filters: filtersJson(o.filter) } });
  const tpl = o.format ? compileTemplate(o.format === 'json' ? '{{json .}}' : o.format) : undefined;
  for await (const m of readJsonMessages(res)) {
    const e = m as unknown as { Type: string; Action: string; Actor: { ID: string; Attributes: Record<string, string> }; timeNano: number; time: number };
    if (tpl) {
      ctx.print(tpl(e));
      continue;
    }
    const attrs = Object.entries(e.Actor.Attributes ?? {}).sort(([a], [b]) => a.localeCompare(b)).map(([k, v]) => `${k}=${v}`);
    const when = new Date(e.time * 1000).toISOString().replace(/\.\d+Z$/, '') + '.' + String(e.timeNano % 1e9).padStart(9, '0') + 'Z';
    ctx.print(`${when} ${e.Type} ${e.Action} ${e.Actor.ID}${attrs.length ? ` (${attrs.join(', ')})` : ''}`);
  }
}

/** Docker's `--since`/`--until`: durations are relative to now, the API wants unix seconds. */
function toApiTime(v: string | undefined): string | undefined {
  if (!v) return undefined;
  if (/^\d+(\.\d+)?$/.test(v)) return v;
  const dur = /^(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$/.exec(v);
  if (dur && v) {
    const secs = Number(dur[1] ?? 0) * 3600 + Number(dur[2] ?? 0) * 60 + Number(dur[3] ?? 0);
    return String(Math.floor(Date.now() / 1000) - secs);
  }
  const t = Date.parse(v);
  if (Number.isNaN(t)) throw new Error(`failed to parse value as time or duration: "${v}"`);
  return String(Math.floor(t / 1000));
}

export function registerSystemCommands(program: Command, ctx: CliContext): void {
  program.command('version').description('Show the berth version information').option('-f, --format <string>', 'Format output using a custom template').action((o: { format?: string }) => version(ctx, o));
  const system = program.command('system').description('Manage berth');
  for (const cmd of [program.command('info'), system.command('info')]) {
    cmd.description('Display system-wide information').option('-f, --format <string>', 'Format output using a custom template').action((o: { format?: string }) => info(ctx, o));
  }
  for (const cmd of [program.command('events'), system.command('events')]) {
    cmd
      .description('Get real time events from the server')
      .option('--since <string>', 'Show all events created since timestamp')
      .option('--until <string>', 'Stream events until this timestamp')
      .option('-f, --filter <filter>', 'Filter output based on conditions provided', collect)
      .option('--format <string>', 'Format output using a custom template')
      .action((o: { since?: string; until?: string; filter?: string[]; format?: string }) => events(ctx, o));
  }
  system.command('df').description('Show berth disk usage').option('-v, --verbose', 'Show detailed information on space usage').option('--format <string>', 'Format output using a custom template').action((o: { format?: string; verbose?: boolean }) => diskUsage(ctx, o));
}

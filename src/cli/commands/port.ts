/**
 * `berth port` (`container port`), after docker/cli's cli/command/container/port.go: the
 * published ports from `GET /containers/{id}/json`, one `PORT/PROTO -> HOST:PORT` line each in
 * natural order, or the host addresses of one private port.
 */
import type { Command } from 'commander';
import { escapePath } from '../../client/index.js';
import type { CliContext } from '../context.js';
import { naturalCompare } from '../format/natural-sort.js';

/** `NetworkSettings.Ports`: `80/tcp` → its bindings, `null` when only exposed. */
export type PortMap = Record<string, { HostIp?: string; HostPort?: string }[] | null> | null;

/** Go's `net.JoinHostPort`: an address with a colon (IPv6) goes in brackets. */
function joinHostPort(host: string, port: string): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

/**
 * The lines `port` prints (without newlines), sorted as docker sorts them.
 * @param privatePort `PORT[/PROTO]` (tcp when no protocol is given), or undefined for all.
 * @throws Error `Error: invalid port (x): …` or `Error: No public port '80/tcp' published for NAME`.
 */
export function portLines(ports: PortMap, container: string, privatePort?: string): string[] {
  const out: string[] = [];
  if (privatePort !== undefined && privatePort !== '') {
    const slash = privatePort.indexOf('/');
    const port = slash < 0 ? privatePort : privatePort.slice(0, slash);
    const proto = (slash < 0 ? '' : privatePort.slice(slash + 1)) || 'tcp';
    if (!/^\d+$/.test(port)) throw new Error(`Error: invalid port (${port}): strconv.ParseUint: parsing ${JSON.stringify(port)}: invalid syntax`);
    if (Number(port) > 65535) throw new Error(`Error: invalid port (${port}): strconv.ParseUint: parsing ${JSON.stringify(port)}: value out of range`);
    const frontends = ports?.[`${port}/${proto}`];
    if (!frontends?.length) throw new Error(`Error: No public port '${privatePort}' published for ${container}`);
    for (const f of frontends) out.push(joinHostPort(f.HostIp ?? '', f.HostPort ?? ''));
  } else {
    for (const [from, frontends] of Object.entries(ports ?? {})) {
      for (const f of frontends ?? []) out.push(`${from} -> ${joinHostPort(f.HostIp ?? '', f.HostPort ?? '')}`);
    }
  }
  return out.sort(naturalCompare);
}

async function port(ctx: CliContext, container: string, privatePort: string | undefined): Promise<void> {
  const id = container.trim();
  if (id === '') throw new Error('invalid container name or ID: value is empty');
  const c = await ctx.client.json<{ NetworkSettings?: { Ports?: PortMap } | null }>('GET', `/containers/${escapePath(id)}/json`);
  const lines = portLines(c.NetworkSettings?.Ports ?? null, container, privatePort);
  if (lines.length) ctx.print(lines.join('\n'));
}

/** `berth port` and `berth container port`. */
export function registerPortCommands(program: Command, container: Command, ctx: CliContext): void {
  for (const parent of [program, container]) {
    parent
      .command('port')
      .description('List port mappings or a specific mapping for the container')
      .argument('<CONTAINER>')
      .argument('[PRIVATE_PORT[/PROTO]]')
      .action((name: string, p: string | undefined) => port(ctx, name, p));
  }
}

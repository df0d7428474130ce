/** The read-only compose commands' output: ps, ls, images, top, port, events, as compose v2 prints them. */
import { escapePath, readJsonMessages } from '../../client/index.js';
import { LABEL, nameOf, serviceOf, type ContainerSummary, type Context } from '../../compose/index.js';
import type { CliContext } from '../context.js';
import { renderTable } from '../format/table.js';
import { bytesSize, createdAgo } from '../format/units.js';
import { displayablePorts, ellipsis } from './ps.js';

export interface PsFlags {
  all?: boolean;
  quiet?: boolean;
  services?: boolean;
  format?: string;
  status?: string[];
  filter?: string[];
}

function psJson(c: ContainerSummary): Record<string, unknown> {
  return {
    Command: `"${c.Command}"`,
    CreatedAt: new Date(c.Created * 1000).toISOString(),
    ExitCode: Number(/Exited \((\d+)\)/.exec(c.Status)?.[1] ?? 0),
    Health: /\((healthy|unhealthy|health: starting)\)/.exec(c.Status)?.[1]?.replace('health: ', '') ?? '',
    ID: c.Id,
    Image: c.Image,
    Labels: Object.entries(c.Labels).map(([k, v]) => `${k}=${v}`).join(','),
    Name: nameOf(c),
    Names: nameOf(c),
    Project: c.Labels[LABEL.project],
    Publishers: c.Ports.map((p) => ({ URL: p.IP ?? '', TargetPort: p.PrivatePort, PublishedPort: p.PublicPort ?? 0, Protocol: p.Type })),
    RunningFor: createdAgo(c.Created),
    Service: serviceOf(c),
    State: c.State,
    Status: c.Status,
  };
}

export async function composePs(ctx: CliContext, c: Context, services: string[], o: PsFlags): Promise<void> {
  let list = await c.engine.containers(c.project.name, { services, oneoff: o.all ? undefined : false, all: true });
  if (!o.all) list = list.filter((ct) => ct.State === 'running' || ct.State === 'restarting' || ct.State === 'paused');
  if (o.status?.length) list = list.filter((ct) => o.status!.includes(ct.State));
  for (const f of o.filter ?? []) {
    const [k, v] = f.split('=');
    if (k === 'status') list = list.filter((ct) => ct.State === v);
    else throw new Error(`unknown filter ${k}`);
  }
  if (o.services) {
    const seen = [...new Set(list.map(serviceOf))];
    if (seen.length) ctx.print(seen.join('\n'));
    return;
  }
  if (o.quiet) {
    if (list.length) ctx.print(list.map((ct) => ct.Id).join('\n'));
    return;
  }
  if (o.format === 'json') {
    for (const ct of list) ctx.print(JSON.stringify(psJson(ct)));
    return;
  }
  const rows = list.map((ct) => [nameOf(ct), ct.Image, `"${ellipsis(ct.Command, 20)}"`, serviceOf(ct), createdAgo(ct.Created), ct.Status, displayablePorts(ct.Ports)]);
  ctx.out.write(renderTable(['NAME', 'IMAGE', 'COMMAND', 'SERVICE', 'CREATED', 'STATUS', 'PORTS'], rows));
}

/** `compose ls`: projects found by the label on containers, with per-state counts. */
export async function composeLs(ctx: CliContext, o: { all?: boolean; quiet?: boolean; format?: string; filter?: string[] }): Promise<void> {
  const list = await ctx.client.json<ContainerSummary[]>('GET', '/containers/json', { query: { all: true, filters: JSON.stringify({ label: [LABEL.project] }) } });
  const projects = new Map<string, { states: Map<string, number>; files: string }>();
  for (const ct of list) {
    const name = ct.Labels[LABEL.project]!;
    const p = projects.get(name) ?? { states: new Map(), files: ct.Labels[LABEL.configFiles] ?? '' };
    p.states.set(ct.State, (p.states.get(ct.State) ?? 0) + 1);
    projects.set(name, p);
  }
  let rows = [...projects.entries()]
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([name, p]) => ({ Name: name, Status: [...p.states.entries()].sort(([a], [b]) => (a < b ? -1 : 1)).map(([s, n]) => `${s}(${n})`).join(', '), ConfigFiles: p.files, running: p.states.has('running') }));
  if (!o.all) rows = rows.filter((r) => r.running);
  for (const f of o.filter ?? []) {
    const [k, v] = f.split('=');
    if (k === 'name') rows = rows.filter((r) => r.Name.includes(v ?? ''));
  }
  if (o.quiet) {
    if (rows.length) ctx.print(rows.map((r) => r.Name).join('\n'));
    return;
  }
  if (o.format === 'json') {
    ctx.print(JSON.stringify(rows.map(({ Name, Status, ConfigFiles }) => ({ Name, Status, ConfigFiles }))));
    return;
  }
  ctx.out.write(renderTable(['NAME', 'STATUS', 'CONFIG FILES'], rows.map((r) => [r.Name, r.Status, r.ConfigFiles])));
}

export async function composeImages(ctx: CliContext, c: Context, services: string[], o: { quiet?: boolean; format?: string }): Promise<void> {
  const list = await c.engine.containers(c.project.name, { services });
  const rows: { Container: string; Repository: string; Tag: string; ID: string; Size: number }[] = [];
  for (const ct of list) {
    const img = await ctx.client.json<{ Id: string; RepoTags: string[] | null; Size: number }>('GET', `/images/${escapePath(ct.ImageID)}/json`).catch(() => undefined);
    const tag = img?.RepoTags?.find((t) => t === ct.Image || t === `${ct.Image}:latest`) ?? img?.RepoTags?.[0] ?? '<none>:<none>';
    const colon = tag.lastIndexOf(':');
    rows.push({ Container: nameOf(ct), Repository: tag.slice(0, colon), Tag: tag.slice(colon + 1), ID: ct.ImageID, Size: img?.Size ?? 0 });
  }
  if (o.quiet) {
    const ids = [...new Set(rows.map((r) => r.ID))];
    if (ids.length) ctx.print(ids.join('\n'));
    return;
  }
  if (o.format === 'json') {
    ctx.print(JSON.stringify(rows.map((r) => ({ ContainerName: r.Container, Repository: r.Repository, Tag: r.Tag, ID: r.ID, Size: r.Size }))));
    return;
  }
  const short = (id: string): string => id.replace(/^sha256:/, '').slice(0, 12);
  ctx.out.write(renderTable(['CONTAINER', 'REPOSITORY', 'TAG', 'IMAGE ID', 'SIZE'], rows.map((r) => [r.Container, r.Repository, r.Tag, short(r.ID), bytesSize(r.Size)])));
}

export async function composeTop(ctx: CliContext, c: Context, services: string[]): Promise<void> {
  const list = (await c.engine.containers(c.project.name, { services, all: false })).filter((ct) => ct.State === 'running');
  const parts: string[] = [];
  for (const ct of list) {
    const top = await ctx.client.json<{ Titles: string[]; Processes: string[][] }>('GET', `/containers/${escapePath(ct.Id)}/top`);
    parts.push(`${nameOf(ct)}\n${renderTable(top.Titles, top.Processes)}`);
  }
  if (parts.length) ctx.out.write(parts.join('\n'));
}

export async function composePort(ctx: CliContext, c: Context, service: string, privatePort: string, o: { protocol: string; index: string }): Promise<void> {
  const list = await c.engine.containers(c.project.name, { services: [service], oneoff: false });
  const ct = list.find((x) => x.Labels[LABEL.number] === o.index);
  if (!ct) throw new Error(`service "${service}" is not running container #${o.index}`);
  const inspect = await c.engine.inspect(ct.Id);
  const binding = inspect.NetworkSettings.Ports?.[`${privatePort}/${o.protocol}`]?.[0];
  if (!binding) throw new Error(`no port ${privatePort}/${o.protocol} for container ${nameOf(ct)}: ${ct.Ports.length ? ct.Ports.map((p) => `${p.PrivatePort}/${p.Type}`).join(', ') : 'no port'}`);
  const host = binding.HostIp === '' ? '0.0.0.0' : binding.HostIp;
  ctx.print(`${host.includes(':') ? `[${host}]` : host}:${binding.HostPort}`);
}

function localTime(nanos: number): string {
  const d = new Date(Math.floor(nanos / 1e6));
  const pad = (n: number, w = 2): string => String(n).padStart(w, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}.${pad(Math.floor((nanos % 1e9) / 1e3), 6)}`;
}

/** `compose events`: the project's container events, as compose v2 prints them (or --json). */
export async function composeEvents(ctx: CliContext, c: Context, services: string[], o: { json?: boolean; since?: string; until?: string }): Promise<void> {
  const res = await ctx.client.call('GET', '/events', { query: { since: o.since, until: o.until, filters: JSON.stringify({ label: [`${LABEL.project}=${c.project.name}`], type: ['container'] }) } });
  for await (const m of readJsonMessages(res)) {
    const e = m as unknown as { Type: string; Action: string; Actor: { ID: string; Attributes: Record<string, string> }; timeNano: number };
    const service = e.Actor.Attributes[LABEL.service] ?? '';
    if (services.length && !services.includes(service)) continue;
    const attrs = Object.fromEntries(Object.entries(e.Actor.Attributes).filter(([k]) => !k.startsWith('com.docker.compose.')));
    if (o.json) {
      ctx.print(JSON.stringify({ time: new Date(e.timeNano / 1e6).toISOString(), type: e.Type, action: e.Action, id: e.Actor.ID, service, attributes: attrs }));
    } else {
      const a = Object.entries(attrs)
        .sort(([x], [y]) => (x < y ? -1 : 1))
        .map(([k, v]) => `${k}=${v}`)
        .join(', ');
      ctx.print(`${localTime(e.timeNano)} ${e.Type} ${e.Action} ${e.Actor.ID} (${a})`);
    }
  }
}

/**
 * `berth ps` (`container ls`): docker/cli's list.go and formatter/container.go — the same
 * columns, truncation, `--format` fields and `{{json .}}` keys.
 */
import type { Command } from 'commander';
import { collect, filtersJson, type CliContext } from '../context.js';
import { displayWidth, formatOutput } from '../format/table.js';
import { compileTemplate, goQuote } from '../format/template.js';
import { invalidFlag } from '../errors.js';
import { createdAgo, humanSize } from '../format/units.js';
import { familiarName, parseImageRef } from '../reference.js';
import { formatRow, goTime, truncateId } from './shared.js';

interface WirePort {
  IP?: string;
  PrivatePort: number;
  PublicPort?: number;
  Type: string;
}

export interface WireContainer {
  Id: string;
  Names: string[] | null;
  Image: string;
  ImageID: string;
  Command: string;
  Created: number;
  Ports: WirePort[] | null;
  SizeRw?: number;
  SizeRootFs?: number;
  Labels: Record<string, string> | null;
  State: string;
  Status: string;
  NetworkSettings?: { Networks?: Record<string, unknown> | null } | null;
  Mounts: { Name?: string; Source?: string; Driver?: string }[] | null;
}

const DEFAULT_FORMAT = 'table {{.ID}}\t{{.Image}}\t{{.Command}}\t{{.RunningFor}}\t{{.Status}}\t{{.Ports}}\t{{.Names}}';
const RAW_FORMAT = 'container_id: {{.ID}}\nimage: {{.Image}}\ncommand: {{.Command}}\ncreated_at: {{.CreatedAt}}\nstate: {{- pad .State 1 0}}\nstatus: {{- pad .Status 1 0}}\nnames: {{.Names}}\nlabels: {{- pad .Labels 1 0}}\nports: {{- pad .Ports 1 0}}\n';

/** The header row: field names to titles; `Label "a.b-c"` titles itself `b c`, as docker's SubHeaderContext does. */
export const HEADERS: Record<string, unknown> = {
  ID: 'CONTAINER ID',
  Names: 'NAMES',
  Image: 'IMAGE',
  Command: 'COMMAND',
  CreatedAt: 'CREATED AT',
  RunningFor: 'CREATED',
  Ports: 'PORTS',
  State: 'STATE',
  Status: 'STATUS',
  Size: 'SIZE',
  Labels: 'LABELS',
  Mounts: 'MOUNTS',
  LocalVolumes: 'LOCAL VOLUMES',
  Networks: 'NETWORKS',
  Platform: 'PLATFORM',
  Label: (name: unknown) => String(name).split('.').at(-1)!.replace(/[-_]/g, ' '),
};

/** formatter.Ellipsis: cut to `max` terminal columns, the last one an ellipsis. */
export function ellipsis(s: string, max: number): string {
  if (max <= 0) return '';
  const chars = [...s];
  if (max === 1) return chars[0] ?? '';
  if (displayWidth(s) <= max) return s;
  let out = '';
  for (const c of chars) {
    if (displayWidth(out + c) > max - 1) break;
    out += c;
  }
  return `${out}…`;
}

/** formatter.DisplayablePorts: consecutive ports grouped into ranges, mappings last. */
export function displayablePorts(ports: WirePort[]): string {
  const sorted = [...ports].sort((a, b) =>
    a.PrivatePort !== b.PrivatePort ? a.PrivatePort - b.PrivatePort
      : (a.IP ?? '') !== (b.IP ?? '') ? ((a.IP ?? '') < (b.IP ?? '') ? -1 : 1)
        : (a.PublicPort ?? 0) !== (b.PublicPort ?? 0) ? (a.PublicPort ?? 0) - (b.PublicPort ?? 0)
          : a.Type < b.Type ? -1 : a.Type > b.Type ? 1 : 0,
  );
  const joinHostPort = (ip: string, port: string): string => (ip.includes(':') ? `[${ip}]:${port}` : `${ip}:${port}`);
  const groups = new Map<string, { first: number; last: number }>();
  const result: string[] = [];
  const mappings: string[] = [];
  const formGroup = (key: string, first: number, last: number): string => {
    const slash = key.lastIndexOf('/');
    const ip = slash >= 0 ? key.slice(0, slash) : '';
    const type = slash >= 0 ? key.slice(slash + 1) : key;
    const group = first === last ? String(first) : `${first}-${last}`;
    return `${ip ? `${joinHostPort(ip, group)}->${group}` : group}/${type}`;
  };
  for (const p of sorted) {
    let key = p.Type;
    if (p.IP) {
      if (p.PublicPort !== p.PrivatePort) {
        mappings.push(`${joinHostPort(p.IP, String(p.PublicPort ?? 0))}->${p.PrivatePort}/${p.Type}`);
        continue;
      }
      key = `${p.IP}/${p.Type}`;
    }
    const g = groups.get(key);
    if (!g) {
      groups.set(key, { first: p.PrivatePort, last: p.PrivatePort });
      continue;
    }
    if (p.PrivatePort === g.last + 1) {
      g.last = p.PrivatePort;
      continue;
    }
    result.push(formGroup(key, g.first, g.last));
    groups.set(key, { first: p.PrivatePort, last: p.PrivatePort });
  }
  for (const [key, g] of groups) result.push(formGroup(key, g.first, g.last));
  return [...result, ...mappings].join(', ');
}

/** ContainerContext.Image: with truncation, an image given by ID shows the short ID and a digest is dropped. */
function imageColumn(c: WireContainer, trunc: boolean): string {
  if (!c.Image) return '<no image>';
  if (!trunc) return c.Image;
  if (truncateId(c.ImageID ?? '') === truncateId(c.Image)) return truncateId(c.Image);
  if (/^[0-9a-f]{64}$/.test(c.Image) || c.Image.startsWith('sha256:')) return c.Image;
  const ref = parseImageRef(c.Image);
  return ref.tag !== undefined ? `${familiarName(ref)}:${ref.tag}` : familiarName(ref);
}

/** One `--format` row: docker's ContainerContext fields, computed lazily where they cost. */
export function containerRow(c: WireContainer, trunc: boolean): Record<string, unknown> {
  const labels = c.Labels ?? {};
  const names = (c.Names ?? []).map((n) => n.slice(1));
  // Legacy link names hold a slash: truncated output shows the container's own name.
  const shown = trunc ? [names.find((n) => !n.includes('/')) ?? names[0]].filter((n): n is string => n !== undefined) : names;
  const row = formatRow({
    Command: goQuote(trunc ? ellipsis(c.Command, 20) : c.Command),
    CreatedAt: () => goTime(c.Created),
    ID: trunc ? truncateId(c.Id) : c.Id,
    Image: imageColumn(c, trunc),
    Labels: Object.entries(labels).map(([k, v]) => `${k}=${v}`).sort().join(','),
    LocalVolumes: String((c.Mounts ?? []).filter((m) => m.Driver === 'local').length),
    Mounts: (c.Mounts ?? []).map((m) => (trunc ? ellipsis(m.Name || m.Source || '', 15) : m.Name || m.Source || '')).join(','),
    Names: shown.join(','),
    Networks: Object.keys(c.NetworkSettings?.Networks ?? {}).join(','),
    Platform: null,
    Ports: displayablePorts(c.Ports ?? []),
    RunningFor: () => createdAgo(c.Created),
    Size: (c.SizeRootFs ?? 0) > 0 ? `${humanSize(c.SizeRw ?? 0)} (virtual ${humanSize(c.SizeRootFs ?? 0)})` : humanSize(c.SizeRw ?? 0),
    State: c.State,
    Status: c.Status,
  });
  // A method with an argument: callable from a template, left out of `{{json .}}` as in Go.
  row.Label = (name: unknown) => labels[String(name)] ?? '';
  return row;
}

/**
 * docker checks a `--format` before listing, parsing it and running it over an empty container:
 * errors are worded "failed to parse template" / "failed to execute template", even with no rows.
 */
function validateFormat(format: string): void {
  if (format === 'table' || format === 'json' || format === 'raw') return;
  const text = format.replace(/^table/, '').trim().replace(/\\[tn]/g, (m) => (m === '\\t' ? '\t' : '\n'));
  let render: (data: unknown) => string;
  try {
    render = compileTemplate(text, { structRoot: true });
  } catch (err) {
    throw new Error(`failed to parse template: ${(err as Error).message.replace(/^template parsing error: /, '')}`, { cause: err });
  }
  const empty: WireContainer = { Id: '', Names: null, Image: '', ImageID: '', Command: '', Created: 0, Ports: null, Labels: null, State: '', Status: '', Mounts: null };
  try {
    render(containerRow(empty, true));
  } catch (err) {
    throw new Error(`failed to execute template: ${(err as Error).message.replace(/in type struct$/, 'in type *formatter.ContainerContext')}`, { cause: err });
  }
}

interface PsFlags {
  all?: boolean;
  quiet?: boolean;
  size?: boolean;
  trunc: boolean;
  latest?: boolean;
  last?: string;
  format?: string;
  filter?: string[];
}

async function ps(ctx: CliContext, o: PsFlags): Promise<void> {
  let last = -1;
  if (o.last !== undefined) {
    if (!/^[+-]?\d+$/.test(o.last)) throw invalidFlag('ps', '-n, --last', o.last, `strconv.ParseInt: parsing ${JSON.stringify(o.last)}: invalid syntax`);
    last = Number(o.last);
  }
  if (o.format) validateFormat(o.format);
  if (o.latest && last === -1) last = 1;
  if (o.format && o.quiet) process.stderr.write('WARNING: Ignoring custom format, because both --format and --quiet are set.\n');
  // A template that reads .Size asks the daemon for sizes, as docker's does.
  const size = Boolean(o.size) || (!o.quiet && o.format !== undefined && /\.Size\b/.test(o.format));
  const list = await ctx.client.json<WireContainer[]>('GET', '/containers/json', {
    query: { all: o.all, limit: last > 0 ? last : undefined, size, filters: filtersJson(o.filter) },
  });
  const rows = list.map((c) => containerRow(c, o.trunc));
  let format: string;
  if (o.quiet) format = '{{.ID}}';
  else if (o.format === undefined || o.format === '' || o.format === 'table') format = DEFAULT_FORMAT + (size ? '\t{{.Size}}' : '');
  else if (o.format === 'raw') format = RAW_FORMAT + (size ? 'size: {{.Size}}\n' : '');
  else format = o.format;
  ctx.out.write(formatOutput(format, DEFAULT_FORMAT, rows, HEADERS));
}

export function registerPsCommands(program: Command, container: Command, ctx: CliContext): void {
  const add = (cmd: Command): Command =>
    cmd
      .description('List containers')
      .option('-a, --all', 'Show all containers (default shows just running)')
      .option('-f, --filter <filter>', 'Filter output based on conditions provided', collect)
      .option('--format <string>', 'Format output using a custom template')
      .option('-n, --last <int>', 'Show n last created containers (includes all states) (default -1)')
      .option('-l, --latest', 'Show the latest created container (includes all states)')
      .option('--no-trunc', "Don't truncate output")
      .option('-q, --quiet', 'Only display container IDs')
      .option('-s, --size', 'Display total file sizes')
      .action((o: PsFlags) => ps(ctx, o));
  add(program.command('ps'));
  add(container.command('ls').aliases(['ps', 'list']));
}

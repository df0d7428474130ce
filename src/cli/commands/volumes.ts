/**
 * `berth volume create|ls|inspect|rm|prune`, after docker/cli 28.2's cli/command/volume and
 * formatter/volume.go: the same request bodies and filters, columns, `--format` fields, JSON and
 * messages.
 */
import { Option, type Command } from 'commander';
import { ApiError } from '../../client/index.js';
import { collect, filtersJson, type CliContext } from '../context.js';
import { invalidFlag, StatusError } from '../errors.js';
import { naturalCompare } from '../format/natural-sort.js';
import { formatOutput } from '../format/table.js';
import { NilPointer } from '../format/template.js';
import { humanSizeWithPrecision } from '../format/units.js';
import { compileInspectTemplate, confirm, formatRow, goEscapeHtml } from './shared.js';

/** A volume as `GET /volumes` and `GET /volumes/{name}` return it. */
export interface WireVolume {
  CreatedAt?: string;
  Driver: string;
  Labels: Record<string, string> | null;
  Mountpoint: string;
  Name: string;
  Options: Record<string, string> | null;
  Scope: string;
  Status?: Record<string, unknown> | null;
  UsageData?: { Size: number; RefCount: number } | null;
}

/** go-units `HumanSize`: four significant digits (`123.5kB`, `-1B`). */
const humanSize4 = (n: number): string => humanSizeWithPrecision(n, 4);

/** Column titles of docker's volume formatter (`newVolumeContext`); `Label "a.b-c"` titles itself `b c`. */
export const VOLUME_HEADERS: Record<string, unknown> = {
  ID: 'ID',
  Name: 'VOLUME NAME',
  Group: 'GROUP',
  Driver: 'DRIVER',
  Scope: 'SCOPE',
  Availability: 'AVAILABILITY',
  Mountpoint: 'MOUNTPOINT',
  Labels: 'LABELS',
  Links: 'LINKS',
  Size: 'SIZE',
  Status: 'STATUS',
  Label: (name: unknown) => String(name).split('.').at(-1)!.replace(/[-_]/g, ' '),
};

/**
 * One `--format` row: docker's volumeContext, whose `{{json .}}` has these keys in this order.
 * Labels are `k=v` joined by commas in the daemon's order (Go's map order, random but mostly
 * that of the decoded JSON); Links and Size are `N/A`
 * without usage data; the cluster fields are always `N/A` (no swarm).
 */
export function volumeRow(v: WireVolume): Record<string, unknown> {
  const labels = v.Labels ?? {};
  const usage = v.UsageData ?? undefined;
  const row = formatRow({
    Availability: 'N/A',
    Driver: v.Driver,
    Group: 'N/A',
    Labels: Object.entries(labels).map(([k, x]) => `${k}=${x}`).join(','),
    Links: usage ? String(usage.RefCount) : 'N/A',
    Mountpoint: v.Mountpoint,
    Name: v.Name,
    Scope: v.Scope,
    Size: usage ? humanSize4(usage.Size) : 'N/A',
    Status: 'N/A',
  });
  // A method with an argument: callable from a template, left out of `{{json .}}` as in Go.
  row.Label = (name: unknown) => labels[String(name)] ?? '';
  return row;
}

/**
 * `volume ls` output for already sorted volumes: `--format` (`table`, `table TEMPLATE`, `json`,
 * `raw`, a template) or the default table, `-q` for names only.
 */
export function renderVolumeList(volumes: WireVolume[], o: { quiet?: boolean; format?: string }): string {
  let format = o.format ?? '';
  if (format === '' || format === 'table') format = o.quiet ? '{{.Name}}' : 'table {{.Driver}}\t{{.Name}}';
  else if (format === 'raw') format = o.quiet ? 'name: {{.Name}}' : 'name: {{.Name}}\\ndriver: {{.Driver}}\\n';
  try {
    return formatOutput(format, format, volumes.map(volumeRow), VOLUME_HEADERS);
  } catch (err) {
    throw new Error((err as Error).message.replace(/in type struct$/, 'in type *formatter.volumeContext'), { cause: err });
  }
}

/** `opts.FilterOpt`: refuses a filter without `=` as a flag error. */
function checkFilters(command: string, flag: string, filters: string[] | undefined): string[] {
  for (const f of filters ?? []) if (f !== '' && !f.includes('=')) throw invalidFlag(command, flag, f, 'bad format of filter (expected name=value)');
  return filters ?? [];
}

async function list(ctx: CliContext, o: { quiet?: boolean; format?: string; filter?: string[] }): Promise<void> {
  const filters = filtersJson(checkFilters('volume ls', '-f, --filter', o.filter));
  const r = await ctx.client.json<{ Volumes: WireVolume[] | null }>('GET', '/volumes', { query: { filters } });
  const volumes = [...(r.Volumes ?? [])].sort((a, b) => naturalCompare(a.Name, b.Name));
  ctx.out.write(renderVolumeList(volumes, o));
}

/** The body of `POST /volumes/create` as docker's `volume.CreateOptions` marshals it (all omitempty). */
export function volumeCreateBody(o: { driver: string; name: string; opt?: string[]; label?: string[] }): Record<string, unknown> {
  const toMap = (kvs: string[] | undefined): Record<string, string> | undefined => {
    const m = new Map<string, string>();
    for (const kv of kvs ?? []) {
      const eq = kv.indexOf('=');
      m.set(eq < 0 ? kv : kv.slice(0, eq), eq < 0 ? '' : kv.slice(eq + 1));
    }
    if (m.size === 0) return undefined;
    return Object.fromEntries([...m.keys()].sort().map((k) => [k, m.get(k)!]));
  };
  const body: Record<string, unknown> = {};
  if (o.driver) body.Driver = o.driver;
  const driverOpts = toMap(o.opt);
  if (driverOpts) body.DriverOpts = driverOpts;
  const labels = toMap(o.label);
  if (labels) body.Labels = labels;
  if (o.name) body.Name = o.name;
  return body;
}

async function create(ctx: CliContext, name: string | undefined, o: { driver: string; name?: string; opt?: string[]; label?: string[] }): Promise<void> {
  for (const l of o.label ?? []) {
    const key = l.split('=')[0]!.replace(/^[ \t\n\v\f\r]+/, '');
    if (key === '') throw invalidFlag('volume create', '--label', l, `invalid label '${l}': empty name`);
    if (/[ \t\n\v\f\r]/.test(key)) throw invalidFlag('volume create', '--label', l, `label '${key}' contains whitespaces`);
  }
  if (name !== undefined && o.name) throw new Error('conflicting options: cannot specify a volume-name through both --name and as a positional arg');
  const body = volumeCreateBody({ ...o, name: name ?? o.name ?? '' });
  const v = await ctx.client.json<WireVolume>('POST', '/volumes/create', { body });
  ctx.print(v.Name);
}

/**
 * The volume as the docker CLI holds it (moby's `volume.Volume`): fields in struct order, maps
 * with sorted keys, unknown fields dropped, `CreatedAt`/`Status`/`UsageData` left out when empty.
 */
export function normalizeVolume(v: WireVolume): Record<string, unknown> {
  const sorted = (m: Record<string, unknown> | null | undefined): Record<string, unknown> | null =>
    m ? Object.fromEntries(Object.keys(m).sort().map((k) => [k, m[k]])) : null;
  return {
    ...(v.CreatedAt ? { CreatedAt: v.CreatedAt } : {}),
    Driver: v.Driver,
    Labels: sorted(v.Labels),
    Mountpoint: v.Mountpoint,
    Name: v.Name,
    Options: sorted(v.Options),
    Scope: v.Scope,
    ...(v.Status && Object.keys(v.Status).length ? { Status: sorted(v.Status) } : {}),
    ...(v.UsageData ? { UsageData: { RefCount: v.UsageData.RefCount, Size: v.UsageData.Size } } : {}),
  };
}

/** A nil Go map: prints `map[]` in a template, `null` as JSON. */
class NilMap extends Map<string, unknown> {
  toJSON(): null {
    return null;
  }
}

/** The data `volume inspect -f` templates see: a Go struct named as in docker's errors. */
function templateVolume(v: WireVolume): object {
  const n = normalizeVolume(v);
  const orNil = (m: unknown): unknown => m ?? new NilMap();
  const usage = n.UsageData as { RefCount: number; Size: number } | undefined;
  const UsageData = usage ? Object.assign(new (named('volume.UsageData'))(), usage) : new NilPointer('*volume.UsageData', ['RefCount', 'Size']);
  const struct = Object.assign(new (named('volume.Volume'))(), {
    ClusterVolume: null,
    CreatedAt: n.CreatedAt ?? '',
    Driver: n.Driver,
    Labels: orNil(n.Labels),
    Mountpoint: n.Mountpoint,
    Name: n.Name,
    Options: orNil(n.Options),
    Scope: n.Scope,
    Status: orNil(n.Status),
    UsageData,
  });
  // `{{json .}}` marshals the struct with its omitempty fields left out; `{{.}}` must not see it.
  Object.defineProperty(struct, 'toJSON', { value: () => n, enumerable: false });
  return struct;
}

/** A class whose name is a Go type name, for the template engine's error messages. */
function named(name: string): new () => object {
  const cls = class {};
  Object.defineProperty(cls, 'name', { value: name });
  return cls;
}

/**
 * `volume inspect` output, as docker's inspect.Inspect: an indented JSON array, a compact one for
 * `json`, or one template line per volume; a template that does not parse fails first (status 64).
 * Lookup and execution errors follow the output, one line each (status 1).
 */
export async function inspectVolumes(out: (text: string) => void, names: string[], format: string | undefined, fetch: (name: string) => Promise<WireVolume>): Promise<void> {
  let tpl: ((data: unknown) => string) | undefined;
  if (format && format !== 'json') {
    tpl = compileInspectTemplate(format);
  }
  const found: WireVolume[] = [];
  const errors: string[] = [];
  let text = '';
  for (const name of names) {
    let v: WireVolume;
    try {
      v = await fetch(name);
    } catch (err) {
      errors.push(err instanceof ApiError ? `Error response from daemon: ${err.message}` : (err as Error).message);
      continue;
    }
    if (!tpl) {
      found.push(v);
      continue;
    }
    try {
      text += `${tpl(templateVolume(v))}\n`;
    } catch (err) {
      errors.push(`template parsing error: ${(err as Error).message}`);
    }
  }
  if (tpl) out(text === '' ? '\n' : text);
  else if (found.length === 0) out('[]\n');
  else out(`${goEscapeHtml(JSON.stringify(found.map(normalizeVolume), null, format === 'json' ? undefined : 4))}\n`);
  if (errors.length) throw new StatusError(1, errors.join('\n'));
}

async function remove(ctx: CliContext, names: string[], o: { force?: boolean }): Promise<void> {
  const errors: string[] = [];
  for (const name of names) {
    try {
      await ctx.client.call('DELETE', `/volumes/${encodeURIComponent(name)}`, { query: { force: o.force } });
      ctx.print(name);
    } catch (err) {
      errors.push(err instanceof ApiError ? `Error response from daemon: ${err.message}` : (err as Error).message);
    }
  }
  if (errors.length) throw new Error(errors.join('\n'));
}

/** The prune report as docker prints it; the space is only counted when something was deleted. */
export function renderPruneReport(r: { VolumesDeleted: string[] | null; SpaceReclaimed: number }): string {
  const deleted = r.VolumesDeleted ?? [];
  const head = deleted.length ? `Deleted Volumes:\n${deleted.map((n) => `${n}\n`).join('')}\n` : '';
  return `${head}Total reclaimed space: ${humanSize4(deleted.length ? r.SpaceReclaimed : 0)}\n`;
}

async function prune(ctx: CliContext, o: { all?: boolean; force?: boolean; filter?: string[] }): Promise<void> {
  const filters = checkFilters('volume prune', '--filter', o.filter).filter((f) => f !== '');
  let warning = 'WARNING! This will remove anonymous local volumes not used by at least one container.';
  if (o.all) {
    if (filters.some((f) => f.split('=')[0]!.trim().toLowerCase() === 'all')) throw new Error('conflicting options: cannot specify both --all and --filter all=1');
    filters.push('all=true');
    warning = 'WARNING! This will remove all local volumes not used by at least one container.';
  }
  if (!o.force && !(await confirm(ctx, warning))) return;
  const r = await ctx.client.json<{ VolumesDeleted: string[] | null; SpaceReclaimed: number }>('POST', '/volumes/prune', { query: { filters: filtersJson(filters) } });
  ctx.out.write(renderPruneReport(r));
}

/** `berth volume …`. */
export function registerVolumeCommands(program: Command, ctx: CliContext): void {
  const volume = program.command('volume').description('Manage volumes');
  volume
    .command('create')
    .description('Create a volume')
    .argument('[VOLUME]')
    .option('-d, --driver <string>', 'Specify volume driver name', 'local')
    .option('--label <list>', 'Set metadata for a volume', collect)
    .option('-o, --opt <map>', 'Set driver specific options', collect)
    .addOption(new Option('--name <string>', 'Specify volume name').hideHelp())
    .action((name: string | undefined, o: { driver: string; name?: string; opt?: string[]; label?: string[] }) => create(ctx, name, o));
  volume
    .command('ls')
    .alias('list')
    .description('List volumes')
    .option('-f, --filter <filter>', 'Provide filter values (e.g. "dangling=true")', collect)
    .option('--format <string>', 'Format output using a custom template')
    .option('-q, --quiet', 'Only display volume names')
    .action((o: { quiet?: boolean; format?: string; filter?: string[] }) => list(ctx, o));
  volume
    .command('inspect')
    .description('Display detailed information on one or more volumes')
    .argument('<VOLUME...>')
    .option('-f, --format <string>', 'Format output using a custom template')
    .action((names: string[], o: { format?: string }) =>
      inspectVolumes((t) => ctx.out.write(t), names, o.format, (n) => ctx.client.json<WireVolume>('GET', `/volumes/${encodeURIComponent(n)}`)),
    );
  volume
    .command('rm')
    .alias('remove')
    .description('Remove one or more volumes')
    .argument('<VOLUME...>')
    .option('-f, --force', 'Force the removal of one or more volumes')
    .action((names: string[], o: { force?: boolean }) => remove(ctx, names, o));
  volume
    .command('prune')
    .description('Remove unused local volumes')
    .option('-a, --all', 'Remove all unused volumes, not just anonymous ones')
    .option('--filter <filter>', 'Provide filter values (e.g. "label=<label>")', collect)
    .option('-f, --force', 'Do not prompt for confirmation')
    .action((o: { all?: boolean; force?: boolean; filter?: string[] }) => prune(ctx, o));
}

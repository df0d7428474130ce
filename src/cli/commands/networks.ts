/**
 * `berth network create|ls|inspect|rm|prune|connect|disconnect`, after docker/cli 28.2's
 * cli/command/network: the same request bodies, columns, `--format` fields, inspect output and
 * messages.
 */
import { Option, type Command } from 'commander';
import { ApiError, escapePath, readAll } from '../../client/index.js';
import { collect, filtersJson, type CliContext } from '../context.js';
import { invalidFlag, StatusError } from '../errors.js';
import { jsonCompact, jsonIndent } from '../format/go-json.js';
import { naturalCompare } from '../format/natural-sort.js';
import { formatOutput } from '../format/table.js';
import { cidrContains, parseCIDR, parseIP } from './ip-addr.js';
import { readCsvRecord, UNSET_ENDPOINT_FIELDS } from './network-opts.js';
import { compileInspectTemplate, confirm, formatRow, truncateId } from './shared.js';
import { typedNetwork, rawTemplateData, type WireNetwork } from './network-inspect.js';

export type { WireNetwork } from './network-inspect.js';

// ---- create ----

/** The IPAM flags of `network create`. */
export interface IpamFlags {
  driver: string;
  subnets: string[];
  ipRanges: string[];
  gateways: string[];
  auxAddresses: string[];
  options: string[];
}

/** docker's `MapOpts`: `k=v` (or a bare `k`) into a map, the last value winning; Go marshals it sorted. */
function toMap(kvs: readonly string[]): Record<string, string> {
  const m = new Map<string, string>();
  for (const kv of kvs) {
    const eq = kv.indexOf('=');
    m.set(eq < 0 ? kv : kv.slice(0, eq), eq < 0 ? '' : kv.slice(eq + 1));
  }
  return Object.fromEntries([...m.keys()].sort().map((k) => [k, m.get(k)!]));
}

/** `subnetMatches`: whether `data` (an address or a CIDR) lies in `subnet`. */
function subnetMatches(subnet: string, data: string): boolean {
  let net;
  try {
    net = parseCIDR(subnet);
  } catch (err) {
    throw new Error(`invalid subnet: ${(err as Error).message}`, { cause: err });
  }
  const ip = data.includes('/') ? parseCIDR(data).ip : parseIP(data);
  return cidrContains(net, ip);
}

/**
 * `createIPAMConfig`: one pool per subnet with the ranges, gateways and auxiliary addresses
 * that fall into it. docker collects the pools in a Go map, so with several subnets it sends
 * them in a random order; berth keeps the order of the flags.
 * @throws Error with docker's message (`no matching subnet for gateway 10.0.0.1`).
 */
export function createIpamConfig(o: IpamFlags): Record<string, unknown> {
  if (o.subnets.length < o.ipRanges.length || o.subnets.length < o.gateways.length) throw new Error('every ip-range or gateway must have a corresponding subnet');
  type Pool = { Subnet: string; IPRange: string; Gateway: string; AuxAddress: Map<string, string> };
  const pools = new Map<string, Pool>();
  for (const s of o.subnets) {
    for (const k of pools.keys()) {
      if (subnetMatches(s, k) || subnetMatches(k, s)) throw new Error('multiple overlapping subnet configuration is not supported');
    }
    pools.set(s, { Subnet: s, IPRange: '', Gateway: '', AuxAddress: new Map() });
  }
  for (const r of o.ipRanges) {
    let match = false;
    for (const s of o.subnets) {
      parseCIDR(r);
      if (!subnetMatches(s, r)) continue;
      const pool = pools.get(s)!;
      if (pool.IPRange !== '') throw new Error(`cannot configure multiple ranges (${r}, ${pool.IPRange}) on the same subnet (${s})`);
      pool.IPRange = r;
      match = true;
    }
    if (!match) throw new Error(`no matching subnet for range ${r}`);
  }
  for (const g of o.gateways) {
    let match = false;
    for (const s of o.subnets) {
      if (!subnetMatches(s, g)) continue;
      const pool = pools.get(s)!;
      if (pool.Gateway !== '') throw new Error(`cannot configure multiple gateways (${g}, ${pool.Gateway}) for the same subnet (${s})`);
      pool.Gateway = g;
      match = true;
    }
    if (!match) throw new Error(`no matching subnet for gateway ${g}`);
  }
  for (const [key, aa] of Object.entries(toMap(o.auxAddresses))) {
    let match = false;
    for (const s of o.subnets) {
      if (!subnetMatches(s, aa)) continue;
      pools.get(s)!.AuxAddress.set(key, aa);
      match = true;
    }
    if (!match) throw new Error(`no matching subnet for aux-address ${aa}`);
  }
  const config = [...pools.values()].map((p) => ({
    ...(p.Subnet ? { Subnet: p.Subnet } : {}),
    ...(p.IPRange ? { IPRange: p.IPRange } : {}),
    ...(p.Gateway ? { Gateway: p.Gateway } : {}),
    ...(p.AuxAddress.size ? { AuxiliaryAddresses: Object.fromEntries([...p.AuxAddress.keys()].sort().map((k) => [k, p.AuxAddress.get(k)!])) } : {}),
  }));
  return { Driver: o.driver, Options: toMap(o.options), Config: config };
}

/** What commander hands `network create`'s action. */
export interface CreateFlags {
  driver: string;
  opt?: string[];
  label?: string[];
  internal?: boolean;
  ipv4?: boolean;
  ipv6?: boolean;
  attachable?: boolean;
  ingress?: boolean;
  scope?: string;
  configOnly?: boolean;
  configFrom?: string;
  ipamDriver: string;
  subnet?: string[];
  ipRange?: string[];
  gateway?: string[];
  auxAddress?: string[];
  ipamOpt?: string[];
}

/**
 * The body of `POST /networks/create` as docker marshals `network.CreateRequest` for API 1.50:
 * `CreateOptions` in struct order (`EnableIPv4`/`EnableIPv6` only when the flag was given),
 * maps sorted, then `Name`.
 */
export function networkCreateBody(name: string, o: CreateFlags): Record<string, unknown> {
  const ipam = createIpamConfig({
    driver: o.ipamDriver,
    subnets: o.subnet ?? [],
    ipRanges: o.ipRange ?? [],
    gateways: o.gateway ?? [],
    auxAddresses: o.auxAddress ?? [],
    options: o.ipamOpt ?? [],
  });
  return {
    Driver: o.driver,
    Scope: o.scope ?? '',
    ...(o.ipv4 !== undefined ? { EnableIPv4: o.ipv4 } : {}),
    ...(o.ipv6 !== undefined ? { EnableIPv6: o.ipv6 } : {}),
    IPAM: ipam,
    Internal: Boolean(o.internal),
    Attachable: Boolean(o.attachable),
    Ingress: Boolean(o.ingress),
    ConfigOnly: Boolean(o.configOnly),
    ConfigFrom: o.configFrom ? { Network: o.configFrom } : null,
    Options: toMap(o.opt ?? []),
    Labels: toMap(o.label ?? []),
    Name: name,
  };
}

async function create(ctx: CliContext, name: string, o: CreateFlags): Promise<void> {
  const body = networkCreateBody(name, o);
  const r = await ctx.client.json<{ Id: string }>('POST', '/networks/create', { body });
  ctx.print(r.Id);
}

// ---- ls ----

/** Column titles of docker's network formatter; `Label "a.b-c"` titles itself `b c`. */
export const NETWORK_HEADERS: Record<string, unknown> = {
  ID: 'NETWORK ID',
  Name: 'NAME',
  Driver: 'DRIVER',
  Scope: 'SCOPE',
  IPv4: 'IPV4',
  IPv6: 'IPV6',
  Internal: 'INTERNAL',
  Labels: 'LABELS',
  CreatedAt: 'CREATED AT',
  Label: (name: unknown) => String(name).split('.').at(-1)!.replace(/[-_]/g, ' '),
};

/**
 * One `--format` row: docker's networkContext, whose `{{json .}}` has these keys in this order.
 * Labels are `k=v` joined by commas in the daemon's order (Go's map order); `CreatedAt` is Go's
 * `time.Time.String()` of the creation time.
 */
export function networkRow(n: WireNetwork, trunc: boolean): Record<string, unknown> {
  const labels = n.Labels ?? {};
  const row = formatRow({
    CreatedAt: () => String(typedNetwork(n).Created),
    Driver: n.Driver,
    ID: trunc ? truncateId(n.Id.slice(n.Id.indexOf(':') + 1)) : n.Id,
    IPv4: String(Boolean(n.EnableIPv4)),
    IPv6: String(Boolean(n.EnableIPv6)),
    Internal: String(Boolean(n.Internal)),
    Labels: Object.entries(labels).map(([k, v]) => `${k}=${v}`).join(','),
    Name: n.Name,
    Scope: n.Scope,
  });
  // A method with an argument: callable from a template, left out of `{{json .}}` as in Go.
  row.Label = (name: unknown) => labels[String(name)] ?? '';
  return row;
}

/**
 * `network ls` output for networks already in natural order by name: `--format` (`table`,
 * `table TEMPLATE`, `json`, `raw`, a template) or the default table; `-q` for IDs only.
 */
export function renderNetworkList(networks: WireNetwork[], o: { quiet?: boolean; format?: string; noTrunc?: boolean }): string {
  let format = o.format ?? '';
  if (format === '' || format === 'table') format = o.quiet ? '{{.ID}}' : 'table {{.ID}}\t{{.Name}}\t{{.Driver}}\t{{.Scope}}';
  else if (format === 'raw') format = o.quiet ? 'network_id: {{.ID}}' : 'network_id: {{.ID}}\\nname: {{.Name}}\\ndriver: {{.Driver}}\\nscope: {{.Scope}}\\n';
  try {
    return formatOutput(format, format, networks.map((n) => networkRow(n, !o.noTrunc)), NETWORK_HEADERS);
  } catch (err) {
    throw new Error((err as Error).message.replace(/in type struct$/, 'in type *network.networkContext'), { cause: err });
  }
}

/** `opts.FilterOpt`: refuses a filter without `=` as a flag error. */
function checkFilters(command: string, flag: string, filters: string[] | undefined): string[] {
  for (const f of filters ?? []) if (f !== '' && !f.includes('=')) throw invalidFlag(command, flag, f, 'bad format of filter (expected name=value)');
  return filters ?? [];
}

async function list(ctx: CliContext, o: { quiet?: boolean; format?: string; filter?: string[]; noTrunc?: boolean }): Promise<void> {
  const filters = filtersJson(checkFilters('network ls', '-f, --filter', o.filter));
  const networks = (await ctx.client.json<WireNetwork[] | null>('GET', '/networks', { query: { filters } })) ?? [];
  ctx.out.write(renderNetworkList([...networks].sort((a, b) => naturalCompare(a.Name, b.Name)), o));
}

// ---- inspect ----

/**
 * `network inspect` output, as docker's inspect.Inspect with the daemon's raw replies: their
 * JSON re-indented (4 spaces) or compacted (`json`) as an array, keys in the daemon's order; or
 * one template line per network, executed on docker's `network.Inspect` struct and, when that
 * fails, on the raw JSON (where a missing key is an error). A template that does not parse
 * fails first (status 64); lookup and execution errors follow the output (status 1).
 */
export async function inspectNetworks(out: (text: string) => void, names: string[], format: string | undefined, fetchRaw: (name: string) => Promise<string>): Promise<void> {
  let tpl: ((data: unknown) => string) | undefined;
  let rawTpl: ((data: unknown) => string) | undefined;
  if (format && format !== 'json') {
    tpl = compileInspectTemplate(format, { exactFields: true });
    rawTpl = compileInspectTemplate(format, { missingKeyError: true, exactFields: true });
  }
  const raws: string[] = [];
  const errors: string[] = [];
  let text = '';
  for (const name of names) {
    let raw: string;
    let wire: WireNetwork;
    try {
      raw = await fetchRaw(name);
      wire = JSON.parse(raw) as WireNetwork;
    } catch (err) {
      errors.push(err instanceof ApiError ? `Error response from daemon: ${err.message}` : (err as Error).message);
      continue;
    }
    if (!tpl || !rawTpl) {
      raws.push(raw);
      continue;
    }
    try {
      text += `${tpl(typedNetwork(wire))}\n`;
    } catch {
      try {
        text += `${rawTpl(rawTemplateData(raw))}\n`;
      } catch (err) {
        errors.push(`template parsing error: ${(err as Error).message}`);
      }
    }
  }
  if (tpl) out(text === '' ? '\n' : text);
  else if (raws.length === 0) out('[]\n');
  else {
    const array = `[${raws.join(',')}]`;
    out(`${format === 'json' ? jsonCompact(array) : jsonIndent(array)}\n`);
  }
  if (errors.length) throw new StatusError(1, errors.join('\n'));
}

/** The docker client's `trimID`: surrounding whitespace dropped, an empty name refused. */
function trimId(kind: string, id: string): string {
  const t = id.trim();
  if (t === '') throw new Error(`invalid ${kind} name or ID: value is empty`);
  return t;
}

async function fetchRaw(ctx: CliContext, name: string, verbose?: boolean): Promise<string> {
  const res = await ctx.client.call('GET', `/networks/${escapePath(trimId('network', name))}`, { query: { verbose: verbose ? 'true' : undefined } });
  return (await readAll(res)).toString('utf8');
}

// ---- rm, prune, connect, disconnect ----

const INGRESS_WARNING =
  'WARNING! Before removing the routing-mesh network, make sure all the nodes in your swarm run the same docker engine version. ' +
  'Otherwise, removal may not be effective and functionality of newly create ingress networks will be impaired.';

/**
 * docker's runRemove: each network is inspected (an ingress network asks first) and deleted;
 * names are printed as they go, errors on stderr, and any failure ends with `exit status 1`.
 */
async function remove(ctx: CliContext, names: string[], o: { force?: boolean }): Promise<void> {
  let failed = false;
  for (const name of names) {
    try {
      const n = JSON.parse(await fetchRaw(ctx, name)) as WireNetwork;
      if (n.Ingress && !(await confirm(ctx, INGRESS_WARNING))) continue;
    } catch {
      // Only the removal's own error counts, as in docker.
    }
    try {
      await ctx.client.call('DELETE', `/networks/${escapePath(trimId('network', name))}`);
    } catch (err) {
      if (o.force && err instanceof ApiError && err.status === 404) continue;
      ctx.err.write(`${err instanceof ApiError ? `Error response from daemon: ${err.message}` : (err as Error).message}\n`);
      failed = true;
      continue;
    }
    ctx.print(name);
  }
  if (failed) throw new StatusError(1, 'exit status 1');
}

/** The prune report as docker prints it: nothing when nothing was deleted. */
export function renderNetworkPruneReport(r: { NetworksDeleted: string[] | null }): string {
  const deleted = r.NetworksDeleted ?? [];
  return deleted.length ? `Deleted Networks:\n${deleted.map((n) => `${n}\n`).join('')}\n` : '';
}

async function prune(ctx: CliContext, o: { force?: boolean; filter?: string[] }): Promise<void> {
  const filters = checkFilters('network prune', '--filter', o.filter);
  if (!o.force && !(await confirm(ctx, 'WARNING! This will remove all custom networks not used by at least one container.'))) return;
  const r = await ctx.client.json<{ NetworksDeleted: string[] | null }>('POST', '/networks/prune', { query: { filters: filtersJson(filters) } });
  ctx.out.write(renderNetworkPruneReport(r));
}

/** What commander hands `network connect`'s action. */
export interface ConnectFlags {
  ip?: string;
  ip6?: string;
  link?: string[];
  alias?: string[];
  linkLocalIp?: string[];
  driverOpt?: string[];
  gwPriority?: string;
}

/**
 * The body of `POST /networks/{id}/connect`: the container and a full `EndpointSettings`, as
 * docker's runConnect fills it (an IPAMConfig always, empty lists as `[]`, links as `null`).
 */
export function networkConnectBody(container: string, o: ConnectFlags): Record<string, unknown> {
  const driverOpts = new Map<string, string>();
  for (const opt of o.driverOpt ?? []) {
    const eq = opt.indexOf('=');
    const k = (eq < 0 ? opt : opt.slice(0, eq)).trim();
    if (eq < 0 || k === '') throw new Error('invalid key/value pair format in driver options');
    driverOpts.set(k, opt.slice(eq + 1).trim());
  }
  const linkLocal = o.linkLocalIp ?? [];
  return {
    Container: container,
    EndpointConfig: {
      IPAMConfig: { ...(o.ip ? { IPv4Address: o.ip } : {}), ...(o.ip6 ? { IPv6Address: o.ip6 } : {}), ...(linkLocal.length ? { LinkLocalIPs: linkLocal } : {}) },
      Links: o.link?.length ? o.link : null,
      Aliases: o.alias ?? [],
      MacAddress: '',
      DriverOpts: Object.fromEntries([...driverOpts.keys()].sort().map((k) => [k, driverOpts.get(k)!])),
      GwPriority: gwPriority(o.gwPriority),
      ...UNSET_ENDPOINT_FIELDS,
    },
  };
}

function gwPriority(v: string | undefined): number {
  if (v === undefined) return 0;
  if (!/^[+-]?\d+$/.test(v)) throw invalidFlag('network connect', '--gw-priority', v, `strconv.ParseInt: parsing ${JSON.stringify(v)}: invalid syntax`);
  const n = BigInt(v);
  if (n > (1n << 63n) - 1n || n < -(1n << 63n)) throw invalidFlag('network connect', '--gw-priority', v, `strconv.ParseInt: parsing ${JSON.stringify(v)}: value out of range`);
  return Number(n);
}

async function connect(ctx: CliContext, network: string, container: string, o: ConnectFlags): Promise<void> {
  const body = networkConnectBody('', o);
  const net = trimId('network', network);
  body.Container = trimId('container', container);
  await ctx.client.call('POST', `/networks/${escapePath(net)}/connect`, { body });
}

async function disconnect(ctx: CliContext, network: string, container: string, o: { force?: boolean }): Promise<void> {
  const net = trimId('network', network);
  const body = { Container: trimId('container', container), Force: Boolean(o.force) };
  await ctx.client.call('POST', `/networks/${escapePath(net)}/disconnect`, { body });
}

// ---- flags ----

/** pflag's string slices: each value is a CSV record (`--subnet a,b`), empty for `""`. */
function stringSlice(command: string, flag: string) {
  return (v: string, prev: string[] | undefined): string[] => {
    if (v === '') return prev ?? [];
    try {
      return [...(prev ?? []), ...readCsvRecord(v)];
    } catch (err) {
      throw invalidFlag(command, flag, v, (err as Error).message);
    }
  };
}

/** `opts.ValidateLabel` as a flag check. */
function label(command: string) {
  return (l: string, prev: string[] | undefined): string[] => {
    const key = l.split('=')[0]!.replace(/^[ \t\n\v\f\r]+/, '');
    if (key === '') throw invalidFlag(command, '--label', l, `invalid label '${l}': empty name`);
    if (/[ \t\n\v\f\r]/.test(key)) throw invalidFlag(command, '--label', l, `label '${key}' contains whitespaces`);
    return [...(prev ?? []), l];
  };
}

/** `opts.ValidateLink` as a flag check. */
function link(l: string, prev: string[] | undefined): string[] {
  if (l === '') throw invalidFlag('network connect', '--link', l, 'empty string specified for links');
  if (l.split(':').length > 2) throw invalidFlag('network connect', '--link', l, `bad format for links: ${l}`);
  return [...(prev ?? []), l];
}

/** `berth network …`. */
export function registerNetworkCommands(program: Command, ctx: CliContext): void {
  const network = program.command('network').description('Manage networks');
  network
    .command('create')
    .description('Create a network')
    .argument('<NETWORK>')
    .option('--attachable', 'Enable manual container attachment')
    .option('--aux-address <map>', 'Auxiliary IPv4 or IPv6 addresses used by Network driver', collect)
    .option('--config-from <string>', 'The network from which to copy the configuration')
    .option('--config-only', 'Create a configuration only network')
    .option('-d, --driver <string>', 'Driver to manage the Network', 'bridge')
    .option('--gateway <strings>', 'IPv4 or IPv6 Gateway for the master subnet', stringSlice('network create', '--gateway'))
    .option('--ingress', 'Create swarm routing-mesh network')
    .option('--internal', 'Restrict external access to the network')
    .option('--ip-range <strings>', 'Allocate container ip from a sub-range', stringSlice('network create', '--ip-range'))
    .option('--ipam-driver <string>', 'IP Address Management Driver', 'default')
    .option('--ipam-opt <map>', 'Set IPAM driver specific options', collect)
    .option('--ipv4', 'Enable or disable IPv4 address assignment (default true)')
    // Only for `--ipv4=false`/`--ipv6=false`: docker sends the flags only when given.
    .addOption(new Option('--no-ipv4').hideHelp())
    .option('--ipv6', 'Enable or disable IPv6 address assignment')
    .addOption(new Option('--no-ipv6').hideHelp())
    .option('--label <list>', 'Set metadata on a network', label('network create'))
    .option('-o, --opt <map>', 'Set driver specific options', collect)
    .option('--scope <string>', "Control the network's scope")
    .option('--subnet <strings>', 'Subnet in CIDR format that represents a network segment', stringSlice('network create', '--subnet'))
    .action((name: string, o: CreateFlags) => create(ctx, name, o));
  network
    .command('ls')
    .alias('list')
    .description('List networks')
    .option('-f, --filter <filter>', 'Provide filter values (e.g. "driver=bridge")', collect)
    .option('--format <string>', 'Format output using a custom template')
    .option('--no-trunc', 'Do not truncate the output')
    .option('-q, --quiet', 'Only display network IDs')
    .action((o: { quiet?: boolean; format?: string; filter?: string[]; trunc?: boolean }) => list(ctx, { ...o, noTrunc: o.trunc === false }));
  network
    .command('inspect')
    .description('Display detailed information on one or more networks')
    .argument('<NETWORK...>')
    .option('-f, --format <string>', 'Format output using a custom template')
    .option('-v, --verbose', 'Verbose output for diagnostics')
    .action((names: string[], o: { format?: string; verbose?: boolean }) => inspectNetworks((t) => ctx.out.write(t), names, o.format, (n) => fetchRaw(ctx, n, o.verbose)));
  network
    .command('rm')
    .alias('remove')
    .description('Remove one or more networks')
    .argument('<NETWORK...>')
    .option('-f, --force', 'Do not error if the network does not exist')
    .action((names: string[], o: { force?: boolean }) => remove(ctx, names, o));
  network
    .command('prune')
    .description('Remove all unused networks')
    .option('--filter <filter>', 'Provide filter values (e.g. "until=<timestamp>")', collect)
    .option('-f, --force', 'Do not prompt for confirmation')
    .action((o: { force?: boolean; filter?: string[] }) => prune(ctx, o));
  network
    .command('connect')
    .description('Connect a container to a network')
    .argument('<NETWORK>')
    .argument('<CONTAINER>')
    .option('--alias <strings>', 'Add network-scoped alias for the container', stringSlice('network connect', '--alias'))
    .option('--driver-opt <strings>', 'driver options for the network', stringSlice('network connect', '--driver-opt'))
    .option('--gw-priority <int>', 'Highest gw-priority provides the default gateway. Accepts positive and negative values.')
    .option('--ip <string>', 'IPv4 address (e.g., "172.30.100.104")')
    .option('--ip6 <string>', 'IPv6 address (e.g., "2001:db8::33")')
    .option('--link <list>', 'Add link to another container', link)
    .option('--link-local-ip <strings>', 'Add a link-local address for the container', stringSlice('network connect', '--link-local-ip'))
    .action((net: string, container: string, o: ConnectFlags) => connect(ctx, net, container, o));
  network
    .command('disconnect')
    .description('Disconnect a container from a network')
    .argument('<NETWORK>')
    .argument('<CONTAINER>')
    .option('-f, --force', 'Force the container to disconnect from a network')
    .action((net: string, container: string, o: { force?: boolean }) => disconnect(ctx, net, container, o));
}

/**
 * The networking flags of `run`/`create`: docker/cli's opts.NetworkOpt (`--network` with its
 * `name=…,alias=…` form), `parseNetworkOpts` of cli/command/container/opts.go (the endpoints of
 * `NetworkingConfig`), and the validators docker's flag types apply (`--dns`, `--dns-search`,
 * `--link`).
 */
import { goQuote } from '../format/template.js';
import { ipString, isValidMAC, parseIP } from './ip-addr.js';
import type { EndpointSettings } from '../../wire/index.js';

/** The fields of an EndpointSettings the daemon fills in: docker's client sends them zeroed, in this order. */
export const UNSET_ENDPOINT_FIELDS = {
  NetworkID: '',
  EndpointID: '',
  Gateway: '',
  IPAddress: '',
  IPPrefixLen: 0,
  IPv6Gateway: '',
  GlobalIPv6Address: '',
  GlobalIPv6PrefixLen: 0,
  DNSNames: null,
} as const;


/** One `--network` value as docker's `NetworkAttachmentOpts` holds it. */
export interface NetworkAttachment {
  target: string;
  aliases: string[];
  driverOpts: Map<string, string>;
  links: string[];
  ipv4Address: string;
  ipv6Address: string;
  linkLocalIps: string[];
  macAddress: string;
  gwPriority: number;
}

/** The container-wide flags that apply to the first network (`--network-alias`, `--ip`, …). */
export interface EndpointFlags {
  aliases: string[];
  links: string[];
  ipv4Address: string;
  ipv6Address: string;
  linkLocalIps: string[];
  macAddress: string;
}

/**
 * Go's `csv.Reader.Read` of one record with the default settings, as `NetworkOpt.Set` reads
 * the long syntax: comma-separated fields, double-quoted fields with `""` for a quote.
 */
export function readCsvRecord(line: string): string[] {
  const text = line.split('\n')[0]!.replace(/\r$/, '');
  const fields: string[] = [];
  let i = 0;
  for (;;) {
    if (text[i] !== '"') {
      const end = text.indexOf(',', i);
      const field = end < 0 ? text.slice(i) : text.slice(i, end);
      const quote = field.indexOf('"');
      if (quote >= 0) throw new Error(`parse error on line 1, column ${i + quote + 1}: bare " in non-quoted-field`);
      fields.push(field);
      if (end < 0) return fields;
      i = end + 1;
      continue;
    }
    let field = '';
    let j = i + 1;
    for (;;) {
      const q = text.indexOf('"', j);
      if (q < 0) throw new Error(`parse error on line 1, column ${text.length + 1}: extraneous or missing " in quoted-field`);
      field += text.slice(j, q);
      if (text[q + 1] === '"') {
        field += '"';
        j = q + 2;
        continue;
      }
      if (q + 1 === text.length) {
        fields.push(field);
        return fields;
      }
      if (text[q + 1] !== ',') throw new Error(`parse error on line 1, column ${q + 2}: extraneous or missing " in quoted-field`);
      fields.push(field);
      i = q + 2;
      break;
    }
  }
}

/**
 * `NetworkOpt.Set`: a plain network name or ID, or the long syntax
 * (`name=NET,alias=A,ip=…,ip6=…,mac-address=…,link-local-ip=…,driver-opt=k=v,gw-priority=N`),
 * whose fields docker lower-cases whole (values too).
 * @throws Error with the reason docker's flag error gives (`network name/id is not specified`).
 */
export function parseNetworkFlag(value: string): NetworkAttachment {
  const n: NetworkAttachment = { target: '', aliases: [], driverOpts: new Map(), links: [], ipv4Address: '', ipv6Address: '', linkLocalIps: [], macAddress: '', gwPriority: 0 };
  if (!/[0-9A-Za-z_]+=[0-9A-Za-z_]+/.test(value)) {
    n.target = value;
    return n;
  }
  for (const field of readCsvRecord(value)) {
    const lower = field.toLowerCase();
    const eq = lower.indexOf('=');
    if (eq <= 0) throw new Error(`invalid field ${field}`);
    const key = lower.slice(0, eq).trim();
    const val = lower.slice(eq + 1).trim();
    switch (key) {
      case 'name': n.target = val; break;
      case 'alias': n.aliases.push(val); break;
      case 'ip': n.ipv4Address = val; break;
      case 'ip6': n.ipv6Address = val; break;
      case 'mac-address': n.macAddress = val; break;
      case 'link-local-ip': n.linkLocalIps.push(val); break;
      case 'driver-opt': {
        const e = val.indexOf('=');
        if (e <= 0) throw new Error('invalid key value pair format in driver options');
        n.driverOpts.set(val.slice(0, e).trim(), val.slice(e + 1).trim());
        break;
      }
      case 'gw-priority': {
        if (!/^[+-]?\d+$/.test(val)) throw new Error(`invalid gw-priority (${val}): invalid syntax`);
        const p = BigInt(val);
        if (p > (1n << 63n) - 1n || p < -(1n << 63n)) throw new Error(`invalid gw-priority (${val}): value out of range`);
        n.gwPriority = Number(p);
        break;
      }
      default: throw new Error(`invalid field key ${key}`);
    }
  }
  if (n.target === '') throw new Error('network name/id is not specified');
  return n;
}

/** The `--network` flag check: the value is kept as given and parsed again when the body is built. */
export function checkNetworkFlag(value: string): string {
  parseNetworkFlag(value);
  return value;
}

/** `container.NetworkMode.IsUserDefined` on Linux. */
export function isUserDefined(mode: string): boolean {
  return !['default', 'bridge', 'host', 'none'].includes(mode) && !mode.startsWith('container:');
}

/** `applyContainerOptions`: the container-wide flags go to the first network, unless it sets its own. */
function applyContainerOptions(n: NetworkAttachment, c: EndpointFlags): void {
  if (n.aliases.length && c.aliases.length) throw new Error('conflicting options: cannot specify both --network-alias and per-network alias');
  if (n.links.length && c.links.length) throw new Error('conflicting options: cannot specify both --link and per-network links');
  if (n.ipv4Address && c.ipv4Address) throw new Error('conflicting options: cannot specify both --ip and per-network IPv4 address');
  if (n.ipv6Address && c.ipv6Address) throw new Error('conflicting options: cannot specify both --ip6 and per-network IPv6 address');
  if (n.macAddress && c.macAddress) throw new Error('conflicting options: cannot specify both --mac-address and per-network MAC address');
  if (n.linkLocalIps.length && c.linkLocalIps.length) throw new Error('conflicting options: cannot specify both --link-local-ip and per-network link-local IP addresses');
  if (c.aliases.length) n.aliases = [...c.aliases];
  // On a user-defined network --link is an endpoint alias; on the default bridge, a legacy link.
  if (isUserDefined(n.target) && c.links.length) n.links = [...c.links];
  if (c.ipv4Address) n.ipv4Address = c.ipv4Address;
  if (c.ipv6Address) n.ipv6Address = c.ipv6Address;
  if (c.macAddress) n.macAddress = c.macAddress;
  if (c.linkLocalIps.length) n.linkLocalIps = [...c.linkLocalIps];
}

type Endpoint = { settings: EndpointSettings; empty: boolean };

/** `parseNetworkAttachmentOpt`: the endpoint's `EndpointSettings`, marshalled as the docker CLI does. */
function endpointSettings(n: NetworkAttachment): Endpoint {
  if (n.target.trim() === '') throw new Error('no name set for network');
  if (!isUserDefined(n.target)) {
    if (n.aliases.length) throw new Error('network-scoped aliases are only supported for user-defined networks');
    if (n.links.length) throw new Error('links are only supported for user-defined networks');
  }
  if (n.macAddress && !isValidMAC(n.macAddress.trim())) throw new Error(`${n.macAddress} is not a valid mac address`);
  const ipam = n.ipv4Address || n.ipv6Address || n.linkLocalIps.length
    ? { ...(n.ipv4Address ? { IPv4Address: n.ipv4Address } : {}), ...(n.ipv6Address ? { IPv6Address: n.ipv6Address } : {}), ...(n.linkLocalIps.length ? { LinkLocalIPs: n.linkLocalIps } : {}) }
    : null;
  const driverOpts = n.driverOpts.size ? Object.fromEntries([...n.driverOpts.keys()].sort().map((k) => [k, n.driverOpts.get(k)!])) : null;
  const settings: EndpointSettings = {
    IPAMConfig: ipam,
    Links: n.links.length ? n.links : null,
    Aliases: n.aliases.length ? n.aliases : null,
    MacAddress: n.macAddress,
    DriverOpts: driverOpts,
    GwPriority: n.gwPriority,
    ...UNSET_ENDPOINT_FIELDS,
  };
  return { settings, empty: !ipam && !n.links.length && !n.aliases.length && !n.macAddress && !driverOpts && n.gwPriority === 0 };
}

/**
 * `parseNetworkOpts`: `NetworkingConfig.EndpointsConfig` for the `--network` values (in flag
 * order) and the container-wide endpoint flags. Without `--network` the `default` endpoint is
 * spelled out; a single network without options gets no entry (the daemon creates it).
 * @throws Error with docker's message (shown with `Run 'berth run --help'`, exit 125).
 */
export function endpointsConfig(networks: string[], c: EndpointFlags): Record<string, EndpointSettings> {
  const endpoints = new Map<string, EndpointSettings>();
  let userDefined = false;
  let nonUserDefined = false;
  if (networks.length === 0) {
    const n = parseNetworkFlag('default');
    applyContainerOptions(n, c);
    endpoints.set('default', endpointSettings(n).settings);
  }
  for (const [i, value] of networks.entries()) {
    const n = parseNetworkFlag(value);
    if (isUserDefined(n.target)) userDefined = true;
    else nonUserDefined = true;
    if (i === 0) applyContainerOptions(n, c);
    const ep = endpointSettings(n);
    if (endpoints.has(n.target)) throw new Error(`network ${goQuote(n.target)} is specified multiple times`);
    if (i === 0 && networks.length === 1 && ep.empty) continue;
    endpoints.set(n.target, ep.settings);
  }
  if (userDefined && nonUserDefined) throw new Error('conflicting options: cannot attach both user-defined and non-user-defined network-modes');
  return Object.fromEntries([...endpoints.keys()].sort().map((k) => [k, endpoints.get(k)!]));
}

/** `HostConfig.NetworkMode`: the first network's name, `default` without `--network`. */
export function networkMode(networks: string[]): string {
  return networks.length ? parseNetworkFlag(networks[0]!).target : 'default';
}

/** `opts.ValidateIPAddress`: the address in Go's canonical form (`0:0::1` → `::1`). */
export function validateIPAddress(val: string): string {
  const ip = parseIP(val.trim());
  if (!ip) throw new Error(`IP address is not correctly formatted: ${val}`);
  return ipString(ip);
}

const DOMAIN = /^(:?(:?[a-zA-Z0-9]|(:?[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9]))(:?\.(:?[a-zA-Z0-9]|(:?[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])))*)\.?[\t\n\f\r ]*$/;

/** `opts.ValidateDNSSearch`: `.` or a domain, sent without its trailing dot. */
export function validateDNSSearch(val: string): string {
  const v = val.replace(/^ +| +$/g, '');
  if (v === '.') return v;
  const m = /[a-zA-Z]/.test(v) ? DOMAIN.exec(v) : null;
  if (!m || Buffer.byteLength(m[1]!) >= 255) throw new Error(`${v} is not a valid domain`);
  return m[1]!;
}

/** docker's `localhostDNSWarning` for `--dns` (already canonical): the first loopback server, if any. */
export function localhostDNSWarning(dns: readonly string[]): string | undefined {
  const addr = dns.find((d) => /^127\./.test(d) || d === '::1');
  return addr === undefined ? undefined : `Localhost DNS (${addr}) may fail in containers.`;
}

/** `opts.ValidateLink`: `name` or `name:alias`. */
export function validateLink(val: string): string {
  if (val === '') throw new Error('empty string specified for links');
  if (val.split(':').length > 2) throw new Error(`bad format for links: ${val}`);
  return val;
}

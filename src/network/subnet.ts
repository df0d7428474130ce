/**
 * IPv4 address math for IPAM: CIDR parsing, overlap checks and picking a free subnet from Docker's
 * default local address pools. Everything is pure except `hostRoutes()`, which reads the host's
 * routing table so new networks avoid subnets the host already reaches.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { endianness } from 'node:os';
import { invalidArgument } from '../base/errors.js';

/** An IPv4 network; `network` is the address as a uint32 with the host bits cleared. */
export interface Cidr {
  network: number;
  prefix: number;
}

/** One entry of Docker's `default-address-pools`: `base` is cut into subnets of prefix `size`. */
export interface AddressPool {
  base: Cidr;
  size: number;
}

const OCTET = /^(0|[1-9][0-9]{0,2})$/;
const PREFIX = /^(0|[1-9][0-9]?)$/;

/** Parses a dotted-quad IPv4 address into a uint32. Leading zeros are refused, as Go does since 1.17. */
export function parseIp(s: string): number {
  const n = tryParseIp(s);
  if (n === undefined) throw invalidArgument(`invalid IP address: ${s}`);
  return n;
}

function tryParseIp(s: string): number | undefined {
  const parts = s.split('.');
  if (parts.length !== 4) return undefined;
  let n = 0;
  for (const part of parts) {
    if (!OCTET.test(part)) return undefined;
    const octet = Number(part);
    if (octet > 255) return undefined;
    n = n * 256 + octet;
  }
  return n;
}

export function formatIp(n: number): string {
  return [n >>> 24, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff].join('.');
}

/** The netmask of a prefix length as a uint32 (`<< 32` is a no-op in JS, hence the special case). */
export function prefixMask(prefix: number): number {
  return prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
}

/**
 * Parses `a.b.c.d/n` like Go's `net.ParseCIDR`: host bits are cleared, so `172.30.0.1/16` yields
 * 172.30.0.0/16. Use `parseSubnet` for user-supplied network subnets, where moby refuses host bits.
 */
export function parseCidr(s: string): Cidr {
  const c = tryParseCidr(s);
  if (c === undefined) throw invalidArgument(`invalid CIDR address: ${s}`);
  return { network: (c.ip & prefixMask(c.prefix)) >>> 0, prefix: c.prefix };
}

function tryParseCidr(s: string): { ip: number; prefix: number } | undefined {
  const slash = s.indexOf('/');
  if (slash < 0) return undefined;
  const ip = tryParseIp(s.slice(0, slash));
  const bits = s.slice(slash + 1);
  if (ip === undefined || !PREFIX.test(bits) || Number(bits) > 32) return undefined;
  return { ip, prefix: Number(bits) };
}

/**
 * Parses a `--subnet` value with moby's `ValidateIPAM` rules and messages: malformed →
 * `invalid subnet X: invalid CIDR block notation`; host bits set → `invalid subnet X: it should be Y`.
 */
export function parseSubnet(s: string): Cidr {
  const c = tryParseCidr(s);
  if (c === undefined) throw invalidArgument(`invalid subnet ${s}: invalid CIDR block notation`);
  const cidr = { network: (c.ip & prefixMask(c.prefix)) >>> 0, prefix: c.prefix };
  if (cidr.network !== c.ip) throw invalidArgument(`invalid subnet ${s}: it should be ${formatCidr(cidr)}`);
  return cidr;
}

export function formatCidr(c: Cidr): string {
  return `${formatIp(c.network)}/${c.prefix}`;
}

export function contains(c: Cidr, ip: number): boolean {
  return ((ip & prefixMask(c.prefix)) >>> 0) === c.network;
}

/** Two networks overlap exactly when one contains the other, i.e. they agree on the shorter prefix. */
export function overlaps(a: Cidr, b: Cidr): boolean {
  const mask = prefixMask(Math.min(a.prefix, b.prefix));
  return ((a.network ^ b.network) & mask) === 0;
}

/** Docker's default gateway address: the first address after the network address. */
export function firstHost(c: Cidr): number {
  return (c.network + 1) >>> 0;
}

export function broadcast(c: Cidr): number {
  return (c.network | ~prefixMask(c.prefix)) >>> 0;
}

/** moby's `localScopeDefaultNetworks`: 172.17–31 as /16s, then 192.168.0.0/16 cut into /20s. */
export const DEFAULT_ADDRESS_POOLS: readonly AddressPool[] = [
  ...Array.from({ length: 15 }, (_, i) => ({ base: parseCidr(`172.${17 + i}.0.0/16`), size: 16 })),
  { base: parseCidr('192.168.0.0/16'), size: 20 },
];

/** The subnets a pool yields, in address order. */
function* poolSubnets(pool: AddressPool): Generator<Cidr> {
  const count = 2 ** (pool.size - pool.base.prefix);
  const step = 2 ** (32 - pool.size);
  for (let i = 0; i < count; i++) yield { network: pool.base.network + i * step, prefix: pool.size };
}

/**
 * Returns the first pool subnet overlapping none of `used` (existing networks) and none of
 * `routes` (the host's routes), or undefined when the pools are exhausted. Default routes are
 * ignored, as moby's `CheckRouteOverlaps` does: they overlap everything.
 */
export function pickSubnet(used: Cidr[], routes: Cidr[], pools: readonly AddressPool[] = DEFAULT_ADDRESS_POOLS): Cidr | undefined {
  const avoid = [...used, ...routes.filter((r) => r.prefix > 0)];
  for (const pool of pools) {
    for (const subnet of poolSubnets(pool)) {
      if (!avoid.some((a) => overlaps(a, subnet))) return subnet;
    }
  }
  return undefined;
}

const RTF_UP = 0x1;

/**
 * Parses `/proc/net/route`. Destination and mask are the kernel's network-order words printed as
 * native integers, so on little-endian hosts the bytes read reversed.
 */
export function parseProcNetRoute(text: string, littleEndian = endianness() === 'LE'): Cidr[] {
  const routes: Cidr[] = [];
  for (const line of text.split('\n').slice(1)) {
    const [, dest, , flags, , , , mask] = line.trim().split(/\s+/).map((h) => parseInt(h, 16));
    if (dest === undefined || flags === undefined || mask === undefined) continue;
    if (Number.isNaN(dest) || Number.isNaN(mask) || (flags & RTF_UP) === 0) continue;
    const prefix = popcount(mask); // byte order does not change the count
    if (prefix === 0) continue;
    const network = littleEndian ? byteSwap(dest) : dest;
    routes.push({ network: (network & prefixMask(prefix)) >>> 0, prefix });
  }
  return routes;
}

function byteSwap(n: number): number {
  return (((n & 0xff) << 24) | ((n & 0xff00) << 8) | ((n >>> 8) & 0xff00) | (n >>> 24)) >>> 0;
}

function popcount(n: number): number {
  let count = 0;
  for (let v = n >>> 0; v !== 0; v = (v & (v - 1)) >>> 0) count++;
  return count;
}

/** Route types `ip route` prints before the destination (`unreachable 10.0.0.0/8`). */
const ROUTE_TYPES = new Set(['unicast', 'local', 'broadcast', 'multicast', 'throw', 'unreachable', 'prohibit', 'blackhole', 'nat', 'anycast']);

/** Parses `ip -4 route` output; a bare address is a /32 host route. */
export function parseIpRoute(text: string): Cidr[] {
  const routes: Cidr[] = [];
  for (const line of text.split('\n')) {
    const words = line.trim().split(/\s+/);
    const dest = words[0] !== undefined && ROUTE_TYPES.has(words[0]) ? words[1] : words[0];
    if (dest === undefined || dest === '' || dest === 'default') continue;
    const c = tryParseCidr(dest.includes('/') ? dest : `${dest}/32`);
    if (c === undefined || c.prefix === 0) continue;
    routes.push({ network: (c.ip & prefixMask(c.prefix)) >>> 0, prefix: c.prefix });
  }
  return routes;
}

/**
 * The host's IPv4 routes (main table) without the default route. Reads `/proc/net/route`; where
 * that is missing, asks `ip -4 route`; where neither exists (macOS), returns no routes.
 */
export function hostRoutes(): Cidr[] {
  try {
    return parseProcNetRoute(readFileSync('/proc/net/route', 'utf8'));
  } catch {
    // Not Linux, or /proc is not mounted: fall through to iproute2.
  }
  try {
    return parseIpRoute(execFileSync('ip', ['-4', 'route', 'show'], { encoding: 'utf8', timeout: 5_000, stdio: ['ignore', 'pipe', 'ignore'] }));
  } catch {
    return [];
  }
}

/**
 * IPv6 address math for IPAM, the counterpart of subnet.ts: addresses as 128-bit bigints,
 * CIDR parsing with moby's messages, RFC 5952 formatting (what Go's `net.IP.String` prints),
 * the per-host ULA pool moby 28 derives from the engine ID, and the host's IPv6 routes.
 */
import { createHash } from '../base/crypto.js';
import { readFileSync } from 'node:fs';
import { isIPv6 } from 'node:net';
import { invalidArgument } from '../base/errors.js';

/** An IPv6 network; `network` has the host bits cleared. */
export interface Cidr6 {
  network: bigint;
  prefix: number;
}

const ALL = (1n << 128n) - 1n;

/** `::ffff:1.2.3.4` and `::1.2.3.4` are IPv6 to Node, but Go treats the former as IPv4: callers decide. */
export function tryParseIp6(s: string): bigint | undefined {
  if (!isIPv6(s) || s.includes('%')) return undefined;
  let text = s;
  // An embedded dotted quad becomes its two hex groups.
  const quad = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(text);
  if (quad) {
    const [a, b, c, d] = quad.slice(1).map(Number) as [number, number, number, number];
    text = `${text.slice(0, quad.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head, tail] = text.includes('::') ? (text.split('::') as [string, string]) : [text, undefined];
  const left = head ? head.split(':') : [];
  const right = tail ? tail.split(':') : [];
  const groups = tail === undefined ? left : [...left, ...Array<string>(8 - left.length - right.length).fill('0'), ...right];
  return groups.reduce((n, g) => (n << 16n) | BigInt(parseInt(g, 16)), 0n);
}

export function parseIp6(s: string): bigint {
  const n = tryParseIp6(s);
  if (n === undefined) throw invalidArgument(`invalid IP address: ${s}`);
  return n;
}

/** RFC 5952: lower case, no leading zeros, the longest run (≥ 2) of zero groups as `::`. */
export function formatIp6(n: bigint): string {
  const groups = Array.from({ length: 8 }, (_, i) => Number((n >> BigInt(112 - 16 * i)) & 0xffffn));
  let best = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen) [best, bestLen] = [i, j - i];
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (best < 0) return hex.join(':');
  return `${hex.slice(0, best).join(':')}::${hex.slice(best + bestLen).join(':')}`;
}

export function mask6(prefix: number): bigint {
  return prefix === 0 ? 0n : (ALL << BigInt(128 - prefix)) & ALL;
}

function tryParseCidr6(s: string): { ip: bigint; prefix: number } | undefined {
  const slash = s.indexOf('/');
  if (slash < 0) return undefined;
  const ip = tryParseIp6(s.slice(0, slash));
  const bits = s.slice(slash + 1);
  if (ip === undefined || !/^(0|[1-9][0-9]{0,2})$/.test(bits) || Number(bits) > 128) return undefined;
  return { ip, prefix: Number(bits) };
}

/** Like Go's `net.ParseCIDR`: host bits cleared. */
export function parseCidr6(s: string): Cidr6 {
  const c = tryParseCidr6(s);
  if (c === undefined) throw invalidArgument(`invalid CIDR address: ${s}`);
  return { network: c.ip & mask6(c.prefix), prefix: c.prefix };
}

/** A `--subnet` with moby's `ValidateIPAM` messages (host bits refused). */
export function parseSubnet6(s: string): Cidr6 {
  const c = tryParseCidr6(s);
  if (c === undefined) throw invalidArgument(`invalid subnet ${s}: invalid CIDR block notation`);
  const cidr = { network: c.ip & mask6(c.prefix), prefix: c.prefix };
  if (cidr.network !== c.ip) throw invalidArgument(`invalid subnet ${s}: it should be ${formatCidr6(cidr)}`);
  return cidr;
}

export function formatCidr6(c: Cidr6): string {
  return `${formatIp6(c.network)}/${c.prefix}`;
}

export function contains6(c: Cidr6, ip: bigint): boolean {
  return (ip & mask6(c.prefix)) === c.network;
}

export function overlaps6(a: Cidr6, b: Cidr6): boolean {
  return ((a.network ^ b.network) & mask6(Math.min(a.prefix, b.prefix))) === 0n;
}

/** The last address of the network. */
export function lastAddr6(c: Cidr6): bigint {
  return c.network | (~mask6(c.prefix) & ALL);
}

/** fe80::/10, where `--link-local-ip` addresses must be. */
export function isLinkLocal6(ip: bigint): boolean {
  return ip >> 118n === 0x3fan;
}

/**
 * moby 28's `deriveULABaseNetwork`: fd00::/8 with 40 bits of sha256(engine ID) as the global ID,
 * a /48 cut into /64s. Stable for an engine, different between engines.
 */
export function ulaBase(engineId: string): Cidr6 {
  const sha = createHash('sha256').update(engineId).digest();
  const gid = sha.readBigUInt64BE(0) & ((1n << 40n) - 1n);
  return { network: (0xfdn << 120n) | (gid << 80n), prefix: 48 };
}

/** The first /`size` of `base` that overlaps nothing in `avoid` (default routes ignored). */
export function pickSubnet6(base: Cidr6, size: number, avoid: Cidr6[]): Cidr6 | undefined {
  const relevant = avoid.filter((a) => a.prefix > 0 && overlaps6(a, base));
  const count = 1n << BigInt(size - base.prefix);
  const step = 1n << BigInt(128 - size);
  for (let i = 0n; i < count; i++) {
    const c = { network: base.network + i * step, prefix: size };
    if (!relevant.some((a) => overlaps6(a, c))) return c;
  }
  return undefined;
}

/**
 * `/proc/net/ipv6_route`: destination (32 hex digits), prefix length (hex), … The host's own
 * link-local, loopback and multicast routes are not networks a subnet could clash with.
 */
export function parseProcIpv6Route(text: string): Cidr6[] {
  const out: Cidr6[] = [];
  for (const line of text.split('\n')) {
    const [dest, plen] = line.trim().split(/\s+/);
    if (!dest || !plen || !/^[0-9a-f]{32}$/.test(dest)) continue;
    const prefix = parseInt(plen, 16);
    const network = BigInt(`0x${dest}`);
    if (prefix === 0 || prefix === 128 || isLinkLocal6(network) || network >> 120n === 0xffn) continue;
    out.push({ network: network & mask6(prefix), prefix });
  }
  return out;
}

export function hostRoutes6(): Cidr6[] {
  try {
    return parseProcIpv6Route(readFileSync('/proc/net/ipv6_route', 'utf8'));
  } catch {
    return [];
  }
}

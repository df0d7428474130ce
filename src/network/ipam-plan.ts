/**
 * A new network's address pools, moby 28's way: the request checked with `ValidateIPAM`'s rules
 * and messages, then one IPv4 and one IPv6 pool as asked, or the next free default one (the
 * 172.17–31/192.168 pools, and for IPv6 the engine's ULA /48 cut into /64s). Pure.
 */
import { BerthError, invalidArgument } from '../base/errors.js';
import { contains6, formatCidr6, formatIp6, overlaps6, parseCidr6, pickSubnet6, tryParseIp6, type Cidr6 } from './ip6.js';
import { contains, firstHost, formatCidr, formatIp, overlaps, parseCidr, pickSubnet, type Cidr } from './subnet.js';
import type { IpamPool } from './types.js';
import type { DeepReadonly } from '../base/record-table.js';
import { isIPv4, isIPv6 } from 'node:net';

/** One `IPAM.Config` entry as asked. */
export interface PoolRequest {
  subnet?: string | undefined;
  gateway?: string | undefined;
  ipRange?: string | undefined;
  auxAddresses?: Record<string, string> | undefined;
}

export interface PlanInput {
  config: PoolRequest[];
  enableIPv4: boolean;
  enableIPv6: boolean;
  /** Pools of the other networks, and the host's routes: a default pool avoids both. */
  taken: { v4: Cidr[]; v6: Cidr6[] };
  routes: { v4: Cidr[]; v6: Cidr6[] };
  /** Where IPv6 subnets come from when none is given (moby's per-engine ULA prefix). */
  ula: Cidr6;
}

type Family = 'IPv4' | 'IPv6';

interface Prefix {
  family: Family;
  /** The address as given, and the network with host bits cleared (as text). */
  addr: string;
  masked: string;
  bits: number;
  contains(ip: string): boolean;
  overlaps(p: Prefix): boolean;
}

/** Go's `netip.ParsePrefix`: an address (no zone) and a prefix length of its family. */
function parsePrefix(s: string): Prefix | undefined {
  const slash = s.indexOf('/');
  if (slash < 0) return undefined;
  const addr = s.slice(0, slash);
  const bits = s.slice(slash + 1);
  if (!/^(0|[1-9][0-9]{0,2})$/.test(bits)) return undefined;
  if (isIPv4(addr) && Number(bits) <= 32) {
    const c = parseCidr(s);
    const p: Prefix = { family: 'IPv4', addr, masked: formatCidr(c), bits: c.prefix, contains: (ip) => isIPv4(ip) && contains(c, parseCidr(`${ip}/32`).network), overlaps: (o) => o.family === 'IPv4' && overlaps(c, parseCidr(o.masked)) };
    return p;
  }
  const ip6 = tryParseIp6(addr);
  if (ip6 !== undefined && Number(bits) <= 128) {
    const c = parseCidr6(s);
    return { family: 'IPv6', addr: formatIp6(ip6), masked: formatCidr6(c), bits: c.prefix, contains: (ip) => tryParseIp6(ip) !== undefined && contains6(c, tryParseIp6(ip)!), overlaps: (o) => o.family === 'IPv6' && overlaps6(c, parseCidr6(o.masked)) };
  }
  return undefined;
}

const familyOf = (ip: string): Family | undefined => (isIPv4(ip) ? 'IPv4' : tryParseIp6(ip) !== undefined ? 'IPv6' : undefined);

function checkAddress(address: string | undefined, subnet: Prefix): string | undefined {
  if (!address) return undefined;
  const family = familyOf(address);
  if (!family) return 'invalid address';
  if (family !== subnet.family) return `parent subnet is an ${subnet.family} block`;
  if (!subnet.contains(address)) return `parent subnet ${subnet.addr}/${subnet.bits} doesn't contain this address`;
  return undefined;
}

function checkRange(ipRange: string | undefined, subnet: Prefix): string[] {
  if (!ipRange) return [];
  const r = parsePrefix(ipRange);
  if (!r) return [`invalid ip-range ${ipRange}: invalid CIDR block notation`];
  if (r.family !== subnet.family) return [`invalid ip-range ${ipRange}: parent subnet is an ${subnet.family} block`];
  const errs: string[] = [];
  if (r.bits < subnet.bits) errs.push(`invalid ip-range ${ipRange}: CIDR block is bigger than its parent subnet ${subnet.addr}/${subnet.bits}`);
  if (`${r.addr}/${r.bits}` !== r.masked) errs.push(`invalid ip-range ${ipRange}: it should be ${r.masked}`);
  if (!subnet.overlaps(r)) errs.push(`invalid ip-range ${ipRange}: parent subnet ${subnet.addr}/${subnet.bits} doesn't contain ip-range`);
  return errs;
}

/** moby's `network.ValidateIPAM`: every problem, joined as Go's errors.Join prints them. */
export function validateIpam(config: PoolRequest[], enableIPv6: boolean): void {
  const errs: string[] = [];
  for (const c of config) {
    const subnet = parsePrefix(c.subnet ?? '');
    if (!subnet) {
      errs.push(`invalid subnet ${c.subnet ?? ''}: invalid CIDR block notation`);
      continue;
    }
    if (!enableIPv6 && subnet.family === 'IPv6') continue;
    if (`${subnet.addr}/${subnet.bits}` !== subnet.masked) errs.push(`invalid subnet ${subnet.addr}/${subnet.bits}: it should be ${subnet.masked}`);
    errs.push(...checkRange(c.ipRange, subnet));
    const gw = checkAddress(c.gateway, subnet);
    if (gw) errs.push(`invalid gateway ${c.gateway}: ${gw}`);
    for (const [name, aux] of Object.entries(c.auxAddresses ?? {})) {
      const e = checkAddress(aux, subnet);
      if (e) errs.push(`invalid auxiliary address ${name}: ${e}`);
    }
  }
  if (errs.length === 1) throw invalidArgument(`invalid network config:\n${errs[0]}`);
  if (errs.length > 1) throw invalidArgument(`invalid network config:\n* ${errs.join('\n* ')}`);
}

const overlapError = (): BerthError => new BerthError('Forbidden', 'invalid pool request: Pool overlaps with other one on this address space');
const exhausted = (): BerthError => invalidArgument('all predefined address pools have been fully subnetted');

function asPool(c: PoolRequest, subnet: string, gateway: string): IpamPool {
  return {
    subnet,
    gateway,
    ...(c.ipRange ? { ipRange: c.ipRange } : {}),
    ...(c.auxAddresses && Object.keys(c.auxAddresses).length ? { auxAddresses: { ...c.auxAddresses } } : {}),
  };
}

function plan4(c: PoolRequest | undefined, input: PlanInput): IpamPool {
  if (!c) {
    const subnet = pickSubnet(input.taken.v4, input.routes.v4);
    if (!subnet) throw exhausted();
    return { subnet: formatCidr(subnet), gateway: formatIp(firstHost(subnet)), auto: true };
  }
  const subnet = parseCidr(c.subnet!);
  if (input.taken.v4.some((t) => overlaps(t, subnet))) throw overlapError();
  return asPool(c, formatCidr(subnet), c.gateway || formatIp(firstHost(subnet)));
}

function plan6(c: PoolRequest | undefined, input: PlanInput): IpamPool {
  if (!c) {
    const subnet = pickSubnet6(input.ula, 64, [...input.taken.v6, ...input.routes.v6]);
    if (!subnet) throw exhausted();
    return { subnet: formatCidr6(subnet), gateway: formatIp6(subnet.network + 1n), auto: true };
  }
  const subnet = parseCidr6(c.subnet!);
  if (input.taken.v6.some((t) => overlaps6(t, subnet))) throw overlapError();
  return asPool(c, formatCidr6(subnet), c.gateway ? formatIp6(tryParseIp6(c.gateway)!) : formatIp6(subnet.network + 1n));
}

/**
 * The network's `IPAM.Config`, IPv4 first. A family that is not enabled keeps its entry as
 * given (moby shows it in inspect, and checks `--ip6` against it) but gets no addresses.
 */
export function planPools(input: PlanInput): IpamPool[] {
  if (!input.enableIPv4 && !input.enableIPv6) throw invalidArgument('IPv4 or IPv6 must be enabled');
  validateIpam(input.config, input.enableIPv6);
  const v4 = input.config.filter((c) => isIPv4((c.subnet ?? '').split('/')[0]!));
  const v6 = input.config.filter((c) => isIPv6((c.subnet ?? '').split('/')[0]!));
  if (v4.length > 1 || v6.length > 1) throw new BerthError('NotImplemented', 'berth networks take one IPv4 and one IPv6 subnet');
  const out: IpamPool[] = [];
  if (input.enableIPv4) out.push(plan4(v4[0], input));
  else if (v4[0]) out.push(asPool(v4[0], v4[0].subnet!, v4[0].gateway ?? ''));
  if (input.enableIPv6) out.push(plan6(v6[0], input));
  else if (v6[0]) out.push(asPool(v6[0], v6[0].subnet!, v6[0].gateway ?? ''));
  return out;
}

/** The pools of a network that hand out addresses: the enabled families' (records of older berths: IPv4 only). */
export function activePools(n: { readonly enableIPv4?: boolean | undefined; readonly enableIPv6?: boolean | undefined; readonly ipam: { readonly config: readonly DeepReadonly<IpamPool>[] } }): { v4?: DeepReadonly<IpamPool> | undefined; v6?: DeepReadonly<IpamPool> | undefined } {
  const v4 = n.enableIPv4 === false ? undefined : n.ipam.config.find((c) => isIPv4(c.subnet.split('/')[0]!));
  const v6 = n.enableIPv6 ? n.ipam.config.find((c) => isIPv6(c.subnet.split('/')[0]!)) : undefined;
  return { v4, v6 };
}

/**
 * moby 28's `validateEndpointSettings`: what a container may ask of a network (static
 * addresses, aliases, link-local addresses, a MAC address), every problem in one error with
 * moby's wording. Pure; run at create and at connect, as moby does.
 */
import type { DeepReadonly } from '../base/record-table.js';
import { isIPv4 } from 'node:net';
import { invalidArgument } from '../base/errors.js';
import { contains6, isLinkLocal6, parseCidr6, tryParseIp6 } from './ip6.js';
import { contains, parseCidr, parseIp } from './subnet.js';
import type { EndpointRequest, IpamPool, NetworkRecord } from './types.js';

const isV6Subnet = (p: IpamPool): boolean => p.subnet.includes(':');

/** An address inside a subnet the user gave (moby's IpamConf.IsStatic/Contains). */
function rangeError(addr: string, pools: readonly DeepReadonly<IpamPool>[], v6: boolean): string | undefined {
  if (!addr) return undefined;
  const own = pools.filter((p) => isV6Subnet(p) === v6 && !p.auto);
  if (!own.length) return 'user specified IP address is supported only when connecting to networks with user configured subnets';
  const inside = own.some((p) => (v6 ? contains6(parseCidr6(p.subnet), tryParseIp6(addr) ?? -1n) : isIPv4(addr) && contains(parseCidr(p.subnet), parseIp(addr))));
  return inside ? undefined : `no configured subnet or ip-range contain the IP address ${addr}`;
}

const unspecified = (ip: string): boolean => ip === '0.0.0.0' || tryParseIp6(ip) === 0n;

/** moby's `NetworkMode.IsUserDefined`, on the name the endpoint settings were given under. */
export function isUserDefinedName(name: string): boolean {
  return !['default', 'bridge', 'host', 'none'].includes(name) && !name.startsWith('container:');
}

/**
 * moby's `validateEndpointSettings` for settings given under `name`; `n` is the network when it
 * exists (addresses are then checked against its subnets). Throws "invalid endpoint settings".
 */
export function validateEndpoint(n: NetworkRecord | undefined, name: string, req: EndpointRequest): void {
  const errs: string[] = [];
  const v4 = req.ipv4Address;
  const v6 = req.ipv6Address ?? '';
  if (!isUserDefinedName(name)) {
    if (v4 || v6) errs.push('user specified IP address is supported on user defined networks only');
    if (req.aliases.length) errs.push('network-scoped alias is supported only for containers in user defined networks');
  }
  const badV4 = v4 && (!isIPv4(v4) || unspecified(v4));
  const badV6 = v6 && (tryParseIp6(v6) === undefined || unspecified(v6) || v6.toLowerCase().startsWith('::ffff:'));
  if (badV4) errs.push(`invalid IPv4 address: ${v4}`);
  if (badV6) errs.push(`invalid IPv6 address: ${v6}`);
  for (const ll of req.linkLocalIps ?? []) if (!(isIPv4(ll) || tryParseIp6(ll) !== undefined) || unspecified(ll)) errs.push(`invalid link-local IP address: ${ll}`);
  if (n) {
    if (!badV4) errs.push(...[rangeError(v4, n.ipam.config, false)].filter((e): e is string => !!e));
    if (!badV6) errs.push(...[rangeError(v6, n.ipam.config, true)].filter((e): e is string => !!e));
  }
  if (req.macAddress && !/^([0-9a-fA-F]{2}[:-]){5}[0-9a-fA-F]{2}$/.test(req.macAddress)) throw invalidArgument(`invalid MAC address ${req.macAddress}`);
  if (errs.length) throw invalidArgument(`invalid endpoint settings:\n${joinErrors(errs)}`);
}

/** moby's multierror.Join: one error as it is, several as a `* ` list (continuation lines indented). */
export function joinErrors(errs: string[]): string {
  if (errs.length === 1) return errs[0]!.trim();
  return `* ${errs.map((e) => e.replaceAll('\n', '\n\t')).join('\n* ')}`;
}

/** libnetwork's CreateEndpoint check, at start: `--link-local-ip` must be link-local unicast. */
export function checkLinkLocal(ips: string[]): void {
  for (const ip of ips) {
    const ok = isIPv4(ip) ? ip.startsWith('169.254.') : isLinkLocal6(tryParseIp6(ip) ?? 0n);
    if (!ok) throw invalidArgument(`invalid link local IP address: ${ip}`);
  }
}

/** The CIDR a link-local address gets on the interface (libnetwork: /16 and /64). */
export function linkLocalCidr(ip: string): string {
  return isIPv4(ip) ? `${ip}/16` : `${ip}/64`;
}

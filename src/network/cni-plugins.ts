/**
 * The host-local address ranges of an endpoint on a bridge network (a range set per enabled
 * address family, so dual stack gets one address of each), and the CNI plugins berth runs or
 * ran: `portmap` when the container publishes ports, and the `bridge` list older berths used. Pure.
 */
import { formatIp6, lastAddr6, parseCidr6 } from './ip6.js';
import { activePools } from './ipam-plan.js';
import { formatIp, parseCidr } from './subnet.js';
import type { IpamPool, NetworkRecord } from './types.js';

/** Names older berths accepted, and used as CNI network names (host-local lease directories). */
const LEGACY_NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/;

/** The CNI network name of a network's endpoints (see NetworkRecord.cniName). */
export function cniNameOf(n: NetworkRecord): string {
  return n.cniName ?? (LEGACY_NAME.test(n.name) ? n.name : n.id);
}

export type PluginConf = { type: string } & Record<string, unknown>;

export interface PluginOptions {
  /** host-local's lease directory (leases live in `<dir>/<CNI network name>`). */
  ipamDir: string;
  withPorts: boolean;
  /** Families with an address asked by the user: its range may be the whole subnet. */
  staticV4?: boolean;
  staticV6?: boolean;
}

/** One range of host-local's configuration (rangeStart/rangeEnd default to the whole subnet). */
export interface HostLocalRange {
  subnet: string;
  gateway: string;
  rangeStart?: string;
  rangeEnd?: string;
}

/** One host-local range; an ip-range bounds what berth picks, never what `--ip` may ask. */
function range(pool: IpamPool, family: 4 | 6, isStatic: boolean): HostLocalRange {
  const out: HostLocalRange = { subnet: pool.subnet, gateway: pool.gateway };
  if (!pool.ipRange || isStatic) return out;
  if (family === 4) {
    const r = parseCidr(pool.ipRange);
    out.rangeStart = formatIp(Math.max(r.network + (r.prefix < 31 ? 1 : 0), parseCidr(pool.subnet).network + 1));
    out.rangeEnd = formatIp(r.network + 2 ** (32 - r.prefix) - 2);
  } else {
    const r = parseCidr6(pool.ipRange);
    const subnet = parseCidr6(pool.subnet);
    out.rangeStart = formatIp6(r.network > subnet.network ? r.network : subnet.network + 1n);
    out.rangeEnd = formatIp6(lastAddr6(r));
  }
  return out;
}

/**
 * host-local's range sets of the network's endpoints, IPv4 first: one range per enabled family.
 * A set's index is its `rangeID` (its `last_reserved_ip.<index>` file).
 */
export function ipamRanges(n: NetworkRecord, o: { staticV4?: boolean; staticV6?: boolean }): HostLocalRange[] {
  const { v4, v6 } = activePools(n);
  return [...(v4 ? [range(v4, 4, !!o.staticV4)] : []), ...(v6 ? [range(v6, 6, !!o.staticV6)] : [])];
}

/** Loopback traffic goes to the userland proxy (Docker's split), the rest is DNATed here. */
export const PORTMAP: PluginConf = { type: 'portmap', capabilities: { portMappings: true }, snat: true, conditionsV4: ['!', '-d', '127.0.0.0/8'], conditionsV6: ['!', '-d', '::1'] };

/**
 * The CNI list an older berth added its endpoints with (and what a CNI-based set-up would use):
 * `bridge` with host-local IPAM, then `portmap` when the container publishes ports.
 */
export function cniPlugins(n: NetworkRecord, o: PluginOptions): PluginConf[] {
  const { v4, v6 } = activePools(n);
  const ranges = ipamRanges(n, o).map((r) => [r]);
  const routes = n.internal ? [] : [...(v4 ? [{ dst: '0.0.0.0/0' }] : []), ...(v6 ? [{ dst: '::/0' }] : [])];
  return [
    {
      type: 'bridge',
      bridge: n.bridge,
      isGateway: true,
      // Masquerade and forwarding are per network, in berth's own chains (firewall.ts).
      ipMasq: false,
      hairpinMode: true,
      ...(n.mtu ? { mtu: n.mtu } : {}),
      capabilities: { ips: true, mac: true },
      ipam: { type: 'host-local', ranges, routes, dataDir: o.ipamDir },
    },
    ...(o.withPorts ? [PORTMAP] : []),
  ];
}

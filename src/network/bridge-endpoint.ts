/**
 * An endpoint's interface and addresses on a bridge network, without the CNI `bridge` and
 * `host-local` plugins' processes: host-local's leases (host-local.ts) and the veth pair over
 * rtnetlink (veth.ts). What it records is the CNI result those plugins gave, so the `portmap`
 * plugin (still a CNI run, only for published ports) and endpoints an older berth recorded
 * keep working, and its teardown undoes either kind.
 */
import { open } from 'node:fs/promises';
import { isIPv4 } from 'node:net';
import type { RtNetlink } from '../base/netlink.js';
import type { CniResult } from './cni.js';
import { cniNameOf, ipamRanges } from './cni-plugins.js';
import { linkLocalCidr } from './endpoint-checks.js';
import { formatAddr, leaseRange, parseAddr, type HostLocalIpam, type Lease } from './host-local.js';
import { removeContainerLink, removeVeth, setUpVeth, type VethAddress, type VethResult } from './veth.js';
import type { EndpointRequest, NetworkRecord } from './types.js';

export interface BridgeEndpointDeps {
  ipam: HostLocalIpam;
  /** The host namespace's rtnetlink socket. */
  netlink: () => RtNetlink;
  /** Makes a network's bridge again (it vanished since the network came up). */
  ensureBridge: (n: NetworkRecord) => Promise<void>;
}

export interface BridgeEndpointTarget {
  containerId: string;
  netns: string;
  ifname: string;
}

/** Leases that ended up unusable: `Forbidden` "Address already in use" to the user. */
export const ADDRESS_IN_USE = /is not available|already reserved|failed to allocate all requested IPs/i;

/**
 * Leases an address of each of the network's families (the asked ones if any), then makes the
 * interface with them; returns the CNI-shaped result. On failure nothing is left behind.
 */
export async function addBridgeEndpoint(d: BridgeEndpointDeps, n: NetworkRecord, t: BridgeEndpointTarget, req: EndpointRequest): Promise<CniResult> {
  const ranges = ipamRanges(n, { staticV4: !!req.ipv4Address, staticV6: !!req.ipv6Address }).map(leaseRange);
  const asked = (family: 4 | 6): bigint | undefined => {
    const ip = family === 4 ? req.ipv4Address : req.ipv6Address;
    return ip ? parseAddr(ip) : undefined;
  };
  const cniName = cniNameOf(n);
  const leases = await d.ipam.allocate(cniName, t.containerId, t.ifname, ranges.map((range) => ({ range, requested: asked(range.family) })));
  try {
    const addresses = leases.map((l): VethAddress => ({ family: l.range.family, ip: l.ip, prefixLen: l.range.prefixLen, gateway: l.range.gateway }));
    const linkLocal = (req.linkLocalIps ?? []).map((ip): VethAddress => ({ family: isIPv4(ip) ? 4 : 6, ip: parseAddr(ip), prefixLen: Number(linkLocalCidr(ip).split('/')[1]), gateway: 0n }));
    const ns = await open(t.netns, 'r');
    try {
      const vreq = { netnsFd: ns.fd, ifname: t.ifname, bridge: n.bridge, mtu: n.mtu, mac: req.macAddress || undefined, addresses, routes: !n.internal, linkLocal };
      let veth: VethResult;
      try {
        veth = setUpVeth(d.netlink(), vreq);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENODEV' || !/^bridge /.test((err as Error).message)) throw err;
        await d.ensureBridge(n);
        veth = setUpVeth(d.netlink(), vreq);
      }
      return cniResult(n, t, veth, leases);
    } finally {
      await ns.close();
    }
  } catch (err) {
    await d.ipam.release(cniName, t.containerId, leases.map((l) => formatAddr(l.range.family, l.ip)));
    throw err;
  }
}

/** What the CNI bridge plugin answers: bridge, host veth, container interface; the addresses on the last. */
function cniResult(n: NetworkRecord, t: BridgeEndpointTarget, veth: VethResult, leases: Lease[]): CniResult {
  const v4 = leases.some((l) => l.range.family === 4);
  const v6 = leases.some((l) => l.range.family === 6);
  return {
    cniVersion: '1.0.0',
    interfaces: [
      { name: n.bridge, mac: veth.bridgeMac },
      { name: veth.hostName, mac: veth.hostMac },
      { name: t.ifname, mac: veth.mac, sandbox: t.netns },
    ],
    ips: leases.map((l) => ({ interface: 2, address: `${formatAddr(l.range.family, l.ip)}/${l.range.prefixLen}`, gateway: formatAddr(l.range.family, l.range.gateway) })),
    routes: n.internal ? [] : [...(v4 ? [{ dst: '0.0.0.0/0' }] : []), ...(v6 ? [{ dst: '::/0' }] : [])],
  };
}

/** The host side's name in a recorded result (the bridge plugin's second interface). */
export function hostVethOf(result: CniResult | undefined): string | undefined {
  return result?.interfaces?.find((i, k) => k > 0 && !i.sandbox && i.name.startsWith('veth'))?.name;
}

/**
 * Takes an endpoint's interface away and releases its addresses. `result` is its recorded
 * CNI result; without one (never recorded) the interface is found by name in the namespace.
 */
export async function removeBridgeEndpoint(d: BridgeEndpointDeps, cniName: string, t: BridgeEndpointTarget, result: CniResult | undefined): Promise<void> {
  const host = hostVethOf(result);
  if (host) await removeVeth(host);
  else await removeContainerLinkQuietly(t);
  const ips = (result?.ips ?? []).map((x) => x.address.split('/')[0] ?? '').filter(Boolean);
  if (ips.length) await d.ipam.release(cniName, t.containerId, ips);
  else await d.ipam.releaseAll(cniName, t.containerId, t.ifname);
}

/** After a crash nothing was recorded: the interface by its name, the leases by their owner. */
export async function clearStaleBridgeEndpoint(d: BridgeEndpointDeps, cniName: string, t: BridgeEndpointTarget): Promise<void> {
  await removeContainerLinkQuietly(t);
  await d.ipam.releaseAll(cniName, t.containerId, t.ifname);
}

async function removeContainerLinkQuietly(t: BridgeEndpointTarget): Promise<void> {
  try {
    await removeContainerLink(t.netns, t.ifname);
  } catch {
    // the namespace is gone (its interfaces with it)
  }
}

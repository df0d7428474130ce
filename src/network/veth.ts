/**
 * A container's interface on a Linux bridge, in-process over rtnetlink, as the CNI `bridge`
 * plugin makes it: a veth pair whose host side `veth<8 hex>` is a hairpin port of the bridge and
 * whose peer is made straight in the container's namespace as `eth<N>`, with its MTU and MAC,
 * its addresses (IPv6 ones without duplicate address detection) and default routes.
 */
import { randomBytes } from '../base/crypto.js';
import { writeFileSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { inNetns, RtNetlink } from '../base/netlink.js';
import { AF_INET, AF_INET6, parseMac } from '../base/rtnetlink.js';
import { announce } from './garp.js';
import { prefixMask } from './subnet.js';

export interface VethAddress {
  family: 4 | 6;
  ip: bigint;
  prefixLen: number;
  gateway: bigint;
}

export interface VethRequest {
  /** An open fd of the container's network namespace. */
  netnsFd: number;
  ifname: string;
  bridge: string;
  /** 0: the kernel's default. */
  mtu: number;
  mac?: string | undefined;
  addresses: VethAddress[];
  /** A default route per family via its gateway (none on an internal network). */
  routes: boolean;
  /** `--link-local-ip` addresses with their prefix lengths. */
  linkLocal: VethAddress[];
}

export interface VethResult {
  hostName: string;
  hostMac: string;
  bridgeMac: string;
  /** The container side's MAC address. */
  mac: string;
}

/** The big-endian bytes of an address of the family. */
export function addressBytes(family: 4 | 6, ip: bigint): Buffer {
  const len = family === 4 ? 4 : 16;
  const out = Buffer.alloc(len);
  let n = ip;
  for (let i = len - 1; i >= 0; i--) {
    out[i] = Number(n & 0xffn);
    n >>= 8n;
  }
  return out;
}

/** The host side's name as the CNI plugins pick it: `veth` and 4 random bytes in hex. */
export function randomVethName(): string {
  return `veth${randomBytes(4).toString('hex')}`;
}

/**
 * Makes the pair and configures both sides; on failure the pair is deleted again. `host` is a
 * socket in the host's namespace; the container side is set through a socket made inside the
 * container's namespace (the thread goes there and back synchronously).
 */
export function setUpVeth(host: RtNetlink, req: VethRequest): VethResult {
  const bridge = host.linkByName(req.bridge);
  if (!bridge) throw Object.assign(new Error(`bridge ${req.bridge} does not exist`), { code: 'ENODEV' });
  const hostName = randomVethName();
  host.createVeth({ name: hostName, peerName: req.ifname, peerNetnsFd: req.netnsFd, mtu: req.mtu, master: bridge.index, peerMac: req.mac, up: true });
  try {
    const hostSide = host.linkByName(hostName);
    if (!hostSide) throw new Error(`veth ${hostName} vanished`);
    host.setHairpin(hostSide.index, true);
    const mac = inNetns(req.netnsFd, () => configureContainerSide(req));
    return { hostName, hostMac: hostSide.mac, bridgeMac: bridge.mac, mac };
  } catch (err) {
    host.deleteLink(hostName);
    throw err;
  }
}

/** Inside the container's namespace: addresses, link up, routes; returns the interface's MAC. */
function configureContainerSide(req: VethRequest): string {
  const nl = RtNetlink.open();
  try {
    const link = nl.linkByName(req.ifname);
    if (!link) throw new Error(`${req.ifname} is missing in the container's namespace`);
    if ([...req.addresses, ...req.linkLocal].some((a) => a.family === 6)) {
      // The namespace's interfaces start without IPv6 (netns.ts); this one has an IPv6 address.
      // /proc/sys/net is the calling thread's namespace's.
      writeFileSync(`/proc/sys/net/ipv6/conf/${req.ifname}/disable_ipv6`, '0');
    }
    // The CNI plugins give IPv4 addresses their broadcast address; `ip addr add` (link-local ones) does not.
    for (const a of req.addresses) addAddress(nl, link.index, a, a.family === 4 && a.prefixLen < 31);
    for (const a of req.linkLocal) addAddress(nl, link.index, a, false);
    nl.setUp(link.index, `setting ${req.ifname} up`);
    announce(link.index, parseMac(link.mac), req.addresses.filter((a) => a.family === 4).map((a) => addressBytes(4, a.ip)));
    if (req.routes) {
      for (const a of req.addresses) {
        try {
          nl.addDefaultRoute(a.family === 4 ? AF_INET : AF_INET6, addressBytes(a.family, a.gateway), link.index);
        } catch (err) {
          // Another network's interface has the default route: the first one wins (as with the CNI plugins).
          if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
        }
      }
    }
    return link.mac;
  } finally {
    nl.close();
  }
}

function addAddress(nl: RtNetlink, index: number, a: VethAddress, withBroadcast: boolean): void {
  const v4 = a.family === 4;
  const broadcast = withBroadcast ? addressBytes(4, a.ip | BigInt(~prefixMask(a.prefixLen) >>> 0)) : undefined;
  nl.addAddress({ index, family: v4 ? AF_INET : AF_INET6, address: addressBytes(a.family, a.ip), prefixLen: a.prefixLen, broadcast, nodad: !v4 });
}

/**
 * Deletes the host side of a pair (its peer goes with it); false when it was gone already. Off
 * the main thread, on a socket of its own (one request at a time per socket).
 */
export async function removeVeth(hostName: string): Promise<boolean> {
  const nl = RtNetlink.open();
  try {
    return await nl.deleteLinkAsync(hostName);
  } finally {
    nl.close();
  }
}

/** Deletes an interface inside a container's namespace (the pair's other side goes with it). */
export async function removeContainerLink(netns: string, ifname: string): Promise<boolean> {
  const ns = await open(netns, 'r');
  let nl: RtNetlink;
  try {
    // Made inside, the socket acts there from any thread.
    nl = inNetns(ns.fd, () => RtNetlink.open());
  } finally {
    await ns.close();
  }
  try {
    return await nl.deleteLinkAsync(ifname);
  } finally {
    nl.close();
  }
}

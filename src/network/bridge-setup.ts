/**
 * A bridge network's host side: its Linux bridge carrying exactly its gateway addresses (IPv4,
 * and IPv6 with moby's NODAD so it is usable at once), and its auxiliary addresses held in
 * host-local's lease directory so no container gets them.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { isErrno } from '../base/errors.js';
import { RtNetlink } from '../base/netlink.js';
import { AF_INET, AF_INET6 } from '../base/rtnetlink.js';
import { formatIp6, isLinkLocal6, parseCidr6, parseIp6 } from './ip6.js';
import { activePools } from './ipam-plan.js';
import { parseCidr, parseIp } from './subnet.js';
import type { NetworkRecord } from './types.js';
import { addressBytes } from './veth.js';

/** Makes the bridge (if missing), sets its MTU and addresses, and brings it up; over rtnetlink. */
export async function ensureBridge(n: NetworkRecord): Promise<void> {
  const { v4, v6 } = activePools(n);
  const nl = RtNetlink.open();
  try {
    let link = nl.linkByName(n.bridge);
    if (!link) {
      try {
        nl.createLink(n.bridge, 'bridge');
      } catch (err) {
        // made meanwhile by another daemon
        if (!isErrno(err, 'EEXIST')) throw err;
      }
      link = nl.linkByName(n.bridge);
      if (!link) throw new Error(`bridge ${n.bridge} vanished`);
    }
    if (n.mtu) nl.setMtu(link.index, n.mtu);
    // Exactly our gateway addresses: another one (a stale or foreign set-up) would be answered on.
    exactly(nl, link.index, AF_INET, v4 ? { address: addressBytes(4, BigInt(parseIp(v4.gateway))), prefixLen: parseCidr(v4.subnet).prefix } : undefined);
    if (v6) {
      await writeFile(`/proc/sys/net/ipv6/conf/${n.bridge}/disable_ipv6`, '0\n');
      exactly(nl, link.index, AF_INET6, { address: addressBytes(6, parseIp6(v6.gateway)), prefixLen: parseCidr6(v6.subnet).prefix });
    }
    nl.setUp(link.index, `setting bridge ${n.bridge} up`);
  } finally {
    nl.close();
  }
}

/**
 * Leaves `want` as the link's only address of the family (the kernel's IPv6 link-local address
 * aside: moby keeps fe80::/64 too). IPv6 goes NODAD: an address still in duplicate detection
 * cannot be bound (the embedded DNS) for a second.
 */
function exactly(nl: RtNetlink, index: number, family: typeof AF_INET | typeof AF_INET6, want: { address: Buffer; prefixLen: number } | undefined): void {
  let present = false;
  for (const a of nl.addresses(family, index)) {
    if (want && a.prefixLen === want.prefixLen && a.address.equals(want.address)) {
      present = true;
      continue;
    }
    if (family === AF_INET6 && isLinkLocal6(BigInt(`0x${a.address.toString('hex')}`))) continue;
    nl.deleteAddress(a);
  }
  if (want && !present) nl.addAddress({ index, family, address: want.address, prefixLen: want.prefixLen, nodad: family === AF_INET6 }, true);
}

/** The bridge goes (its ports with it), off the main thread. */
export async function deleteBridge(n: NetworkRecord): Promise<void> {
  const nl = RtNetlink.open();
  try {
    await nl.deleteLinkAsync(n.bridge);
  } catch {
    // gone already, or never made
  } finally {
    nl.close();
  }
}

/** Whether the host has an interface of that name. */
export function linkExists(name: string): boolean {
  const nl = RtNetlink.open();
  try {
    return nl.linkByName(name) !== undefined;
  } finally {
    nl.close();
  }
}

/**
 * Auxiliary addresses as host-local leases of their own (file `<dir>/<ip>`), made with an
 * exclusive create as host-local makes its own: an existing lease is never replaced.
 */
export async function reserveAuxAddresses(n: NetworkRecord, leaseDir: string): Promise<void> {
  const aux = n.ipam.config.flatMap((c) => Object.entries(c.auxAddresses ?? {}));
  if (!aux.length) return;
  await mkdir(leaseDir, { recursive: true, mode: 0o755 });
  for (const [name, addr] of aux) {
    const file = addr.includes(':') ? formatIp6(parseIp6(addr)) : addr;
    await writeFile(join(leaseDir, file), `aux-address\r\n${name}`, { flag: 'wx' }).catch((err: unknown) => {
      if (!isErrno(err, 'EEXIST')) throw err;
    });
  }
}

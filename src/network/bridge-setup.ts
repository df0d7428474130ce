/**
 * A bridge network's host side: its Linux bridge carrying exactly its gateway addresses (IPv4,
 * and IPv6 with moby's NODAD so it is usable at once), and its auxiliary addresses held in
 * host-local's lease directory so no container gets them.
 */
import { execFile } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { isErrno } from '../base/errors.js';
import { formatIp6, parseCidr6, parseIp6 } from './ip6.js';
import { activePools } from './ipam-plan.js';
import { parseCidr } from './subnet.js';
import type { NetworkRecord } from './types.js';

const execFileP = promisify(execFile);
const ip = (args: string[]): Promise<unknown> => execFileP('ip', args);

/** Makes the bridge (if missing), sets its MTU and addresses, and brings it up. */
export async function ensureBridge(n: NetworkRecord): Promise<void> {
  const { v4, v6 } = activePools(n);
  await ip(['link', 'add', n.bridge, 'type', 'bridge']).catch(() => {});
  if (n.mtu) await ip(['link', 'set', n.bridge, 'mtu', String(n.mtu)]);
  // Exactly our gateway addresses: another one (a stale or foreign set-up) would make the CNI
  // bridge plugin refuse the bridge.
  const want4 = v4 ? `${v4.gateway}/${parseCidr(v4.subnet).prefix}` : '';
  const { stdout: out4 } = await execFileP('ip', ['-4', '-o', 'addr', 'show', 'dev', n.bridge]);
  for (const m of out4.matchAll(/inet (\S+)/g)) if (m[1] !== want4) await ip(['addr', 'del', m[1]!, 'dev', n.bridge]);
  if (want4) await ip(['addr', 'replace', want4, 'dev', n.bridge]);
  if (v6) await ensureIpv6(n.bridge, v6.gateway, parseCidr6(v6.subnet).prefix);
  await ip(['link', 'set', n.bridge, 'up']);
}

async function ensureIpv6(bridge: string, gateway: string, prefix: number): Promise<void> {
  await writeFile(`/proc/sys/net/ipv6/conf/${bridge}/disable_ipv6`, '0\n');
  const want = `${formatIp6(parseIp6(gateway))}/${prefix}`;
  const { stdout } = await execFileP('ip', ['-6', '-o', 'addr', 'show', 'dev', bridge]);
  for (const m of stdout.matchAll(/inet6 (\S+)/g)) {
    const [addr] = m[1]!.split('/');
    // The kernel's link-local address stays (moby keeps fe80::/64 too).
    if (addr!.toLowerCase().startsWith('fe80:') || m[1] === want) continue;
    await ip(['-6', 'addr', 'del', m[1]!, 'dev', bridge]);
  }
  // NODAD: an address still in duplicate detection cannot be bound (the embedded DNS) for a second.
  await ip(['-6', 'addr', 'replace', want, 'dev', bridge, 'nodad']);
}

export async function deleteBridge(n: NetworkRecord): Promise<void> {
  await execFileP('ip', ['link', 'del', n.bridge]).catch(() => {});
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

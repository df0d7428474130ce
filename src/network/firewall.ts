/**
 * berth's own iptables chains, rebuilt from the list of bridge networks whenever it changes:
 * BERTH-ISOLATION (from FORWARD) keeps bridges apart and internal networks off the outside,
 * BERTH-DNS (from INPUT) lets only a network's own containers reach its embedded resolver.
 * Per-container rules (NAT, forwarding, published ports) are the CNI plugins'.
 */
import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { promisify } from 'node:util';

const execFileP = promisify(execFile);

export interface BridgeNet {
  bridge: string;
  internal: boolean;
  /** The resolver's address on this bridge (user-defined networks), or ''. */
  dnsAddress: string;
}

async function ipt(args: string[]): Promise<void> {
  await execFileP('iptables', ['-w', ...args]);
}

async function ensureChain(table: string, chain: string, from: string): Promise<void> {
  await ipt(['-t', table, '-N', chain]).catch(() => {});
  await ipt(['-t', table, '-F', chain]);
  const jump = ['-t', table, '-C', from, '-j', chain];
  await ipt(jump).catch(async () => ipt(['-t', table, '-I', from, '1', '-j', chain]));
}

/** Chain names carry the daemon's default bridge, so daemons side by side keep their own. */
function chains(tag: string): { isolation: string; dns: string } {
  return { isolation: `BERTH-ISO-${tag}`, dns: `BERTH-DNS-${tag}` };
}

export async function applyFirewall(tag: string, nets: BridgeNet[]): Promise<void> {
  const { isolation, dns } = chains(tag);
  // Docker turns forwarding on: without it no container reaches past its bridge.
  await writeFile('/proc/sys/net/ipv4/ip_forward', '1\n').catch(() => {});
  await ensureChain('filter', isolation, 'FORWARD');
  // The CNI firewall plugin puts its accept rules above ours in FORWARD; its CNI-ADMIN chain
  // (the admins' overrides) runs before them, so isolation is jumped to from there too.
  await ipt(['-N', 'CNI-ADMIN']).catch(() => {});
  await ipt(['-C', 'CNI-ADMIN', '-j', isolation]).catch(async () => ipt(['-I', 'CNI-ADMIN', '1', '-j', isolation]));
  for (const a of nets) {
    if (a.internal) {
      await ipt(['-A', isolation, '-i', a.bridge, '!', '-o', a.bridge, '-j', 'DROP']);
      await ipt(['-A', isolation, '-o', a.bridge, '!', '-i', a.bridge, '-j', 'DROP']);
    }
    for (const b of nets) if (a !== b) await ipt(['-A', isolation, '-i', a.bridge, '-o', b.bridge, '-j', 'DROP']);
  }
  await ensureChain('filter', dns, 'INPUT');
  for (const n of nets) {
    if (!n.dnsAddress) continue;
    for (const proto of ['udp', 'tcp']) await ipt(['-A', dns, '-d', n.dnsAddress, '!', '-i', n.bridge, '-p', proto, '--dport', '53', '-j', 'DROP']);
  }
}

/** Removes a daemon's chains (tests and uninstall); the CNI plugins clean their own. */
export async function removeFirewall(tag: string): Promise<void> {
  const { isolation, dns } = chains(tag);
  await ipt(['-D', 'CNI-ADMIN', '-j', isolation]).catch(() => {});
  for (const [chain, from] of [[isolation, 'FORWARD'], [dns, 'INPUT']] as const) {
    await ipt(['-D', from, '-j', chain]).catch(() => {});
    await ipt(['-F', chain]).catch(() => {});
    await ipt(['-X', chain]).catch(() => {});
  }
}
